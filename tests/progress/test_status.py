"""UN SDG progress status: actual against required CAGR, checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from target87.progress import (
    CHILD_LABOUR_TARGET_YEAR,
    OPEN_SDG,
    UNSD,
    ZERO_FLOOR,
    ProgressError,
    cagr,
    progress_status,
    status_many,
)
from target87.progress.status import status_table

YEARS = [2000, 2004, 2008, 2012, 2016, 2020, 2024]
MILLIONS = pd.Series([245.5, 222.3, 215.3, 168.0, 151.6, 160.0, 137.6], index=YEARS)
PERCENT = pd.Series([16.0, 14.2, 13.6, 10.6, 9.6, 9.6, 7.8], index=YEARS)


def test_thresholds_and_floor_as_found_in_the_sources():
    # UNSD Progress Chart (UNDP-Data/SDG-Accelerator src/utils/getStatus.tsx)
    assert (UNSD.on_track, UNSD.fair, UNSD.limited) == (0.95, 0.5, -0.1)
    # Open SDG (open-sdg/sdg-build sdg/ProgressMeasure.py, quantitative target)
    assert (OPEN_SDG.on_track, OPEN_SDG.fair, OPEN_SDG.limited) == (0.95, 0.6, 0.0)
    assert ZERO_FLOOR == 0.001
    assert CHILD_LABOUR_TARGET_YEAR == 2025


def test_zero_target_uses_the_floor_by_hand():
    # x0 = 10.0 in 2015, xt = 8.0 in 2020, target 0 by 2025 -> floor f = 0.001
    # actual CAGR   = (8 / 10) ** (1 / 5) - 1 = exp(ln 0.8 / 5) - 1 = exp(-0.0446287) - 1
    #               = -0.0436475 -> -4.36475 %
    # required CAGR = (0.001 / 10) ** (1 / (2025 - 2015)) - 1 = (1e-4) ** 0.1 - 1
    #               = 10 ** -0.4 - 1 = 0.3981072 - 1 = -0.6018928 -> -60.18928 %
    # ratio = -1 * (-0.0436475) / |-0.6018928| = 0.0725171
    # UNSD: -0.1 <= 0.0725 < 0.5 -> limited or no progress; Open SDG: 0 <= R < 0.6 -> limited
    r = progress_status({2015: 10.0, 2020: 8.0}, target=0.0, target_year=2025)
    assert (r.base_year, r.latest_year) == (2015, 2020)
    assert r.actual_cagr_pct == pytest.approx(-4.36475, abs=1e-5)
    assert r.required_cagr_pct == pytest.approx(-60.18928, abs=1e-5)
    assert r.ratio == pytest.approx(0.0725171, abs=1e-7)
    assert r.category == "limited_progress" and r.label == "Limited or no progress"
    assert r.floor_used and r.target_used == 0.001 and r.target_value == 0.0
    assert any("floor 0.001" in n for n in r.notes)
    o = progress_status({2015: 10.0, 2020: 8.0}, 0.0, 2025, method="open_sdg")
    assert o.ratio == r.ratio and o.label == "Limited progress"


def test_on_track_by_hand():
    # 10 in 2015 -> 6 in 2020, target 5 by 2030
    # actual = 0.6 ** 0.2 - 1 = -0.0971195; required = 0.5 ** (1 / 15) - 1 = -0.0451584
    # ratio = 0.0971195 / 0.0451584 = 2.15064 >= 0.95 -> on track
    r = progress_status({2015: 10.0, 2020: 6.0}, 5.0, 2030)
    assert r.ratio == pytest.approx(2.150642, abs=1e-6)
    assert r.category == "on_track" and r.label == "Substantial progress/on track"
    assert not r.floor_used and not any("floor" in n for n in r.notes)


def _series_with_ratio(ratio: float) -> dict[int, float]:
    """10 in 2015 and the 2020 value that gives ``ratio`` against a target of 5 by 2030."""
    required = 0.5 ** (1 / 15) - 1  # -0.0451584
    return {2015: 10.0, 2020: 10.0 * (1 + ratio * required) ** 5}


@pytest.mark.parametrize(
    "ratio, unsd, open_sdg",
    [
        (0.96, "on_track", "on_track"),
        (0.94, "fair_progress", "fair_progress"),
        (0.61, "fair_progress", "fair_progress"),
        (0.55, "fair_progress", "limited_progress"),  # 0.5 <= R < 0.6: the methods differ
        (0.49, "limited_progress", "limited_progress"),
        (0.01, "limited_progress", "limited_progress"),
        (-0.05, "limited_progress", "deterioration"),  # -0.1 <= R < 0: they differ again
        (-0.11, "deterioration", "deterioration"),
    ],
)
def test_categories_at_the_thresholds(ratio, unsd, open_sdg):
    series = _series_with_ratio(ratio)
    r = progress_status(series, 5.0, 2030)
    assert r.ratio == pytest.approx(ratio, abs=1e-9)
    assert r.category == unsd
    assert progress_status(series, 5.0, 2030, method="open_sdg").category == open_sdg


def test_world_child_labour_by_hand():
    # no 2015 estimate: base year 2016 (9.6 %), latest 2024 (7.8 %), target 0 by 2025
    # actual   = (7.8 / 9.6) ** (1 / 8) - 1 = -0.0256210 -> -2.56210 %
    # required = (0.001 / 9.6) ** (1 / 9) - 1: ln(0.001 / 9.6) = -9.1695184; / 9 = -1.0188354
    #          exp = 0.3610151 -> -63.89849 %
    # ratio = 0.0256210 / 0.6389849 = 0.0400964 -> limited or no progress
    r = progress_status(PERCENT, 0.0, CHILD_LABOUR_TARGET_YEAR)
    assert (r.base_year, r.base_value, r.latest_year, r.latest_value) == (2016, 9.6, 2024, 7.8)
    assert r.actual_cagr_pct == pytest.approx(-2.56210, abs=1e-5)
    assert r.required_cagr_pct == pytest.approx(-63.89849, abs=1e-5)
    assert r.ratio == pytest.approx(0.0400964, abs=1e-7)
    assert r.category == "limited_progress"
    assert any("base year 2016" in n for n in r.notes)
    # millions: (137.6 / 151.6) ** (1 / 8) - 1 = -1.20388 %; (0.001 / 151.6) ** (1 / 9) - 1
    # = -73.43152 %; ratio 0.0163945
    m = progress_status(MILLIONS, 0.0, 2025)
    assert m.actual_cagr_pct == pytest.approx(-1.20388, abs=1e-5)
    assert m.required_cagr_pct == pytest.approx(-73.43152, abs=1e-5)
    assert m.ratio == pytest.approx(0.0163945, abs=1e-7)
    text = r.summary()
    for piece in ("Base year", "2016 (9.6)", "floor 0.001", "Limited or no progress", "-0.1"):
        assert piece in text


def test_cagr_helper():
    assert cagr(10.0, 8.0, 2015, 2020) == pytest.approx(0.8**0.2 - 1)
    with pytest.raises(ProgressError):
        cagr(0.0, 8.0, 2015, 2020)


# ------------------------------------------------------------------ edge cases


def test_rising_series_is_deterioration():
    # 151.6 -> 160.0 (2016-2020): actual +1.357 %; against 50 by 2030 (required -7.62 %)
    r = progress_status({2016: 151.6, 2020: 160.0}, 50.0, 2030)
    assert r.ratio < -0.1 and r.category == "deterioration"


def test_target_already_met():
    r = progress_status({2015: 3.0, 2020: 0.4}, 0.5, 2030)
    assert r.category == "target_achieved" and r.label == "Target achieved"
    assert any("meets the target" in n for n in r.notes)
    z = progress_status({2015: 3.0, 2020: 0.0}, 0.0, 2025)
    assert z.category == "target_achieved" and z.actual_cagr_pct == -100.0


def test_base_already_met_the_target_but_moved_away():
    # 0.4 in 2015 (target 0.5) and 0.6 in 2020: required is a rise, actual a rise -> R < 0
    r = progress_status({2015: 0.4, 2020: 0.6}, 0.5, 2030)
    assert r.category == "deterioration"
    assert any("already met the target" in n for n in r.notes)


def test_not_enough_data_since_the_base_year():
    with pytest.raises(ProgressError, match="only one data point since 2015"):
        progress_status({2012: 10.6, 2016: 9.6}, 0.0, 2025)
    with pytest.raises(ProgressError, match="no data in or after the base year 2015"):
        progress_status({2008: 13.6, 2012: 10.6}, 0.0, 2025)
    with pytest.raises(ProgressError, match="only one data point"):
        progress_status({2020: 9.6}, 0.0, 2025)


def test_bad_values_are_explained():
    with pytest.raises(ProgressError, match="values of zero or more"):
        progress_status({2015: 1.0, 2020: -0.2}, 0.0, 2025)
    with pytest.raises(ProgressError, match="more than once"):
        progress_status(pd.Series([1.0, 2.0, 3.0], index=[2015, 2020, 2020]), 0.0, 2025)
    with pytest.raises(ProgressError, match="must come after the base year"):
        progress_status({2015: 1.0, 2020: 0.5}, 0.0, 2015)
    with pytest.raises(ProgressError, match="unknown status method"):
        progress_status({2015: 1.0, 2020: 0.5}, method="eurostat")


def test_base_value_of_zero_is_floored_and_said():
    r = progress_status({2015: 0.0, 2020: 2.0}, 1.0, 2030)
    assert r.floor_used and any("base value of zero" in n for n in r.notes)
    assert r.category == "deterioration"


def test_higher_is_better():
    # 40 -> 50 (2015-2020), target 80 by 2030: actual 1.25 ** 0.2 - 1 = 4.5640 %;
    # required 2 ** (1 / 15) - 1 = 4.7294 %; ratio 0.96503 -> on track
    r = progress_status({2015: 40.0, 2020: 50.0}, 80.0, 2030, direction="increase")
    assert r.ratio == pytest.approx((1.25**0.2 - 1) / (2 ** (1 / 15) - 1), rel=1e-12)
    assert r.category == "on_track"


def test_long_gap_and_late_base_are_noted():
    r = progress_status({2000: 16.0, 2018: 9.0, 2024: 7.8}, 0.0, 2025)
    assert r.base_year == 2018
    assert any("gap of 18 years" in n for n in r.notes)


# ------------------------------------------------------------------ many series


def test_status_many_matches_progress_status():
    data = {
        ("WLD", "pct"): PERCENT.to_dict(),
        ("WLD", "num"): MILLIONS.to_dict(),
        ("AAA", "pct"): {2015: 10.0, 2020: 8.0},
        ("BBB", "pct"): {2016: 151.6, 2020: 160.0},
        ("CCC", "pct"): {2015: 3.0, 2020: 0.0},
        ("DDD", "pct"): {2012: 10.6, 2016: 9.6},  # one point since 2015
        ("EEE", "pct"): {2008: 13.6, 2012: 10.6},  # nothing since 2015
        ("FFF", "pct"): {2015: 0.0, 2020: 2.0},
    }
    rows = [(a, s, y, v) for (a, s), d in data.items() for y, v in d.items()]
    frame = pd.DataFrame(rows, columns=["area", "series", "year", "value"])
    for method in ("unsd", "open_sdg"):
        many = status_many(frame, ["area", "series"], 0.0, 2025, method=method)
        many = many.set_index(["area", "series"])
        for key, d in data.items():
            got = many.loc[key]
            try:
                one = progress_status(d, 0.0, 2025, method=method)
            except ProgressError:
                assert got.category == "not_assessed" and got.note
                continue
            assert got.category == one.category, key
            assert got.base_year == one.base_year and got.latest_year == one.latest_year
            assert got.actual_cagr_pct == pytest.approx(one.actual_cagr_pct, rel=1e-12)
            assert got.required_cagr_pct == pytest.approx(one.required_cagr_pct, rel=1e-12)
            if one.ratio is not None:
                assert got.ratio == pytest.approx(one.ratio, rel=1e-12)
            assert bool(got.floor_used) == one.floor_used
        assert "later base year" in many.loc[("WLD", "pct")].note
    table = status_table([progress_status(PERCENT, 0.0, 2025)])
    assert table.loc[0, "category"] == "limited_progress" and "floor" in table.loc[0, "notes"]


# ------------------------------------------------------------------ properties


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.floats(0.5, 50), min_size=2, max_size=6),
    target=st.floats(0.1, 20),
    scale=st.floats(1e-2, 1e3),
)
def test_status_does_not_depend_on_units(values, target, scale):
    series = {2015 + 2 * i: v for i, v in enumerate(values)}
    scaled = {y: v * scale for y, v in series.items()}
    a = progress_status(series, target, 2030)
    b = progress_status(scaled, target * scale, 2030)
    assert b.actual_cagr_pct == pytest.approx(a.actual_cagr_pct, abs=1e-9)
    assert b.required_cagr_pct == pytest.approx(a.required_cagr_pct, abs=1e-9)
    if a.ratio is not None and b.ratio is not None:
        assert b.ratio == pytest.approx(a.ratio, rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(x0=st.floats(1, 100), target_share=st.floats(0.01, 0.9))
def test_falling_at_exactly_the_required_rate_is_on_track(x0, target_share):
    # a series that follows the required path exactly has ratio 1
    target = x0 * target_share
    required = (target / x0) ** (1 / 15) - 1
    series = {2015 + k: x0 * (1 + required) ** k for k in range(0, 6)}
    r = progress_status(series, target, 2030)
    assert r.ratio == pytest.approx(1.0, abs=1e-9)
    assert r.category in ("on_track", "target_achieved")
    assert np.isfinite(r.actual_cagr_pct)
