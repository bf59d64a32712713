"""Issue 20, items 5 and 10: the supplier list read from real CSV and Excel files (English,
French and Spanish column names, spends as people write them), refused with its file, row and
column when wrong or too large (a 200 MB upload), and the screen written to Excel, CSV and PDF
files that are opened again and read."""

from __future__ import annotations

import csv
import io
import os
import string
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from target87.supply.errors import SupplyError
from target87.supply.screen_facts import screen_suppliers
from target87.supply.screen_io import (
    DEFAULT_MAX_BYTES,
    WORDS,
    parse_suppliers,
    pdf_bytes,
    read_suppliers,
    result_dict,
    result_rows,
    write_csv,
    write_excel,
    write_pdf,
)
from tests.reporting.test_output import pdf_text

DATA = Path(__file__).resolve().parents[1] / "data" / "supply" / "screen"


def test_the_csv_and_the_excel_fixture_read_the_same_lines():
    from_csv = read_suppliers(DATA / "suppliers.csv")
    from_xlsx = read_suppliers(DATA / "suppliers.xlsx")
    assert [line.row for line in from_csv] == list(range(2, 12))
    assert from_csv[0].supplier == "Abidjan Cocoa Traders" and from_csv[0].spend == 120000.5
    assert from_csv[0].country == "Côte d'Ivoire" and from_csv[3].commodity == "HS 5001"
    assert from_csv[5].spend == 1200.0
    strip = [(x.row, x.supplier, x.country, x.spend) for x in from_csv]
    assert strip == [(x.row, x.supplier, x.country, x.spend) for x in from_xlsx]
    # The workbook holds 0901.11 as the number 901.11 (the zero lost): still read as coffee.
    assert from_xlsx[2].commodity == "901.11"


def test_french_headers_semicolons_and_decimal_commas():
    lines = read_suppliers(DATA / "fournisseurs_fr.csv")
    assert [(x.supplier, x.country, x.commodity, x.spend) for x in lines] == [
        ("Coopérative du Cacao", "Côte d’Ivoire", "fèves de cacao", 12500.5),
        ("Thé des Collines", "Kenya", "thé", 3000.0),
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,250,000", 1250000.0), ("€ 1.250.000,75", 1250000.75), ("12.5", 12.5), ("900", 900.0)],
)
def test_spends_as_written(text, value):
    data = f'supplier,country,commodity,spend\nA,Ghana,cocoa,"{text}"\n'.encode()
    assert parse_suppliers(data, "s.csv")[0].spend == value


def test_problems_name_the_file_row_and_column():
    with pytest.raises(SupplyError) as missing:
        parse_suppliers(b"supplier,nation,commodity\nA,Ghana,cocoa\n", "list.csv")
    assert (missing.value.file, missing.value.row) == ("list.csv", 1)
    assert "country" in str(missing.value)
    with pytest.raises(SupplyError) as bad:
        parse_suppliers(b"supplier,country,commodity,Spend\nA,Ghana,cocoa,1\nB,Peru,gold,lots\n",
                        "list.csv")  # fmt: skip
    assert (bad.value.row, bad.value.column) == (3, "Spend") and "'lots'" in str(bad.value)
    with pytest.raises(SupplyError, match="negative") as negative:
        parse_suppliers(b"supplier,country,commodity,spend\nA,Ghana,cocoa,-5\n", "list.csv")
    assert negative.value.row == 2
    with pytest.raises(SupplyError, match="two columns"):
        parse_suppliers(b"supplier,country,pays,commodity\nA,Ghana,Ghana,cocoa\n", "l.csv")
    with pytest.raises(SupplyError, match="no supplier lines"):
        parse_suppliers(b"supplier,country,commodity\n,,\n", "l.csv")
    with pytest.raises(SupplyError, match=r"\.xls"):
        parse_suppliers(b"\xd0\xcf\x11\xe0", "old.xls")
    with pytest.raises(SupplyError, match="not a valid xlsx"):
        parse_suppliers(b"PK\x03\x04 not really", "broken.xlsx")


def test_a_200_mb_upload_is_refused_unread_with_the_limit_named(tmp_path):
    big = tmp_path / "suppliers.csv"
    with big.open("wb") as f:  # a sparse file: 200 MB on paper, nothing on the disk
        f.write(b"supplier,country,commodity,spend\n")
        f.truncate(200 * 1024 * 1024)
    with pytest.raises(SupplyError) as refused:
        read_suppliers(big)
    assert refused.value.file == "suppliers.csv"
    assert "50 MB" in str(refused.value) and "209,715,200 bytes" in str(refused.value)
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024
    with pytest.raises(SupplyError, match="over the limit"):
        parse_suppliers(b"x" * 101, "upload.csv", limit=100)


