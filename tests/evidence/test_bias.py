"""regtest / ranktest / trimfill against metafor's help pages (docs/reference/regtest.html,
ranktest.html, trimfill.html) and tests/testthat/test_misc_pub_bias.r."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from target87.evidence.bias import kendall_exact_cdf, ranktest, regtest, trimfill
from target87.evidence.errors import EvidenceError
from target87.evidence.rma import rma

DATA = Path(__file__).parent / "data"


def _bcg() -> tuple[np.ndarray, np.ndarray]:
    d = pd.read_csv(DATA / "bcg_counts.csv")
    n1, n2 = d.tpos + d.tneg, d.cpos + d.cneg
    return (
        np.log((d.tpos / n1) / (d.cpos / n2)).to_numpy(),
        (1 / d.tpos - 1 / n1 + 1 / d.cpos - 1 / n2).to_numpy(),
    )


def _egger() -> tuple[np.ndarray, np.ndarray]:
    """escalc(measure="OR") with 1/2 added to the cells of tables with a zero (to="only0")."""
    e = pd.read_csv(DATA / "egger2001.csv")
    a, b, c, d = e.ai, e.n1i - e.ai, e.ci, e.n2i - e.ci
    z = ((a == 0) | (b == 0) | (c == 0) | (d == 0)) * 0.5
    a, b, c, d = a + z, b + z, c + z, d + z
    return np.log(a * d / (b * c)).to_numpy(), (1 / a + 1 / b + 1 / c + 1 / d).to_numpy()


def test_regtest_lm_and_rma_egger2001_without_isis4() -> None:
    y, v = _egger()
    res = rma(y[:15], v[:15])
    lm = regtest(res, model="lm")
    assert (lm.zval, lm.dfs, lm.pval) == pytest.approx((-3.1783, 13, 0.0073), abs=1e-4)
    assert (lm.est, lm.ci_lb, lm.ci_ub) == pytest.approx((-0.1512, -0.5130, 0.2106), abs=1e-4)
    me = regtest(res)
    assert (me.zval, me.pval) == pytest.approx((-2.8062, 0.0050), abs=1e-4)
    assert me.dfs is None
    assert (me.est, me.ci_lb, me.ci_ub) == pytest.approx((-0.1639, -0.5681, 0.2402), abs=1e-4)
    assert "t = -3.1783, df = 13, p = 0.0073" in lm.summary()
    same = regtest(y[:15], v[:15], model="lm")
    assert same.zval == pytest.approx(lm.zval)


def test_regtest_all_16_trials() -> None:
    y, v = _egger()  # test_misc_pub_bias.r line 13
    assert regtest(rma(y, v)).zval == pytest.approx(-4.6686, abs=1e-4)


def test_regtest_sample_size_predictor_needs_ni() -> None:
    y, v = _egger()
    with pytest.raises(EvidenceError):
        regtest(y, v, predictor="ni")
    e = pd.read_csv(DATA / "egger2001.csv")
    out = regtest(y[:15], v[:15], predictor="ni", ni=(e.n1i + e.n2i)[:15])
    assert out.zval == pytest.approx(1.7938, abs=1e-4)  # regtest.html
    assert out.est is None


def test_ranktest() -> None:
    y, v = _bcg()
    r = ranktest(rma(y, v))  # ranktest.html
    assert (r.tau, r.pval) == pytest.approx((0.0256, 0.9524), abs=1e-4)
    assert r.exact
    y, v = _egger()
    r = ranktest(y, v)  # test_misc_pub_bias.r lines 39-41
    assert r.tau == pytest.approx(0.15)
    assert r.pval == pytest.approx(0.4503, abs=1e-4)


def test_kendall_exact_distribution() -> None:
    # agrees with scipy's exact p-value for untied data
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=12), rng.normal(size=12)
    tau = stats.kendalltau(x, y).statistic
    n = 12
    q = int(round((tau + 1) * n * (n - 1) / 4))
    p = (
        2 * (1 - kendall_exact_cdf(q - 1, n))
        if q > n * (n - 1) / 4
        else 2 * kendall_exact_cdf(q, n)
    )
    assert min(p, 1) == pytest.approx(stats.kendalltau(x, y, method="exact").pvalue, abs=1e-12)
    assert kendall_exact_cdf(66, 12) == 1.0


def test_trimfill_equal_effects_l0() -> None:
    y, v = _bcg()
    taf = trimfill(rma(y, v, method="EE"))  # trimfill.html
    assert (taf.k0, taf.side) == (4, "right")
    assert taf.se_k0 == pytest.approx(2.3853, abs=1e-4)
    assert taf.fit.k == 17
    assert (taf.fit.beta[0], taf.fit.se[0]) == pytest.approx((-0.2910, 0.0383), abs=1e-4)
    assert pytest.approx(262.7316, abs=1e-3) == taf.fit.QE
    assert taf.yi[13:] == pytest.approx([0.78929282, 0.85949921, 1.00333667, 1.03884624], abs=1e-7)
    assert taf.vi[13:] == pytest.approx([0.073024794, 0.020010032, 0.194581121, 0.223017248])
    assert taf.fill.tolist() == [False] * 13 + [True] * 4
    refit = rma(taf.yi, taf.vi)  # the "equal-random" illustration
    assert (refit.tau2, refit.beta[0]) == pytest.approx((0.7164, -0.3422), abs=1e-4)


def test_trimfill_r0() -> None:
    y, v = _bcg()
    taf = trimfill(rma(y, v, method="EE"), estimator="R0")
    assert taf.k0 == 4
    assert taf.se_k0 == pytest.approx(3.1623, abs=1e-4)
    assert taf.p_k0 == pytest.approx(0.0312, abs=1e-4)
    assert "p-val = 0.0312" in taf.summary()


def test_trimfill_random_effects() -> None:
    y, v = _bcg()
    taf = trimfill(rma(y, v))
    assert (taf.k0, taf.side) == (1, "right")
    assert taf.se_k0 == pytest.approx(2.4528, abs=1e-4)
    assert taf.fit.tau2 == pytest.approx(0.3313, abs=1e-4)
    assert (taf.fit.beta[0], taf.fit.se[0]) == pytest.approx((-0.6571, 0.1785), abs=1e-4)
    assert '"k0": 1' in taf.to_json()


def test_trimfill_hackshaw_runs_and_side_forced() -> None:
    h = pd.read_csv(DATA / "hackshaw1998.csv")
    y = np.log(h["or"]).to_numpy()
    v = ((np.log(h.or_ub) - np.log(h.or_lb)) / (2 * stats.norm.isf(0.025))).to_numpy() ** 2
    dl = rma(y, v, method="DL")  # dat.hackshaw1998 help page: tau2 0.0170, estimate 0.2139
    assert (dl.tau2, dl.beta[0]) == pytest.approx((0.0170, 0.2139), abs=1e-4)
    left = trimfill(dl, side="left")
    assert left.side == "left" and left.k0 >= 0
    assert left.fit.beta[0] <= dl.beta[0] + 1e-12


def test_trimfill_refuses_moderators() -> None:
    y, v = _bcg()
    with pytest.raises(EvidenceError):
        trimfill(rma(y, v, mods=np.arange(13.0)))
