"""``target87 map`` then ``load --mapping`` on real national Open SDG folders, checked value by
value against the file (``tests/data/real``, see QUIRKS.md and ORIGIN.md)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from target87 import store
from target87.cli import app

runner = CliRunner()
REAL = Path(__file__).resolve().parents[1] / "data" / "real" / "opensdg"


def run(url: str, *args: str):
    return runner.invoke(app, ["--database-url", url, *args])


@pytest.fixture
def url(warehouse_url, tmp_path) -> str:
    copy = tmp_path / "copy.sqlite"
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), copy)
    return f"sqlite:///{copy}"


def stored(url: str, source: str):
    engine = store.make_engine(url)
    with Session(engine) as s:
        frame = store.observations(s, all_sources=True)
    engine.dispose()
    return frame[frame["source"] == source]


def file_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def edit(path: Path, **changes) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def add_source(url: str, source: str) -> None:
    added = run(url, "add-source", source, "--publisher", "p", "--title", "t", "--licence", "l")
    assert added.exit_code == 0, added.output


def test_armenia_counts_are_refused_in_a_percentage_series_then_skipped(url, tmp_path):
    out = tmp_path / "arm.yaml"
    mapped = run(url, "map", str(REAL / "ARM"), "--area", "am", "--series", "sl_tlf_chldec",
                 "--out", str(out))  # fmt: skip
    assert mapped.exit_code == 0, mapped.output
    assert "aged 5-11 years" in mapped.output and "Y5T11" in mapped.output
    assert "Nothing stays unknown" in mapped.output
    proposal = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert (proposal["area"], proposal["series"]) == ("ARM", "SL_TLF_CHLDEC")
    assert proposal["codes"]["sex"] == {"boy": "M", "girl": "F"}
    assert proposal["codes"]["unit"] == {"%": "PT", "number": "NUMBER"}

    # Edit 1: the metadata's source ("sources.Armstat", a translation key) is no source of
    # ours: register one and name it in the mapping.
    add_source(url, "armstat_2015")
    edit(out, source="armstat_2015")
    # As proposed, the counts would go into a percentage series: the series-unit rule refuses
    # the whole file, and nothing is stored.
    refused = run(url, "load", str(REAL / "ARM"), "--mapping", str(out))
    assert refused.exit_code == 2, refused.output
    assert "unit 'NUMBER' is not the unit of series SL_TLF_CHLDEC" in refused.output
    assert stored(url, "armstat_2015").empty

    # Edit 2: no national count series exists (GE_CHLD_LAB is the global estimates), so the
    # counts are left out knowingly with skip; the percentages load.
    edit(out, skip={"unit": ["NUMBER"]})
    checked = run(url, "check", str(REAL / "ARM"), "--mapping", str(out))
    assert checked.exit_code == 0, checked.output
    loaded = run(url, "load", str(REAL / "ARM"), "--mapping", str(out))
    assert loaded.exit_code == 0, loaded.output
    assert "8 row(s) left out by the mapping's skip" in loaded.output

    sex = {"": "_T", "boy": "M", "girl": "F"}
    age = {"": "_T", "aged 5-11 years": "Y5T11", "aged 12-15 years": "Y12T15",
           "aged 16-17 years": "Y16T17"}  # fmt: skip
    urb = {"": "_T", "urban": "U", "rural": "R"}
    expected = {
        (sex[r["Sex"]], age[r["Age"]], urb[r["Location"]]): float(r["Value"])
        for r in file_rows(REAL / "ARM" / "data" / "indicator_8-7-1.csv")
        if r["Units"] == "%"
    }
    rows = stored(url, "armstat_2015")
    got = {(r.sex, r.age, r.urbanisation): r.value for r in rows.itertuples()}
    assert got == expected and len(expected) == 8
    assert set(rows["unit"]) == {"PT"} and set(rows["series"]) == {"SL_TLF_CHLDEC"}
    assert set(rows["ref_area"]) == {"ARM"} and set(rows["time_period"]) == {"2015"}


def test_rwanda_survey_rounds_become_windows(url, tmp_path):
    out = tmp_path / "rwa.yaml"
    mapped = run(url, "map", str(REAL / "RWA"), "--out", str(out))
    assert mapped.exit_code == 0, mapped.output
    proposal = yaml.safe_load(out.read_text(encoding="utf-8"))
    # The metadata names the country ("Rwanda") and the unit ("Percentage (%)").
    assert (proposal["area"], proposal["unit"]) == ("RWA", "PT")
    assert proposal["codes"]["time_period"] == {"2013-14": "2013/2014", "2016-17": "2016/2017"}
    assert "series" in proposal["unknown"]
    # Edit: the series (the file names none; NISR's SDMX file gives these numbers as
    # SL_TLF_CHLDEA) and our source id for NISR.
    add_source(url, "nisr_eicv")
    edit(out, series="SL_TLF_CHLDEA", source="nisr_eicv", unknown={})
    loaded = run(url, "load", str(REAL / "RWA"), "--mapping", str(out))
    assert loaded.exit_code == 0, loaded.output

    sex = {"": "_T", "Male": "M", "Female": "F"}
    period = {"2013-14": "2013/2014", "2016-17": "2016/2017"}
    expected = {
        (period[r["Year"]], sex[r["Sex"]]): float(r["Value"])
        for r in file_rows(REAL / "RWA" / "data" / "indicator_8-7-1.csv")
    }
    rows = stored(url, "nisr_eicv")
    got = {(r.time_period, r.sex): r.value for r in rows.itertuples()}
    assert got == expected and len(expected) == 6
    assert set(rows["series"]) == {"SL_TLF_CHLDEA"} and set(rows["ref_area"]) == {"RWA"}
    assert {(r.year_from, r.year_to) for r in rows.itertuples()} == {(2013, 2014), (2016, 2017)}


def test_map_names_what_stays_unknown(url, tmp_path):
    mapped = run(url, "map", str(REAL / "JAM"), "--out", str(tmp_path / "jam.yaml"))
    assert mapped.exit_code == 0, mapped.output
    assert "Still unknown" in mapped.output
    assert "Category of Child Labour" in mapped.output and "GKMA" in mapped.output


def test_a_bad_mapping_file_is_refused_by_name(url, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns: {Sex: gender}\n", encoding="utf-8")
    result = run(url, "check", str(REAL / "ARM"), "--mapping", str(bad))
    assert result.exit_code == 2
    assert "Bad mapping file" in result.output


def test_map_refuses_an_unknown_area_with_the_nearest(url, tmp_path):
    result = run(url, "map", str(REAL / "ARM"), "--area", "Armenai")
    assert result.exit_code == 2
    assert "unknown area" in result.output


def test_cameroon_french_build_series_titles_mapped_by_hand(url, tmp_path):
    path = REAL / "CMR" / "built" / "fr" / "data" / "8-7-1.csv"
    out = tmp_path / "cmr.yaml"
    mapped = run(url, "map", str(path), "--area", "CMR", "--out", str(out))
    assert mapped.exit_code == 0, mapped.output
    proposal = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert proposal["codes"]["sex"] == {"Féminin": "F", "Masculin": "M"}
    assert proposal["codes"]["urbanisation"] == {"Rural": "R", "Urbain": "U"}
    assert proposal["codes"]["unit"] == {"Nombre": "NUMBER", "Pour cent": "PT"}
    assert proposal["codes"]["obs_status"] == {"Valeur Normale": "A"}
    assert proposal["columns"]["GeoCode"] == "ref_area"  # empty: --area fills it
    assert proposal["columns"]["Aire Geographique"] == "drop"  # empty too
    percent = "Proportion d’enfants de 5 à 17 ans qui travaillent (%)"
    counts = "Effectifs des enfants de 5 à 17 ans qui travaillent"
    assert sorted(proposal["unknown"]["SERIES"]) == sorted([percent, counts])
    assert "SOURCE_DETAIL" not in proposal["unknown"]  # free text: kept as source detail
    # Edits: the series titles are the file's own words for SL_TLF_CHLDEC (percentages) and
    # a count with no national count series in the store, so the counts are skipped; the
    # rows' source is a source of ours, named in the mapping.
    add_source(url, "cmr_ins")
    codes = proposal["codes"]
    codes["series"] = {percent: "SL_TLF_CHLDEC", counts: "SL_TLF_CHLDEC"}
    edit(out, codes=codes, skip={"unit": ["NUMBER"]}, unknown={}, source="cmr_ins")
    loaded = run(url, "load", str(path), "--mapping", str(out))
    assert loaded.exit_code == 0, loaded.output

    sex = {"": "_T", "Féminin": "F", "Masculin": "M"}
    urb = {"": "_T", "Urbain": "U", "Rural": "R"}
    expected = {
        (r["Year"], sex[r["Sexe"]], urb[r["Milieu de résidence"]]): float(r["Value"])
        for r in file_rows(path)
        if r["UNIT_MEASURE"] == "Pour cent"
    }
    rows = stored(url, "cmr_ins")
    got = {(r.time_period, r.sex, r.urbanisation): r.value for r in rows.itertuples()}
    assert got == expected and len(expected) == 10
    assert set(rows["ref_area"]) == {"CMR"} and set(rows["unit"]) == {"PT"}
    assert set(rows["source_detail"]) == {"National_SDG_Report"}  # SOURCE_DETAIL, kept


def test_kyrgyz_breakdowns_beyond_ours_are_kept_value_by_value(url, tmp_path):
    """Issue 17 item 1: quintile, education, school attendance and disability are kept as
    the rows' breakdowns (refused before), and the regions become areas of Kyrgyzstan."""
    path = REAL / "KGZ" / "built" / "en" / "data" / "8-7-1.csv"
    out = tmp_path / "kgz.yaml"
    mapped = run(url, "map", str(path), "--area", "KGZ", "--series", "SL_TLF_CHLDEC",
                 "--out", str(out))  # fmt: skip
    assert mapped.exit_code == 0, mapped.output
    proposal = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert proposal["codes"]["age"]["5 to 11 years old"] == "Y5T11"
    assert proposal["columns"]["Income or wealth quantile"] == "breakdown:INCOME_WEALTH_QUANTILE"
    assert proposal["columns"]["Reference area"] == "area_name"
    assert proposal["codes"]["ref_area"]["KG02"] == "KGZ-02"
    # Edit: the built file has no unit column and no metadata: the rates are percentages.
    add_source(url, "kgz_nsc")
    edit(out, unit="PT", source="kgz_nsc", unknown={})
    loaded = run(url, "load", str(path), "--mapping", str(out))
    assert loaded.exit_code == 0, loaded.output
    rows = stored(url, "kgz_nsc")
    assert len(rows) == len(file_rows(path))
    quintiles = rows[rows["breakdown"].str.startswith("INCOME_WEALTH_QUANTILE=")]
    expected = {
        (r["Year"], {"Quintile 1 (poorest)": "Q1", "Quintile 5 (richest)": "Q5"}[q]): float(
            r["Value"]
        )
        for r in file_rows(path)
        if (q := r["Income or wealth quantile"]) in ("Quintile 1 (poorest)", "Quintile 5 (richest)")
    }
    got = {
        (r.time_period, r.breakdown.split("=")[1]): r.value
        for r in quintiles.itertuples()
        if r.breakdown.endswith(("Q1", "Q5"))
    }
    assert got == expected and len(expected) >= 4
    assert "DISABILITY_STATUS=PD" in set(rows["breakdown"])
    engine = store.make_engine(url)
    with Session(engine) as s:
        osh = s.get(store.Area, "KGZ-02")
        assert (osh.kind, osh.parent) == ("subnational", "KGZ") and osh.name_en != "KGZ-02"
        words = store.breakdown_words(s, ["INCOME_WEALTH_QUANTILE=Q1"], "fr")
        assert words == {
            "INCOME_WEALTH_QUANTILE=Q1": "Quantile de revenu ou de richesse: Quintile 1 (poorest)"
        }
    engine.dispose()
    asked = ("query", "-s", "SL_TLF_CHLDEC", "-a", "KGZ", "-b", "INCOME_WEALTH_QUANTILE=Q1")
    table = run(url, *asked, "--format", "csv")
    assert table.exit_code == 0, table.output
    lines = table.output.strip().splitlines()
    assert "breakdown" in lines[0] and len(lines) == 1 + sum(1 for k in expected if k[1] == "Q1")
