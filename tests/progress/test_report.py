"""Progress for warehouse series: numbers checked by hand, notes for edge cases, the CLI."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from target87.cli import app
from target87.interop import load_table
from target87.interop.table import fill_period_bounds, raw_table
from target87.progress.report import PUBLISHED_CLAIM, acceleration_check, progress_report

runner = CliRunner()


def test_world_child_labour_status_by_hand(session):
    report = progress_report(session, "GE_CHLD_LAB_PT", "WLD")
    st = report.status
    # No 2015 estimate: the base is 2016 (9.6 %); latest 2024 (7.8 %); target 0 by 2025,
    # replaced by the floor 0.001.
    actual = (7.8 / 9.6) ** (1 / (2024 - 2016)) - 1  # = -0.025621
    required = (0.001 / 9.6) ** (1 / (2025 - 2016)) - 1  # = -0.638978
    assert (st.base_year, st.latest_year, st.target_year) == (2016, 2024, 2025)
    assert st.actual_cagr_pct == pytest.approx(100 * actual)
    assert st.required_cagr_pct == pytest.approx(100 * required)
    assert st.ratio == pytest.approx(actual / required)  # 0.0401
    assert st.floor_used and st.label == "Limited or no progress"
    assert set(report.citations) == {
        "ilo_ipec_2013",
        "ilo_2017",
        "ilo_unicef_2021",
        "ilo_unicef_2025",
    }
    whole = report.rates.iloc[0]
    assert (whole.period_start, whole.period_end) == (2000, 2024)
    assert whole.aarr_pct == pytest.approx(100 * (1 - (7.8 / 16.0) ** (1 / 24)))  # 2.949 %
    assert list(report.rates["period_start"]) == [2000, 2000, 2012, 2016, 2020]


def test_the_published_eleven_times_is_compared_never_produced(session):
    frame = acceleration_check(session)
    near = frame[frame["near_claim"]]
    (row,) = near.itertuples()
    threshold = 137.6 * 0.5 / 7.8  # the count at which 2024 prevalence would be 0.5 %
    required = 1 - (threshold / 137.6) ** (1 / 5)
    observed = 1 - (137.6 / 160.0) ** (1 / 4)
    assert row.series == "GE_CHLD_LAB" and row.formulation == "compound (AARR)"
    assert (row.observed_start, row.observed_end) == (2020, 2024)
    assert row.acceleration_factor == pytest.approx(required / observed)  # 11.42
    assert abs(row.acceleration_factor - PUBLISHED_CLAIM) > 0.1  # not the claim itself


def test_edge_cases_give_notes_not_nonsense(session):
    one = progress_report(session, "SL_TLF_CHLDEC", "BRA")
    assert one.status is None and one.projections == {}
    assert any("one data point" in n for n in one.notes)
    assert any("without a single year" in n for n in one.notes)  # the SOWC window
    victims = progress_report(session, "VC_HTF_DETV", "BRA")
    assert victims.status is None and any("no target" in n for n in victims.notes)


def test_two_sources_for_the_same_year_use_the_preferred_and_say_so(loaded_engine):
    row = {
        "series": "GE_CHLD_LAB",
        "ref_area": "WLD",
        "time_period": "2024",
        "sex": "_T",
        "age": "Y5T17",
        "urbanisation": "_T",
        "value": "140.0",
        "unit": "NUMBER",
        "unit_mult": "6",
        "obs_status": "A",
        "nature": "M",
        "reporting_type": "G",
        "source": "other_estimate",
    }
    source = {
        "id": "other_estimate",
        "publisher": "X",
        "title": "Y",
        "licence": "Z",
        "citation": "X (2025). Y.",
        "priority": 90,
    }
    load_table(
        loaded_engine, fill_period_bounds(raw_table([row], file="x.csv")), new_sources=[source]
    )
    with Session(loaded_engine) as s:
        report = progress_report(s, "GE_CHLD_LAB", "WLD")
    assert report.points.values[2024] == 137.6
    assert any("other sources for the same years not used" in n for n in report.notes)


def run(url, *args):
    return runner.invoke(app, ["--database-url", url, *args])


def test_cli_prints_the_tables_and_draws_the_chart(warehouse_url, tmp_path):
    chart = tmp_path / "world.svg"
    result = run(warehouse_url, "progress", "-s", "GE_CHLD_LAB", "-a", "WLD", "--chart", str(chart))
    assert result.exit_code == 0, result.output
    for words in (
        "Rates",
        "Projection at the observed pace",
        "Required acceleration",
        "UN progress status",
        "ilo_unicef_2025",
    ):
        assert words in result.output
    svg = chart.read_text()
    assert re.search(r'class="mark-rule role-mark target_marks"', svg)
    observed = re.search(r'role-mark observed_marks"[^>]*>(.*?)</g>', svg, re.S).group(1)
    assert observed.count("<path") == 7  # 2000, 2004, ..., 2024


def test_cli_builds_a_region_from_its_countries_and_refuses_unknowns(warehouse_url):
    region = run(warehouse_url, "progress", "-s", "SL_TLF_CHLDEC", "-a", "ILO_AFRICA")
    assert region.exit_code == 0 and "countries" in region.output and "weight" in region.output
    unknown = run(warehouse_url, "progress", "-s", "SL_TLF_CHLDEC", "-a", "Atlantis")
    assert unknown.exit_code == 2
    accel = run(warehouse_url, "acceleration")
    assert accel.exit_code == 0 and "Within 10 % of the published 11" in accel.output


def test_tidy_frames_for_every_country_series_and_sex(session):
    from target87.progress.report import projections_all, status_all

    status = status_all(session)
    assert {"series", "area", "sex", "category", "ratio"} <= set(status.columns)
    assert "VC_HTF_DETV" not in set(status["series"])  # no target
    nepal = status[(status["series"] == "SL_TLF_CHLDEC") & (status["area"] == "NPL")]
    assert set(nepal["sex"]) == {"_T", "F", "M"}
    proj = projections_all(session)
    assert set(proj["method"]) == {"log-linear", "linear"} and set(proj["year"]) == {2025, 2030}
