"""Projections, elimination years, required rates and the acceleration factors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from target87.progress import (
    ProgressError,
    acceleration_scenarios,
    count_threshold,
    fit_linear,
    fit_log_linear,
    project,
    project_many,
    required_aarr,
    required_acceleration,
    required_change_per_year,
    status_many,
)
from target87.progress import fit_many as fit_many_

# ILO-UNICEF global estimates of child labour (2024 report): children aged 5-17.
YEARS = [2000, 2004, 2008, 2012, 2016, 2020, 2024]
MILLIONS = pd.Series([245.5, 222.3, 215.3, 168.0, 151.6, 160.0, 137.6], index=YEARS)
PERCENT = pd.Series([16.0, 14.2, 13.6, 10.6, 9.6, 9.6, 7.8], index=YEARS)


# ------------------------------------------------------------------ projections by hand


def test_log_linear_projection_of_an_exact_ten_percent_decline():
    # x = 100 * 0.9 ** (t - 2000): projected 2010 = 100 * 0.9 ** 10 = 34.8678
    # falls below 0.5 when 0.9 ** k = 0.005: k = ln 0.005 / ln 0.9 = -5.2983174 / -0.1053605
    # = 50.2875 -> crossing 2050.29, first calendar year at or below: 2051
    series = {y: 100 * 0.9 ** (y - 2000) for y in range(2000, 2005)}
    p = project(series, [2010, 2030])
    assert p.central[0] == pytest.approx(34.8678, abs=1e-4)
    assert p.threshold == 0.5
    assert p.threshold_crossing == pytest.approx(2050.2875, abs=1e-4)
    assert p.threshold_year == 2051
    # a perfect fit: the band has no width
    assert p.lower[0] == pytest.approx(p.central[0]) and p.upper[0] == pytest.approx(p.central[0])


def test_linear_projection_by_hand_for_a_rate_and_a_count():
    # x = 10 - 0.5 (t - 2000): reaches 0.5 when 0.5 (t - 2000) = 9.5 -> t = 2019 exactly
    series = {y: 10 - 0.5 * (y - 2000) for y in range(2000, 2005)}
    p = project(series, [2010], method="linear")
    assert p.central == pytest.approx((5.0,))
    assert p.threshold_crossing == pytest.approx(2019.0)
    assert p.threshold_year == 2019
    # as a count, the linear threshold is zero: reached in 2020
    c = project(series, [2030], method="linear", kind="count")
    assert c.threshold == 0.0 and c.threshold_year == 2020
    assert c.central == (0.0,)  # -5 floored at zero, and said
    assert any("below zero from 2030" in n for n in c.notes)


def test_world_linear_projection_reaches_half_a_percent_in_2045():
    # linear fit: slope -0.3375, value at the mean year 2012 = 81.4 / 7 = 11.628571
    # crossing = 2012 + (0.5 - 11.628571) / -0.3375 = 2012 + 32.9735 = 2044.97 -> 2045
    p = project(PERCENT, method="linear")
    assert p.threshold_crossing == pytest.approx(2012 + (0.5 - 81.4 / 7) / -0.3375, abs=1e-9)
    assert p.threshold_year == 2045
    # 2025: 11.628571 - 0.3375 * 13 = 7.241071
    assert p.central[0] == pytest.approx(81.4 / 7 - 0.3375 * 13, abs=1e-9)
    assert p.earliest_year <= p.threshold_year <= p.latest_year


def test_world_log_linear_projection_and_its_crossing():
    fit = fit_log_linear(PERCENT)
    p = project(PERCENT, [2025, 2030])
    assert p.central[0] == pytest.approx(math.exp(fit.intercept + fit.slope * 2025), rel=1e-12)
    # crossing: ln 0.5 = a + b t -> t = (ln 0.5 - a) / b
    assert p.threshold_crossing == pytest.approx((math.log(0.5) - fit.intercept) / fit.slope)
    assert p.threshold_year == math.ceil(p.threshold_crossing)
    assert p.threshold_year > 2100  # 2.9 % a year is far too slow
    frame = p.to_frame()
    assert list(frame.year) == [2025, 2030] and set(frame.band) == {"prediction"}
    assert "Projected 2030" in p.summary()


@pytest.mark.parametrize("method", ["log-linear", "linear"])
def test_bands_match_statsmodels(method):
    y = np.log(PERCENT.to_numpy()) if method == "log-linear" else PERCENT.to_numpy()
    X = sm.add_constant(np.asarray(YEARS, dtype=float))
    ref = sm.OLS(y, X).fit()
    new = sm.add_constant(np.array([2025.0, 2030.0, 2040.0]), has_constant="add")
    frame = ref.get_prediction(new).summary_frame(alpha=0.05)
    # log-linear: back from the log scale; linear: projections are floored at zero
    back = np.exp if method == "log-linear" else (lambda a: np.maximum(a, 0.0))
    pred = project(PERCENT, [2025, 2030, 2040], method=method, band="prediction")
    conf = project(PERCENT, [2025, 2030, 2040], method=method, band="confidence")
    np.testing.assert_allclose(pred.central, back(frame["mean"].to_numpy()), rtol=1e-10)
    np.testing.assert_allclose(pred.lower, back(frame["obs_ci_lower"].to_numpy()), rtol=1e-10)
    np.testing.assert_allclose(pred.upper, back(frame["obs_ci_upper"].to_numpy()), rtol=1e-10)
    np.testing.assert_allclose(conf.lower, back(frame["mean_ci_lower"].to_numpy()), rtol=1e-10)
    np.testing.assert_allclose(conf.upper, back(frame["mean_ci_upper"].to_numpy()), rtol=1e-10)
    assert all(pl <= cl for pl, cl in zip(pred.lower, conf.lower, strict=True))
    assert pred.lower[0] < conf.lower[0] < pred.central[0] < conf.upper[0] < pred.upper[0]


# ------------------------------------------------------------------ edge cases


def test_rising_series_never_reaches_the_threshold():
    p = project({2016: 151.6, 2020: 160.0}, kind="count", threshold=10.0)
    assert p.threshold_year is None and p.threshold_crossing is None
    assert any("not falling" in n and "never falls below 10" in n for n in p.notes)
    assert any("no uncertainty band" in n for n in p.notes)
    assert all(math.isnan(v) for v in p.lower)


def test_target_already_met_in_the_data():
    p = project({2012: 0.9, 2016: 0.4, 2020: 0.3})
    assert p.threshold_year == 2016
    assert any("already met" in n for n in p.notes)


def test_log_linear_needs_a_threshold_above_zero():
    with pytest.raises(ProgressError, match="never reaches zero"):
        project(MILLIONS, kind="count", threshold=0.0)


def test_count_projected_log_linearly_gets_a_stated_threshold():
    p = project(MILLIONS, kind="count")
    # 0.5 % of the first value fitted: 0.005 * 245.5 = 1.2275 (million)
    assert p.threshold == pytest.approx(1.2275)
    assert any("never reaches zero" in n for n in p.notes)
    assert project(MILLIONS, kind="count", method="linear").threshold == 0.0


def test_one_point_and_zero_values_are_explained():
    with pytest.raises(ProgressError, match="only one data point"):
        project({2024: 7.8})
    with pytest.raises(ProgressError, match="above zero"):
        project({2020: 1.0, 2024: 0.0})
    assert project({2020: 1.0, 2024: 0.0}, method="linear").threshold_year == 2024


# ------------------------------------------------------------------ required rates


def test_required_rates_by_hand():
    # from 7.8 % to 0.5 % in 5 years: 0.5 / 7.8 = 0.0641026; ln = -2.7472709; / 5 = -0.5494542
    # exp = 0.5772648 -> required AARR = 42.2735 %
    assert required_aarr(7.8, 0.5, 5) == pytest.approx(42.27352, abs=1e-5)
    # in 6 years: exp(-2.7472709 / 6) = 0.6326243 -> 36.7376 %
    assert required_aarr(7.8, 0.5, 6) == pytest.approx(36.73757, abs=1e-5)
    # absolute: (0 - 137.6) / 5 = -27.52 million a year
    assert required_change_per_year(137.6, 0.0, 5) == pytest.approx(-27.52)
    with pytest.raises(ProgressError, match="never reaches zero"):
        required_aarr(7.8, 0.0, 5)
    with pytest.raises(ProgressError, match="positive"):
        required_change_per_year(7.8, 0.0, 0)
    # the count at which 7.8 % becomes 0.5 %: 137.6 * 0.5 / 7.8 = 8.8205 million
    assert count_threshold(137.6, 7.8) == pytest.approx(8.820513, abs=1e-6)


def test_required_acceleration_world_percent_by_2030():
    r = required_acceleration(PERCENT, 2030)
    # from 7.8 in 2024, 6 years: required AARR 36.7376 %; observed: log-linear fit 2.8919 %
    assert r.from_year == 2024 and r.years_left == 6
    assert r.required_aarr_pct == pytest.approx(required_aarr(7.8, 0.5, 6))
    assert r.observed_aarr_pct == pytest.approx(fit_log_linear(PERCENT).aarr_pct)
    assert r.compound_factor == pytest.approx(r.required_aarr_pct / r.observed_aarr_pct)
    assert r.compound_factor == pytest.approx(36.73757 / 2.891878, abs=1e-4)  # 12.70
    # absolute: 7.8 / 6 = 1.3 pp a year against the fitted 0.3375 -> 3.85 times
    assert r.required_decline_per_year == pytest.approx(1.3)
    assert r.observed_decline_per_year == pytest.approx(0.3375)
    assert r.linear_factor == pytest.approx(1.3 / 0.3375)
    assert "Required acceleration" in r.summary()


def test_required_acceleration_point_to_point_and_edges():
    r = required_acceleration(
        MILLIONS, 2030, kind="count", observed=(2020, 2024), threshold=count_threshold(137.6, 7.8)
    )
    # observed: 160.0 -> 137.6 in 4 years = 5.6 million a year; required 137.6 / 6 = 22.933
    assert r.linear_factor == pytest.approx((137.6 / 6) / 5.6)
    assert r.observed_aarr_pct == pytest.approx(100 * (1 - (137.6 / 160.0) ** 0.25))
    rising = required_acceleration(
        {2016: 151.6, 2020: 160.0}, 2025, kind="count", threshold=1.0, observed=(2016, 2020)
    )
    assert rising.compound_factor is None and rising.linear_factor is None
    assert any("no progress observed" in n for n in rising.notes)
    met = required_acceleration({2016: 0.9, 2020: 0.4}, 2025, linear_target=0.5)
    assert met.compound_factor is None and met.linear_factor is None
    assert any("already met" in n for n in met.notes)
    with pytest.raises(ProgressError, match="must come after"):
        required_acceleration(PERCENT, 2024)
    with pytest.raises(ProgressError, match="only one data point"):
        required_acceleration({2024: 7.8}, 2030)


# ------------------------------------------------------------------ "N times faster"


def _row(frame, formulation, method, start, horizon=5):
    sel = frame[
        (frame.formulation == formulation)
        & (frame.observed_method == method)
        & (frame.observed_start == start)
        & (frame.horizon_years == horizon)
    ]
    assert len(sel) == 1
    return sel.iloc[0]


def test_acceleration_scenarios_world_percent_by_hand():
    frame = acceleration_scenarios(PERCENT, horizon_years=[5, 6])
    assert set(frame.formulation) == {"compound (AARR)", "absolute (linear)"}
    # compound, 5 years: required 42.2735 %; observed 2020-2024: 1 - 0.8125 ** 0.25 = 5.0586 %
    # -> 42.2735 / 5.0586 = 8.357
    r = _row(frame, "compound (AARR)", "point to point", 2020)
    assert r.required_rate == pytest.approx(42.27352, abs=1e-5)
    assert r.observed_rate == pytest.approx(5.05855, abs=1e-5)
    assert r.acceleration_factor == pytest.approx(42.27352 / 5.05855, rel=1e-5)
    # compound vs log-linear fit 2000-2024 (2.8919 %): 14.62
    r = _row(frame, "compound (AARR)", "log-linear fit", 2000)
    assert r.acceleration_factor == pytest.approx(42.27352 / 2.891878, rel=1e-5)
    # absolute, 5 years: 7.8 / 5 = 1.56 pp a year; observed 2016-2024 (9.6 - 7.8) / 8 = 0.225
    # -> 6.933
    r = _row(frame, "absolute (linear)", "point to point", 2016)
    assert r.required_rate == pytest.approx(1.56)
    assert r.acceleration_factor == pytest.approx(1.56 / 0.225)
    # 6 years from 2024 (to 2030), compound vs 2000-2024 point to point: 36.7376 / 2.94924
    r = _row(frame, "compound (AARR)", "point to point", 2000, horizon=6)
    assert r.acceleration_factor == pytest.approx(36.73757 / 2.949240, rel=1e-5)
    # two-point periods have no separate fit row
    assert not ((frame.observed_start == 2020) & frame.observed_method.str.contains("fit")).any()


def test_acceleration_scenarios_world_millions_by_hand():
    thr = count_threshold(137.6, 7.8)  # 8.8205 million: the count at a 0.5 % prevalence
    frame = acceleration_scenarios(MILLIONS, kind="count", threshold=thr)
    # absolute: 137.6 / 5 = 27.52 million a year against 2020-2024: (160 - 137.6) / 4 = 5.6
    r = _row(frame, "absolute (linear)", "point to point", 2020)
    assert r.acceleration_factor == pytest.approx(27.52 / 5.6)  # 4.914
    # against 2016-2024: (151.6 - 137.6) / 8 = 1.75 -> 15.726
    r = _row(frame, "absolute (linear)", "point to point", 2016)
    assert r.acceleration_factor == pytest.approx(27.52 / 1.75)
    # compound: to 8.8205 in 5 years needs 1 - (0.5 / 7.8) ** 0.2 = 42.2735 % a year;
    # observed 2020-2024: 1 - (137.6 / 160) ** 0.25 = 3.7004 % -> 11.42
    r = _row(frame, "compound (AARR)", "point to point", 2020)
    assert r.required_rate == pytest.approx(42.27352, abs=1e-5)
    assert r.observed_rate == pytest.approx(3.70037, abs=1e-5)
    assert r.acceleration_factor == pytest.approx(42.27352 / 3.70037, rel=1e-5)


def test_acceleration_scenarios_reproduce_the_2021_style_figure():
    # With data to 2020 only: required AARR from 9.6 % to 0.5 % in 5 years
    # = 1 - (0.5 / 9.6) ** 0.2 = 44.6217 %; observed 2000-2020 = 1 - (9.6 / 16) ** (1 / 20)
    # = 2.5218 % -> 17.69 times (a hand check of the compound formulation on older data)
    to2020 = PERCENT.loc[:2020]
    frame = acceleration_scenarios(to2020, periods=[(2000, 2020)])
    r = _row(frame, "compound (AARR)", "point to point", 2000)
    assert r.acceleration_factor == pytest.approx(44.62168 / 2.521786, rel=1e-5)


def test_acceleration_scenarios_edges():
    rising = acceleration_scenarios({2016: 9.6, 2020: 9.6, 2024: 9.8}, periods=[(2016, 2024)])
    assert rising.acceleration_factor.isna().all()
    assert rising.note.str.contains("no progress observed").all()
    empty = acceleration_scenarios(PERCENT, periods=[(2001, 2003)])
    assert empty.note.str.contains("fewer than two").all()
    with pytest.raises(ProgressError, match="only one data point"):
        acceleration_scenarios({2024: 7.8})
    with pytest.raises(ProgressError, match="positive number of years"):
        acceleration_scenarios(PERCENT, horizon_years=0)


# ------------------------------------------------------------------ many series


def _long(series_by_key: dict[tuple[str, str], dict[int, float]]) -> pd.DataFrame:
    rows = [(a, s, y, v) for (a, s), d in series_by_key.items() for y, v in d.items()]
    return pd.DataFrame(rows, columns=["area", "sex", "year", "value"])


def test_project_many_matches_project():
    data = {
        ("WLD", "_T"): PERCENT.to_dict(),
        ("AAA", "F"): {2010: 20.0, 2015: 18.0, 2019: 15.5},
        ("BBB", "M"): {2012: 5.0, 2020: 6.0},
        ("CCC", "_T"): {2012: 0.9, 2016: 0.4, 2020: 0.3},
    }
    frame = _long(data)
    for method in ("log-linear", "linear"):
        many = project_many(frame, ["area", "sex"], [2025, 2030], method=method)
        for key, d in data.items():
            one = project(d, [2025, 2030], method=method)
            got = many[(many.area == key[0]) & (many.sex == key[1])]
            np.testing.assert_allclose(got.central, one.central, rtol=1e-12)
            np.testing.assert_allclose(got.lower, one.lower, rtol=1e-12)
            np.testing.assert_allclose(got.upper, one.upper, rtol=1e-12)
            expected = one.threshold_year
            value = got.threshold_year.iloc[0]
            assert (pd.isna(value) and expected is None) or value == expected, (key, method)


def test_many_series_at_once_match_the_one_series_functions():
    # Speed: benchmarks/bench_progress.py.
    rng = np.random.default_rng(87)
    rows = []
    for g in range(3000):  # countries x series x sex
        n = int(rng.integers(1, 9))
        years = np.sort(rng.choice(np.arange(2000, 2025), size=n, replace=False))
        values = 20 * np.exp(-0.03 * (years - 2000) + rng.normal(0, 0.1, n))
        rows += [(f"A{g % 200}", f"S{g // 200}", y, v) for y, v in zip(years, values, strict=True)]
    frame = pd.DataFrame(rows, columns=["area", "series", "year", "value"])
    keys = ["area", "series"]
    fits = fit_many_(frame, keys)
    proj = project_many(frame, keys, [2025, 2030])
    proj_lin = project_many(frame, keys, [2025, 2030], method="linear")
    status = status_many(frame, keys, 0.0, 2025)
    assert len(fits) == len(status) == 3000 and len(proj) == len(proj_lin) == 6000
    # the same figures as the one-series functions, on a sample
    sample = fits[fits.n >= 3].iloc[0]
    one = frame[(frame.area == sample.area) & (frame.series == sample.series)]
    ref = fit_log_linear(pd.Series(one.value.to_numpy(), index=one.year.to_numpy()))
    assert sample.slope == pytest.approx(ref.slope, abs=1e-12)
    ref_lin = fit_linear(pd.Series(one.value.to_numpy(), index=one.year.to_numpy()))
    lin = fit_many_(frame, keys, model="linear").set_index(keys).loc[(sample.area, sample.series)]
    assert lin.slope == pytest.approx(ref_lin.slope, abs=1e-12)
