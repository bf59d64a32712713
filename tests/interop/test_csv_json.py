"""Our CSV and JSON files: round trips, encodings, malformed input, formulas, size limits."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from target87.ingest import LoadError
from target87.interop import load_file, read_any
from target87.interop.csv_io import read_csv, read_json, write_csv, write_json
from target87.interop.table import typed
from tests.interop.helpers import fingerprint, same_observations, warehouse_slice

HEADER = (
    "series,ref_area,time_period,year_from,year_to,sex,age,urbanisation,value,lower_bound,"
    "upper_bound,unit,unit_mult,obs_status,nature,reporting_type,footnote,source\n"
)
ROW = "SL_TLF_CHLDEC,BRA,2019,2019,2019,_T,Y5T17,_T,4.6,,,PT,0,A,C,N,{note},ilab_tvpra_2022\n"


def test_csv_round_trip_keeps_every_attribute(session, tmp_path):
    frame = warehouse_slice(session)
    path = tmp_path / "out.csv"
    assert write_csv(frame, path) == len(frame)
    same_observations(frame, typed(read_any(path)))


def test_json_round_trip_keeps_every_attribute(session, tmp_path):
    frame = warehouse_slice(session)
    path = tmp_path / "out.json"
    write_json(frame, path, [{"id": "x", "citation": "c"}])
    assert json.loads(path.read_text())["sources"] == [{"id": "x", "citation": "c"}]
    same_observations(frame, typed(read_json(path)))


def test_formula_looking_text_is_neutralised_in_the_csv_file(session, tmp_path):
    path = tmp_path / "out.csv"
    write_csv(warehouse_slice(session), path)
    text = path.read_text(encoding="utf-8")
    assert '"\'=HYPERLINK(""http://x"")' in text  # a spreadsheet shows it as text
    assert ",=HYPERLINK" not in text


@pytest.mark.parametrize("encoding", ["utf-8-sig", "latin-1"])
def test_bom_and_latin1_files_are_read(tmp_path, encoding):
    path = tmp_path / "in.csv"
    path.write_bytes((HEADER + ROW.format(note="Enquête nationale")).encode(encoding))
    raw = read_csv(path)
    assert raw["footnote"].tolist() == ["Enquête nationale"]
    assert raw["series"].tolist() == ["SL_TLF_CHLDEC"]


def test_undecodable_bytes_are_reported_with_their_position(tmp_path):
    path = tmp_path / "in.csv"
    data = (HEADER + ROW.format(note="x")).encode() + b"\x81\x9d"
    path.write_bytes(data)
    with pytest.raises(LoadError) as info:
        read_csv(path)
    assert f"position {len(data) - 2}" in str(info.value)


@pytest.mark.parametrize(
    "body,line,words",
    [
        (ROW.format(note="x") + ROW.format(note="a,b,c"), 3, "more cells"),
        (ROW.format(note="x") + "SL_TLF_CHLDEC,BRA\n", 3, "fewer cells"),
        (ROW.format(note='"unclosed'), None, "malformed"),
    ],
)
def test_malformed_csv_is_refused_with_its_line(tmp_path, body, line, words):
    path = tmp_path / "in.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(LoadError) as info:
        read_csv(path)
    (problem,) = info.value.problems
    assert words in problem.reason and (line is None or problem.line == line)


def test_unknown_columns_are_refused_not_dropped(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(HEADER.replace("footnote", "comments") + ROW.format(note="x"))
    with pytest.raises(LoadError, match="unknown column"):
        read_csv(path)


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path, monkeypatch):
    path = tmp_path / "in.csv"
    path.write_text(HEADER + ROW.format(note="x") * 50)
    monkeypatch.setenv("TARGET87_MAX_UPLOAD_BYTES", "1000")
    with pytest.raises(LoadError, match="over the limit of 1,000 bytes"):
        read_any(path)


def test_errors_block_the_load_and_warnings_do_not(loaded_engine, tmp_path):
    before = fingerprint(loaded_engine)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + ROW.format(note="x").replace(",4.6,", ",140,"))
    with pytest.raises(LoadError, match="percentage"):
        load_file(loaded_engine, bad)
    assert fingerprint(loaded_engine) == before
    # Girls above the total: a warning, reported, and the file loads.
    rows = [
        ROW.format(note="x").replace("_T,Y5T17", s + ",Y5T17").replace("4.6", v)
        for s, v in (("_T", "4.6"), ("F", "5.9"), ("M", "6.0"))
    ]
    warn = tmp_path / "warn.csv"
    warn.write_text(HEADER + "".join(rows))
    summary = load_file(loaded_engine, warn)
    assert summary.rows == 3 and [p.rule for p in summary.warnings] == ["bracket"]


csv_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        csv_text,
        csv_text.map(lambda t: HEADER + t),
        st.binary(max_size=300).map(lambda b: HEADER.encode() + b),
    )
)
def test_fuzzed_csv_gives_our_error_or_a_table_and_a_failed_load_changes_nothing(
    body, tmp_path_factory, fuzz_engine
):
    path = tmp_path_factory.mktemp("fuzz") / "in.csv"
    path.write_bytes(body.encode("utf-8") if isinstance(body, str) else body)
    before = fingerprint(fuzz_engine)
    try:
        load_file(fuzz_engine, path, "csv")
    except LoadError:
        assert fingerprint(fuzz_engine) == before


def test_line_numbers_survive_blank_lines_and_quoted_line_breaks(tmp_path):
    path = tmp_path / "in.csv"
    note = '"first line\nsecond line"'
    path.write_text(
        HEADER + ROW.format(note=note) + "\n" + ROW.format(note="x").replace("4.6", "lots")
    )
    with pytest.raises(LoadError) as info:
        load_file_rows(path)
    (problem,) = [p for p in info.value.problems if p.column == "value"]
    assert problem.line == 5  # header 1, record over lines 2-3, blank line 4


def load_file_rows(path):
    from target87.validation import Context, validate

    raw = read_csv(path)
    validate(raw, None, Context()).raise_for_errors()


def test_json_problems_count_observations_not_lines(tmp_path):
    path = tmp_path / "in.json"
    doc = {
        "observations": [
            {
                "series": "SL_TLF_CHLDEC",
                "ref_area": "BRA",
                "time_period": "2019",
                "sex": "_T",
                "age": "Y5T17",
                "urbanisation": "_T",
                "value": "x",
                "unit": "PT",
                "unit_mult": 0,
                "obs_status": "A",
                "reporting_type": "N",
                "source": "s",
            }
        ]
    }
    path.write_text(json.dumps(doc))
    with pytest.raises(LoadError) as info:
        load_file_rows_json(path)
    assert "observation 1, column 'value'" in str(info.value)


def load_file_rows_json(path):
    from target87.validation import Context, validate

    validate(read_json(path), None, Context()).raise_for_errors()


def test_footnote_whitespace_survives_the_round_trip(session, tmp_path):
    frame = warehouse_slice(session, extra=False).head(3).copy()
    frame["footnote"] = ["  leading", "trailing  ", " both\tsides "]
    for name, write, read in (("o.csv", write_csv, read_csv), ("o.json", write_json, read_json)):
        write(frame, tmp_path / name)
        same_observations(frame, typed(read(tmp_path / name)))


def test_merge_mode_with_a_new_source(loaded_engine, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(HEADER + ROW.format(note="x").replace("ilab_tvpra_2022", "ministry"))
    source = {
        "id": "ministry",
        "publisher": "M",
        "title": "T",
        "licence": "L",
        "citation": "C",
        "priority": 50,
    }
    summary = load_file(loaded_engine, path, new_sources=[source], mode="merge")
    assert summary.by_source == {"ministry": 1}


LINES = st.lists(
    st.tuples(
        st.text(alphabet="a,", max_size=3) | st.text(alphabet='a,"', max_size=3),  # line
        st.sampled_from(["\n", "\r\n"]),  # its end
    ),
    max_size=6,
)


@settings(max_examples=400, deadline=None)
@given(LINES, st.text(alphabet="a,", max_size=2), st.text(alphabet='a,"\n\r', max_size=12))
def test_the_quick_line_count_agrees_with_the_quote_aware_one(lines, last, noise):
    # Files without quotes or blank lines take a shortcut; it must number records exactly as
    # the general, quote-parity count does: blank lines, CRLF, no final line end, and noise.
    from target87.interop.csv_lines import record_lines as _record_lines
    from target87.interop.csv_lines import record_lines_by_quotes as _record_lines_by_quotes

    for text in ("".join(a + b for a, b in lines) + last, noise):
        data = text.encode()
        quick = _record_lines(data)
        if quick is not None:  # None: bare CR line ends, numbered plainly by the callers
            assert quick.tolist() == _record_lines_by_quotes(data).tolist(), data
