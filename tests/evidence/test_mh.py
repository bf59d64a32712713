"""rma_mh() and rma_peto() against metafor (dat.bcg).

References (metafor GitHub, commit 71ae8f5, tests/testthat/...):
- test_misc_metan_vs_rma.mh_with_dat.bcg.r, lines 11-25 (MH RR) and 33-47 (MH OR).
- test_misc_metan_vs_rma.peto_with_dat.bcg.r, lines 11-25 (Peto OR).
"""

from __future__ import annotations

import numpy as np
import pytest

from target87.evidence import EvidenceError, rma_mh, rma_peto
from tests.evidence import bcg, close


def _cells():
    d = bcg()
    return dict(ai=d.tpos, bi=d.tneg, ci=d.cpos, di=d.cneg)


def test_mh_rr_bcg():
    res = rma_mh("RR", **_cells())
    close(
        [res.beta[0], res.ci_lb[0], res.ci_ub[0], res.zval[0], res.QE],
        [-0.4537, -0.5308, -0.3766, -11.5338, 152.5676],
    )
    close(np.exp([res.beta[0], res.ci_lb[0], res.ci_ub[0]]), [0.6353, 0.5881, 0.6862])
    assert res.QE_df == 12 and res.method == "MH"


def test_mh_or_bcg():
    res = rma_mh("OR", **_cells())
    close(
        [res.beta[0], res.ci_lb[0], res.ci_ub[0], res.zval[0], res.QE],
        [-0.4734, -0.5538, -0.3930, -11.5444, 163.9426],
    )
    close(np.exp([res.beta[0], res.ci_lb[0], res.ci_ub[0]]), [0.6229, 0.5748, 0.6750])
    assert "CMH" in res.extra
    assert "Mantel-Haenszel" in res.summary()


def test_peto_bcg():
    res = rma_peto(**_cells())
    close(
        [res.beta[0], res.ci_lb[0], res.ci_ub[0], res.zval[0], res.QE],
        [-0.4744, -0.5541, -0.3948, -11.6689, 167.7302],
    )
    close(np.exp([res.beta[0], res.ci_lb[0], res.ci_ub[0]]), [0.6222, 0.5746, 0.6738])
    assert res.to_dict()["QE_df"] == 12


def test_mh_with_zero_cells_uses_raw_counts():
    res = rma_mh("OR", ai=[0, 4, 6], bi=[20, 16, 14], ci=[2, 8, 9], di=[18, 12, 11])
    a, b, c, d = (np.array(x, float) for x in ([0, 4, 6], [20, 16, 14], [2, 8, 9], [18, 12, 11]))
    n = a + b + c + d
    close(res.beta, np.log(np.sum(a * d / n) / np.sum(b * c / n)), tol=1e-12)
    assert np.isfinite(res.QE)


def test_mh_bad_input():
    with pytest.raises(EvidenceError, match="supports measure"):
        rma_mh("RD", **_cells())
    with pytest.raises(EvidenceError, match="negative counts"):
        rma_mh("OR", ai=[5], n1i=[3], ci=[1], n2i=[10])
    with pytest.raises(EvidenceError, match="not defined"):
        rma_peto(ai=[0, 0], bi=[10, 10], ci=[0, 0], di=[10, 10])
