"""Cluster-robust inference for a fitted model, as metafor's ``robust()``: :func:`robust`.

For a fit with model matrix ``X``, weights ``W = V^-1`` (``V`` the fitted marginal covariance:
``diag(vi + tau2)`` for :func:`~target87.evidence.rma.rma`, the three-level ``V`` for
:func:`~target87.evidence.multilevel.rma_mv`), residuals ``e = y - X beta`` and ``n`` clusters
``j``, with ``M = (X'WX)^-1``:

* **CR1** (metafor's default, ``robust(res, cluster)``; Hedges, Tipton & Johnson 2010,
  *Res. Synth. Methods* 1:39-65): ``vb = n/(n-p) * M (sum_j X_j'W_j e_j e_j'W_j X_j) M``, t tests
  and CIs on ``n - p`` df, the moderators' Wald test ``QM = b'vb^-1 b / m`` against F(m, n-p).
  ``adjust=False`` gives CR0 (no ``n/(n-p)``).
* **CR2** (``robust(res, cluster, clubSandwich=TRUE)``; bias-reduced linearisation of Bell &
  McCaffrey 2002, *Survey Methodology* 28:169-181; Pustejovsky & Tipton 2018, *J. Bus. Econ.
  Stat.* 36:672-683; as clubSandwich's ``vcovCR(type="CR2")`` with inverse-variance weights):
  with ``Theta_j = V_j = R_j'R_j`` (``R_j`` upper Cholesky factor) the adjustment matrices are
  ``A_j = R_j' [R_j (Theta_j - X_j M X_j') R_j']^(-1/2) R_j`` (symmetric inverse square root,
  eigenvalues below 1e-12 set to 0), and ``vb = M (sum_j X_j'W_j A_j e_j e_j' A_j W_j X_j) M``.
  Each coefficient ``c`` gets Satterthwaite degrees of freedom ``df = tr(P)^2 / tr(P^2)`` with
  ``P[j,l] = delta_jl g_j Theta_j g_j' - (g_j X_j) M (g_l X_l)'`` and ``g_j = c'M X_j'W_j A_j``
  (the covariance, under the working model, of the cluster terms of ``c'vb c``); t tests and CIs
  use these df. The moderators' test is clubSandwich's HTZ Wald test (Tipton & Pustejovsky
  2015; :func:`~target87.evidence.htz.htz_wald_test`): ``QM`` is its F, ``QM_df`` its
  numerator and denominator df, ``QMp`` its p-value and ``QM_test`` ``"HTZ"``.

Reference numbers: metafor's ``tests/testthat/test_misc_robust.r`` (dat.bcg; lines 9-54 for
``rma``, 56-88 with moderators, 121-140 for ``rma.mv``). The working ``V`` must be
block-diagonal by cluster for CR2 (random effects nested in the clusters).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from .errors import EvidenceError
from .htz import htz_wald_test
from .results import coefficient_lines, format_pval, pval_clause
from .results import format_number as _fmt
from .results import to_jsonable as _jsonable

__all__ = ["RobustResult", "robust"]


@dataclass
class RobustResult:
    """Cluster-robust results with metafor's names (``vb``, ``se``, ``zval`` -- a t statistic,
    as metafor keeps the name --, ``dfs``, ``pval``, ``ci_lb``, ``ci_ub``, ``QM``, ``QM_df``,
    ``QMp``, ``n`` clusters, ``vbest`` "CR0"/"CR1"/"CR2"), the adjustment matrices ``A`` (CR2)
    and ``pi_lb``/``pi_ub`` for intercept-only fits (``beta +- t(dfs) sqrt(se^2 + tau2)``)."""

    vbest: str
    n: int
    k: int
    p: int
    names: list[str]
    beta: np.ndarray
    vb: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    dfs: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    level: float = 95
    QM: float | None = None
    QM_df: tuple[float, float] | None = None
    QMp: float | None = None
    QM_test: str | None = None
    pi_lb: float | None = None
    pi_ub: float | None = None
    A: list[np.ndarray] | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain values with metafor's names; NaN as ``None`` with a note."""
        nulls: dict[str, str] = {}
        d = {
            "vbest": self.vbest,
            "n": self.n,
            "k": self.k,
            "p": self.p,
            "names": self.names,
            "beta": self.beta,
            "se": self.se,
            "zval": self.zval,
            "dfs": self.dfs,
            "pval": self.pval,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
            "vb": self.vb,
            "QM": self.QM,
            "QM_df": list(self.QM_df) if self.QM_df else None,
            "QMp": self.QMp,
            "QM_test": self.QM_test,
            "pi_lb": self.pi_lb,
            "pi_ub": self.pi_ub,
        }
        out = {key: _jsonable(val, key, nulls) for key, val in d.items()}
        out["notes"] = list(self.notes) + [f"{k}: {m}" for k, m in nulls.items()]
        return out

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def summary(self, digits: int = 4) -> str:
        """Printed like metafor's robust output: estimator, clusters, the coefficient table."""
        lines = [
            f"Cluster-robust inference ({self.vbest}; number of clusters = {self.n}, k = {self.k})",
            "",
        ]
        if self.QM_test is not None and self.QM is not None and self.QM_df is not None:
            coefs = f"coefficient{'s' if self.p > 2 else ''} " + ",".join(
                str(i) for i in range(self.p - int(self.QM_df[0]) + 1, self.p + 1)
            )
            test = f"; {self.QM_test}" if self.QM_test == "HTZ" else ""
            lines += [
                f"Test of Moderators ({coefs}{test}):",
                f"F(df1 = {self.QM_df[0]:g}, df2 = {self.QM_df[1]:.4g}) = "
                f"{_fmt(self.QM, digits)}, {pval_clause(self.QMp, digits)}",
                "",
            ]
        header = ["estimate", "se", "tval", "df", "pval", "ci.lb", "ci.ub"]
        rows = [
            [
                _fmt(self.beta[i]),
                _fmt(self.se[i]),
                _fmt(self.zval[i]),
                f"{self.dfs[i]:.4g}",
                format_pval(float(self.pval[i])),
                _fmt(self.ci_lb[i]),
                _fmt(self.ci_ub[i]),
            ]
            for i in range(self.p)
        ]
        lines += coefficient_lines(self.names, header, rows, self.pval)
        lines += [""] + [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _inv_sqrt_psd(G: np.ndarray, tol: float = 1e-12) -> np.ndarray:
    vals, vecs = np.linalg.eigh((G + G.T) / 2)
    inv = np.where(vals > tol, 1.0 / np.sqrt(np.where(vals > tol, vals, 1.0)), 0.0)
    return (vecs * inv) @ vecs.T


def _working(fit: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """(X, y, beta, V, tau2) of a fit: MultilevelResult carries V; MetaResult diag(vi + tau2)."""
    X = np.asarray(fit.X, dtype=float) if fit.X is not None else None
    y = np.asarray(fit.yi, dtype=float) if fit.yi is not None else None
    if X is None or y is None or fit.vi is None:
        raise EvidenceError("the fit does not carry yi, vi and X, needed for robust inference")
    V = getattr(fit, "V", None)
    if V is not None:
        tau2 = float(np.sum(fit.sigma2))
        V = np.asarray(V, dtype=float)
    else:
        tau2 = float(fit.tau2 or 0.0)
        V = np.diag(np.asarray(fit.vi, dtype=float) + tau2)
    return X, y, np.asarray(fit.beta, dtype=float).ravel(), V, tau2


def robust(
    fit: Any,
    cluster: Sequence[Any] | np.ndarray,
    *,
    adjust: bool = True,
    clubSandwich: bool = False,  # noqa: N803 (metafor's argument name)
    level: float | None = None,
) -> RobustResult:
    """Cluster-robust tests and CIs for an :func:`rma` or :func:`rma_mv` fit (formulas in the
    module docstring). ``clubSandwich=True`` gives CR2 with Satterthwaite df, otherwise CR1
    (``adjust=False``: CR0) with ``n - p`` df."""
    X, y, beta, V, tau2 = _working(fit)
    k, p = X.shape
    cl = np.asarray(cluster, dtype=object).astype(str)
    if cl.size != k:
        raise EvidenceError(f"cluster has {cl.size} values, the fit {k} rows")
    levels, first = np.unique(cl, return_index=True)
    levels = levels[np.argsort(first)]
    idx = [np.flatnonzero(cl == lev) for lev in levels]
    n = len(idx)
    level = float(level if level is not None else getattr(fit, "level", 95))
    alpha = 1 - level / 100
    names = list(getattr(fit, "names", None) or [f"b{i}" for i in range(p)])
    if len(names) != p:
        names = [f"b{i}" for i in range(p)]
    W = np.linalg.inv(V)
    M = np.linalg.inv(X.T @ W @ X)
    e = y - X @ beta
    intercept = bool(np.allclose(X[:, 0], 1.0))
    btt = np.arange(1, p) if intercept else np.arange(p)
    notes: list[str] = []
    A_list: list[np.ndarray] | None = None

    if not clubSandwich:
        dfs_scalar = n - p
        if dfs_scalar <= 0:
            raise EvidenceError(f"{n} clusters leave no degrees of freedom for {p} coefficients")
        bread = M @ X.T @ W
        u = np.column_stack([bread[:, ix] @ e[ix] for ix in idx])
        vb = u @ u.T
        vbest = "CR0"
        if adjust:
            vb = vb * n / dfs_scalar
            vbest = "CR1"
        dfs = np.full(p, float(dfs_scalar))
    else:
        for a, ix in enumerate(idx):
            other = np.ones(k, bool)
            other[ix] = False
            if np.any(np.abs(V[np.ix_(ix, np.flatnonzero(other))]) > 0):
                raise EvidenceError(
                    f"cluster {levels[a]!r} shares random effects with other clusters; CR2 "
                    "needs V block-diagonal by cluster"
                )
        A_list, E_list = [], []
        for ix in idx:
            Th = V[np.ix_(ix, ix)]
            R = np.linalg.cholesky(Th).T
            Xj = X[ix]
            G = R @ (Th - Xj @ M @ Xj.T) @ R.T
            Aj = R.T @ _inv_sqrt_psd(G) @ R
            A_list.append(Aj)
            E_list.append(M @ Xj.T @ W[np.ix_(ix, ix)] @ Aj)  # p x n_j
        u = np.column_stack([E @ e[ix] for E, ix in zip(E_list, idx, strict=True)])
        vb = u @ u.T
        vbest = "CR2"
        dfs = np.empty(p)
        for i in range(p):
            g = [E[i] for E in E_list]
            d = np.array([gj @ V[np.ix_(ix, ix)] @ gj for gj, ix in zip(g, idx, strict=True)])
            h = np.array([gj @ X[ix] for gj, ix in zip(g, idx, strict=True)])  # n x p
            P = np.diag(d) - h @ M @ h.T
            dfs[i] = np.trace(P) ** 2 / np.sum(P * P)

    se = np.sqrt(np.diag(vb))
    tstat = beta / se
    pval = 2 * stats.t.sf(np.abs(tstat), dfs)
    crit = stats.t.isf(alpha / 2, dfs)
    ci_lb, ci_ub = beta - crit * se, beta + crit * se

    QM = QM_df = QMp = QM_test = None
    if btt.size and not clubSandwich:
        b = beta[btt]
        QM = float(b @ np.linalg.solve(vb[np.ix_(btt, btt)], b)) / btt.size
        QM_df = (float(btt.size), float(n - p))
        QMp = float(stats.f.sf(QM, btt.size, n - p))
        QM_test = "F"
    elif btt.size:
        blocks = [np.ix_(ix, ix) for ix in idx]
        htz = htz_wald_test(
            np.eye(p)[btt], beta, vb, M, E_list, [V[b] for b in blocks], [X[ix] for ix in idx]
        )
        QM, QM_df, QMp = max(0.0, htz.Fstat), (float(htz.df_num), htz.df_denom), htz.p_val
        QM_test = htz.test
    elif clubSandwich:
        QM, QM_df, QMp = float(tstat[0] ** 2), (1.0, float(dfs[0])), float(pval[0])

    pi_lb = pi_ub = None
    if p == 1 and intercept:
        half = crit[0] * np.sqrt(se[0] ** 2 + tau2)
        pi_lb, pi_ub = float(beta[0] - half), float(beta[0] + half)

    return RobustResult(
        vbest=vbest,
        n=n,
        k=k,
        p=p,
        names=names,
        beta=beta,
        vb=vb,
        se=se,
        zval=tstat,
        dfs=dfs,
        pval=pval,
        ci_lb=ci_lb,
        ci_ub=ci_ub,
        level=level,
        QM=QM,
        QM_df=QM_df,
        QMp=QMp,
        QM_test=QM_test,
        pi_lb=pi_lb,
        pi_ub=pi_ub,
        A=A_list,
        notes=notes,
    )
