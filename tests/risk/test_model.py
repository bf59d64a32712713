"""The survey-weighted model against references: statsmodels (point estimates, likelihoods),
svy (design-based SEs, singleton handling, domain-mean covariance), hand computations (an
intercept-only model, AUC, classification) and scipy (Mann-Whitney AUC)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.api as sm
import svy
from scipy import stats

from target87.risk import (
    RiskDesignError,
    RiskModelError,
    fit_from_config,
    fit_risk_model,
    parse_config,
)
from target87.risk.design import design_index
from target87.risk.fitstats import (
    archer_lemeshow,
    classification,
    merge_sparse_groups,
    risk_groups,
    weighted_auc,
)

COVARIATES = ["age", "male", "reg_b", "reg_c"]


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    """A seeded stratified two-stage sample: 6 strata x 8 PSUs x 20 children, PSU effects."""
    rng = np.random.default_rng(87)
    strata, psus, effects = [], [], []
    for h in range(6):
        for j in range(8):
            strata += [h] * 20
            psus += [h * 100 + j] * 20
            effects += [rng.normal(0, 0.5)] * 20
    n = len(strata)
    region = rng.choice(["a", "b", "c"], n)
    df = pd.DataFrame(
        {
            "stratum": strata,
            "psu": psus,
            "age": rng.integers(5, 18, n).astype(float),
            "male": rng.integers(0, 2, n).astype(float),
            "reg_b": (region == "b").astype(float),
            "reg_c": (region == "c").astype(float),
            "region": region,
        }
    )
    df["w"] = rng.uniform(20, 200, n) * (1 + df["stratum"])
    eta = -4 + 0.2 * df.age + 0.6 * df.male + 0.5 * df.reg_b - 0.4 * df.reg_c + np.array(effects)
    df["y"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    return df


def design_matrix(df: pd.DataFrame) -> pd.DataFrame:
    return sm.add_constant(df[COVARIATES])


def svy_fit(df: pd.DataFrame, link: str, singleton: str | None = None):
    design = svy.Design(
        stratum="stratum", psu="psu", wgt="w", **({"singleton": singleton} if singleton else {})
    )
    data = pl.from_pandas(df[["stratum", "psu", "w", "y", *COVARIATES]])
    return (
        svy.Sample(data, design)
        .glm.fit(y="y", x=COVARIATES, family="binomial", link=link, tol=1e-13)
        .to_polars()
    )


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_point_estimates_equal_statsmodels_weighted_glm(sample, link):
    X = design_matrix(sample)
    model = fit_risk_model(sample.y, X, sample.w, sample.stratum, sample.psu, link=link)
    sm_link = sm.families.links.Logit() if link == "logit" else sm.families.links.Probit()
    ref = sm.GLM(sample.y, X, family=sm.families.Binomial(sm_link), freq_weights=sample.w).fit(
        tol=1e-14
    )
    assert list(model.params.index) == ["const", *COVARIATES]
    np.testing.assert_allclose(model.params.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(model.fit.llf, ref.llf, rtol=1e-10)
    np.testing.assert_allclose(model.fit.llnull, ref.llnull, rtol=1e-10)
    np.testing.assert_allclose(model.fit.pseudo_r2, ref.pseudo_rsquared(kind="mcf"), rtol=1e-9)
    np.testing.assert_allclose(model.predict(X), ref.predict(X), atol=1e-9)


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_design_standard_errors_equal_svy_taylor_linearisation(sample, link):
    X = design_matrix(sample)
    model = fit_risk_model(sample.y, X, sample.w, sample.stratum, sample.psu, link=link)
    ref = svy_fit(sample, link)
    np.testing.assert_allclose(model.params.to_numpy(), ref["estimate"].to_numpy(), atol=1e-8)
    np.testing.assert_allclose(model.bse.to_numpy(), ref["std_err"].to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(model.pvalues.to_numpy(), ref["p_value"].to_numpy(), atol=1e-7)
    ci = model.conf_int()
    np.testing.assert_allclose(ci["lower"].to_numpy(), ref["conf_low"].to_numpy(), atol=1e-6)
    assert model.df_resid == ref["df"][0] == 48 - 6 - 4
    assert (model.df_design, model.n_strata, model.n_psu) == (42, 6, 48)
    # not a model-based SE: the design SEs differ from the naive ones by the PSU effects
    naive = sm.GLM(sample.y, X, family=sm.families.Binomial(), freq_weights=sample.w).fit()
    if link == "logit":
        assert not np.allclose(model.bse.to_numpy(), naive.bse.to_numpy(), rtol=0.05)


def test_single_psu_stratum_fails_by_default_and_centres_like_svy(sample):
    lonely = sample.copy()
    lonely.loc[lonely.stratum == 5, "psu"] = 500  # stratum 5 now has a single PSU
    X = design_matrix(lonely)
    with pytest.raises(RiskDesignError, match=r"single PSU \(5\).*singleton: center"):
        fit_risk_model(lonely.y, X, lonely.w, lonely.stratum, lonely.psu)
    model = fit_risk_model(lonely.y, X, lonely.w, lonely.stratum, lonely.psu, singleton="center")
    ref = svy_fit(lonely, "logit", singleton="center")
    np.testing.assert_allclose(model.bse.to_numpy(), ref["std_err"].to_numpy(), rtol=1e-6)
    assert model.df_resid == ref["df"][0]


def test_intercept_only_se_is_the_taylor_se_of_the_weighted_proportion_on_the_logit_scale():
    # 2 strata; stratum A has PSUs 1, 2, 3 and stratum B has PSUs 1, 2 (codes nested in strata)
    stratum = ["A"] * 7 + ["B"] * 5
    psu = [1, 1, 2, 2, 2, 3, 3, 1, 1, 2, 2, 2]
    y = [1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0]
    w = [2.0, 1.0, 3.0, 1.0, 2.0, 1.0, 4.0, 5.0, 2.0, 1.0, 3.0, 1.0]
    W = sum(w)
    p = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / W  # 10 / 25
    # Taylor variance of the ratio p = sum(w y) / sum(w): linearised values w (y - p) / W,
    # totalled by PSU, with-replacement variance within each stratum
    totals: dict[tuple[str, int], float] = {}
    for s, c, yi, wi in zip(stratum, psu, y, w, strict=True):
        totals[(s, c)] = totals.get((s, c), 0.0) + wi * (yi - p) / W
    var_p = 0.0
    for s in ("A", "B"):
        z = [v for (t, _), v in totals.items() if t == s]
        mean = sum(z) / len(z)
        var_p += len(z) / (len(z) - 1) * sum((zi - mean) ** 2 for zi in z)
    model = fit_risk_model(
        np.array(y, float),
        pd.DataFrame({"const": np.ones(12)}),
        np.array(w),
        np.array(stratum),
        np.array(psu),
    )
    assert model.params["const"] == pytest.approx(math.log(p / (1 - p)), abs=1e-12)
    assert model.bse["const"] == pytest.approx(math.sqrt(var_p) / (p * (1 - p)), rel=1e-10)
    assert model.df_design == 5 - 2
    # and svy's weighted mean of y has the same standard error
    data = pl.DataFrame(
        {
            "stratum": stratum,
            "psu": [f"{s}{c}" for s, c in zip(stratum, psu, strict=True)],
            "w": w,
            "y": [float(v) for v in y],
        }
    )
    est = svy.Sample(data, svy.Design(stratum="stratum", psu="psu", wgt="w")).estimation
    ref = est.mean("y").to_polars()
    assert ref["se"][0] == pytest.approx(math.sqrt(var_p), rel=1e-9)


def test_weighted_auc_against_a_hand_count_and_mann_whitney():
    y = np.array([1, 1, 0, 0, 1, 0])
    p = np.array([0.9, 0.4, 0.4, 0.2, 0.7, 0.8])
    w = np.array([1, 2, 1, 3, 1, 2], float)
    # positive 0.9 (w 1) beats all 6 negative weight; positive 0.4 (w 2) ties the 0.4
    # negative (w 1, half credit) and beats 0.2 (w 3): 2 * (0.5 + 3) = 7; positive 0.7 (w 1)
    # beats 0.4 and 0.2: 4. Total 17 of 4 * 6 = 24 weighted pairs.
    assert weighted_auc(y, p, w) == pytest.approx(17 / 24, abs=1e-15)
    u = stats.mannwhitneyu(p[y == 1], p[y == 0]).statistic
    assert weighted_auc(y, p, np.ones(6)) == pytest.approx(u / 9, abs=1e-15)


def test_sensitivity_specificity_and_correct_share_by_hand():
    y = np.array([1, 1, 0, 0, 1, 0])
    p = np.array([0.9, 0.3, 0.4, 0.2, 0.7, 0.8])
    w = np.array([1, 2, 1, 3, 1, 2], float)
    sens, spec, pct = classification(y, p, w, cutoff=0.4)
    # positives 0.9 and 0.7 (w 2 of 4) are caught; negatives 0.2 (w 3 of 6) are cleared
    assert (sens, spec) == (pytest.approx(2 / 4), pytest.approx(3 / 6))
    assert pct == pytest.approx(100 * 5 / 10)


def svy_wald(sample: pd.DataFrame, r: np.ndarray, groups: np.ndarray) -> float:
    """``m' V^-1 m`` with the domain mean residuals and their covariance from ``svy``."""
    k = int(groups.max()) + 1
    data = sample[["stratum", "psu", "w"]].assign(r=r)
    for g in range(k):
        data[f"g{g}"] = (groups == g).astype(float)
    ref = svy.Sample(pl.from_pandas(data), svy.Design(stratum="stratum", psu="psu", wgt="w"))
    fit = ref.glm.fit(
        y="r", x=[f"g{g}" for g in range(k)], intercept=False, family="gaussian"
    )._ensure_fitted()
    means = np.array([c.est for c in fit.coefs])
    return float(means @ np.linalg.solve(fit.cov_matrix, means))


