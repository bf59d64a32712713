"""Fay-Herriot EBLUP against R sae::mseFH on the milk data, and against direct maximisation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from target87.risk.small_area import (
    SmallAreaError,
    fay_herriot,
    gvf_variance,
    ml_loglik,
    reml_loglik,
)

MILK = Path(__file__).parent / "fixtures" / "sae_milk"
SAE_SIGMA2 = {"REML": 0.0185502223227232, "ML": 0.0155175502633347}
# sae's REML fit as printed (saens README; samplics test suite): coefficients and standard errors
SAE_REML_BETA = [0.9681890, 0.1327801, 0.2269462, -0.2413011]
SAE_REML_SE = [0.06936208, 0.10300072, 0.09232981, 0.08161707]


@pytest.fixture(scope="module")
def milk():
    data = pd.read_csv(MILK / "milk.csv", index_col="SmallArea")
    reference = pd.read_csv(MILK / "sae_msefh_reference.csv", index_col="SmallArea")
    Z = pd.get_dummies(data["MajorArea"], prefix="MajorArea", drop_first=True).astype(float)
    return data, reference, Z


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_reproduces_sae_msefh_on_milk(milk, method):
    """With sae's stopping rule (relative change < 1e-4) every number agrees to rounding."""
    data, reference, Z = milk
    fit = fay_herriot(data["yi"], data["SD"] ** 2, Z, method=method, tol=1e-4)
    key = method.lower()
    assert fit.sigma2_v == pytest.approx(SAE_SIGMA2[method], rel=1e-12)
    np.testing.assert_allclose(fit.estimate, reference[f"eblup_{key}"], rtol=1e-12)
    np.testing.assert_allclose(fit.mse, reference[f"mse_{key}"], rtol=1e-12)
    assert fit.converged and fit.table["sampled"].all()
    if method == "REML":
        np.testing.assert_allclose(fit.beta, SAE_REML_BETA, atol=5e-8)
        np.testing.assert_allclose(np.sqrt(np.diag(fit.beta_cov)), SAE_REML_SE, atol=5e-8)


def test_fully_converged_fit_differs_from_sae_only_by_its_stopping_rule(milk):
    data, reference, Z = milk
    fit = fay_herriot(data["yi"], data["SD"] ** 2, Z)
    assert fit.sigma2_v == pytest.approx(SAE_SIGMA2["REML"], rel=1e-4)
    np.testing.assert_allclose(fit.estimate, reference["eblup_reml"], atol=1e-5)
    np.testing.assert_allclose(fit.mse, reference["mse_reml"], rtol=1e-4)


@pytest.mark.parametrize(("method", "loglik"), [("REML", reml_loglik), ("ML", ml_loglik)])
def test_variance_estimate_maximises_the_likelihood_numerically(milk, method, loglik):
    data, _, Z = milk
    X = np.column_stack([np.ones(len(Z)), Z.to_numpy()])
    y, psi = data["yi"].to_numpy(), (data["SD"] ** 2).to_numpy()
    best = optimize.minimize_scalar(
        lambda s: -loglik(s, y, X, psi), bounds=(0, 1), method="bounded", options={"xatol": 1e-12}
    )
    fit = fay_herriot(data["yi"], data["SD"] ** 2, Z, method=method)
    assert fit.sigma2_v == pytest.approx(best.x, rel=1e-6)


