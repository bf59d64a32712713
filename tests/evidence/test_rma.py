"""rma() against metafor's published numbers (dat.bcg, log risk ratios, and other examples).

References (metafor GitHub, commit 71ae8f5, tests/testthat/...; printed to 4 decimals):
- [metan] test_misc_metan_vs_rma.uni_with_dat.bcg.r, lines 13-19 (EE), 37-44 (DL).
- [infl]  test_misc_influence.r, line 17 (REML tau2 = 0.313243325980895, QE = 152.233008082373).
- [cumul] test_misc_cumul.r, line 19 (last cumulative REML estimate -0.714532).
- [conf]  test_misc_confint.r, lines 14-16 (Q-profile CI of tau^2, I^2, H^2 under DL).
- [v2005] test_analysis_example_viechtbauer2005.r, lines 12-36 and 43-69 (HS, HE, DL, ML, REML,
          EB, SJ: tau2, I2, H2, se.tau2; Viechtbauer 2005, pp. 271-272).
- [ds07]  test_analysis_example_dersimonian2007.r, lines 10-62 (CLASP: PM, HE, DL, EB, ML, REML,
          HS, SJ, SJ with tau2.init, HSk: tau, mu, se; DerSimonian & Kacker 2007, Tables 3-4).
- [dlit]  test_misc_rma_uni.r, lines 25-31 (DLIT/SJIT converge to the PM value 0.3181).
- [berk]  test_analysis_example_berkey1995.r, lines 16-44 (EB with smoothed variances).
- [jss]   metafor's print.rma output for dat.bcg as given in Viechtbauer (2010, JSS 36(3)) and
          /work/shared/research/EVIDENCE_SUPPLY.md Part A (REML, knha, meta-regression on ablat).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from target87.evidence import MetaResult, escalc, rma, with_qprofile
from target87.evidence.tau2 import TAU2_METHODS, estimate_tau2
from tests.evidence import bcg, bcg_rr, close


def test_equal_effects_bcg():  # [metan] lines 13-19
    yi, vi = bcg_rr()
    res = rma(yi, vi, method="EE")
    close(res.beta, -0.4303)
    close(res.se, 0.0405)
    close(res.ci_lb, -0.5097)
    close(res.ci_ub, -0.3509)
    close(res.zval, -10.6247)
    close(res.QE, 152.2330)
    assert res.QE_df == 12
    close(np.exp(res.beta), 0.6503)  # predict(res, transf=exp), line 25
    assert res.tau2 == 0.0 and res.se_tau2 is None


def test_reml_bcg():  # [jss], [infl] line 17, [cumul] line 19
    yi, vi = bcg_rr()
    res = rma(yi, vi)
    assert res.method == "REML" and res.model == "RE"
    close(res.beta, -0.7145)
    close(res.beta, -0.714532, tol=1e-6)
    close(res.se, 0.1798)
    close(res.tau2, 0.3132)
    close(res.tau2, 0.313243325980895, tol=1e-6)
    close(res.se_tau2, 0.1664)
    close(res.I2, 92.22, tol=5e-3)
    close(res.H2, 12.86, tol=5e-3)
    close(res.QE, 152.233008082373, tol=1e-8)
    close(res.tau, 0.5597)
    close(res.zval, -3.9744)
    close([res.ci_lb[0], res.ci_ub[0]], [-1.0669, -0.3622])


def test_dl_bcg():  # [metan] lines 37-44
    yi, vi = bcg_rr()
    res = rma(yi, vi, method="DL")
    close(res.beta, -0.7141)
    close(res.ci_lb, -1.0644)
    close(res.ci_ub, -0.3638)
    close(res.zval, -3.9952)
    close(res.tau2, 0.3088)
    close(res.I2, 92.1173)
    close(np.exp(res.beta), 0.4896)  # line 50


def test_ee_and_dl_bcg_or_and_rd():  # [metan] lines 62-68, 86-93, 111-117, 127-134
    d = bcg()
    es = escalc("OR", ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg)
    ee = rma(es.yi, es.vi, method="EE")
    close(
        [ee.beta[0], ee.ci_lb[0], ee.ci_ub[0], ee.zval[0], ee.QE],
        [-0.4361, -0.5190, -0.3533, -10.3190, 163.1649],
    )
    dl = rma(es.yi, es.vi, method="DL")
    close(
        [dl.beta[0], dl.ci_lb[0], dl.ci_ub[0], dl.zval[0], dl.tau2, dl.I2],
        [-0.7474, -1.1242, -0.3706, -3.8873, 0.3663, 92.6455],
    )
    rd = escalc("RD", ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg)
    ee = rma(rd.yi, rd.vi, method="EE")
    close(
        [ee.beta[0], ee.ci_lb[0], ee.ci_ub[0], ee.zval[0], ee.QE],
        [-0.0009, -0.0014, -0.0005, -4.0448, 276.4737],
    )
    dl = rma(rd.yi, rd.vi, method="DL")
    close(
        [dl.beta[0], dl.ci_lb[0], dl.ci_ub[0], dl.zval[0], dl.tau2, dl.I2],
        [-0.0071, -0.0101, -0.0040, -4.5128, 0.0000, 95.6596],
    )


def test_reml_knapp_hartung_bcg():  # [jss]
    yi, vi = bcg_rr()
    res = rma(yi, vi, test="knha")
    close(res.se, 0.1808)
    close(res.tval, -3.9522)
    assert res.df == 12 and res.zval is None
    close([res.ci_lb[0], res.ci_ub[0]], [-1.1084, -0.3206])
    # prediction interval with the t(12) quantile (predict.rma)
    crit = 2.178812829663418  # qt(.975, 12)
    half = crit * np.sqrt(res.se[0] ** 2 + res.tau2)
    close([res.pi_lb, res.pi_ub], [res.beta[0] - half, res.beta[0] + half], tol=1e-10)


def test_prediction_interval_z():
    yi, vi = bcg_rr()
    res = rma(yi, vi)
    # metafor: predict(rma(yi, vi, data=dat)) gives pi.lb -1.8667, pi.ub 0.4376
    close([res.pi_lb, res.pi_ub], [-1.8667, 0.4376])


def test_meta_regression_ablat_knha():  # [jss]
    yi, vi = bcg_rr()
    res = rma(yi, vi, mods=bcg().ablat.to_numpy(), mod_names=["ablat"], test="knha")
    assert res.model == "ME" and res.names == ["intrcpt", "ablat"]
    close(res.tau2, 0.0764)
    close(res.beta, [0.2515, -0.0291])
    close(res.QE, 30.7331)
    assert res.QE_df == 11
    close(res.F, 12.5905)
    assert res.F_df == (1, 11) and res.QM is None
    close(res.R2, 75.62, tol=5e-3)
    close(res.I2, 68.39, tol=5e-3)
    assert res.pi_lb is None
    d = res.to_dict()
    assert {"F", "F_df", "Fp", "tval", "df"} <= set(d) and "QM" not in d and "zval" not in d


def test_meta_regression_z_has_qm():
    yi, vi = bcg_rr()
    res = rma(yi, vi, mods=bcg().ablat.to_numpy())
    assert res.QM_df == 1 and res.F is None
    close(res.QM, float(res.zval[1] ** 2), tol=1e-10)
    assert {"QM", "QM_df", "QMp", "R2"} <= set(res.to_dict())


def test_ee_meta_regression_matches_wls():  # test_misc_rma_vs_direct_computation.r, lines 7-35
    yi, vi = bcg_rr()
    d = bcg()
    X = np.column_stack([np.ones(13), d.ablat, d.year])
    res = rma(yi, vi, mods=X[:, 1:], method="FE")
    W = np.diag(1 / vi)
    vb = np.linalg.inv(X.T @ W @ X)
    np.testing.assert_allclose(res.beta, vb @ X.T @ W @ yi, rtol=1e-10)
    np.testing.assert_allclose(res.vb, vb, rtol=1e-10)
    np.testing.assert_allclose(res.fitted, X @ res.beta, rtol=1e-10)


V2005_1 = dict(
    yi=[-0.581, 0.530, 0.771, 1.031, 0.553, 0.295, 0.078, 0.573, -0.176, -0.232],
    vi=[0.023, 0.052, 0.060, 0.115, 0.095, 0.203, 0.200, 0.211, 0.051, 0.040],
)
V2005_2 = dict(
    yi=[
        0.100,
        -0.162,
        -0.090,
        -0.049,
        -0.046,
        -0.010,
        -0.431,
        -0.261,
        0.134,
        0.019,
        0.175,
        0.056,
        0.045,
        0.103,
        0.121,
        -0.482,
        0.290,
        0.342,
    ],
    vi=[
        0.016,
        0.015,
        0.050,
        0.050,
        0.032,
        0.052,
        0.036,
        0.024,
        0.034,
        0.033,
        0.031,
        0.034,
        0.039,
        0.167,
        0.134,
        0.096,
        0.016,
        0.035,
    ],
)
V2005_METHODS = ["HS", "HE", "DL", "ML", "REML", "EB", "SJ"]


@pytest.mark.parametrize(
    ("data", "tau2", "I2", "H2", "se_tau2"),
    [
        (  # [v2005] lines 31-34 (page 271)
            V2005_1,
            [0.2282, 0.1484, 0.2768, 0.1967, 0.2232, 0.192, 0.1992],
            [77.2284, 68.7988, 80.4447, 74.5098, 76.8399, 74.0511, 74.7545],
            [4.3914, 3.205, 5.1137, 3.9231, 4.3178, 3.8537, 3.9611],
            [0.1328, 0.1234, 0.1841, 0.1255, 0.1464, 0.133, 0.0979],
        ),
        (  # [v2005] lines 63-66 (page 272)
            V2005_2,
            [0.0099, 0, 0.0126, 0.0132, 0.0157, 0.0104, 0.0248],
            [22.9266, 0, 27.5275, 28.4505, 32.0203, 23.7198, 42.6734],
            [1.2975, 1, 1.3798, 1.3976, 1.471, 1.311, 1.7444],
            [0.0138, 0.0217, 0.0159, 0.0151, 0.0167, 0.0156, 0.0118],
        ),
    ],
)
def test_viechtbauer2005_estimators(data, tau2, I2, H2, se_tau2):
    fits = [rma(data["yi"], data["vi"], method=m) for m in V2005_METHODS]
    # the paper prints tau2 and se to 4 decimals (3 where a trailing 0 was dropped)
    close([f.tau2 for f in fits], tau2, tol=1e-4)
    close([f.se_tau2 for f in fits], se_tau2, tol=1e-4)
    close([f.I2 for f in fits], I2, tol=1e-4)
    close([f.H2 for f in fits], H2, tol=1e-4)


CLASP = dict(
    n1i=[156, 303, 565, 1570, 103, 4659],
    n2i=[74, 303, 477, 1565, 105, 4650],
    ai=[5, 5, 12, 69, 9, 313],
    ci=[8, 17, 9, 94, 11, 352],
)


@pytest.mark.parametrize(
    ("method", "tau", "mu", "se"),
    [  # [ds07] lines 56-58
        ("PM", 0.3681, -0.3811, 0.2060),
        ("HE", 0.4410, -0.4035, 0.2327),
        ("DL", 0.2323, -0.3240, 0.1540),
        ("EB", 0.3681, -0.3811, 0.2060),
        ("ML", 0.0023, -0.1974, 0.0694),
        ("REML", 0.1843, -0.2980, 0.1343),
        ("HS", 0.1330, -0.2666, 0.1125),
        ("SJ", 0.4572, -0.4079, 0.2386),
        ("HSk", 0.1644, -0.2863, 0.1259),
    ],
)
def test_dersimonian2007_clasp(method, tau, mu, se):
    es = escalc("OR", **CLASP)
    res = rma(es.yi, es.vi, method=method)
    close([res.tau, res.beta[0], res.se[0]], [tau, mu, se])


def test_sj_with_tau2_init_clasp():  # [ds07] line 37, column "SJ2"
    es = escalc("OR", **CLASP)
    he = rma(es.yi, es.vi, method="HE").tau2
    res = rma(es.yi, es.vi, method="SJ", control={"tau2_init": he})
    close([res.tau, res.beta[0], res.se[0]], [0.4084, -0.3941, 0.2208])


def test_pm_bcg_equals_dlit_limit():  # [dlit] lines 28 and 30
    yi, vi = bcg_rr()
    close(rma(yi, vi, method="PM").tau2, 0.3181)


def test_eb_berkey1995():  # [berk] lines 13-44
    d = bcg()
    yi, _ = bcg_rr()
    vi = (
        np.sum(d.tneg / d.tpos) / (13 * (d.tneg + d.tpos))
        + np.sum(d.cneg / d.cpos) / (13 * (d.cneg + d.cpos))
    ).to_numpy()
    re = rma(yi, vi, method="EB")
    close([re.beta[0], re.se[0], re.tau2], [-0.5429, 0.1842, 0.2682])
    me = rma(yi, vi, mods=d.ablat.to_numpy() - 33.46, method="EB")
    close(me.beta, [-0.6303, -0.0268])
    close(me.se, [0.1591, 0.0110])
    close(me.tau2, 0.1572)
    close(me.R2, 41.3844)
    fe = rma(yi, vi, mods=d.ablat.to_numpy() - 33.46, method="FE")
    close(fe.beta, [-0.5949, -0.0282])
    close(fe.se, [0.0696, 0.0040])


@pytest.mark.parametrize("method", TAU2_METHODS)
def test_every_estimator_with_moderators(method):
    yi, vi = bcg_rr()
    res = rma(yi, vi, mods=bcg().ablat.to_numpy(), method=method)
    assert res.tau2 >= 0 and res.se_tau2 is not None and np.isfinite(res.se_tau2)
    assert res.tau2 < rma(yi, vi, method=method).tau2
    assert 0 <= res.R2 <= 100
    json.loads(res.to_json())


def test_estimate_tau2_public_api():
    yi, vi = bcg_rr()
    est = estimate_tau2(yi, vi, None, "REML")
    close(est.tau2, 0.3132)
    assert est.iterations and est.converged


def test_statsmodels_cross_check_dl_pm():
    sm = pytest.importorskip("statsmodels.stats.meta_analysis")
    yi, vi = bcg_rr()
    dl = sm.combine_effects(yi, vi, method_re="dl")
    pm = sm.combine_effects(yi, vi, method_re="pm")
    r_dl, r_pm = rma(yi, vi, method="DL"), rma(yi, vi, method="PM")
    np.testing.assert_allclose(r_dl.tau2, dl.tau2, rtol=1e-8)
    np.testing.assert_allclose(r_dl.beta[0], dl.mean_effect_re, rtol=1e-8)
    np.testing.assert_allclose(r_dl.se[0], dl.sd_eff_w_re, rtol=1e-8)
    np.testing.assert_allclose(r_pm.tau2, pm.tau2, rtol=1e-5)
    np.testing.assert_allclose(r_pm.beta[0], pm.mean_effect_re, rtol=1e-6)


def test_qprofile_bcg():  # [jss] REML, [conf] lines 14-16 (DL)
    yi, vi = bcg_rr()
    res = with_qprofile(rma(yi, vi))
    close(res.tau2_ci, [0.1197, 1.1115])
    dl = with_qprofile(rma(yi, vi, method="DL"))
    close(dl.tau2_ci, [0.1197, 1.1115])
    # metafor finds the bounds with uniroot(tol = eps^0.25), so its I^2/H^2 bounds carry
    # that search error (about 3e-3 on I^2); compared here at 5e-3.
    close(dl.I2_ci, [81.9177, 97.6781], tol=5e-3)
    close(dl.H2_ci, [5.5303, 43.0680], tol=5e-3)
    assert "tau2_ci" in dl.to_dict()


def test_qprofile_null_set_when_homogeneous():
    res = with_qprofile(rma([0.1, 0.1001, 0.0999, 0.1], [0.1, 0.1, 0.1, 0.1]))
    assert res.tau2_ci == (0.0, 0.0)
    assert any("null set" in n for n in res.notes)


def test_summary_like_print_rma():
    yi, vi = bcg_rr()
    text = rma(yi, vi).summary()
    assert "Random-Effects Model (k = 13; tau^2 estimator: REML)" in text
    assert "tau^2 (estimated amount of total heterogeneity): 0.3132 (SE = 0.1664)" in text
    assert "I^2 (total heterogeneity / total variability):   92.22%" in text
    assert "Q(df = 12) = 152.2330, p-val < .0001" in text
    assert " -0.7145  0.1798  -3.9744  <.0001  -1.0669  -0.3622  ***" in text
    me = rma(yi, vi, mods=bcg().ablat.to_numpy(), mod_names=["ablat"], test="knha").summary()
    assert "F(df1 = 1, df2 = 11) = 12.5905, p-val = 0.0046" in me
    assert "QE(df = 11) = 30.7331, p-val = 0.0012" in me
    assert "R^2 (amount of heterogeneity accounted for):            75.62%" in me


def test_to_dict_names_and_no_nan():
    yi, vi = bcg_rr()
    d = rma(yi, vi).to_dict()
    for key in (
        "k",
        "beta",
        "se",
        "zval",
        "pval",
        "ci_lb",
        "ci_ub",
        "tau2",
        "se_tau2",
        "tau",
        "I2",
        "H2",
        "QE",
        "QE_df",
        "QEp",
        "pi_lb",
        "pi_ub",
    ):
        assert key in d
    assert isinstance(rma(yi, vi), MetaResult)
    text = rma(yi, vi, mods=bcg().ablat.to_numpy()).to_json()
    assert "NaN" not in text and json.loads(text)["pi_lb"] is None