def test_archer_lemeshow_equals_wald_test_on_svy_domain_means(sample):
    X = design_matrix(sample)
    model = fit_risk_model(sample.y, X, sample.w, sample.stratum, sample.psu)
    p, w, y = model.predict(X), sample.w.to_numpy(), sample.y.to_numpy()
    groups = risk_groups(p, w, 10)
    shares = np.bincount(groups, weights=w) / w.sum()
    assert len(shares) == 10 and np.all(np.abs(shares - 0.1) < 0.03)
    assert np.all(np.diff([p[groups == g].max() for g in range(10)]) > 0)
    # on the plain deciles (min_expected=0): Stata's estat gof, F = (f - g + 2) W / (f g)
    index = design_index(sample.stratum.to_numpy(), sample.psu.to_numpy(), len(y))
    plain = archer_lemeshow(y, p, w, index, min_expected=0)
    wald = svy_wald(sample, y - p, groups)
    assert plain.wald == pytest.approx(wald, rel=1e-9)
    assert plain.f_stat == pytest.approx((42 - 10 + 2) * wald / (42 * 10), rel=1e-9)
    assert (plain.df_num, plain.df_den, plain.groups) == (9, 34, 10)
    assert plain.p_value == pytest.approx(stats.f.sf(plain.f_stat, 9, 34))
    # the model's test merges the low-risk deciles expecting fewer than 10 events
    merged = merge_sparse_groups(groups, p, 10)
    k = int(merged.max()) + 1
    assert 3 <= k < 10 and np.bincount(merged, weights=p).min() >= 10
    gof = model.fit.gof
    wald = svy_wald(sample, y - p, merged)
    assert gof.wald == pytest.approx(wald, rel=1e-9)
    assert gof.f_stat == pytest.approx((42 - k + 2) * wald / (42 * k), rel=1e-9)
    assert (gof.df_num, gof.df_den, gof.groups) == (k - 1, 42 - k + 2, k)
    assert gof.p_value == pytest.approx(stats.f.sf(gof.f_stat, k - 1, 42 - k + 2))


