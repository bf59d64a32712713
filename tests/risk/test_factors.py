"""Factor contributions: counterfactual re-prediction and AME x prevalence.

References: a brute-force pandas re-prediction on the raw census records, statsmodels'
average marginal effects (``get_margeff(at="overall", dummy=True)``) and hand arithmetic.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import expit, ndtr

from target87.risk.factors import (
    FactorContributions,
    ame_contributions,
    average_marginal_effects,
    counterfactual_contributions,
    reference_levels,
)
from target87.risk.scoring import ScoringError, pattern_table
from tests.risk.test_scoring import PARAMS, PROBIT_PARAMS, make_census

BINARIES = ["male", "attends", "head_agri"]


@pytest.fixture(scope="module")
def census() -> pd.DataFrame:
    return make_census()


@pytest.fixture(scope="module")
def patterns(census, tmp_path_factory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("census") / "census.parquet"
    census.to_parquet(path)
    table = ibis.duckdb.connect().read_parquet(path)
    return pattern_table(table, list(PARAMS.index[1:]), ["muni"], "weight").to_pandas()


def brute_force_risk(census: pd.DataFrame, params: pd.Series, link: str) -> pd.Series:
    eta = params["const"] + census[params.index[1:]].to_numpy(float) @ params.iloc[1:].to_numpy()
    p = expit(eta) if link == "logit" else ndtr(eta)
    frame = census.assign(wp=census["weight"] * p)
    sums = frame.groupby("muni", sort=True)[["wp", "weight"]].sum()
    return sums["wp"] / sums["weight"]


@pytest.mark.parametrize(("link", "params"), [("logit", PARAMS), ("probit", PROBIT_PARAMS)])
def test_counterfactual_equals_brute_force_re_prediction(census, patterns, link, params):
    got = counterfactual_contributions(patterns, params, link, ["muni"]).contributions
    national = np.average(census[["age", "head_educ"]], weights=census["weight"], axis=0)
    reference = {"male": 0, "attends": 0, "head_agri": 0, "age": national[0],
                 "head_educ": national[1]}  # fmt: skip
    risk = brute_force_risk(census, params, link)
    for factor, level in reference.items():
        without = brute_force_risk(census.assign(**{factor: level}), params, link)
        np.testing.assert_allclose(got[factor], (risk - without).to_numpy(), atol=1e-13)


def test_reference_levels_and_overrides(census, patterns):
    levels = reference_levels(patterns, PARAMS)
    assert levels[BINARIES].tolist() == [0.0, 0.0, 0.0]
    assert levels["age"] == pytest.approx(np.average(census["age"], weights=census["weight"]))
    assert reference_levels(patterns, PARAMS, reference={"attends": 1})["attends"] == 1.0
    with pytest.raises(ScoringError, match="hh_size"):
        reference_levels(patterns, PARAMS, reference={"hh_size": 4})
    with pytest.raises(ScoringError, match="hh_size"):
        counterfactual_contributions(patterns, PARAMS, "logit", ["muni"], factors=["hh_size"])


def test_absent_factor_contributes_nothing_and_signs_follow_coefficients(census, patterns):
    ame = average_marginal_effects(census, PARAMS, "logit", census["weight"])
    for result in (
        counterfactual_contributions(patterns, PARAMS, "logit", ["muni"]),
        ame_contributions(patterns, ame, ["muni"]),
    ):
        c = result.contributions.set_index("muni")
        assert (c.loc["M05", "head_agri"] == 0.0) and (c.drop(index="M05")["head_agri"] > 0).all()
        for factor in BINARIES:  # present everywhere else: the sign of the coefficient
            present = c[factor].drop(index="M05") if factor == "head_agri" else c[factor]
            assert (np.sign(present) == np.sign(PARAMS[factor])).all()
        shares = result.shares().set_index("muni")
        assert shares.loc["M05", "head_agri"] == 0.0
        np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert (np.sign(ame) == np.sign(PARAMS.iloc[1:])).all()


@pytest.mark.parametrize(("link", "model"), [("logit", sm.Logit), ("probit", sm.Probit)])
def test_average_marginal_effects_match_statsmodels(census, link, model):
    covariates = list(PARAMS.index[1:])
    rng = np.random.default_rng(9)
    eta = PARAMS["const"] + census[covariates].to_numpy(float) @ PARAMS.iloc[1:].to_numpy()
    y = (rng.random(len(census)) < expit(eta)).astype(int)
    fit = model(y, sm.add_constant(census[covariates].astype(float))).fit(disp=0)
    want = fit.get_margeff(at="overall", method="dydx", dummy=True).margeff
    got = average_marginal_effects(census, fit.params, link)
    np.testing.assert_allclose(got[covariates].to_numpy(), want, rtol=1e-10)


def test_weighted_ame_equals_replicated_records(census):
    small = census.iloc[:300].copy()
    copies = np.random.default_rng(1).integers(1, 4, len(small))
    weighted = average_marginal_effects(small, PARAMS, "logit", weights=copies)
    replicated = average_marginal_effects(small.loc[small.index.repeat(copies)], PARAMS, "logit")
    np.testing.assert_allclose(weighted, replicated, rtol=1e-12)


def test_ame_times_prevalence_by_hand(census, patterns):
    ame = pd.Series({"head_agri": 0.1, "age": -0.002})
    got = ame_contributions(patterns, ame, ["muni"]).contributions.set_index("muni")
    m03 = census[census["muni"] == "M03"]
    share_agri = np.average(m03["head_agri"], weights=m03["weight"])
    assert got.loc["M03", "head_agri"] == pytest.approx(0.1 * share_agri, rel=1e-12)
    centre = pd.Series({"head_agri": 0.2, "age": 11.0})
    gap = ame_contributions(patterns, ame, ["muni"], centre=centre).contributions
    mean_age = np.average(m03["age"], weights=m03["weight"])
    assert gap.set_index("muni").loc["M03", "age"] == pytest.approx(-0.002 * (mean_age - 11))


def test_top_factors_risk_and_protective_split():
    result = FactorContributions(
        contributions=pd.DataFrame(
            {
                "muni": ["A", "B"],
                "agri": [0.027, 0.0],
                "school": [-0.031, -0.01],
                "male": [0.013, 0.0],
            }
        ),  # fmt: skip
        territory=("muni",),
        method="counterfactual",
        basis=pd.Series({"agri": 0.0, "school": 0.0, "male": 0.0}),
    )
    top = result.top_factors(n=3, labels={"school": "attends school"})
    assert top["top_factors"].tolist() == [
        "attends school -3.1 pp (44%); agri +2.7 pp (38%); male +1.3 pp (18%)",
        "attends school -1.0 pp (100%)",
    ]
    assert result.top_factors(n=1)["top_factors"][0] == "school -3.1 pp (44%)"
    risk = result.risk_factors()
    assert risk[["muni", "factor"]].values.tolist() == [["A", "agri"], ["A", "male"]]
    protective = result.protective_factors()
    assert protective[["muni", "factor"]].values.tolist() == [["A", "school"], ["B", "school"]]
    text = result.summary()
    assert "counterfactual" in text and "school: -2.05 pp, 0 / 2" in text
