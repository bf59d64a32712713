"""rma_reml_batch equals rma(method="REML") analysis by analysis."""

from __future__ import annotations

import numpy as np
import pytest

from target87.evidence.batch import rma_reml_batch
from target87.evidence.errors import EvidenceError
from target87.evidence.rma import rma

# converged far beyond metafor's 1e-5 (half steps: some fits have flat likelihoods)
TIGHT = {"threshold": 1e-12, "stepadj": 0.5, "maxiter": 5000}


def _synth(n: int, k: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.005, 0.3, size=(n, k))
    tau2 = rng.uniform(0, 0.3, size=(n, 1))
    y = rng.normal(-0.2, 0.3, size=(n, 1)) + rng.normal(size=(n, k)) * np.sqrt(v + tau2)
    return y, v


def test_equals_rma_reml_to_1e8() -> None:
    Y, V = _synth(60, 12)
    b = rma_reml_batch(Y, V)
    assert b.converged.all()
    for i in range(Y.shape[0]):
        r = rma(Y[i], V[i], method="REML", control=TIGHT)
        assert b.tau2[i] == pytest.approx(r.tau2, abs=1e-8)
        assert b.beta[i] == pytest.approx(r.beta[0], abs=1e-8)
        assert b.se[i] == pytest.approx(r.se[0], abs=1e-8)
        assert b.ci_lb[i] == pytest.approx(r.ci_lb[0], abs=1e-8)
        assert b.QE[i] == pytest.approx(r.QE, abs=1e-8)
        assert b.I2[i] == pytest.approx(r.I2, abs=1e-6)
        assert b.se_tau2[i] == pytest.approx(r.se_tau2, abs=1e-8)


def test_metafor_threshold_follows_metafor_path() -> None:
    Y, V = _synth(30, 8, seed=5)
    b = rma_reml_batch(Y, V, tol=1e-5)
    for i in range(Y.shape[0]):
        assert b.tau2[i] == pytest.approx(rma(Y[i], V[i]).tau2, abs=1e-12)


def test_bcg_reference() -> None:
    # metafor: rma(yi, vi, data=dat.bcg RR): tau2 0.3132, mu -0.7145, se 0.1798
    y = np.array(
        [
            -0.8893,
            -1.5854,
            -1.3481,
            -1.4416,
            -0.2175,
            -0.7861,
            -1.6209,
            0.0120,
            -0.4694,
            -1.3713,
            -0.3394,
            0.4459,
            -0.0173,
        ]
    )
    v = np.array(
        [
            0.3256,
            0.1946,
            0.4154,
            0.0200,
            0.0512,
            0.0069,
            0.2230,
            0.0040,
            0.0564,
            0.0730,
            0.0124,
            0.5325,
            0.0714,
        ]
    )
    b = rma_reml_batch(y[None], v[None])
    assert (b.tau2[0], b.beta[0], b.se[0]) == pytest.approx((0.3132, -0.7145, 0.1798), abs=2e-3)


def test_missing_studies_as_nan() -> None:
    Y, V = _synth(5, 10, seed=9)
    Y[0, 7:] = np.nan
    b = rma_reml_batch(Y, V)
    r = rma(Y[0, :7], V[0, :7], control=TIGHT)
    assert b.k[0] == 7 and b.tau2[0] == pytest.approx(r.tau2, abs=1e-8)


def test_zero_tau2_and_errors() -> None:
    y = np.array([[0.1, 0.1, 0.1, 0.1]])
    v = np.array([[0.1, 0.2, 0.3, 0.4]])
    assert rma_reml_batch(y, v).tau2[0] == 0.0
    with pytest.raises(EvidenceError):
        rma_reml_batch(y, v[:, :3])
    with pytest.raises(EvidenceError):
        rma_reml_batch(np.array([[0.1, np.nan]]), np.array([[0.1, 0.1]]))