def test_archer_lemeshow_rejects_a_misspecified_model():
    rng = np.random.default_rng(3)
    n = 4000
    x = rng.uniform(-3, 3, n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(x**2 - 2)))).astype(float)
    stratum, psu = np.repeat(np.arange(10), 400), np.repeat(np.arange(200), 20)
    model = fit_risk_model(y, pd.DataFrame({"const": 1.0, "x": x}), np.ones(n), stratum, psu)
    assert model.fit.gof.p_value < 1e-6  # the true risk is U-shaped in x, the model linear
    # the true model, fitted the same way, is not rejected (its size: tests/risk/test_gof.py)
    squared = fit_risk_model(
        y, pd.DataFrame({"const": 1.0, "x": x, "x2": x**2}), np.ones(n), stratum, psu
    )
    assert squared.fit.gof.p_value > 0.05


def test_summary_odds_ratios_and_frame(sample):
    X = design_matrix(sample)
    model = fit_risk_model(sample.y, X, sample.w, sample.stratum, sample.psu)
    text = model.summary()
    frame = model.to_frame()
    for term in ["const", *COVARIATES]:
        row = frame.loc[term]
        for value in (row.coef, row.std_err, row.t, row.odds_ratio):
            assert f"{value:.4f}" in text
    for value in (
        model.fit.auc,
        model.fit.pseudo_r2,
        model.fit.sensitivity,
        model.fit.specificity,
        model.fit.gof.f_stat,
    ):
        assert f"{value:.4f}" in text
    assert "Archer-Lemeshow" in text and "odds ratio" in text and "42 (t on 38)" in text
    ors = model.odds_ratios()
    np.testing.assert_allclose(ors["odds_ratio"], np.exp(model.params))
    np.testing.assert_allclose(ors["or_lower"], np.exp(model.conf_int()["lower"]))
    probit = fit_risk_model(sample.y, X, sample.w, sample.stratum, sample.psu, link="probit")
    assert "odds ratio" not in probit.summary()
    with pytest.raises(RiskModelError, match="logit"):
        probit.odds_ratios()
    with pytest.raises(RiskModelError, match="male"):
        model.predict(X.drop(columns="male"))


