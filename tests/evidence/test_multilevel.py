"""rma_mv against metafor's tests/testthat/test_analysis_example_konstantopoulos2011.r."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from target87.evidence.errors import EvidenceError
from target87.evidence.multilevel import rma_mv

DATA = Path(__file__).parent / "data" / "konstantopoulos2011.csv"


@pytest.fixture(scope="module")
def dat() -> pd.DataFrame:
    return pd.read_csv(DATA)


def test_data_shape(dat: pd.DataFrame) -> None:
    assert len(dat) == 56 and dat["district"].nunique() == 11


def test_reml_three_level(dat: pd.DataFrame) -> None:
    # metafor test file: "three-level random-effects model ... REML" and the restart test
    res = rma_mv(dat.yi, dat.vi, study=dat.district)
    assert res.beta[0] == pytest.approx(0.1847132, abs=1e-6)
    assert res.se[0] == pytest.approx(0.08455592, abs=1e-6)
    assert res.sigma2 == pytest.approx([0.06506194, 0.03273652], abs=1e-6)
    assert res.icc == pytest.approx(0.6653, abs=1e-4)
    assert res.tau2 == pytest.approx(0.0978, abs=1e-4)
    assert res.ll == pytest.approx(-7.9587, abs=1e-4)
    assert res.s_nlevels == [11, 56]
    assert res.QE_df == 55


def test_ml_three_level_and_prediction_interval(dat: pd.DataFrame) -> None:
    res = rma_mv(dat.yi, dat.vi, study=dat.district, method="ML")
    assert res.beta[0] == pytest.approx(0.1845, abs=1e-4)
    assert res.se[0] == pytest.approx(0.0805, abs=1e-4)
    assert res.sigma2 == pytest.approx([0.0577, 0.0329], abs=1e-4)
    assert (res.pi_lb, res.pi_ub) == pytest.approx((-0.4262, 0.7951), abs=1e-4)


def test_ml_with_moderator(dat: pd.DataFrame) -> None:
    res = rma_mv(dat.yi, dat.vi, study=dat.district, method="ML", mods=dat.year - dat.year.mean())
    assert res.beta == pytest.approx([0.1780, 0.0051], abs=1e-4)
    assert res.se == pytest.approx([0.0805, 0.0085], abs=1e-4)
    assert res.sigma2 == pytest.approx([0.0565, 0.0329], abs=1e-4)
    assert res.QM_df == 1 and res.pi_lb is None


def test_t_test_and_output(dat: pd.DataFrame) -> None:
    res = rma_mv(dat.yi, dat.vi, study=dat.district, test="t")
    assert res.df == 55 and res.tval is not None
    d = json.loads(res.to_json())
    assert d["sigma2"] == pytest.approx(list(res.sigma2))
    assert "sigma^2.1" in res.summary()


def test_effect_level_defaults_to_rows(dat: pd.DataFrame) -> None:
    a = rma_mv(dat.yi, dat.vi, study=dat.district)
    b = rma_mv(dat.yi, dat.vi, study=dat.district, effect=dat.study)
    assert a.sigma2 == pytest.approx(b.sigma2)


def test_errors(dat: pd.DataFrame) -> None:
    with pytest.raises(EvidenceError):
        rma_mv(dat.yi, dat.vi[:10], study=dat.district)
    with pytest.raises(EvidenceError):
        rma_mv(dat.yi, dat.vi, study=dat.district, method="DL")
    y = dat.yi.to_numpy().copy()
    y[3] = np.nan
    with pytest.raises(EvidenceError, match="rows \\[3\\]"):
        rma_mv(y, dat.vi, study=dat.district)
