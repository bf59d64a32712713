"""The Archer-Lemeshow goodness-of-fit test (issue 14 item 4): its size on data from the true
model, its value against an independent computation with ``svy``, and ``target87 risk fit`` on
the synthetic CLRISK survey. Its power: ``tests/risk/test_model.py``.

Size. Each scenario draws ``REPLICATES`` stratified cluster samples (20 strata x 10 PSUs x 15
units: 3,000 units, f = 200 - 20 = 180 design degrees of freedom) from a known logit model,
fits it with :func:`fit_risk_model` as the package does and takes the test's p-value. The
model is true, so about 5% of the p-values should fall below 0.05. With 250 replicates the
binomial SE of a 5% rejection rate is ``sqrt(0.05 * 0.95 / 250) = 1.4`` points; the band
[1%, 10%] is about 3 SE below and 3.6 SE above the nominal 5%, wide enough for the choice of
seed and narrow enough to catch a broken test. Two scenarios have the CLRISK prevalence (about
5%), one of them with unequal weights and a small PSU effect (a random intercept with SD 0.2
on the logit scale, so the fitted marginal logit is still very nearly the true model); the
third has a common outcome (about 30%). Before issue 14 the rare scenarios rejected the true
model in 15% and 24% of the samples (deciles of low risk with no event have a linearised
variance of almost zero); now 3.6% and 5.6% (the common one: 3.2% before and after). About 6 s
a scenario.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import polars as pl
import pytest
import svy
from scipy import stats
from typer.testing import CliRunner

from target87.cli import app
from target87.risk import fit_risk_model
from target87.risk.config import OUTCOME, PSU, STRATUM, WEIGHT
from target87.risk.design import design_index
from target87.risk.fitstats import archer_lemeshow, merge_sparse_groups, risk_groups
from target87.risk.microdata import model_matrix
from target87.risk.pipeline import fit_model
from target87.risk.run_options import load_run

REPLICATES = 250
STRATA, PSUS_PER_STRATUM, UNITS_PER_PSU = 20, 10, 15
BAND = (0.01, 0.10)
runner = CliRunner()


def draw_sample(
    rng: np.random.Generator, intercept: float, psu_sd: float, weighted: bool
) -> tuple[np.ndarray, pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """One stratified cluster sample from ``logit p = intercept + 0.8 x1 + 0.5 x2 + u_psu``."""
    n_psu = STRATA * PSUS_PER_STRATUM
    n = n_psu * UNITS_PER_PSU
    stratum = np.repeat(np.arange(STRATA), PSUS_PER_STRATUM * UNITS_PER_PSU)
    psu = np.repeat(np.arange(n_psu), UNITS_PER_PSU)
    x1 = rng.normal(size=n)
    x2 = rng.integers(0, 2, n).astype(float)
    eta = intercept + 0.8 * x1 + 0.5 * x2 + np.repeat(rng.normal(0, psu_sd, n_psu), UNITS_PER_PSU)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    if weighted:  # PSU weights varying 1-4 within a stratum, times 1-4.8 across strata
        w = np.repeat(rng.uniform(1, 4, n_psu), UNITS_PER_PSU) * (1 + stratum / 5)
    else:
        w = np.ones(n)
    return y, pd.DataFrame({"const": 1.0, "x1": x1, "x2": x2}), w, stratum, psu


@pytest.mark.slow
@pytest.mark.parametrize(
    ("intercept", "psu_sd", "weighted", "seed"),
    [
        pytest.param(-3.5, 0.0, False, 141, id="prevalence-5pct-equal-weights"),
        pytest.param(-3.5, 0.2, True, 142, id="prevalence-5pct-weighted-psu-effect"),
        pytest.param(-1.0, 0.2, True, 143, id="prevalence-30pct-weighted-psu-effect"),
    ],
)
def test_rejection_rate_on_data_from_the_true_model_is_near_nominal(
    intercept, psu_sd, weighted, seed
):
    rng = np.random.default_rng(seed)
    p_values = []
    for _ in range(REPLICATES):
        y, X, w, stratum, psu = draw_sample(rng, intercept, psu_sd, weighted)
        gof = fit_risk_model(y, X, w, stratum, psu).fit.gof
        assert not gof.note, gof.note
        p_values.append(gof.p_value)
    p_values = np.array(p_values)
    rate = float(np.mean(p_values < 0.05))
    assert BAND[0] <= rate <= BAND[1], (
        f"the test rejects the true model in {rate:.1%} of {REPLICATES} samples at 5% "
        f"(at 1%: {np.mean(p_values < 0.01):.1%})"
    )


def test_sparse_groups_are_merged_from_the_lowest_risk_up():
    # ten groups of 100 units whose expected events are 1, 1, 2, 3, 4, 6, 9, 12, 20, 95
    events = np.array([1, 1, 2, 3, 4, 6, 9, 12, 20, 95], float)
    group = np.repeat(np.arange(10), 100)
    p = np.repeat(events / 100, 100)
    # 1+1+2+3+4 = 11 >= 10 closes the first pool, 6+9 the second, then 12, 20; the top decile
    # expects 95 events but 5 non-events: too few, so it joins the pool below it
    expected = np.repeat([0, 0, 0, 0, 0, 1, 1, 2, 3, 3], 100)
    np.testing.assert_array_equal(merge_sparse_groups(group, p, 10), expected)
    np.testing.assert_array_equal(merge_sparse_groups(group, p, 1), group)  # none sparse
    assert merge_sparse_groups(group, np.full(1000, 0.005), 10).max() == 0  # 5 events in all
    rng = np.random.default_rng(0)
    y = (rng.uniform(size=1000) < 0.005).astype(float)
    gof = archer_lemeshow(y, np.full(1000, 0.005), np.ones(1000), design_index(None, None, 1000))
    assert np.isnan(gof.p_value) and "1 risk group(s) expecting at least 10 events" in gof.note


def risk(*args) -> str:
    result = runner.invoke(app, ["risk", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def clrisk(tmp_path_factory):
    """``target87 risk synth`` with the README's arguments: the synthetic CLRISK run folder."""
    out = tmp_path_factory.mktemp("gof") / "demo"
    risk("synth", "--out", out, "--children", 30_000, "--territories", 60, "--seed", 1)
    return out / "run.yaml"


