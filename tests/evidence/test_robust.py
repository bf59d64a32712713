"""robust() against metafor's tests/testthat/test_misc_robust.r (dat.bcg)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from target87.evidence.errors import EvidenceError
from target87.evidence.multilevel import rma_mv
from target87.evidence.rma import rma
from target87.evidence.robust import robust

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def bcg() -> pd.DataFrame:
    d = pd.read_csv(DATA / "bcg_counts.csv")
    n1, n2 = d.tpos + d.tneg, d.cpos + d.cneg
    d["yi"] = np.log((d.tpos / n1) / (d.cpos / n2))  # escalc(measure="RR")
    d["vi"] = 1 / d.tpos - 1 / n1 + 1 / d.cpos - 1 / n2
    return d


def test_cr1_default(bcg: pd.DataFrame) -> None:
    # test_misc_robust.r lines 13-23
    sav = robust(rma(bcg.yi, bcg.vi), bcg.trial)
    assert sav.vbest == "CR1"
    assert sav.vb[0, 0] == pytest.approx(0.032106, abs=1e-6)
    assert sav.dfs[0] == 12
    assert sav.zval[0] == pytest.approx(-3.98776, abs=1e-5)
    ex = np.exp([sav.ci_lb[0], sav.ci_ub[0], sav.pi_lb, sav.pi_ub])
    assert ex == pytest.approx([0.3312324, 0.7231565, 0.1360214, 1.7609930], abs=1e-6)


def test_cr0(bcg: pd.DataFrame) -> None:
    sav = robust(rma(bcg.yi, bcg.vi), bcg.trial, adjust=False)  # lines 25-28
    assert sav.vb[0, 0] == pytest.approx(0.029636, abs=1e-6)
    assert sav.zval[0] == pytest.approx(-4.150592, abs=1e-5)


def test_cr2_satterthwaite(bcg: pd.DataFrame) -> None:
    # lines 30-40
    sav = robust(rma(bcg.yi, bcg.vi), bcg.trial, clubSandwich=True)
    assert sav.vbest == "CR2"
    assert sav.vb[0, 0] == pytest.approx(0.03229357, abs=1e-7)
    assert sav.dfs[0] == pytest.approx(11.04125, abs=1e-4)
    assert sav.zval[0] == pytest.approx(-3.97616, abs=1e-5)
    ex = np.exp([sav.ci_lb[0], sav.ci_ub[0], sav.pi_lb, sav.pi_ub])
    assert ex == pytest.approx([0.3295991, 0.7267400, 0.1342926, 1.7836640], abs=1e-6)
    assert len(sav.A) == 13


def test_with_moderators(bcg: pd.DataFrame) -> None:
    # lines 56-88
    res = rma(bcg.yi, bcg.vi, mods=np.column_stack([bcg.ablat, bcg.year]))
    sav = robust(res, bcg.trial)
    assert sav.se == pytest.approx([23.910483, 0.007857, 0.012079], rel=1e-4)
    assert sav.dfs == pytest.approx([10, 10, 10])
    assert sav.zval == pytest.approx([-0.148282, -3.564978, 0.157928], abs=1e-5)
    assert pytest.approx(11.8546, abs=1e-4) == sav.QM
    sav = robust(res, bcg.trial, clubSandwich=True)
    assert sav.se == pytest.approx([33.655367, 0.011994, 0.016963], rel=1e-4)
    assert sav.dfs == pytest.approx([2.724625, 2.112895, 2.745919], abs=1e-5)
    assert sav.zval == pytest.approx([-0.105347, -2.335398, 0.112456], abs=1e-5)
    # R 4.2, metafor 3.8-1, clubSandwich 0.5.8: robust(res, trial, clubSandwich=TRUE)'s QM
    # (clubSandwich's HTZ test), printed with 17 digits
    assert pytest.approx(6.7089964486817824, rel=1e-9) == sav.QM
    assert sav.QM_df == pytest.approx((2, 2.5282137209977362), rel=1e-9)
    assert sav.QMp == pytest.approx(0.0974792578468134, rel=1e-9)
    assert sav.QM_test == "HTZ"
    text = sav.summary()
    assert "Test of Moderators (coefficients 2,3; HTZ):" in text
    assert "F(df1 = 2, df2 = 2.528) = 6.7090, p-val = 0.0975" in text


def test_rma_mv_fit(bcg: pd.DataFrame) -> None:
    # three-level fit, clusters = studies: CR2 is defined; and summary/json work
    ml = pd.read_csv(DATA / "konstantopoulos2011.csv")
    fit = rma_mv(ml.yi, ml.vi, study=ml.district)
    cr1 = robust(fit, ml.district)
    cr2 = robust(fit, ml.district, clubSandwich=True)
    assert cr1.n == 11 and cr1.dfs[0] == 10
    assert 0 < cr2.dfs[0] <= 10
    assert cr2.beta[0] == pytest.approx(fit.beta[0])
    assert "CR2" in cr2.summary() and '"dfs"' in cr2.to_json()


def test_errors(bcg: pd.DataFrame) -> None:
    res = rma(bcg.yi, bcg.vi)
    with pytest.raises(EvidenceError):
        robust(res, bcg.trial[:5])
    with pytest.raises(EvidenceError):
        robust(res, np.ones(13))  # one cluster: no df
