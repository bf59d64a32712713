"""Open SDG folders: a hand-written folder in the real format, refusals, and the round trip."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from target87 import store
from target87.ingest.errors import LoadError
from target87.interop import table
from target87.interop.opensdg import read_opensdg, write_opensdg

FIXTURE = Path(__file__).parent / "fixtures" / "opensdg"
SLICE = ["SL_TLF_CHLDEC", "VC_HTF_DETV", "GE_CHLD_LAB"]
KEY = ["series", "ref_area", "time_period", "sex", "age", "urbanisation", "source"]
FORMULA_FOOTNOTE = '=HYPERLINK("http://x")'


def warehouse_slice(session) -> pd.DataFrame:
    """Three series from every source, plus rows a format could lose: a formula-looking
    footnote, a footnote we would otherwise mistake for our own quoting, and bounds."""
    frame = store.observations(session, series=SLICE, all_sources=True)[table.OBS_COLUMNS]
    extra = frame[frame["series"] == "GE_CHLD_LAB"].head(3).copy()
    extra[["time_period", "year_from", "year_to"]] = ["1999", 1999, 1999]
    extra["footnote"] = [FORMULA_FOOTNOTE, "'+already quoted by someone", None]
    extra["lower_bound"] = [None, None, 140.25]
    extra["upper_bound"] = [None, None, 170.5]
    return pd.concat([frame, extra], ignore_index=True)


def assert_same_observations(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """Every OBS_COLUMN equal, row for row, after sorting by the key (Python values)."""

    def normal(frame: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame(table.records(frame), columns=table.OBS_COLUMNS, dtype=object)
        return out.sort_values(KEY).reset_index(drop=True)

    pd.testing.assert_frame_equal(normal(expected), normal(got))


def copy_fixture(tmp_path: Path) -> Path:
    folder = tmp_path / "opensdg"
    shutil.copytree(FIXTURE, folder)
    return folder


def rewrite_csv(path: Path, edit) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    edit(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def test_hand_written_folder_reads_to_the_expected_rows():
    raw = read_opensdg(FIXTURE, source="un_sdg_871")
    assert raw.attrs["file"] == "opensdg"
    columns = ["ref_area", "time_period", "sex", "age", "value", "unit", "obs_status"]
    columns += ["nature", "footnote", "_row", "_sheet"]
    got = raw[columns].to_dict("records")
    sheet, note = "indicator_8-7-1.csv", "Estimate, provisional survey round"
    assert got == [
        dict(zip(columns, row, strict=True))
        for row in [
            # A blank GeoCode is the reporting country of the metadata; blank Sex is the total.
            ("BRA", "2016", "_T", "Y5T17", "6.2", "PT", "A", "C", "", 2, sheet),
            ("BRA", "2016", "F", "Y5T17", "4.5", "PT", "A", "C", "", 3, sheet),
            ("BRA", "2016", "M", "Y5T17", "7.8", "PT", "A", "C", "", 4, sheet),
            ("BRA", "2019", "F", "Y5T17", "4.1", "PT", "E", "CA", note, 5, sheet),
            ("BRA", "2019", "M", "Y5T17", "7.0", "PT", "E", "CA", note, 6, sheet),
            ("BRA", "2019", "_T", "_T", "5.6", "PT", "A", "C", "", 7, sheet),
        ]
    ]
    assert set(raw["series"]) == {"SL_TLF_CHLDEC"}
    assert set(raw["source"]) == {"un_sdg_871"}
    # What the file does not say takes the SDMX defaults; years come from the period.
    assert set(raw["urbanisation"]) == {"_T"} and set(raw["reporting_type"]) == {"G"}
    assert set(raw["unit_mult"]) == {"0"}
    assert raw["year_from"].tolist() == raw["time_period"].tolist() == raw["year_to"].tolist()
    assert raw.attrs["metadata"]["8-7-1"]["indicator_number"] == "8.7.1"
    assert raw.attrs["source_columns"]["footnote"] == "COMMENT_OBS"
    # Typed without complaint: the raw table is complete.
    assert table.typed(raw)["value"].sum() == pytest.approx(35.2)
    # One CSV of the folder reads the same, its metadata found in ../meta.
    single = read_opensdg(FIXTURE / "data" / "indicator_8-7-1.csv", source="un_sdg_871")
    pd.testing.assert_frame_equal(single[table.OBS_COLUMNS], raw[table.OBS_COLUMNS])


def test_without_a_source_the_metadata_organisation_becomes_a_source_created_on_import():
    """Issue 17 item 4: the metadata's source organisation describes a source, created on
    import (it was an unknown source id before)."""
    raw = read_opensdg(FIXTURE)
    [described] = raw.attrs["sources"]
    assert set(raw["source"]) == {described["id"]} and described["id"].startswith("import_")
    assert described["publisher"] == "Instituto Brasileiro de Geografia e Estatística (IBGE)"


def test_unknown_sex_and_age_labels_are_listed_with_file_and_line(tmp_path):
    folder = copy_fixture(tmp_path)

    def edit(rows):
        rows[2][3] = "Unspecified"  # line 3
        rows[4][3] = "Unspecified"  # line 5
        rows[6][4] = "adults"  # line 7

    rewrite_csv(folder / "data" / "indicator_8-7-1.csv", edit)
    with pytest.raises(LoadError) as caught:
        read_opensdg(folder, source="un_sdg_871")
    found = {(p.column, p.line, p.sheet) for p in caught.value.problems}
    assert found == {("Sex", 3, "indicator_8-7-1.csv"), ("Age", 7, "indicator_8-7-1.csv")}
    text = str(caught.value)
    assert "'Unspecified' (2 row(s), first at 3)" in text and "'adults'" in text


def test_an_sdg_disaggregation_beyond_ours_is_kept_and_its_labels_checked(tmp_path):
    folder = copy_fixture(tmp_path)
    path = folder / "data" / "indicator_8-7-1.csv"

    def add_column(rows):
        for row in rows:
            row.insert(5, "")
        rows[0][5] = "Disability status"

    rewrite_csv(path, add_column)
    assert len(read_opensdg(folder, source="un_sdg_871")) == 6  # blank everywhere: totals

    def fill(rows):
        rows[4][5] = "PD"
        rows[5][5] = "PWD"

    rewrite_csv(path, fill)
    raw = read_opensdg(folder, source="un_sdg_871")  # issue 17: kept, no longer refused
    assert list(raw["breakdown"]) == ["_T"] * 3 + ["DISABILITY_STATUS=PD"] + [
        "DISABILITY_STATUS=PWD"
    ] + ["_T"] * (len(raw) - 5)

    def words(rows):
        rows[4][5] = "some children"

    rewrite_csv(path, words)
    with pytest.raises(LoadError) as caught:
        read_opensdg(folder, source="un_sdg_871")
    [problem] = caught.value.problems
    assert (problem.column, problem.line, problem.rule) == ("Disability status", 5, "codes")
    assert "unknown code 'some children'" in problem.reason


def test_blank_geocode_needs_a_reporting_country(tmp_path):
    folder = copy_fixture(tmp_path)
    (folder / "meta" / "8-7-1.md").unlink()
    with pytest.raises(LoadError) as caught:
        read_opensdg(folder, source="un_sdg_871")
    [problem] = caught.value.problems
    assert (problem.column, problem.line, problem.sheet) == ("GeoCode", 2, "indicator_8-7-1.csv")
    assert problem.reason.startswith("3 row(s) have no GeoCode")


def test_yaml_metadata_gives_series_units_and_country_to_a_bare_csv(tmp_path):
    (tmp_path / "indicator_8-7-1.csv").write_text(
        "Year,Sex,Value\n2020,Female,3.5\n2020,Male,4\n2020,,3.8\n", encoding="utf-8"
    )
    meta = {"REF_AREA": "076", "SERIES": "SL_TLF_CHLDEC", "UNIT_MEASURE": "Percent"}
    (tmp_path / "8-7-1.yml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    raw = read_opensdg(tmp_path, source="un_sdg_871")
    assert raw[["series", "ref_area", "unit", "sex"]].values.tolist() == [
        ["SL_TLF_CHLDEC", "BRA", "PT", "F"],
        ["SL_TLF_CHLDEC", "BRA", "PT", "M"],
        ["SL_TLF_CHLDEC", "BRA", "PT", "_T"],
    ]


def test_size_limit_refuses_before_reading(monkeypatch):
    monkeypatch.setenv("TARGET87_MAX_UPLOAD_BYTES", "100")
    with pytest.raises(LoadError) as caught:
        read_opensdg(FIXTURE)
    assert caught.value.problems[0].rule == "size"


def test_round_trip_gives_identical_observations(session, tmp_path):
    frame = warehouse_slice(session)
    assert {"2013/2021", "unknown"} <= set(frame["time_period"])  # windows are in the slice
    paths = write_opensdg(frame, tmp_path / "out", session)
    names = sorted(p.relative_to(tmp_path / "out").as_posix() for p in paths)
    assert names == [
        "data/indicator_16-2-2.csv",
        "data/indicator_8-7-1.csv",
        "meta/16-2-2.yml",
        "meta/8-7-1.yml",
    ]
    back = read_opensdg(tmp_path / "out")
    assert_same_observations(frame, table.typed(back))
    assert FORMULA_FOOTNOTE in set(back["footnote"])


def test_written_files_follow_open_sdg_layout_and_metadata_keys(session, tmp_path):
    frame = warehouse_slice(session)
    write_opensdg(frame, tmp_path, session)
    with open(tmp_path / "data" / "indicator_8-7-1.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0])
    assert header[0] == "Year" and header[-2:] == ["GeoCode", "Value"]
    assert {"Series", "Units", "Observation status", "Unit multiplier", "COMMENT_OBS"} <= set(
        header
    )
    world = [r for r in rows if r["Series"] == "GE_CHLD_LAB" and r["GeoCode"] == "001"]
    assert world  # M49 codes where they map back to the same area
    assert {"", "F", "M"} == {r["Sex"] for r in rows}  # totals are blank, never "_T"
    assert "_T" not in {r["Age"] for r in rows} | {r["URBANISATION"] for r in rows}
    quoted = [r["COMMENT_OBS"] for r in rows if r["COMMENT_OBS"].endswith('"http://x")')]
    assert quoted == ["'" + FORMULA_FOOTNOTE]  # never a live formula in a spreadsheet
    meta = yaml.safe_load((tmp_path / "meta" / "8-7-1.yml").read_text(encoding="utf-8"))
    assert meta["indicator_number"] == "8.7.1" and meta["reporting_status"] == "complete"
    assert meta["series"] == ["GE_CHLD_LAB", "SL_TLF_CHLDEC"]
    sources = {s.id: s for s in store.sources(session)}
    organisations = [v for k, v in meta.items() if k.startswith("source_organisation_")]
    citations = [v for k, v in meta.items() if k.startswith("source_other_info_")]
    used = sorted(set(frame.loc[frame["series"] != "VC_HTF_DETV", "source"]))
    assert organisations == [sources[s].publisher for s in used]
    assert citations == [sources[s].citation for s in used]


def test_series_of_the_target_only_go_to_an_8_7_x_file(session, tmp_path):
    frame = store.observations(session, series=["GE_FORC_LAB"])[table.OBS_COLUMNS]
    paths = write_opensdg(frame, tmp_path, session)
    assert [p.name for p in paths] == ["indicator_8-7-x.csv", "8-7-x.yml"]
    meta = yaml.safe_load(paths[1].read_text(encoding="utf-8"))
    assert (meta["indicator_number"], meta["target_id"]) == ("8.7.x", "8.7")
    assert_same_observations(frame, table.typed(read_opensdg(tmp_path)))


def test_a_period_its_years_contradict_is_not_exported(session, tmp_path):
    frame = store.observations(session, series=["GE_CHLD_LAB"])[table.OBS_COLUMNS].head(1)
    frame["year_from"] = 1990
    with pytest.raises(table.ExportError):
        write_opensdg(frame, tmp_path, session)
    assert not list(tmp_path.rglob("*.csv"))
