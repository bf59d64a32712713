"""CSV files as Excel writes them outside English locales (issue 14, item 8).

Excel's "CSV" in French and Spanish locales separates cells with semicolons and writes
decimal commas, in Windows-1252 ("CSV (séparateur : point-virgule)") or in UTF-8 with a BOM
("CSV UTF-8"), with CRLF line ends; its "Unicode text" is UTF-16 with a BOM and tabs. Every
file here is written byte for byte the way Excel writes it.
"""

from __future__ import annotations

import codecs

import pytest

from target87.ingest import LoadError
from target87.interop import load_file, read_any
from target87.interop.csv_io import read_csv
from target87.store import OBSERVATION_COLUMNS
from tests.interop.helpers import fingerprint

COLUMNS = list(OBSERVATION_COLUMNS)  # our CSV's header, as `export` writes it
NOTE = "Enquête nationale – 2019"  # ê and an en dash: 0xEA and 0x96 in Windows-1252
ROWS = [
    ["SL_TLF_CHLDEC", "BRA", "2019", "2019", "2019", "_T", "Y5T17", "_T", "_T", "4,6", "3,95"]
    + ["5,25"],
    ["SL_TLF_CHLDEC", "BRA", "2018", "2018", "2018", "_T", "Y5T17", "_T", "_T", "5,1", "", ""],
]
TAIL = ["PT", "0", "A", "C", "N", NOTE, "", "ilab_tvpra_2022"]


def excel_text(delimiter: str, rows=ROWS) -> str:
    lines = [delimiter.join(COLUMNS)] + [delimiter.join(r + TAIL) for r in rows]
    return "".join(line + "\r\n" for line in lines)


# The three ways Excel saves a sheet that a French or Spanish user is likely to pick.
EXCEL_FILES = {
    "csv-semicolon-cp1252": lambda: excel_text(";").encode("cp1252"),
    "csv-utf8-bom": lambda: codecs.BOM_UTF8 + excel_text(";").encode("utf-8"),
    "unicode-text-utf16": lambda: codecs.BOM_UTF16_LE + excel_text("\t").encode("utf-16-le"),
}


@pytest.mark.parametrize("kind", EXCEL_FILES)
def test_excel_csv_files_are_read_with_decimal_commas(tmp_path, kind):
    path = tmp_path / "ministère.csv"
    data = EXCEL_FILES[kind]()
    path.write_bytes(data)
    if kind == "csv-semicolon-cp1252":
        assert b";4,6;3,95;5,25;" in data and b"\x96" in data and b"\r\n" in data
    raw = read_any(path)
    assert raw["value"].tolist() == ["4.6", "5.1"]
    assert raw["lower_bound"].tolist() == ["3.95", ""]
    assert raw["upper_bound"].tolist() == ["5.25", ""]
    assert raw["footnote"].tolist() == [NOTE, NOTE]
    assert raw["series"].tolist() == ["SL_TLF_CHLDEC"] * 2
    assert raw["_row"].tolist() == [2, 3]


@pytest.mark.parametrize("kind", EXCEL_FILES)
def test_excel_csv_files_load_through_the_loader(loaded_engine, tmp_path, kind):
    path = tmp_path / "in.csv"
    path.write_bytes(EXCEL_FILES[kind]())
    summary = load_file(loaded_engine, path)
    assert summary.by_source == {"ilab_tvpra_2022": 2}
    with loaded_engine.connect() as conn:
        from sqlalchemy import text

        got = conn.execute(
            text(
                "SELECT time_period, value, lower_bound, footnote FROM observation "
                "WHERE source = 'ilab_tvpra_2022' AND series = 'SL_TLF_CHLDEC' "
                "ORDER BY time_period"
            )
        ).all()
    assert [tuple(r) for r in got] == [("2018", 5.1, None, NOTE), ("2019", 4.6, 3.95, NOTE)]