def test_unsampled_areas_get_the_regression_prediction_and_its_mse(milk):
    data, _, Z = milk
    direct = data["yi"].copy()
    gone = [5, 20, 40]
    direct[gone] = np.nan
    fit = fay_herriot(direct, data["SD"] ** 2, Z)
    kept = fay_herriot(data["yi"].drop(gone), (data["SD"] ** 2).drop(gone), Z.drop(gone))
    assert fit.sigma2_v == pytest.approx(kept.sigma2_v, rel=1e-12)
    pd.testing.assert_series_equal(fit.beta, kept.beta, rtol=1e-10)
    z = np.column_stack([np.ones(3), Z.loc[gone].to_numpy()])
    np.testing.assert_allclose(fit.estimate[gone], z @ fit.beta.to_numpy(), rtol=1e-12)
    leverage = np.einsum("ij,jk,ik->i", z, fit.beta_cov.to_numpy(), z)
    np.testing.assert_allclose(fit.mse[gone], fit.sigma2_v + leverage, rtol=1e-12)
    assert not fit.table.loc[gone, "sampled"].any() and (fit.table.loc[gone, "gamma"] == 0).all()
    pd.testing.assert_series_equal(fit.estimate.drop(gone), kept.estimate, rtol=1e-10)


def test_no_area_variance_left_means_pure_regression():
    """Direct estimates exactly on a line: sigma2_v is 0 and every EBLUP is the regression."""
    x = np.linspace(0, 1, 12)
    Z = pd.DataFrame({"x": x})
    fit = fay_herriot(pd.Series(0.2 + 0.5 * x), pd.Series(np.full(12, 0.01)), Z)
    assert fit.sigma2_v == 0 and (fit.table["gamma"] == 0).all()
    np.testing.assert_allclose(fit.estimate, 0.2 + 0.5 * x, atol=1e-12)


def test_intervals_summary_and_cv(milk):
    data, _, Z = milk
    fit = fay_herriot(data["yi"], data["SD"] ** 2, Z)
    ci = fit.interval(0.90)
    np.testing.assert_allclose(
        ci["upper"] - ci["lower"], 2 * stats.norm.ppf(0.95) * np.sqrt(fit.mse)
    )
    assert (fit.interval(0.90, bounds=(0.9, 1.1))["lower"] >= 0.9).all()
    np.testing.assert_allclose(fit.table["cv"], np.sqrt(fit.mse) / fit.estimate)
    text = fit.summary()
    assert "method REML" in text and "43 with a direct estimate" in text
    assert "MajorArea_4" in text and f"{fit.sigma2_v:.6g}" in text
    # the shrinkage the model exists for: EBLUP CVs below the direct ones everywhere
    assert (fit.table["cv"] < data["CV"]).all()


def test_gvf_variance_is_deff_times_binomial():
    p = pd.Series([0.1, 0.2, 0.05])
    n = pd.Series([10, 40, 0])
    out = gvf_variance(p, n, deff=1.5)
    np.testing.assert_allclose(out[:2], [1.5 * 0.09 / 10, 1.5 * 0.16 / 40])
    assert np.isnan(out[2])
    with pytest.raises(SmallAreaError, match="strictly between 0 and 1"):
        gvf_variance(pd.Series([0.0, 0.2]), pd.Series([5, 5]), 1.0)


@pytest.mark.parametrize(
    ("direct_var", "Z", "message"),
    [
        (np.full(43, 0.0), None, "direct_var must be positive.*gvf_variance"),
        (None, pd.DataFrame({"x": np.ones(43)}), "cannot identify"),
        (np.full(40, 0.01), None, "has 40 values for 43 areas"),
    ],
)
def test_unusable_inputs_are_refused_with_the_reason(milk, direct_var, Z, message):
    data, _, Z_milk = milk
    direct_var = (data["SD"] ** 2).to_numpy() if direct_var is None else direct_var
    with pytest.raises(SmallAreaError, match=message):
        fay_herriot(data["yi"].to_numpy(), direct_var, Z_milk if Z is None else Z)


def test_unknown_method_and_foreign_areas_are_refused(milk):
    data, _, Z = milk
    with pytest.raises(SmallAreaError, match="method must be one of REML, ML"):
        fay_herriot(data["yi"], data["SD"] ** 2, Z, method="FH")
    with pytest.raises(SmallAreaError, match=r"absent from Z: \[99\]"):
        fay_herriot(pd.concat([data["yi"], pd.Series({99: 1.0})]), data["SD"] ** 2, Z)
