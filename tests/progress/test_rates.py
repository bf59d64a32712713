"""Rates: AARR, absolute change, log-linear and linear fits, checked by hand and by statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from target87.progress import (
    WORLD_PERIODS,
    ProgressError,
    aarr,
    absolute_change_per_year,
    as_year_values,
    fit_linear,
    fit_log_linear,
    fit_many,
    period_rates,
    rate_between,
)

# ILO-UNICEF global estimates of child labour (2024 report): children aged 5-17.
YEARS = [2000, 2004, 2008, 2012, 2016, 2020, 2024]
MILLIONS = pd.Series([245.5, 222.3, 215.3, 168.0, 151.6, 160.0, 137.6], index=YEARS)
PERCENT = pd.Series([16.0, 14.2, 13.6, 10.6, 9.6, 9.6, 7.8], index=YEARS)


# ------------------------------------------------------------------ two-point rates by hand


def test_aarr_2020_2024_percent_by_hand():
    # 7.8 / 9.6 = 0.8125; ln 0.8125 = -0.2076394; / 4 = -0.0519098; exp = 0.9494145
    # AARR = 1 - 0.9494145 = 0.0505855 -> 5.0586 %
    assert aarr(9.6, 7.8, 2020, 2024) == pytest.approx(5.05855, abs=1e-5)
    assert aarr(9.6, 7.8, 2020, 2024) == pytest.approx(100 * (1 - (7.8 / 9.6) ** 0.25), rel=1e-15)


def test_aarr_2000_2024_by_hand():
    # percent: 7.8 / 16 = 0.4875; ln = -0.7184650; / 24 = -0.0299360; 1 - exp = 0.0294924
    assert aarr(16.0, 7.8, 2000, 2024) == pytest.approx(2.94924, abs=1e-5)
    # millions: 137.6 / 245.5 = 0.5604888; ln = -0.5789460; / 24 = -0.0241228; 1 - exp = 0.0238341
    assert aarr(245.5, 137.6, 2000, 2024) == pytest.approx(2.38341, abs=1e-5)


def test_absolute_change_by_hand():
    # percentage points: (7.8 - 9.6) / 4 = -0.45 a year; millions: (137.6 - 160.0) / 4 = -5.6
    assert absolute_change_per_year(9.6, 7.8, 2020, 2024) == pytest.approx(-0.45)
    assert absolute_change_per_year(160.0, 137.6, 2020, 2024) == pytest.approx(-5.6)
    # 2000-2024: (137.6 - 245.5) / 24 = -107.9 / 24 = -4.4958333
    assert absolute_change_per_year(245.5, 137.6, 2000, 2024) == pytest.approx(-4.4958333, abs=1e-7)


def test_aarr_end_value_zero_is_full_reduction_and_bad_inputs_are_explained():
    assert aarr(10.0, 0.0, 2000, 2010) == 100.0
    with pytest.raises(ProgressError, match="start value above zero"):
        aarr(0.0, 5.0, 2000, 2010)
    with pytest.raises(ProgressError, match="end value of zero or more"):
        aarr(5.0, -1.0, 2000, 2010)
    with pytest.raises(ProgressError, match="must come after"):
        aarr(5.0, 4.0, 2010, 2010)


def test_rising_series_has_negative_aarr():
    # 9.6 in 2016 to 9.6 in 2020 is flat; 151.6 to 160.0 million is a rise:
    # 160 / 151.6 = 1.0554090; ln = 0.0539283; / 4 = 0.0134821; exp = 1.0135734
    # AARR = 1 - 1.0135734 = -1.35734 %
    assert aarr(9.6, 9.6, 2016, 2020) == 0.0
    assert aarr(151.6, 160.0, 2016, 2020) == pytest.approx(-1.35734, abs=1e-5)


# ------------------------------------------------------------------ fits by hand


def test_log_linear_fit_by_hand_three_points():
    # ln x = 0, -0.1, -0.3 at 2000, 2001, 2002.
    # mean t = 2001, mean z = -0.4/3 = -0.1333333; centred t = -1, 0, 1; Sxx = 2
    # Sxz = (-1)(0 + 0.1333333) + (1)(-0.3 + 0.1333333) = -0.1333333 - 0.1666667 = -0.3
    # slope = -0.3 / 2 = -0.15; residuals = -1/60, 2/60, -1/60; SSR = 6/3600 = 0.0016667
    # s^2 = SSR / (3 - 2) = 0.0016667; se = sqrt(s^2 / Sxx) = 0.0288675
    # t(0.975, 1) = 12.7062047; CI of slope = -0.15 -/+ 0.3667967
    # AARR = 1 - exp(-0.15) = 13.9292 %; its CI = 1 - exp(CI of slope, reversed)
    fit = fit_log_linear({2000: 1.0, 2001: math.exp(-0.1), 2002: math.exp(-0.3)})
    assert fit.slope == pytest.approx(-0.15, abs=1e-12)
    assert fit.slope_se == pytest.approx(math.sqrt(0.0016666667 / 2), rel=1e-7)
    lo, hi = fit.slope_ci()
    half = 12.7062047 * 0.0288675
    assert lo == pytest.approx(-0.15 - half, abs=1e-6)
    assert hi == pytest.approx(-0.15 + half, abs=1e-6)
    assert fit.aarr_pct == pytest.approx(13.9292, abs=1e-4)
    a_lo, a_hi = fit.aarr_ci_pct()
    assert a_lo == pytest.approx(100 * (1 - math.exp(-0.15 + half)), abs=1e-4)  # -24.21 %
    assert a_hi == pytest.approx(100 * (1 - math.exp(-0.15 - half)), abs=1e-4)  # 40.36 %
    assert a_lo < fit.aarr_pct < a_hi


def test_linear_fit_world_percent_by_hand():
    # centred years -12, -8, -4, 0, 4, 8, 12; Sxx = 2 * (144 + 64 + 16) = 448
    # Sum(tc * x) = -192 - 113.6 - 54.4 + 0 + 38.4 + 76.8 + 93.6 = -151.2
    # slope = -151.2 / 448 = -0.3375 percentage points a year; mean = 81.4 / 7 = 11.628571
    fit = fit_linear(PERCENT)
    assert fit.slope == pytest.approx(-0.3375, abs=1e-12)
    assert fit.level == pytest.approx(81.4 / 7, abs=1e-12)
    assert fit.mean_year == 2012


def test_exact_two_points_have_no_interval():
    fit = fit_log_linear({2020: 9.6, 2024: 7.8})
    assert fit.aarr_pct == pytest.approx(aarr(9.6, 7.8, 2020, 2024), rel=1e-12)
    assert all(math.isnan(v) for v in fit.aarr_ci_pct())
    assert any("two points" in n for n in fit.notes)


@pytest.mark.parametrize("series", [PERCENT, MILLIONS], ids=["percent", "millions"])
@pytest.mark.parametrize("model", ["log-linear", "linear"])
def test_closed_form_ols_matches_statsmodels(series, model):
    y = np.log(series.to_numpy()) if model == "log-linear" else series.to_numpy()
    X = sm.add_constant(np.asarray(YEARS, dtype=float))
    ref = sm.OLS(y, X).fit()
    fit = fit_log_linear(series) if model == "log-linear" else fit_linear(series)
    assert fit.slope == pytest.approx(ref.params[1], abs=1e-10)
    assert fit.intercept == pytest.approx(ref.params[0], abs=1e-10)
    assert fit.slope_se == pytest.approx(ref.bse[1], abs=1e-10)
    assert fit.resid_var == pytest.approx(ref.scale, abs=1e-10)
    lo, hi = fit.slope_ci()
    ci = ref.conf_int(alpha=0.05)
    assert lo == pytest.approx(ci[1, 0], abs=1e-10)
    assert hi == pytest.approx(ci[1, 1], abs=1e-10)
    lo90, hi90 = fit.slope_ci(0.90)
    ci90 = ref.conf_int(alpha=0.10)
    assert (lo90, hi90) == pytest.approx((ci90[1, 0], ci90[1, 1]), abs=1e-10)


def test_world_fitted_aarr_2000_2024():
    # log-linear fit over the seven points: slope -0.0293452 -> AARR 2.892 %, 95 % CI 2.22-3.56
    fit = fit_log_linear(PERCENT)
    assert fit.aarr_pct == pytest.approx(100 * (1 - math.exp(fit.slope)), rel=1e-15)
    assert fit.aarr_pct == pytest.approx(2.8919, abs=1e-4)
    lo, hi = fit.aarr_ci_pct()
    assert lo == pytest.approx(2.2156, abs=1e-3)
    assert hi == pytest.approx(3.5635, abs=1e-3)
    text = fit.summary()
    assert "Fitted AARR" in text and "2.89 %" in text


# ------------------------------------------------------------------ periods


def test_period_rates_world_table():
    frame = period_rates(PERCENT, WORLD_PERIODS)
    assert list(zip(frame.period_start, frame.period_end, strict=True)) == list(WORLD_PERIODS)
    row = frame.set_index(["period_start", "period_end"]).loc[(2020, 2024)]
    assert row.n_points == 2
    assert row.aarr_pct == pytest.approx(100 * (1 - (7.8 / 9.6) ** 0.25))
    assert row.change_per_year == pytest.approx(-0.45)
    assert math.isnan(row.fit_aarr_ci_low_pct) and "two points" in row.notes
    sub = frame.set_index(["period_start", "period_end"]).loc[(2012, 2020)]
    # 2012, 2016, 2020: 10.6 -> 9.6: AARR = 1 - (9.6 / 10.6) ** (1 / 8) = 1.2310 %
    assert sub.n_points == 3
    assert sub.aarr_pct == pytest.approx(1.2310, abs=1e-4)
    assert sub.fit_aarr_ci_low_pct < sub.fit_aarr_pct < sub.fit_aarr_ci_high_pct
    whole = frame.iloc[0]
    assert whole.n_points == 7 and whole.unit == "percentage points a year"


def test_period_without_enough_points_gets_a_row_with_the_reason():
    frame = period_rates(PERCENT, [(2000, 2024), (2001, 2003), (2021, 2030)])
    assert len(frame) == 3
    assert math.isnan(frame.loc[1, "aarr_pct"]) and "fewer than two" in frame.loc[1, "notes"]
    with pytest.raises(ProgressError, match="fewer than two years"):
        rate_between(PERCENT, 2001, 2003)


def test_period_endpoints_without_data_use_the_data_years_inside_and_say_so():
    r = rate_between(MILLIONS, 2010, 2022, kind="count")
    assert (r.start_year, r.end_year, r.n_points) == (2012, 2020, 3)
    assert any("used 2012-2020" in n for n in r.notes)
    assert r.unit.startswith("a year")
    assert "Rate of change" in r.summary()


def test_zero_inside_a_period_leaves_the_linear_figures_and_says_why():
    r = rate_between({2000: 4.0, 2004: 0.0, 2008: 1.0}, 2000, 2008)
    assert math.isnan(r.fit_aarr_pct)
    assert any("no log-linear fit" in n for n in r.notes)
    # (1 - 4) / 8 = -0.375
    assert r.change_per_year == pytest.approx(-0.375)


# ------------------------------------------------------------------ edge cases


def test_one_data_point_is_a_clear_error():
    with pytest.raises(ProgressError, match="only one data point"):
        fit_log_linear({2020: 9.6})
    with pytest.raises(ProgressError, match="only one data point"):
        fit_linear(pd.Series([9.6], index=[2020]))


def test_zero_or_negative_value_cannot_be_fitted_log_linearly():
    with pytest.raises(ProgressError, match=r"above zero.*2020: 0"):
        fit_log_linear({2016: 1.2, 2020: 0.0, 2024: 0.5})
    with pytest.raises(ProgressError, match="2020: -1"):
        fit_log_linear({2016: 1.2, 2020: -1.0})
    assert fit_linear({2016: 1.2, 2020: 0.0, 2024: 0.5}).slope == pytest.approx(-0.0875)


def test_duplicated_years_are_refused():
    dup = pd.Series([9.6, 9.7, 7.8], index=[2020, 2020, 2024])
    with pytest.raises(ProgressError, match="year 2020 appears more than once"):
        fit_log_linear(dup)
    with pytest.raises(ProgressError, match="more than once"):
        as_year_values([(2020, 9.6), (2024, 7.8), (2020, 9.7)])


def test_unsorted_input_missing_values_and_long_gaps():
    years, values, notes = as_year_values({2024: 7.8, 2000: 16.0, 2012: float("nan")})
    assert years.tolist() == [2000.0, 2024.0] and values.tolist() == [16.0, 7.8]
    assert any("no value for 2012" in n for n in notes)
    assert any("gap of 24 years between 2000 and 2024" in n for n in notes)
    # a gap of 8 years is not noted; 9 is
    assert not as_year_values({2000: 1.0, 2008: 2.0})[2]
    assert as_year_values({2000: 1.0, 2009: 2.0})[2]


def test_input_that_is_not_a_series_is_explained():
    with pytest.raises(ProgressError, match="years must be numbers"):
        as_year_values({"last year": 1.0, "this year": 2.0})
    with pytest.raises(ProgressError, match="no values"):
        as_year_values(pd.Series([np.nan], index=[2020]))
    with pytest.raises(ProgressError, match="year -> value"):
        as_year_values([1.0, 2.0])


# ------------------------------------------------------------------ many series


def test_fit_many_matches_one_by_one():
    rows = [("WLD", "pct", y, v) for y, v in PERCENT.items()]
    rows += [("WLD", "num", y, v) for y, v in MILLIONS.items()]
    rows += [("ABC", "pct", 2010, 5.0), ("DEF", "pct", 2010, 5.0), ("DEF", "pct", 2015, 0.0)]
    frame = pd.DataFrame(rows, columns=["area", "series", "year", "value"])
    out = fit_many(frame, ["area", "series"]).set_index(["area", "series"])
    ref = fit_log_linear(PERCENT)
    got = out.loc[("WLD", "pct")]
    assert got.slope == pytest.approx(ref.slope, abs=1e-12)
    assert got.slope_se == pytest.approx(ref.slope_se, abs=1e-12)
    assert got.aarr_ci_low_pct == pytest.approx(ref.aarr_ci_pct()[0], abs=1e-10)
    assert got.last_year == 2024 and got.last_value == 7.8 and got.n == 7
    assert out.loc[("WLD", "num")].aarr_pct == pytest.approx(fit_log_linear(MILLIONS).aarr_pct)
    assert "one data point" in out.loc[("ABC", "pct")].note
    assert "zero or below" in out.loc[("DEF", "pct")].note
    assert math.isnan(out.loc[("DEF", "pct")].slope)
    lin = fit_many(frame, ["area", "series"], model="linear").set_index(["area", "series"])
    assert lin.loc[("DEF", "pct")].slope == pytest.approx(-1.0)
    dup = pd.concat([frame, frame.iloc[:1]])
    with pytest.raises(ProgressError, match="more than once"):
        fit_many(dup, ["area", "series"])


# ------------------------------------------------------------------ properties

year_sets = st.lists(st.integers(1990, 2030), min_size=2, max_size=12, unique=True)


@settings(max_examples=200, deadline=None)
@given(years=year_sets, rate=st.floats(-0.3, 0.6), x0=st.floats(0.01, 1e6))
def test_constant_rate_series_has_that_aarr(years, rate, x0):
    years = sorted(years)
    series = {y: x0 * (1 - rate) ** (y - years[0]) for y in years}
    assert aarr(series[years[0]], series[years[-1]], years[0], years[-1]) == pytest.approx(
        100 * rate, abs=1e-8
    )
    fit = fit_log_linear(series)
    assert fit.aarr_pct == pytest.approx(100 * rate, abs=1e-8)
    if len(years) >= 3:  # a perfect fit: the interval collapses on the rate
        lo, hi = fit.aarr_ci_pct()
        assert lo == pytest.approx(100 * rate, abs=1e-6)
        assert hi == pytest.approx(100 * rate, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(years=year_sets, x0=st.floats(0.1, 1e4))
def test_halving_every_ten_years(years, x0):
    # 1 - 0.5 ** 0.1 = 1 - 0.9330330 = 0.0669670 -> 6.6967 % a year
    series = {y: x0 * 0.5 ** ((y - 2000) / 10) for y in years}
    aarr_pct = fit_log_linear(series).aarr_pct
    assert aarr_pct == pytest.approx(100 * (1 - 0.5**0.1), abs=1e-8)
    assert aarr_pct == pytest.approx(6.6967, abs=1e-4)


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.floats(0.1, 100), min_size=3, max_size=8),
    scale=st.floats(1e-3, 1e3),
)
def test_rates_do_not_depend_on_units(values, scale):
    series = {2000 + 4 * i: v for i, v in enumerate(values)}
    scaled = {y: v * scale for y, v in series.items()}
    assert fit_log_linear(scaled).aarr_pct == pytest.approx(
        fit_log_linear(series).aarr_pct, abs=1e-8
    )
    assert fit_linear(scaled).slope == pytest.approx(
        fit_linear(series).slope * scale, rel=1e-8, abs=1e-9
    )