def svy_wald(data: pl.DataFrame, groups: np.ndarray) -> tuple[float, int]:
    """Stata's recipe with ``svy``: ``svy: mean r, over(group)``, then ``m' V^-1 m``."""
    design = svy.Design(stratum="stratum", psu="psu", wgt="w")
    est = svy.Sample(data.with_columns(group=pl.Series(groups)), design).estimation.mean(
        "r", by="group"
    )
    means = est.to_polars().sort("group")["est"].to_numpy()
    return float(means @ np.linalg.solve(np.asarray(est.covariance), means)), est.design_df


@pytest.mark.slow
def test_archer_lemeshow_on_the_clrisk_survey_equals_svy_domain_means(clrisk):
    spec = load_run(clrisk)
    fitted = fit_model(spec.config, spec.options)
    survey, model = fitted.survey, fitted.model
    p = model.predict(model_matrix(survey, spec.config, model.levels))
    y, w = survey[OUTCOME].to_numpy(float), survey[WEIGHT].to_numpy(float)
    index = design_index(survey[STRATUM].to_numpy(), survey[PSU].to_numpy(), len(y))
    data = pl.DataFrame(
        {"stratum": survey[STRATUM], "psu": survey[PSU], "w": w, "r": y - p}
    )  # Stata's predict p; replace r = y - p
    deciles = risk_groups(p, w, 10)
    f = index.df
    assert f == 180

    # Stata's statistic on the plain deciles: the two lowest expect about one event each and
    # have none, so their mean residual (about -0.004) has a linearised SE near 4e-5
    plain = archer_lemeshow(y, p, w, index, min_expected=0)
    wald, df = svy_wald(data, deciles)
    assert df == f and plain.groups == 10
    assert plain.wald == pytest.approx(wald, rel=1e-6)
    assert plain.f_stat == pytest.approx((f - 10 + 2) * wald / (f * 10), rel=1e-6)
    assert [y[deciles == g].sum() for g in (0, 1)] == [0, 0] and plain.f_stat > 1000

    # the package's test merges the deciles expecting fewer than 10 events
    merged = merge_sparse_groups(deciles, p, 10)
    g = int(merged.max()) + 1
    gof = model.fit.gof
    wald, _ = svy_wald(data, merged)
    assert (gof.groups, gof.df_num, gof.df_den) == (g, g - 1, f - g + 2) and 3 <= g < 10
    assert gof.wald == pytest.approx(wald, rel=1e-9)
    assert gof.f_stat == pytest.approx((f - g + 2) * wald / (f * g), rel=1e-9)
    assert gof.p_value == pytest.approx(stats.f.sf(gof.f_stat, g - 1, f - g + 2), rel=1e-9)
    assert gof.p_value > 0.05  # data from the true model (the seed-1 value is 0.59)


@pytest.mark.slow
def test_risk_fit_prints_a_sane_archer_lemeshow_test_on_the_synthetic_survey(clrisk):
    output = risk("fit", clrisk)
    line = re.search(r"Archer-Lemeshow F:\s+(\S+) on \((\d+), (\d+)\) df, p = (\S+)", output)
    assert line, output
    f_stat, df_num, df_den, p_value = (float(v) for v in line.groups())
    # before issue 14: F = 3252.5315 on (9, 172) df, p = 0.0000
    assert f_stat < 5 and p_value > 0.05 and df_den == 180 - df_num + 1
