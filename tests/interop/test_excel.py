"""Excel: export and read back, the template, formulas, zip bombs and size limits."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import openpyxl
import pytest
from typer.testing import CliRunner

import target87.cli.template_cmd  # noqa: F401  (registers `template` on the app)
from target87 import store
from target87.cli import app
from target87.ingest.errors import LoadError
from target87.interop import excel_read, table
from target87.interop.excel_read import read_xlsx
from target87.interop.excel_template import TEMPLATE_COLUMNS, write_template
from target87.interop.excel_write import sheet_title, write_excel
from tests.interop.test_opensdg import (
    FORMULA_FOOTNOTE,
    assert_same_observations,
    warehouse_slice,
)

LIST_COLUMNS = {
    "series",
    "ref_area",
    "sex",
    "age",
    "urbanisation",
    "unit",
    "obs_status",
    "nature",
    "reporting_type",
    "source",
}


def no_parsing(monkeypatch) -> None:
    """Make any attempt to open the workbook fail the test: refusals must come first."""

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl was asked to parse a file that should have been refused")

    monkeypatch.setattr(excel_read.openpyxl, "load_workbook", refuse)


def texts(ws) -> list[str]:
    return [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]


def test_round_trip_gives_identical_observations(session, tmp_path):
    frame = warehouse_slice(session)
    path = write_excel(frame, store.sources(session), tmp_path / "export.xlsx")
    back = read_xlsx(path)
    assert_same_observations(frame, table.typed(back))
    assert set(back["_sheet"]) == {"SL_TLF_CHLDEC", "VC_HTF_DETV", "GE_CHLD_LAB"}
    assert FORMULA_FOOTNOTE in set(back["footnote"])


def test_export_stores_formula_looking_text_as_quoted_text(session, tmp_path):
    frame = warehouse_slice(session)
    path = write_excel(frame, store.sources(session), tmp_path / "export.xlsx")
    wb = openpyxl.load_workbook(path)  # full mode: every cell with its data type
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    [cell] = [c for c in cells if str(c.value).endswith('"http://x")')]
    assert (cell.data_type, cell.value) == ("s", "'" + FORMULA_FOOTNOTE)
    sources = list(wb["Sources"].iter_rows(values_only=True))
    header = list(sources[0])
    assert header[:2] == ["id", "publisher"] and {"licence", "citation"} <= set(header)
    citation = {r[0]: r[header.index("citation")] for r in sources[1:]}
    assert citation == {s.id: s.citation for s in store.sources(session)}


def test_sheet_titles_are_safe_short_and_unique():
    taken: set[str] = set()
    long = "A_VERY_LONG_SERIES_CODE_THAT_GOES_ON_AND_ON"
    titles = [sheet_title(n, taken) for n in (long, long, "a/b:c*d?", "Sources", "'x'")]
    assert all(len(t) <= 31 for t in titles)
    assert titles[0] == long[:31] and titles[1] != titles[0]
    assert titles[2] == "a_b_c_d_" and titles[3] != "Sources" and titles[4] == "x"


def test_template_has_drop_downs_on_the_code_columns(session, tmp_path):
    path = write_template(tmp_path / "t.xlsx", session, ["SL_TLF_CHLDEC"], ["BRA", "IND"])
    wb = openpyxl.load_workbook(path)
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    assert header == TEMPLATE_COLUMNS
    kinds: dict[str, str] = {}
    for dv in ws.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            column = header[cell_range.min_col - 1]
            kinds[column] = dv.type
            if dv.type == "list":
                assert dv.formula1.startswith("'codes'!"), dv.formula1
            if dv.type == "decimal":
                assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "0")
    assert {c for c, k in kinds.items() if k == "list"} == LIST_COLUMNS
    assert {c for c, k in kinds.items() if k == "decimal"} == {
        "value",
        "lower_bound",
        "upper_bound",
    }
    codes = wb["codes"]
    assert codes.sheet_state == "hidden"
    lists = {col[0].value: [c.value for c in col[1:] if c.value] for col in codes.columns}
    assert lists["ref_area"] == ["BRA", "IND"]
    assert lists["sex"] == ["_T", "F", "M"]
    assert set(lists["source"]) == {s.id for s in store.sources(session)}
    # The list formula points at exactly the codes of its column.
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list":
            [cell_range] = dv.sqref.ranges
            column = header[cell_range.min_col - 1]
            letter, last = re.search(r"\$([A-Z]+)\$2:\$[A-Z]+\$(\d+)$", dv.formula1).groups()
            values = [c.value for c in codes[letter][1 : int(last)]]
            assert values == lists[column]
    prefilled = list(ws.iter_rows(min_row=2, max_row=3, max_col=2, values_only=True))
    assert prefilled == [("SL_TLF_CHLDEC", "BRA"), ("SL_TLF_CHLDEC", "IND")]


def test_template_without_areas_offers_every_country(session, tmp_path):
    path = write_template(tmp_path / "t.xlsx", session, ["GE_CHLD_LAB"], None)
    codes = openpyxl.load_workbook(path)["codes"]
    areas = [c.value for c in codes["B"][1:] if c.value]
    countries = session.query(store.Area).filter(store.Area.kind == "country").count()
    assert codes["B1"].value == "ref_area" and len(areas) == countries


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_instructions_are_translated_with_no_english_sentence_left(session, tmp_path, lang):
    def instructions(language: str) -> tuple[list[str], list[str]]:
        path = write_template(
            tmp_path / f"{language}.xlsx", session, ["VC_HTF_DETV"], None, language
        )
        wb = openpyxl.load_workbook(path)
        comments = [c.comment.text for c in wb.worksheets[1][1] if c.comment]
        return texts(wb.worksheets[0]), comments

    english, english_comments = instructions("en")
    other, other_comments = instructions(lang)
    assert other != english and len(other) == len(english)
    sentences = {t for t in english + english_comments if len(t.split()) >= 4}
    assert sentences, "the English instructions have sentences to compare"
    assert not sentences & set(other + other_comments)


def test_a_filled_template_reads_back(session, tmp_path):
    path = write_template(tmp_path / "t.xlsx", session, ["SL_TLF_CHLDEC"], ["BRA", "IND"])
    wb = openpyxl.load_workbook(path)
    ws = wb["data"]
    col = {name: i + 1 for i, name in enumerate(TEMPLATE_COLUMNS)}

    def put(row: int, **values) -> None:
        for name, value in values.items():
            ws.cell(row=row, column=col[name], value=value)

    common = {"reporting_type": "N", "source": "un_sdg_871"}
    put(2, time_period="2019", value=4.1, footnote="household survey", **common)  # BRA row
    # Row 3 (IND) stays as pre-filled: no period, no value, so it is not an observation.
    put(4, series="SL_TLF_CHLDEC", ref_area="076", sex="F", age="Y5T17", urbanisation="_T")
    put(4, time_period=2020, value=3, unit="PT", unit_mult=0, obs_status="E", **common)
    put(4, footnote=dt.datetime(2021, 5, 1), lower_bound=2.5, upper_bound=3.75)
    wb.save(path)
    raw = read_xlsx(path)
    assert raw["_row"].tolist() == [2, 4] and set(raw["_sheet"]) == {"data"}
    got = raw[["ref_area", "time_period", "year_from", "sex", "value", "footnote"]]
    assert got.values.tolist() == [
        ["BRA", "2019", "2019", "_T", "4.1", "household survey"],
        ["BRA", "2020", "2020", "F", "3", "2021-05-01"],  # M49 076 is Brazil
    ]
    assert raw.loc[1, ["lower_bound", "upper_bound", "unit_mult"]].tolist() == [
        "2.5",
        "3.75",
        "0",
    ]
    typed = table.typed(raw)
    assert typed["value"].tolist() == [4.1, 3.0]


def test_a_formula_is_reported_with_sheet_row_column_and_never_evaluated(tmp_path):
    path = tmp_path / "upload.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "my data"
    ws.append(TEMPLATE_COLUMNS)
    row = dict.fromkeys(TEMPLATE_COLUMNS, "x")
    row.update(value="=1+1", footnote='=WEBSERVICE("http://evil.example")')
    ws.append([row[c] for c in TEMPLATE_COLUMNS])
    wb.save(path)
    # Give the formula a cached result, as Excel would: a reader trusting it would see 2.
    with zipfile.ZipFile(path) as src:
        members = {i.filename: src.read(i) for i in src.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r"<f>1\+1</f>(<v\s*/>|<v></v>)?", "<f>1+1</f><v>2</v>", sheet)
    members["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(name, data)
    cached = openpyxl.load_workbook(path, data_only=True)["my data"]
    assert cached.cell(row=2, column=TEMPLATE_COLUMNS.index("value") + 1).value == 2

    with pytest.raises(LoadError) as caught:
        read_xlsx(path)
    found = {(p.sheet, p.line, p.column, p.rule) for p in caught.value.problems}
    assert found == {
        ("my data", 2, "value", "formula"),
        ("my data", 2, "footnote", "formula"),
    }
    assert all("formula not allowed" in p.reason for p in caught.value.problems)


def test_an_unknown_or_repeated_column_is_refused_not_dropped(tmp_path):
    path = tmp_path / "extra.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append([*TEMPLATE_COLUMNS, "disability", "value"])
    wb.active.append(["x"] * (len(TEMPLATE_COLUMNS) + 2))
    wb.save(path)
    with pytest.raises(LoadError) as caught:
        read_xlsx(path)
    [problem] = caught.value.problems
    assert problem.line == 1 and "disability" in problem.reason and "value" in problem.reason


def test_zip_bomb_is_refused_before_parsing(tmp_path, monkeypatch):
    path = tmp_path / "bomb.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(TEMPLATE_COLUMNS)
    wb.save(path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * 30_000_000)  # ~30 kB compressed
    assert path.stat().st_size < 200_000
    no_parsing(monkeypatch)
    with pytest.raises(LoadError) as caught:
        read_xlsx(path)
    [problem] = caught.value.problems
    assert problem.rule == "size" and "zip bomb" in problem.reason


def test_size_limit_is_configurable_and_checked_first(tmp_path, monkeypatch):
    path = write_excel(table.typed(table.raw_table([], file="x")), [], tmp_path / "small.xlsx")
    monkeypatch.setenv("TARGET87_MAX_UPLOAD_BYTES", "1000")
    no_parsing(monkeypatch)
    with pytest.raises(LoadError) as caught:
        read_xlsx(path)
    assert caught.value.problems[0].rule == "size"
    assert "over the limit of 1,000 bytes" in caught.value.problems[0].reason


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("series,ref_area\n", encoding="utf-8")
    with pytest.raises(LoadError, match="not a valid xlsx"):
        read_xlsx(path)


def test_cli_template_writes_a_workbook_and_refuses_unknown_codes(warehouse_url, tmp_path):
    runner = CliRunner()
    out = tmp_path / "t.xlsx"
    args = ["--database-url", warehouse_url, "template"]
    ok = runner.invoke(app, [*args, "SL_TLF_CHLDEC", "--area", "BRA", "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    assert openpyxl.load_workbook(out).sheetnames == ["Instructions", "data", "codes"]
    es = runner.invoke(app, [*args, "GE_CHLD_LAB", "--lang", "es", "--out", str(out)])
    assert es.exit_code == 0 and openpyxl.load_workbook(out).sheetnames[0] == "Instrucciones"
    bad_series = runner.invoke(app, [*args, "NOPE", "--out", str(out)])
    assert bad_series.exit_code == 2 and "unknown series" in bad_series.output
    bad_area = runner.invoke(app, [*args, "SL_TLF_CHLDEC", "-a", "Atlantis", "--out", str(out)])
    assert bad_area.exit_code == 2 and "unknown area" in bad_area.output