def test_a_workbook_with_an_entity_declaration_is_refused(tmp_path):
    path = tmp_path / "evil.xlsx"
    book = Workbook()
    book.active.append(["supplier", "country", "commodity"])
    book.save(path)
    import zipfile

    evil = tmp_path / "evil2.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(evil, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, sep, rest = data.partition(b"?>") if data.startswith(b"<?xml") else (
                    b"", b"", data)  # fmt: skip
                data = head + sep + b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + rest
            dst.writestr(info, data)
    with pytest.raises(SupplyError, match="DOCTYPE") as refused:
        read_suppliers(evil)
    assert refused.value.file == "evil2.xlsx"


@pytest.fixture
def result(session):
    lines = read_suppliers(DATA / "suppliers.csv")
    lines.append(type(lines[0])(12, '=HYPERLINK("http://x","y")', "Kenya", "tea", 1.0))
    return screen_suppliers(session, lines)


def test_rows_and_json_carry_reasons_and_sources(result):
    rows = result_rows(result)
    assert rows[0]["supplier"] == "Abidjan Cocoa Traders" and rows[0]["priority"] == "high"
    assert "forced child labour" in rows[0]["flags"] and "2022 edition" in rows[0]["flags"]
    assert "US Department of Labor" in rows[0]["sources"]
    atlantis = next(r for r in rows if r["supplier"] == "Atlantis Mining")
    assert "Country 'Atlantis' is not known" in atlantis["notes"]
    widgets = next(r for r in rows if r["supplier"] == "Rheinland Widgets")
    assert "'widgets' matches no good" in widgets["notes"]
    data = result_dict(result, "es")
    assert data["dol_list_edition"] == 2022 and data["thresholds"]["child_labour_pct"] == [5, 10]
    flag = data["lines"][0]["flags"][0]
    assert flag["severity"] * flag["likelihood"] == flag["score"] == 12
    assert "trabajo infantil forzoso" in flag["reason"] and flag["source"] in data["sources"]


def test_excel_output_opens_with_its_sheets_and_formulas_quoted(result, tmp_path):
    path = write_excel(result, tmp_path / "screen.xlsx", "fr")
    book = load_workbook(path)
    assert book.sheetnames == ["Examen", "Signalements", "Sources", "Méthode"]
    sheet = book["Examen"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Rang", "Priorité", "Score", "Fournisseur"]
    first = [c.value for c in sheet[2]]
    assert first[0] == 1 and first[3] == "Abidjan Cocoa Traders" and first[4] == "Côte d'Ivoire"
    assert "travail forcé des enfants" in first[8]
    suppliers = [c.value for c in sheet["D"][1:]]
    formula = next(v for v in suppliers if "HYPERLINK" in v)
    assert formula.startswith("'=")  # text, never a formula the spreadsheet would run
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    flags = book["Signalements"]
    assert flags.max_row > len(result.lines)  # one row per flag and context figure
    sources = {r[0].value for r in book["Sources"].iter_rows(min_row=2)}
    assert sources == set(result.sources)
    assert any("5" in (r[0].value or "") for r in book["Méthode"].iter_rows())


def test_csv_output_is_ranked_and_quotes_formulas(result):
    out = io.StringIO()
    write_csv(result, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0][:4] == ["Rank", "Priority", "Score", "Supplier"]
    assert [int(r[0]) for r in rows[1:]] == list(range(1, len(result.lines) + 1))
    assert any(r[3].startswith("'=HYPERLINK") for r in rows[1:])


@pytest.mark.parametrize("lang", ["en", "es"])
def test_pdf_output_holds_the_names_reasons_and_method(result, tmp_path, lang):
    path = write_pdf(result, tmp_path / "screen.pdf", lang)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data[:8] == pdf_bytes(result, lang)[:8]
    text = pdf_text(data).replace("\xa0", " ")
    flat = " ".join(text.split())
    # pdf_text shows each line through every font's map: the lines of a wrapped name are
    # apart, so short names are looked for whole and a long one's lines one by one.
    lines = set(text.splitlines())
    assert {"Samarkand Silk", "Atlantis Mining", "Abidjan Cocoa", "Traders"} <= lines
    if lang == "es":
        assert "Examen de riesgos de abastecimiento" in flat and "Proveedor" in flat
    else:
        assert "Sourcing risk screen" in flat and "Severity: forced child labour 4" in flat


def test_every_word_has_three_languages_with_the_same_placeholders():
    fields = lambda text: {f for _, f, _, _ in string.Formatter().parse(text) if f}  # noqa: E731
    for key, texts in WORDS.items():
        assert len(texts) == 3 and all(t.strip() for t in texts), key
        assert fields(texts[1]) == fields(texts[0]) == fields(texts[2]), key


def test_nothing_is_left_behind_but_the_files_asked_for(result, tmp_path):
    before = set(os.listdir(tmp_path))
    write_excel(result, tmp_path / "a.xlsx")
    write_pdf(result, tmp_path / "a.pdf")
    assert set(os.listdir(tmp_path)) - before == {"a.xlsx", "a.pdf"}