def test_fit_from_config_builds_reference_coded_dummies(sample):
    config = parse_config(
        {
            "outcome": {"column": "y", "definition": "synthetic"},
            "covariates": [
                {"name": "age"},
                {"name": "male", "kind": "binary"},
                {"name": "region", "kind": "categorical", "reference": "a"},
            ],
            "territory": ["area"],
            "survey": {"path": "s.csv", "weight": "w"},
            "census": {"path": "c.csv"},
        }
    )
    survey = sample.rename(columns={"w": "weight"})[
        ["y", "weight", "stratum", "psu", "age", "male", "region"]
    ]
    model = fit_from_config(survey, config)
    assert list(model.params.index) == ["const", "age", "male", "region[b]", "region[c]"]
    assert model.levels == {"region": ("b", "c")}
    direct = fit_risk_model(sample.y, design_matrix(sample), sample.w, sample.stratum, sample.psu)
    np.testing.assert_allclose(model.params.to_numpy(), direct.params.to_numpy(), atol=1e-10)
    np.testing.assert_allclose(model.bse.to_numpy(), direct.bse.to_numpy(), rtol=1e-10)


def test_collinear_columns_and_separation_are_named_errors(sample):
    X = design_matrix(sample).assign(reg_a=lambda d: 1 - d.reg_b - d.reg_c)
    with pytest.raises(RiskModelError, match="reg_a are linear combinations"):
        fit_risk_model(sample.y, X, sample.w, sample.stratum, sample.psu)
    x = np.linspace(-1, 1, 40)
    with pytest.raises(RiskModelError, match="separation"):
        fit_risk_model((x > 0).astype(float), pd.DataFrame({"const": 1.0, "x": x}), np.ones(40))
    with pytest.raises(RiskModelError, match="0 or 1"):
        fit_risk_model(np.full(40, 2.0), pd.DataFrame({"const": np.ones(40)}), np.ones(40))
