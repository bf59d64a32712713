"""Small-study effects and publication bias, as metafor's ``regtest``, ``ranktest`` and
``trimfill``.

* :func:`regtest` -- Egger's regression test (Egger et al. 1997, *BMJ* 315:629-634; Sterne &
  Egger 2005). The predictor (default the standard error ``sei = sqrt(vi)``) is added to the
  model matrix. ``model="lm"``: weighted least squares with weights ``1/vi`` and a
  multiplicative dispersion ``s2 = sum w r^2 / (k - p)``, so ``Var(b) = s2 (X'WX)^-1``, t test on
  ``k - p`` df (R's ``lm(yi ~ X, weights = 1/vi)``). ``model="rma"``: the mixed-effects
  meta-regression ``rma(yi, vi, mods = cbind(X, sei))`` with the fit's tau^2 estimator and test.
  The "limit estimate" is the intercept (the effect as ``sei -> 0``) with its CI, reported for
  the predictors ``sei``, ``vi``, ``ninv`` and ``sqrtninv`` of an intercept-only model.
* :func:`ranktest` -- Begg & Mazumdar (1994, *Biometrics* 50:1088-1101): Kendall's tau between
  the standardised effects ``(yi - b_EE) / sqrt(vi - 1/sum(1/vi))`` and ``vi``; exact p-value
  from the distribution of the number of concordant pairs when there are no ties (as R's
  ``cor.test(..., method = "kendall", exact = TRUE)`` called by metafor), otherwise the normal
  approximation with tie-corrected variance (tau-b).
* :func:`trimfill` -- Duval & Tweedie (2000, *Biometrics* 56:455-463; *JASA* 95:89-98) as
  metafor's ``trimfill.rma.uni``: the side is the one opposite the sign of the slope of
  ``rma(yi, vi, mods = sei)`` (``right`` when the slope is negative) unless given; the data are
  flipped for the right side and sorted; iterate: fit the model (the fit's method) to the
  ``k - k0`` smallest, centre all ``k`` effects on its estimate, rank their absolute values and
  estimate ``L0 = (4 S_r - k(k+1)) / (2k - 1)`` (``S_r`` the sum of the positive signed ranks) or
  ``R0 = k - r* - 1`` (``r*`` the largest rank among negative deviations), rounded and
  truncated at 0, until ``k0`` does not change. ``SE(L0) = 4 sqrt(Var(S_r)) / (2k - 1)`` with
  ``Var(S_r) = (k(k+1)(2k+1) + 10 k0^3 + 27 k0^2 + 17 k0 - 18 k k0^2 - 18 k k0 + 6 k^2 k0)/24``;
  ``SE(R0) = sqrt(2 max(0, k0) + 2)`` and ``p(k0 = 0) = 0.5^(k0 + 1)`` for R0. The ``k0`` most
  extreme studies are mirrored about the last estimate (``2 b - yi``, same ``vi``) and the
  model is refitted to the filled data (metafor refits with its default z test).

Reference numbers: metafor's help pages (``docs/reference/regtest.html``,
``ranktest.html``, ``trimfill.html``) and ``tests/testthat/test_misc_pub_bias.r``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from .errors import EvidenceError
from .results import MetaResult, format_pval
from .rma import rma

__all__ = [
    "RanktestResult",
    "RegtestResult",
    "TrimfillResult",
    "kendall_exact_cdf",
    "ranktest",
    "regtest",
    "trimfill",
]

_PREDICTORS = ("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")
_PRED_LABEL = {
    "sei": "standard error",
    "vi": "sampling variance",
    "ni": "sample size",
    "ninv": "inverse of the sample size",
    "sqrtni": "square root sample size",
    "sqrtninv": "inverse of the square root sample size",
}


def _yivi(x: Any, vi: Any) -> tuple[np.ndarray, np.ndarray, MetaResult | None]:
    if isinstance(x, MetaResult):
        if x.yi is None or x.vi is None:
            raise EvidenceError("the fit does not carry yi and vi")
        return np.asarray(x.yi, float), np.asarray(x.vi, float), x
    if vi is None:
        raise EvidenceError("give a fitted model or both yi and vi")
    y, v = np.asarray(x, float).ravel(), np.asarray(vi, float).ravel()
    if y.size != v.size:
        raise EvidenceError(f"yi ({y.size}) and vi ({v.size}) differ in length")
    bad = ~(np.isfinite(y) & np.isfinite(v)) | (v <= 0)
    if bad.any():
        raise EvidenceError(
            f"missing, non-finite or non-positive yi/vi in rows {np.flatnonzero(bad).tolist()}"
        )
    return y, v, None


# --------------------------------------------------------------------------- regtest
@dataclass
class RegtestResult:
    """Egger-type test: ``zval`` (a t value under ``model="lm"`` or a t test), ``pval``, ``dfs``
    (``None`` for a z test), the limit estimate ``est`` with ``ci_lb``/``ci_ub`` (``None`` when
    not defined for the predictor), the underlying ``fit`` (a :class:`MetaResult` for
    ``model="rma"``; a dict of coefficients, SEs and dispersion for ``"lm"``)."""

    model: str
    predictor: str
    zval: float
    pval: float
    dfs: float | None
    est: float | None
    ci_lb: float | None
    ci_ub: float | None
    fit: Any = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values with metafor's names."""
        return {
            "model": self.model,
            "predictor": self.predictor,
            "zval": self.zval,
            "pval": self.pval,
            "dfs": self.dfs,
            "est": self.est,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON."""
        return json.dumps(self.to_dict(), **kwargs)

    def summary(self, digits: int = 4) -> str:
        """As metafor's ``print.regtest``."""
        mdl = (
            "weighted regression with multiplicative dispersion"
            if self.model == "lm"
            else "mixed-effects meta-regression model"
        )
        stat = "t" if self.dfs is not None else "z"
        df = f", df = {self.dfs:g}" if self.dfs is not None else ""
        pv = format_pval(self.pval, digits)
        eq = "" if pv.startswith("<") else "= "
        lines = [
            "Regression Test for Funnel Plot Asymmetry",
            "",
            f"Model:     {mdl}",
            f"Predictor: {_PRED_LABEL[self.predictor]}",
            "",
            f"Test for Funnel Plot Asymmetry: {stat} = {self.zval:.{digits}f}{df}, p {eq}{pv}",
        ]
        if self.est is not None:
            limit = "sei -> 0" if self.predictor in ("sei", "vi") else "ni -> inf"
            lines.append(
                f"Limit Estimate (as {limit}):   b = {self.est:.{digits}f} "
                f"(CI: {self.ci_lb:.{digits}f}, {self.ci_ub:.{digits}f})"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def regtest(
    x: MetaResult | Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray | None = None,
    *,
    model: str = "rma",
    predictor: str = "sei",
    ni: Sequence[float] | np.ndarray | None = None,
    method: str | None = None,
    test: str | None = None,
    level: float | None = None,
) -> RegtestResult:
    """Egger's regression test for funnel plot asymmetry (formulas in the module docstring).

    ``x`` is a fitted :func:`rma` model (its moderators, tau^2 estimator, test and level are
    used) or the effects ``yi`` with ``vi``. ``model`` is ``"rma"`` (default, metafor's) or
    ``"lm"`` (the classical Egger test); ``predictor`` one of ``sei``, ``vi``, ``ni``,
    ``ninv``, ``sqrtni``, ``sqrtninv`` (the last four need ``ni``)."""
    y, v, fit = _yivi(x, vi)
    if model not in ("rma", "lm"):
        raise EvidenceError(f"model must be 'rma' or 'lm', not {model!r}")
    if predictor not in _PREDICTORS:
        raise EvidenceError(f"predictor must be one of {_PREDICTORS}, not {predictor!r}")
    k = y.size
    if fit is not None:
        X = np.asarray(fit.X, float) if fit.X is not None else np.ones((k, 1))
        method = method or fit.method
        test = test or fit.test
        level = level if level is not None else fit.level
    else:
        X = np.ones((k, 1))
        method, test, level = method or "REML", test or "z", 95 if level is None else level
    p = X.shape[1]
    if predictor == "sei":
        z = np.sqrt(v)
    elif predictor == "vi":
        z = v
    else:
        if ni is None:
            raise EvidenceError(f"predictor {predictor!r} needs the sample sizes ni")
        n = np.asarray(ni, float).ravel()
        z = {"ni": n, "ninv": 1 / n, "sqrtni": np.sqrt(n), "sqrtninv": 1 / np.sqrt(n)}[predictor]
    Xf = np.column_stack([X, z])
    if np.linalg.matrix_rank(Xf) < p + 1:
        raise EvidenceError("the predictor is collinear with the model matrix; no test possible")
    alpha = 1 - level / 100
    limit_ok = predictor in ("sei", "vi", "ninv", "sqrtninv") and p == 1 and np.allclose(X[:, 0], 1)
    if model == "rma":
        res = rma(y, v, mods=Xf, intercept=False, method=method, test=test, level=level)
        zval, pval = float(res.stat[p]), float(res.pval[p])
        dfs = float(res.df) if res.tval is not None and res.df is not None else None
        est = float(res.beta[0]) if limit_ok else None
        lo = float(res.ci_lb[0]) if limit_ok else None
        hi = float(res.ci_ub[0]) if limit_ok else None
        return RegtestResult(model, predictor, zval, pval, dfs, est, lo, hi, res)
    w = 1 / v
    XtWX = Xf.T @ (w[:, None] * Xf)
    b = np.linalg.solve(XtWX, Xf.T @ (w * y))
    r = y - Xf @ b
    dfs = k - (p + 1)
    if dfs < 1:
        raise EvidenceError(f"k = {k} leaves no residual degrees of freedom")
    s2 = float(np.sum(w * r**2) / dfs)
    se = np.sqrt(np.diag(np.linalg.inv(XtWX)) * s2)
    t = b / se
    zval, pval = float(t[p]), float(2 * stats.t.sf(abs(t[p]), dfs))
    est = lo = hi = None
    if limit_ok:
        crit = float(stats.t.isf(alpha / 2, dfs))
        est, lo, hi = float(b[0]), float(b[0] - crit * se[0]), float(b[0] + crit * se[0])
    fitinfo = {"coef": b, "se": se, "tval": t, "sigma2": s2, "df": dfs}
    return RegtestResult(model, predictor, zval, pval, float(dfs), est, lo, hi, fitinfo)


# --------------------------------------------------------------------------- ranktest
def kendall_exact_cdf(q: int, n: int) -> float:
    """P(T <= q) for T the number of concordant pairs of n untied pairs under independence
    (the Mahonian distribution: permutations of n by number of inversions), as R's
    ``pkendall``. Computed by the recursion over n with probabilities (no overflow)."""
    if q < 0:
        return 0.0
    total = n * (n - 1) // 2
    if q >= total:
        return 1.0
    dist = np.array([1.0])
    for m in range(2, n + 1):
        # adding element m adds 0..m-1 inversions, uniformly
        c = np.concatenate([[0.0], np.cumsum(dist)])
        new = np.empty(dist.size + m - 1)
        j = np.arange(new.size)
        hi = np.minimum(j, dist.size - 1) + 1
        lo = np.maximum(j - (m - 1), 0)
        new = (c[hi] - c[lo]) / m
        dist = new
    return float(min(1.0, np.sum(dist[: q + 1])))


@dataclass
class RanktestResult:
    """Begg's rank correlation test: Kendall's ``tau``, ``pval``; ``exact`` says which p."""

    tau: float
    pval: float
    exact: bool
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain values."""
        return {"tau": self.tau, "pval": self.pval, "exact": self.exact, "notes": self.notes}

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON."""
        return json.dumps(self.to_dict(), **kwargs)

    def summary(self, digits: int = 4) -> str:
        """As metafor's ``print.ranktest``."""
        pv = format_pval(self.pval, digits)
        eq = "" if pv.startswith("<") else "= "
        return (
            "Rank Correlation Test for Funnel Plot Asymmetry\n\n"
            f"Kendall's tau = {self.tau:.{digits}f}, p {eq}{pv}"
        )

    def __str__(self) -> str:
        return self.summary()


def _ties(a: np.ndarray) -> np.ndarray:
    _, counts = np.unique(a, return_counts=True)
    return counts[counts > 1].astype(float)


def ranktest(
    x: MetaResult | Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray | None = None,
    *,
    exact: bool = True,
) -> RanktestResult:
    """Begg & Mazumdar's rank correlation test (formulas in the module docstring)."""
    y, v, fit = _yivi(x, vi)
    if fit is not None and fit.X is not None and fit.X.shape[1] > 1:
        raise EvidenceError("the rank test applies to models without moderators")
    n = y.size
    if n < 3:
        raise EvidenceError("the rank test needs at least 3 studies")
    w = 1 / v
    theta = np.sum(w * y) / np.sum(w)
    ystar = (y - theta) / np.sqrt(v - 1 / np.sum(w))
    tau = float(stats.kendalltau(ystar, v, variant="b").statistic)
    tx, ty = _ties(ystar), _ties(v)
    notes: list[str] = []
    if exact and tx.size == 0 and ty.size == 0:
        q = int(round((tau + 1) * n * (n - 1) / 4))
        upper = q > n * (n - 1) / 4
        pr = 1 - kendall_exact_cdf(q - 1, n) if upper else kendall_exact_cdf(q, n)
        return RanktestResult(tau, float(min(2 * pr, 1.0)), True, notes)
    if exact:
        notes.append("ties present: normal approximation with tie correction (as R)")
    T0 = n * (n - 1) / 2
    T1, T2 = np.sum(tx * (tx - 1)) / 2, np.sum(ty * (ty - 1)) / 2
    S = tau * np.sqrt((T0 - T1) * (T0 - T2))
    v0 = n * (n - 1) * (2 * n + 5)
    vt = np.sum(tx * (tx - 1) * (2 * tx + 5))
    vu = np.sum(ty * (ty - 1) * (2 * ty + 5))
    v1 = np.sum(tx * (tx - 1)) * np.sum(ty * (ty - 1))
    v2 = np.sum(tx * (tx - 1) * (tx - 2)) * np.sum(ty * (ty - 1) * (ty - 2))
    var_s = (v0 - vt - vu) / 18 + v1 / (2 * n * (n - 1)) + v2 / (9 * n * (n - 1) * (n - 2))
    z = S / np.sqrt(var_s)
    return RanktestResult(tau, float(2 * stats.norm.sf(abs(z))), False, notes)


# --------------------------------------------------------------------------- trimfill
@dataclass
class TrimfillResult:
    """Trim-and-fill: ``k0`` missing studies on ``side`` (``se_k0``; ``p_k0`` for R0), the
    filled data ``yi``/``vi`` with ``fill`` marking the imputed rows, and ``fit`` the model
    refitted to them (the original fit when ``k0 == 0``)."""

    k0: int
    se_k0: float
    side: str
    estimator: str
    p_k0: float | None
    yi: np.ndarray
    vi: np.ndarray
    fill: np.ndarray
    fit: MetaResult
    iterations: int

    def to_dict(self) -> dict[str, Any]:
        """Plain values; the refitted model under ``fit``."""
        return {
            "k0": self.k0,
            "se_k0": self.se_k0,
            "side": self.side,
            "estimator": self.estimator,
            "p_k0": self.p_k0,
            "yi": self.yi.tolist(),
            "vi": self.vi.tolist(),
            "fill": self.fill.tolist(),
            "fit": self.fit.to_dict(),
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def summary(self, digits: int = 4) -> str:
        """As metafor's ``print.rma.uni.trimfill``."""
        lines = [
            f"Estimated number of missing studies on the {self.side} side: {self.k0} "
            f"(SE = {self.se_k0:.{digits}f})"
        ]
        if self.p_k0 is not None:
            lines.append(
                f"Test of H0: no missing studies on the {self.side} side:      "
                f"p-val = {format_pval(self.p_k0, digits)}"
            )
        return "\n".join(lines) + "\n\n" + self.fit.summary(digits)

    def __str__(self) -> str:
        return self.summary()


def trimfill(
    fit: MetaResult,
    *,
    side: str | None = None,
    estimator: str = "L0",
    maxiter: int = 100,
) -> TrimfillResult:
    """Duval & Tweedie's trim-and-fill for an intercept-only :func:`rma` fit (algorithm in the
    module docstring, as metafor's ``trimfill.rma.uni``)."""
    if not isinstance(fit, MetaResult) or fit.yi is None or fit.vi is None:
        raise EvidenceError("trimfill needs an rma() fit carrying yi and vi")
    if fit.X is not None and fit.X.shape[1] > 1:
        raise EvidenceError("trim-and-fill applies to models without moderators")
    if estimator not in ("L0", "R0"):
        raise EvidenceError(f"estimator must be 'L0' or 'R0', not {estimator!r}")
    y0, v0 = np.asarray(fit.yi, float), np.asarray(fit.vi, float)
    k = y0.size
    if k < 2:
        raise EvidenceError("trim-and-fill needs k > 1")
    method = fit.method
    if side is None:
        slope = rma(y0, v0, mods=np.sqrt(v0), method=method).beta[1]
        side = "right" if slope < 0 else "left"
    elif side not in ("left", "right"):
        raise EvidenceError(f"side must be 'left' or 'right', not {side!r}")
    y = -y0 if side == "right" else y0.copy()
    order = np.argsort(y, kind="stable")
    y, v = y[order], v0[order]

    k0, k0_old, it = 0, -1, 0
    beta = 0.0
    se_k0 = 0.0
    while k0 != k0_old:
        k0_old = k0
        it += 1
        if it > maxiter:
            raise EvidenceError("trim-and-fill did not converge")
        beta = float(rma(y[: k - k0], v[: k - k0], method=method).beta[0])
        yc = y - beta
        ranks = np.empty(k)
        ranks[np.argsort(np.abs(yc), kind="stable")] = np.arange(1, k + 1)
        signed = np.sign(yc) * ranks
        if estimator == "R0":
            neg = signed[signed < 0]
            est = (k - (np.max(-neg) if neg.size else 0)) - 1
            se_k0 = float(np.sqrt(2 * max(0, est) + 2))
        else:
            Sr = float(np.sum(signed[signed > 0]))
            est = (4 * Sr - k * (k + 1)) / (2 * k - 1)
            var_sr = (
                k * (k + 1) * (2 * k + 1)
                + 10 * est**3
                + 27 * est**2
                + 17 * est
                - 18 * k * est**2
                - 18 * k * est
                + 6 * k**2 * est
            ) / 24
            se_k0 = float(4 * np.sqrt(var_sr) / (2 * k - 1))
        k0 = int(max(0, _round_half_even(est)))
        se_k0 = max(0.0, se_k0)

    p_k0 = 0.5 ** (k0 + 1) if estimator == "R0" else None
    if k0 > 0:
        # mirror the k0 most extreme studies about the estimate: 2 b - y (original scale)
        mirrored = 2 * beta - y[k - k0 :]
        filled = -mirrored if side == "right" else mirrored
        yi = np.concatenate([y0, filled])
        vi = np.concatenate([v0, v[k - k0 :]])
        fill = np.concatenate([np.zeros(k, bool), np.ones(k0, bool)])
        refit = rma(yi, vi, method=method)
    else:
        yi, vi, fill, refit = y0, v0, np.zeros(k, bool), fit
    return TrimfillResult(k0, se_k0, side, estimator, p_k0, yi, vi, fill, refit, it)


def _round_half_even(x: float) -> float:
    """R's ``round`` (IEC 60559: halves to even), as Python's ``round``."""
    return float(round(float(x)))
