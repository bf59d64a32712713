"""Group figures from country data: weights, window, coverage, never mixing definitions."""

from __future__ import annotations

import pandas as pd
import pytest

from target87.progress.aggregate import EQUAL_WEIGHTS, group_figure, latest_in_window
from target87.progress.data import NoData, group_aggregate, group_aggregates


def obs(area, period, value, source="s", preferred=True):
    if "/" in period:
        y0, y1 = (int(p) for p in period.split("/"))
    elif period == "unknown":
        y0 = y1 = None
    else:
        y0 = y1 = int(period)
    return {
        "ref_area": area,
        "time_period": period,
        "year_from": y0,
        "year_to": y1,
        "value": value,
        "source": source,
        "preferred": preferred,
    }


FRAME = pd.DataFrame(
    [
        obs("AAA", "2010", 30.0),  # before the window
        obs("AAA", "2016", 20.0),
        obs("AAA", "2019", 10.0),  # latest inside: used
        obs("BBB", "2013/2021", 40.0, "sowc"),  # a window inside 2013-2021: used
        obs("CCC", "unknown", 50.0, "sowc"),  # undated: never used
        obs("DDD", "2012", 5.0),  # only before the window
        obs("EEE", "2018", 99.0, "other", preferred=False),  # not the preferred source
        obs("EEE", "2018", 12.0),
    ]
)


def test_latest_value_inside_the_window():
    latest = latest_in_window(FRAME, start=2013)
    assert latest["value"].to_dict() == {"AAA": 10.0, "BBB": 40.0, "EEE": 12.0}


def test_equal_weights_when_no_population_and_coverage_by_countries():
    fig = group_figure("G", "S", latest_in_window(FRAME), ["AAA", "BBB", "CCC", "DDD", "EEE"])
    # (10 + 40 + 12) / 3 = 20.666...
    assert fig.value == pytest.approx(62.0 / 3)
    assert (fig.countries_with_data, fig.countries_in_group) == (3, 5)
    assert fig.coverage_countries == pytest.approx(0.6)
    assert fig.weight == EQUAL_WEIGHTS and fig.coverage_children is None
    assert fig.years == (2018, 2021)  # EEE 2018 ... BBB window ending 2021


def test_child_population_weights_and_coverage_of_children():
    pops = {"AAA": 1_000.0, "BBB": 3_000.0, "CCC": 4_000.0, "DDD": 1_000.0, "EEE": 1_000.0}
    fig = group_figure("G", "S", latest_in_window(FRAME), list(pops), pops)
    # (10*1000 + 40*3000 + 12*1000) / (1000 + 3000 + 1000) = 142000 / 5000 = 28.4
    assert fig.value == pytest.approx(28.4)
    # children in countries with data: 5000 of 10000
    assert fig.coverage_children == pytest.approx(0.5)
    assert fig.weight.startswith("child population")


def test_a_group_without_data_says_so():
    fig = group_figure("G", "S", latest_in_window(FRAME), ["ZZZ"])
    assert fig.value is None and "no member has data" in fig.summary()


def test_warehouse_groups_never_mix_definitions(session):
    chldec = group_aggregate(session, "SL_TLF_CHLDEC", "ILO_AFRICA")
    chldea = group_aggregate(session, "SL_TLF_CHLDEA", "ILO_AFRICA")
    assert chldec.series == "SL_TLF_CHLDEC" and chldea.series == "SL_TLF_CHLDEA"
    assert chldec.value != chldea.value
    assert 0 < chldec.countries_with_data <= chldec.countries_in_group
    assert any("other age bands" in why for why in chldec.left_out)
    frame = group_aggregates(session, "SL_TLF_CHLDEC", "WB_INCOME")
    assert list(frame["group"]) == ["WB_HIC", "WB_LIC", "WB_LMC", "WB_UMC"]
    low, high = frame.set_index("group").loc[["WB_LIC", "WB_HIC"], "value"]
    assert low > high  # child labour is more common in low-income countries


def test_counts_and_countries_are_refused(session):
    with pytest.raises(NoData, match="count"):
        group_aggregate(session, "VC_HTF_DETV", "ILO_AFRICA")
    with pytest.raises(NoData, match="is a country"):
        group_aggregate(session, "SL_TLF_CHLDEC", "BRA")


def test_latest_in_window_of_an_empty_selection_keeps_its_columns(session):
    """A series with no row for the chosen sex/age gave KeyError 'ref_area' (explorer 500)."""
    from target87 import store
    from target87.progress.aggregate import latest_in_window

    frame = store.observations(
        session, series=["GE_MOD_SLAV"], sex=["_T"], age=["Y5T17"], all_sources=True
    )
    assert frame.empty
    latest = latest_in_window(frame, 2013, None)
    assert latest.empty and latest.index.name == "ref_area" and "value" in latest.columns
    open_window = latest_in_window(
        store.observations(session, series=["GE_MOD_SLAV"], all_sources=True), None, None
    )
    assert "WLD" in open_window.index
