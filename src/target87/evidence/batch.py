"""Many random-effects meta-analyses at once: :func:`rma_reml_batch`.

For each analysis ``a`` (a row of ``Y`` and ``V``, shape ``(n_analyses, k)``; NaN marks a
missing study) the intercept-only random-effects model ``y_i ~ N(mu, v_i + tau2)`` is fitted by
REML, as metafor's ``rma(yi, vi, method="REML")`` (Viechtbauer 2005, *J. Educ. Behav. Stat.*
30:261-293): Fisher scoring on ``tau2`` with ``w_i = 1/(v_i + tau2)`` and
``P = W - w w'/sum(w)``::

    tau2 <- tau2 + (y'PPy - tr(P)) / tr(PP),
    y'PPy = sum w_i^2 (y_i - mu_w)^2,   tr(P) = sum w - sum w^2 / sum w,
    tr(PP) = sum w^2 - 2 sum w^3 / sum w + (sum w^2)^2 / (sum w)^2,

started at the Hedges (HE) estimate truncated at 0 (metafor's start), step-halved to stay
non-negative, all analyses in one numpy pass with a per-analysis convergence mask (an analysis
stops once its step is at most ``tol``; ``tol=1e-5`` is metafor's ``threshold`` and follows its
iterations step for step, the default 1e-10 converges further). An analysis still iterating
after 30 steps (a flat likelihood, where Fisher scoring converges slowly) switches to
Newton-Raphson steps with the observed information ``u'Pu - tr(PP)/2`` (``u = Py``), which
reach the same REML maximum quadratically. Then ``mu = sum w y / sum w``, ``se = 1/sqrt(sum w)``,
z test and CI, ``se_tau2 = sqrt(2 / tr(PP))``, Cochran's ``QE = sum (y - mu_0)^2 / v`` on
``k - 1`` df, and metafor's ``I2 = 100 tau2 / (tau2 + s2)``, ``H2 = (tau2 + s2) / s2`` with
``s2 = (k-1) sum(1/v) / ((sum 1/v)^2 - sum(1/v^2))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .errors import EvidenceError

__all__ = ["BatchResult", "rma_reml_batch"]

_NEWTON_AFTER = 30  # Fisher scoring (metafor's path) until then, then Newton-Raphson


@dataclass
class BatchResult:
    """Arrays of length ``n_analyses`` with metafor's names."""

    k: np.ndarray
    beta: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    tau2: np.ndarray
    se_tau2: np.ndarray
    QE: np.ndarray
    QEp: np.ndarray
    I2: np.ndarray
    H2: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray

    def __len__(self) -> int:
        return int(self.beta.size)


def rma_reml_batch(
    Y: np.ndarray,
    V: np.ndarray,
    *,
    level: float = 95,
    tol: float = 1e-10,
    maxiter: int = 100,
) -> BatchResult:
    """REML random-effects fits of every row of ``Y`` (effects) and ``V`` (sampling variances),
    vectorised; formulas in the module docstring. Rows need at least 2 non-missing studies."""
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    V = np.atleast_2d(np.asarray(V, dtype=float))
    if Y.shape != V.shape:
        raise EvidenceError(f"Y {Y.shape} and V {V.shape} differ in shape")
    ok = np.isfinite(Y) & np.isfinite(V)
    if (V[ok] <= 0).any():
        raise EvidenceError("sampling variances must be positive")
    k = ok.sum(axis=1)
    if (k < 2).any():
        raise EvidenceError(
            f"analyses {np.flatnonzero(k < 2).tolist()[:10]} have fewer than 2 studies"
        )
    y = np.where(ok, Y, 0.0)
    v = np.where(ok, V, 1.0)
    m = ok.astype(float)
    kf = k.astype(float)

    # Hedges (HE) start: OLS residual variance minus the mean sampling variance.
    ybar = (m * y).sum(1) / kf
    tau2 = np.maximum(0.0, ((m * (y - ybar[:, None]) ** 2).sum(1) / (kf - 1)) - (m * v).sum(1) / kf)

    active = np.ones(Y.shape[0], bool)
    iterations = np.zeros(Y.shape[0], int)
    for it in range(maxiter):
        if not active.any():
            break
        a = np.flatnonzero(active)
        ya, va, ma, t2 = y[a], v[a], m[a], tau2[a]
        w = ma / (va + t2[:, None])
        sw = w.sum(1)
        sw2 = (w * w).sum(1)
        sw3 = (w * w * w).sum(1)
        mu = (w * ya).sum(1) / sw
        ypy = (w * w * (ya - mu[:, None]) ** 2).sum(1)
        trp = sw - sw2 / sw
        trpp = sw2 - 2 * sw3 / sw + (sw2 / sw) ** 2
        adj = (ypy - trp) / trpp
        if it >= _NEWTON_AFTER:  # slow (flat likelihood): Newton steps, observed information
            u = w * (ya - mu[:, None])
            obs = (w * u * u).sum(1) - (w * u).sum(1) ** 2 / sw - trpp / 2
            adj = np.where(obs > 0, (ypy - trp) / 2 / np.where(obs > 0, obs, 1.0), adj)
        new = t2 + adj
        for _h in range(60):  # step halving keeps tau2 >= 0 (metafor's rule)
            neg = new < 0
            if not neg.any():
                break
            adj = np.where(neg, adj / 2, adj)
            new = t2 + adj
        new = np.maximum(new, 0.0)
        iterations[a] += 1
        tau2[a] = new
        done = np.abs(adj) <= tol
        active[a[done]] = False
    converged = ~active

    w = m / (v + tau2[:, None])
    sw = w.sum(1)
    sw2 = (w * w).sum(1)
    sw3 = (w * w * w).sum(1)
    beta = (w * y).sum(1) / sw
    se = 1 / np.sqrt(sw)
    zval = beta / se
    pval = 2 * stats.norm.sf(np.abs(zval))
    crit = stats.norm.isf((1 - level / 100) / 2)
    trpp = sw2 - 2 * sw3 / sw + (sw2 / sw) ** 2
    se_tau2 = np.sqrt(2 / trpp)

    w0 = m / v
    s0 = w0.sum(1)
    mu0 = (w0 * y).sum(1) / s0
    QE = (w0 * (y - mu0[:, None]) ** 2).sum(1)
    QEp = stats.chi2.sf(QE, kf - 1)
    s2 = (kf - 1) * s0 / (s0**2 - (w0 * w0).sum(1))
    I2 = 100 * tau2 / (tau2 + s2)
    H2 = (tau2 + s2) / s2
    return BatchResult(
        k=k,
        beta=beta,
        se=se,
        zval=zval,
        pval=pval,
        ci_lb=beta - crit * se,
        ci_ub=beta + crit * se,
        tau2=tau2,
        se_tau2=se_tau2,
        QE=QE,
        QEp=QEp,
        I2=I2,
        H2=H2,
        iterations=iterations,
        converged=converged,
    )