def test_utf16_without_a_bom_and_big_endian_are_read(tmp_path):
    for codec, bom in (("utf-16-le", b""), ("utf-16-be", codecs.BOM_UTF16_BE)):
        path = tmp_path / f"{codec}.txt"
        path.write_bytes(bom + excel_text("\t").encode(codec))
        assert read_csv(path)["value"].tolist() == ["4.6", "5.1"]


def test_a_comma_file_keeps_its_decimal_points_and_is_not_changed(tmp_path):
    path = tmp_path / "in.csv"
    rows = [[c.replace(",", ".") for c in r] for r in ROWS]
    path.write_bytes(excel_text(",", rows).encode("utf-8"))
    assert read_csv(path)["value"].tolist() == ["4.6", "5.1"]


def test_a_value_that_is_no_number_stays_as_written_for_the_rules_to_refuse(tmp_path):
    """Only plain decimal commas are read: "1.234,5" (a thousands separator) is reported."""
    from target87.validation import Context, validate

    path = tmp_path / "in.csv"
    rows = [ROWS[0][:9] + ["1.234,5", "", ""]]
    path.write_bytes(excel_text(";", rows).encode("cp1252"))
    raw = read_csv(path)
    assert raw["value"].tolist() == ["1.234,5"]
    report = validate(raw, None, Context())
    [problem] = [p for p in report.errors if p.column == "value"]
    assert problem.line == 2


def test_an_unknown_delimiter_is_named_in_the_refusal(tmp_path):
    path = tmp_path / "pipes.csv"
    path.write_bytes(excel_text("|").encode("utf-8"))
    with pytest.raises(LoadError) as info:
        read_csv(path)
    [problem] = info.value.problems
    assert (problem.file, problem.line) == (str(path), 1)
    assert "missing column(s) series, ref_area, time_period, value" in problem.reason
    assert "no comma, semicolon or tab" in problem.reason


def test_a_semicolon_header_with_other_names_says_it_was_split_at_semicolons(tmp_path):
    path = tmp_path / "fr.csv"
    path.write_bytes("série;pays;année;valeur\r\nSL_TLF_CHLDEC;BRA;2019;4,6\r\n".encode("cp1252"))
    with pytest.raises(LoadError) as info:
        read_csv(path)
    [problem] = info.value.problems
    assert "missing column(s) series, ref_area, time_period, value" in problem.reason
    assert "semicolon" in problem.reason and "série, pays, année, valeur" in problem.reason


def test_a_ragged_semicolon_file_is_refused_with_its_line(tmp_path):
    path = tmp_path / "in.csv"
    text = excel_text(";") + "SL_TLF_CHLDEC;BRA\r\n"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(LoadError) as info:
        read_csv(path)
    [problem] = info.value.problems
    assert problem.line == 4 and "fewer cells than header columns" in problem.reason


def test_broken_utf16_is_refused_naming_the_encoding(tmp_path):
    path = tmp_path / "in.csv"
    # A BOM, then a high surrogate with no low one after it.
    path.write_bytes(codecs.BOM_UTF16_LE + "series\t".encode("utf-16-le") + b"\x00\xd8A\x00")
    with pytest.raises(LoadError) as info:
        read_csv(path)
    [problem] = info.value.problems
    assert "UTF-16" in problem.reason and "position" in problem.reason


def test_binary_content_is_refused_as_not_text(tmp_path):
    path = tmp_path / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    with pytest.raises(LoadError) as info:
        read_csv(path)
    [problem] = info.value.problems
    assert "not text" in problem.reason and "position 8" in problem.reason


def test_a_refused_excel_file_changes_nothing(loaded_engine, tmp_path):
    before = fingerprint(loaded_engine)
    path = tmp_path / "in.csv"
    rows = [ROWS[0][:9] + ["140", "", ""], ROWS[1]]  # 140 %: outside the percentage range
    path.write_bytes(excel_text(";", rows).encode("cp1252"))
    with pytest.raises(LoadError, match="percentage"):
        load_file(loaded_engine, path)
    assert fingerprint(loaded_engine) == before
