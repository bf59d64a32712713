"""The command line, run in-process with Typer's runner against real SQLite files."""

from __future__ import annotations

import csv
import io
import json
import os

os.environ["COLUMNS"] = "200"  # Rich reads the width once; wide enough that cells do not wrap

import pytest
from typer.testing import CliRunner

from target87.cli import app

runner = CliRunner()


def run(url: str, *args: str):
    result = runner.invoke(app, ["--database-url", url, *args])
    return result


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


def test_init_twice_changes_nothing_and_says_so(url):
    first = run(url, "init")
    assert first.exit_code == 0, first.output
    assert "Snapshot loaded" in first.output
    second = run(url, "init")
    assert second.exit_code == 0, second.output
    assert "Nothing changed" in second.output


def test_database_url_comes_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "env.sqlite"
    monkeypatch.setenv("TARGET87_DATABASE_URL", f"sqlite:///{path}")
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert path.exists()


def test_query_csv_has_the_promised_columns(warehouse_url):
    result = run(
        warehouse_url,
        "query",
        "--series",
        "SL_TLF_CHLDEC",
        "--area",
        "BRA",
        "--format",
        "csv",
        "--with-sources",
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    for column in (
        "series",
        "ref_area",
        "time_period",
        "sex",
        "age",
        "value",
        "unit",
        "obs_status",
        "nature",
        "source",
        "citation",
    ):
        assert column in rows[0]
    totals = [r for r in rows if r["sex"] == "_T" and r["age"] == "Y5T17"]
    assert [(r["time_period"], r["value"], r["source"]) for r in totals] == [
        ("2015", "5.4", "un_sdg_871")
    ]


def test_query_all_sources_shows_both_and_which_is_preferred(warehouse_url):
    result = run(
        warehouse_url,
        "query",
        "-s",
        "SL_TLF_CHLDEC",
        "-a",
        "BRA",
        "--sex",
        "_T",
        "--age",
        "Y5T17",
        "--all-sources",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {(r["source"], r["preferred"]) for r in rows} == {
        ("un_sdg_871", True),
        ("unicef_sowc_2023", False),
    }


def test_query_filters_by_region_and_years(warehouse_url):
    result = run(
        warehouse_url,
        "query",
        "-s",
        "VC_HTF_DETV",
        "--region",
        "ILO_AMERICAS",
        "--from",
        "2010",
        "--to",
        "2012",
        "-f",
        "csv",
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and {r["time_period"] for r in rows} <= {"2010", "2011", "2012"}
    assert "BRA" in {r["ref_area"] for r in rows} or "MEX" in {r["ref_area"] for r in rows}


def test_query_world_by_name_and_unknown_area_message(warehouse_url):
    ok = run(
        warehouse_url,
        "query",
        "-s",
        "GE_CHLD_LAB",
        "-a",
        "World",
        "--sex",
        "_T",
        "--from",
        "2020",
        "--to",
        "2020",
        "-f",
        "csv",
    )
    assert ok.exit_code == 0, ok.output
    assert "160.0" in ok.stdout or ",160," in ok.stdout
    bad = run(warehouse_url, "query", "-s", "GE_CHLD_LAB", "-a", "Atlantis")
    assert bad.exit_code == 2
    assert "unknown area 'Atlantis'" in bad.output
    unknown_series = run(warehouse_url, "query", "-s", "NOPE")
    assert unknown_series.exit_code == 2 and "unknown series" in unknown_series.output


def test_profile_bra_shows_numbers_with_sources(warehouse_url):
    result = run(warehouse_url, "profile", "BRA")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Brazil" in out
    assert "5.4 %" in out and "5.3 %" in out  # total and girls, 2015, UN SDG database
    assert "2015" in out
    assert "C182" in out and "Açaí Berries" in out
    assert "Pathfinder" in out
    assert "27.6" not in out or "Americas" in out
    assert "UN Statistics Division" in out or "United Nations" in out  # a citation line


@pytest.mark.parametrize("lang,word", [("fr", "Brésil"), ("es", "Brasil")])
def test_profile_in_french_and_spanish(warehouse_url, lang, word):
    result = run(warehouse_url, "profile", "BRA", "--lang", lang)
    assert result.exit_code == 0, result.output
    assert word in result.output


def test_sources_lists_every_source_with_a_citation(warehouse_url):
    result = run(warehouse_url, "sources")
    assert result.exit_code == 0, result.output
    for source_id in ("un_sdg_871", "unicef_sowc_2023", "gems_2021", "ilab_tvpra_2022"):
        assert source_id in result.output


def test_load_command_reports_a_bad_file_with_its_location(url, tmp_path):
    assert run(url, "init").exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("series,ref_area\nSL_TLF_CHLDEC,BRA\n", encoding="utf-8")
    result = run(url, "load", str(bad))
    assert result.exit_code == 2
    assert "bad.csv, line 1" in result.output and "missing column" in result.output
