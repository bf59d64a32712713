"""Reading SDMX (SDMX-ML generic and structure-specific, SDMX-JSON, SDMX-CSV 1.0 and 2.0)
from real files, mapped onto our codes; bad input refused with located errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from target87.ingest.errors import LoadError
from target87.interop import sdmx_read
from target87.interop.sdmx_read import read_sdmx
from target87.interop.table import OBS_COLUMNS, POSITION_COLUMNS, typed

FIXTURES = Path(__file__).parent / "fixtures" / "sdmx"
SDG_FILES = [
    "sdg_SL_TLF_CHLDEC_structure_specific.xml",
    "sdg_SL_TLF_CHLDEC_generic.xml",
    "sdg_SL_TLF_CHLDEC.json",
    "sdg_SL_TLF_CHLDEC.csv",
    "sdg_SL_TLF_CHLDEC_v2.csv",
]
ILO = "ilo_DF_SDG_ALL_SDG_B871_SEX_AGE_RT"
COMMON = dict(series="SL_TLF_CHLDEC", urbanisation="_T", unit="PT", unit_mult="0")
COMMON |= dict(reporting_type="G", breakdown="_T", source_detail="")


def obs(area, period, sex, age, value, status="A", nature="", lower="", upper="", note="", src=""):
    years = period.split("/") if "/" in period else [period, period]
    return dict(
        COMMON,
        ref_area=area,
        time_period=period,
        year_from=years[0],
        year_to=years[-1],
        sex=sex,
        age=age,
        value=value,
        lower_bound=lower,
        upper_bound=upper,
        obs_status=status,
        nature=nature,
        footnote=note,
        source=src,
    )


# What every SDG-DSD fixture holds (Brazil 76 and Nepal 524 in M49), in our codes; rows
# without SOURCE_DETAIL take the `source` argument ("test_src").
PNAD_NOTE = "PNAD 2016, child labour module"
MICS_NOTE = 'Enquête MICS 2014 ("x" flag) & <note>'
WINDOW_NOTE = "most recent year in 2013-2021"
SDG = "un_sdg_871"
EXPECTED_SDG = [
    obs("BRA", "2016", "_T", "Y5T17", "5.1", "A", "CA", "4.8", "5.4", PNAD_NOTE, SDG),
    obs("BRA", "2019", "_T", "Y5T17", "4.6", "A", "CA", src=SDG),
    obs("BRA", "2019", "F", "Y5T17", "3.3", "E", "E", "2.9", "3.7", src="test_src"),
    obs("NPL", "2014", "_T", "Y5T17", "37.4", "A", "C", note=MICS_NOTE, src=SDG),
    obs("NPL", "2013/2021", "_T", "Y5T17", "39.6", "A", "CA", note=WINDOW_NOTE, src="test_src"),
    obs("NPL", "2014", "M", "Y5T14", "38.3", "A", "C", src=SDG),
]
PNAD = "data source: HS - Pesquisa Nacional por Amostra de Domicílios Contínua"
NOTED = f"{PNAD}; ILO source note: S3:5_S4:19"
MICS = "data source: HS - Multiple Indicator Cluster Survey"
GE = "data source: ILO-UNICEF Global estimates of child labour"
EXPECTED_ILO = [
    obs("BRA", "2016", "_T", "Y5T17", "5.1", note=PNAD, src="ilo_src"),
    obs("BRA", "2019", "_T", "Y5T17", "4.6", "B", note=NOTED, src="ilo_src"),
    obs("BRA", "2019", "F", "Y5T17", "3.3", "B", note=NOTED, src="ilo_src"),
    obs("NPL", "2014", "M", "Y12T14", "42.9", note=MICS, src="ilo_src"),
    obs("WLD", "2020", "_T", "Y5T17", "9.6", lower="8.9", upper="10.4", note=GE, src="ilo_src"),
]


def copy(tmp_path: Path, *names: str) -> Path:
    for name in names:
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path / names[0]


def rows(raw: pd.DataFrame) -> list[dict]:
    return raw[OBS_COLUMNS].astype(object).to_dict("records")


def problems(exc: pytest.ExceptionInfo) -> list:
    return exc.value.problems


def sdg_csv_text() -> str:
    return (FIXTURES / "sdg_SL_TLF_CHLDEC.csv").read_text("utf-8")


@pytest.mark.parametrize("name", SDG_FILES)
def test_every_format_reads_to_our_codes(tmp_path, name):
    raw = read_sdmx(copy(tmp_path, name), source="test_src")
    assert list(raw.columns) == OBS_COLUMNS + POSITION_COLUMNS
    assert rows(raw) == EXPECTED_SDG
    assert raw.attrs["file"] == name
    assert raw.attrs["source_columns"]["ref_area"] == "REF_AREA"
    assert raw.attrs["source_columns"]["footnote"] == "COMMENT_OBS"
    first = 2 if name.endswith(".csv") else 1  # CSV lines (header is line 1) or obs number
    assert raw["_row"].tolist() == list(range(first, first + 6))
    assert typed(raw)["value"].tolist() == [5.1, 4.6, 3.3, 37.4, 39.6, 38.3]


@pytest.mark.parametrize("with_structure", [True, False])
def test_ilo_structure_specific_maps_prefixed_codes(tmp_path, with_structure):
    names = [f"{ILO}.xml"] + ([f"{ILO}.structure.xml"] if with_structure else [])
    raw = read_sdmx(copy(tmp_path, *names), source="ilo_src")
    assert rows(raw) == EXPECTED_ILO  # SEX_T -> _T, AGE_CLDVERSION_Y12-14 -> Y12T14, X01 -> WLD


def test_unicef_global_dataflow_maps_indicators_and_units(tmp_path):
    raw = read_sdmx(copy(tmp_path, "unicef_GLOBAL_DATAFLOW.xml"), source="unicef_src")
    got = rows(raw)
    assert [r["series"] for r in got] == ["SL_TLF_CHLDEC", "SL_TLF_CHLDEC", "SL_TLF_CHLDEA"]
    assert {r["unit"] for r in got} == {"PT"}  # UNICEF's PCNT
    note = "Data differ from the standard definition; data source: MICS 2019"
    npl = obs("NPL", "2019", "F", "Y5T17", "39.4", lower="37.1", upper="41.8", note=note)
    assert got[1] == npl | {"source": "unicef_src"}


def test_padded_m49_and_labelled_columns(tmp_path):
    text = sdg_csv_text().replace(",76,", ",076,").replace(",524,", ",524: Nepal,")
    text = text.replace("REF_AREA", "REF_AREA:Reference area", 1)
    (tmp_path / "x.csv").write_text(text, "utf-8")
    raw = read_sdmx(tmp_path / "x.csv", source="test_src")
    assert rows(raw) == EXPECTED_SDG
    assert raw.attrs["source_columns"]["ref_area"] == "REF_AREA:Reference area"


def test_unknown_codes_are_all_listed(tmp_path):
    lines = sdg_csv_text().splitlines()
    lines[1] = lines[1].replace(",76,_T,", ",999,_T,")
    lines[2] = lines[2].replace(",76,_T,", ",999,X,")
    lines[3] = lines[3].replace(",76,F,Y5T17,", ",ZZZ,F,Y99,")
    (tmp_path / "x.csv").write_text("\n".join(lines), "utf-8")
    with pytest.raises(LoadError) as exc:
        read_sdmx(tmp_path / "x.csv")
    found = {(p.column, p.reason.split("'")[1], p.line) for p in problems(exc)}
    assert found == {
        ("REF_AREA", "999", 2),
        ("REF_AREA", "ZZZ", 4),
        ("SEX", "X", 3),
        ("AGE", "Y99", 4),
    }
    assert "unknown code '999' (2 row(s), first at 2)" in str(exc.value)


def test_unknown_ilo_age_and_unicef_indicator_are_listed(tmp_path):
    text = (
        (FIXTURES / f"{ILO}.xml")
        .read_text("utf-8")
        .replace('AGE="AGE_CLDVERSION_Y12-14"', 'AGE="AGE_YTHADULT_YGE15"')
    )
    (tmp_path / "ilo.xml").write_text(text, "utf-8")
    with pytest.raises(LoadError, match="AGE_YTHADULT_YGE15"):
        read_sdmx(tmp_path / "ilo.xml")
    text = (FIXTURES / "unicef_GLOBAL_DATAFLOW.xml").read_text("utf-8")
    (tmp_path / "u.xml").write_text(text.replace('"PT_CHLD_5-17_LBR_ECON"', '"PT_F_20-24_MRD"'))
    with pytest.raises(LoadError) as exc:
        read_sdmx(tmp_path / "u.xml")
    assert [(p.column, p.line) for p in problems(exc)] == [("INDICATOR", 3)]


TOTALS = ",_T" * 8  # the eight SDG DSD dimensions we do not hold, as the fixture has them


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        (f"{TOTALS},2016", f",Q1{',_T' * 7},2016", "INCOME_WEALTH_QUANTILE"),
        (f"{TOTALS},2019", f"{',_T' * 6},ISIC4_A,_T,2019", "ACTIVITY"),
    ],
)
def test_an_sdg_breakdown_beyond_ours_is_kept_not_refused(tmp_path, old, new, column):
    """Issue 17: the DSD's other dimensions are kept as the row's breakdown (refused before),
    and a cell that is no SDMX code is an unknown code, named with its column."""
    text = sdg_csv_text()
    assert old in text
    (tmp_path / "x.csv").write_text(text.replace(old, new, 1), "utf-8")
    raw = read_sdmx(tmp_path / "x.csv", source="s1")
    code = "Q1" if column == "INCOME_WEALTH_QUANTILE" else "ISIC4_A"
    assert set(raw["breakdown"]) == {"_T", f"{column}={code}"}
    assert (raw["breakdown"] != "_T").sum() == 1
    (tmp_path / "y.csv").write_text(text.replace(old, new.replace(code, "Z 9"), 1), "utf-8")
    with pytest.raises(LoadError) as exc:
        read_sdmx(tmp_path / "y.csv")
    [problem] = problems(exc)
    assert (problem.column, problem.rule) == (column, "codes")
    assert "unknown code 'Z 9'" in problem.reason


def test_another_sdg_dimension_in_sdmx_ml_and_non_annual_frequency(tmp_path):
    text = (FIXTURES / SDG_FILES[0]).read_text("utf-8")
    bad = text.replace('SEX="F" AGE="Y5T17" URBANISATION="_T" INCOME_WEALTH_QUANTILE="_T" '
                       'EDUCATION_LEV="_T"', 'SEX="F" AGE="Y5T17" URBANISATION="_T" '
                       'INCOME_WEALTH_QUANTILE="_T" EDUCATION_LEV="ISCED11_1"')  # fmt: skip
    assert bad != text
    (tmp_path / "x.xml").write_text(bad, "utf-8")
    kept = read_sdmx(tmp_path / "x.xml", source="s1")
    assert "EDUCATION_LEV=ISCED11_1" in set(kept["breakdown"])
    (tmp_path / "m.csv").write_text(sdg_csv_text().replace("(1.14),A,", "(1.14),M,"), "utf-8")
    with pytest.raises(LoadError, match="unknown code 'M'"):
        read_sdmx(tmp_path / "m.csv")


def test_malformed_xml_reports_line(tmp_path):
    lines = (FIXTURES / SDG_FILES[0]).read_text("utf-8").splitlines()
    lines[17] = lines[17].replace("/>", ">")  # an <Obs> left open: line 18
    (tmp_path / "x.xml").write_text("\n".join(lines), "utf-8")
    with pytest.raises(LoadError) as exc:
        read_sdmx(tmp_path / "x.xml")
    [problem] = problems(exc)
    assert problem.file == "x.xml" and problem.line is not None and problem.line >= 18
    assert problem.reason.startswith("malformed XML")


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>',
        '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    ],
)
def test_doctype_and_entities_are_refused(tmp_path, doctype):
    text = (FIXTURES / SDG_FILES[0]).read_text("utf-8")
    head, rest = text.split("\n", 1)
    (tmp_path / "x.xml").write_text(f"{head}\n{doctype}\n{rest}", "utf-8")
    with pytest.raises(LoadError, match="DOCTYPE"):
        read_sdmx(tmp_path / "x.xml")


def test_not_a_data_message_and_error_message(tmp_path):
    with pytest.raises(LoadError, match="not an SDMX data message"):
        read_sdmx(copy(tmp_path, f"{ILO}.structure.xml"))
    error = (
        '<?xml version="1.0"?><mes:Error xmlns:mes="http://www.sdmx.org/resources/sdmxml/'
        'schemas/v2_1/message"><mes:ErrorMessage code="100"><com:Text xmlns:com="http://'
        'www.sdmx.org/resources/sdmxml/schemas/v2_1/common">No Results Found</com:Text>'
        "</mes:ErrorMessage></mes:Error>"
    )
    (tmp_path / "e.xml").write_text(error, "utf-8")
    with pytest.raises(LoadError, match="No Results Found"):
        read_sdmx(tmp_path / "e.xml")


def test_malformed_json_and_csv_report_lines(tmp_path):
    text = (FIXTURES / "sdg_SL_TLF_CHLDEC.json").read_text("utf-8")
    (tmp_path / "x.json").write_text(text.replace('"dataSets": [', '"dataSets": [[', 1))
    with pytest.raises(LoadError) as exc:
        read_sdmx(tmp_path / "x.json")
    assert problems(exc)[0].line > 1 and "malformed JSON" in problems(exc)[0].reason
    (tmp_path / "y.json").write_text('{"data": {"dataSets": []}}')
    with pytest.raises(LoadError, match="not an SDMX-JSON 1.0"):
        read_sdmx(tmp_path / "y.json")
    lines = sdg_csv_text().splitlines()
    lines[3] += ",extra"
    (tmp_path / "x.csv").write_text("\n".join(lines), "utf-8")
    with pytest.raises(LoadError) as exc:
        read_sdmx(tmp_path / "x.csv")
    assert problems(exc)[0].line == 4 and "field(s)" in problems(exc)[0].reason
    (tmp_path / "z.csv").write_text("series,ref_area\nA,B\n", "utf-8")
    with pytest.raises(LoadError, match="DATAFLOW"):
        read_sdmx(tmp_path / "z.csv")


def test_row_numbers_follow_physical_lines(tmp_path):
    lines = sdg_csv_text().splitlines()
    lines[1] = lines[1].replace('"PNAD 2016, child labour module"', '"PNAD 2016,\nchild labour"')
    text = "\n".join(lines[:3]) + "\n\n" + "\n".join(lines[3:]) + "\n"  # a blank line too
    (tmp_path / "x.csv").write_text(text, "utf-8")
    raw = read_sdmx(tmp_path / "x.csv", source="test_src")
    assert raw["footnote"].iloc[0] == "PNAD 2016,\nchild labour"
    assert raw["_row"].tolist() == [2, 4, 6, 7, 8, 9]


def test_bom_and_latin1_read(tmp_path):
    text = sdg_csv_text()
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "latin1.csv").write_bytes(text.encode("latin-1"))
    for name in ("bom.csv", "latin1.csv"):
        assert rows(read_sdmx(tmp_path / name, source="test_src")) == EXPECTED_SDG
    xml = (
        (FIXTURES / SDG_FILES[0])
        .read_text("utf-8")
        .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    )
    (tmp_path / "latin1.xml").write_bytes(xml.encode("latin-1"))
    assert rows(read_sdmx(tmp_path / "latin1.xml", source="test_src")) == EXPECTED_SDG


def test_undecodable_bytes_reported_with_position(tmp_path):
    data = sdg_csv_text().encode("utf-8")
    bad = data[:300] + b"\x81\x9d" + data[300:]
    (tmp_path / "x.csv").write_bytes(bad)
    with pytest.raises(LoadError) as exc:
        read_sdmx(tmp_path / "x.csv")
    assert "0x81 at position 300" in problems(exc)[0].reason


def test_oversize_file_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setenv("TARGET87_MAX_UPLOAD_BYTES", "1000")

    def never(*_args, **_kwargs):
        raise AssertionError("the file was read although it is over the limit")

    monkeypatch.setattr(sdmx_read, "decode", never)
    for name in (SDG_FILES[0], SDG_FILES[3]):
        with pytest.raises(LoadError) as exc:
            read_sdmx(copy(tmp_path, name))
        assert problems(exc)[0].rule == "size"
    with pytest.raises(LoadError, match="not found"):
        read_sdmx(tmp_path / "missing.csv")


@pytest.mark.slow
def test_a_million_rows_of_sdmx_csv_read_whole(tmp_path):
    # Its speed is measured by benchmarks/bench_ingest.py, not asserted here.
    header, first = sdg_csv_text().splitlines()[:2]
    body = "\n".join(
        first.replace(",2016,", f",{2000 + i % 24},").replace(",76,", f",{a},")
        for i, a in enumerate(["76", "524", "4", "356"] * 6)
    )
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as f:
        f.write(header + "\n")
        for _ in range(1_000_000 // 24):
            f.write(body + "\n")
    raw = read_sdmx(path)
    assert len(raw) == 1_000_000 // 24 * 24
    assert set(raw["ref_area"]) == {"BRA", "NPL", "AFG", "IND"}
    assert raw["_row"].iloc[-1] == len(raw) + 1


# Fuzzing: whatever the bytes, the reader answers with a raw table or our LoadError.

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def only_load_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    try:
        raw = read_sdmx(path)
    except LoadError as exc:
        assert exc.problems
        return
    assert list(raw.columns) == OBS_COLUMNS + POSITION_COLUMNS


@FUZZ
@given(st.binary(max_size=3000))
def test_fuzz_random_bytes(tmp_path, data):
    only_load_error(tmp_path, data)


@FUZZ
@given(
    st.one_of(
        st.text(max_size=400),
        st.text(max_size=400).map(lambda t: sdg_csv_text().splitlines()[0] + "\n" + t),
        st.text(alphabet=',"\n\r_T:0123456789ABS ', max_size=400).map(
            lambda t: "DATAFLOW,REF_AREA,SEX,TIME_PERIOD,OBS_VALUE\n" + t
        ),
    )
)
def test_fuzz_random_text(tmp_path, text):
    only_load_error(tmp_path, text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["delete", "insert", "replace"]),
            st.integers(min_value=0, max_value=2000),
            st.binary(min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_fuzz_mutations_of_a_valid_file(tmp_path, edits):
    data = bytearray((FIXTURES / "sdg_SL_TLF_CHLDEC.csv").read_bytes())
    for op, at, chunk in edits:
        at %= len(data) + 1
        if op == "delete":
            del data[at : at + len(chunk)]
        elif op == "insert":
            data[at:at] = chunk
        else:
            data[at : at + len(chunk)] = chunk
    only_load_error(tmp_path, bytes(data))
