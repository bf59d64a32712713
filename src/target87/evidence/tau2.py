"""Estimators of the between-study variance tau^2, as metafor's ``rma.uni`` computes them.

Notation (Viechtbauer 2005, 2010): ``y`` the k effect sizes, ``v`` their sampling variances,
``X`` the k x p design matrix (a column of ones for the intercept-only model),
``W = diag(w)`` a weight matrix and ``P = W - W X (X'WX)^-1 X'W`` the residual-maker, so that
``y'Py`` is the weighted residual sum of squares. ``y`` is mean-centred before the quadratic
forms are taken, as metafor does for numerical stability (this leaves ``y'Py`` unchanged when
``X`` contains an intercept).

Every estimator returns a :class:`Tau2Estimate` with the untruncated value, the value truncated
at ``tau2_min`` (0 by default), the standard error as metafor computes it (``se.tau2``) and, for
the iterative ones, the number of iterations.

References: DerSimonian & Laird (1986) *Control. Clin. Trials* 7:177; Hedges (1983)
*Psychol. Bull.* 93:388 and Hedges & Olkin (1985); Hunter & Schmidt (2004) *Methods of
Meta-Analysis*; Sidik & Jonkman (2005) *J. Biopharm. Stat.* 15:823 and (2007) *Stat. Med.*
26:1964; Paule & Mandel (1982) *J. Res. Natl. Bur. Stand.* 87:377; Morris (1983) *JASA* 78:47
(empirical Bayes); Viechtbauer (2005) *J. Educ. Behav. Stat.* 30:261 (ML/REML, Fisher scoring);
Viechtbauer (2010) *J. Stat. Softw.* 36(3), and the metafor reference page of ``rma.uni``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from .errors import EvidenceError

__all__ = [
    "TAU2_METHODS",
    "Tau2Estimate",
    "canonical_method",
    "default_control",
    "estimate_tau2",
    "projection_matrix",
    "q_statistic",
    "tau2_dl",
    "tau2_eb",
    "tau2_he",
    "tau2_hs",
    "tau2_hsk",
    "tau2_ml",
    "tau2_pm",
    "tau2_reml",
    "tau2_sj",
]

TAU2_METHODS = ("DL", "REML", "ML", "PM", "EB", "HS", "HSk", "HE", "SJ")

_DEFAULT_CONTROL: dict[str, Any] = {
    "tau2_init": None,
    "tau2_min": 0.0,
    "tau2_max": 100.0,
    "threshold": 1e-5,
    "maxiter": 100,
    "stepadj": 1.0,
    "tol": np.finfo(float).eps ** 0.25,
    "fallback": None,
}


@dataclass(frozen=True)
class Tau2Estimate:
    """One tau^2 estimate: ``tau2`` (truncated at ``tau2_min``), ``raw`` (before truncation),
    ``se_tau2`` (metafor's ``se.tau2``), ``iterations`` (iterative estimators) and ``method``."""

    tau2: float
    se_tau2: float | None
    method: str
    raw: float
    iterations: int | None = None
    converged: bool = True


def default_control(control: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """metafor's ``control`` defaults for ``rma.uni`` (threshold 1e-5, maxiter 100, stepadj 1,
    tau2.min 0, tau2.max max(100, 10 mad(y)^2)) updated by ``control``; dots or underscores."""
    con = dict(_DEFAULT_CONTROL)
    for key, val in (control or {}).items():
        name = str(key).replace(".", "_")
        if name not in con:
            raise EvidenceError(f"unknown control setting {key!r}; known: {', '.join(sorted(con))}")
        con[name] = val
    return con


def _design(X: np.ndarray | None, k: int) -> np.ndarray:
    if X is None:
        return np.ones((k, 1))
    X = np.asarray(X, dtype=float)
    return X.reshape(k, -1)


def projection_matrix(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``P = W - W X (X'WX)^-1 X'W`` with ``W = diag(w)`` (Viechtbauer 2005, eq. 8)."""
    W = np.diag(w)
    XtW = X.T * w
    stXWX = np.linalg.inv(XtW @ X)
    return W - XtW.T @ stXWX @ XtW


def q_statistic(yi: np.ndarray, vi: np.ndarray, X: np.ndarray | None = None, tau2: float = 0.0):
    """The generalised Q statistic ``Q(tau2) = y' P(tau2) y`` with weights ``1/(v + tau2)``.

    At ``tau2 = 0`` this is Cochran's Q (QE). It decreases in tau2; the PM estimator and the
    Q-profile interval (Viechtbauer 2007) are found by solving Q(tau2) = a target value.
    """
    yi = np.asarray(yi, dtype=float)
    X = _design(X, yi.size)
    y = yi - yi.mean()
    P = projection_matrix(X, 1.0 / (np.asarray(vi, dtype=float) + tau2))
    return float(y @ P @ y)


def _prep(yi, vi, X):
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    k = yi.size
    X = _design(X, k)
    p = X.shape[1]
    return yi - yi.mean(), vi, X, k, p


def _trunc(raw: float, con: Mapping[str, Any]) -> float:
    return max(float(con["tau2_min"]), float(raw))


def _sum_pp(P: np.ndarray) -> float:
    return float(np.sum(P * P))


def tau2_dl(yi, vi, X=None, *, control=None, tau2_fixed: float | None = None) -> Tau2Estimate:
    """DerSimonian-Laird (1986), generalised to meta-regression (metafor).

    ``tau2 = (y'Py - (k - p)) / tr(P)`` with ``w = 1/v``; truncated at 0.
    ``se = sqrt((2(k-p) + 4 t tr(P) + 2 t^2 sum(P*P)) / tr(P)^2)`` with t = max(tau2, 0).
    """
    con = default_control(control)
    y, vi, X, k, p = _prep(yi, vi, X)
    P = projection_matrix(X, 1.0 / vi)
    rss = float(y @ P @ y)
    trP = float(np.trace(P))
    raw = (rss - (k - p)) / trP if tau2_fixed is None else tau2_fixed
    t = _trunc(raw, con)
    tp = max(t, 0.0)
    se = np.sqrt((2 * (k - p) + 4 * tp * trP + 2 * tp**2 * _sum_pp(P)) / trP**2)
    return Tau2Estimate(t, float(se), "DL", float(raw))


def _hs(yi, vi, X, con, tau2_fixed, corrected: bool) -> Tau2Estimate:
    y, vi, X, k, p = _prep(yi, vi, X)
    w = 1.0 / vi
    P = projection_matrix(X, w)
    rss = float(y @ P @ y)
    if tau2_fixed is not None:
        raw = tau2_fixed
    elif corrected:
        raw = (k / (k - p) * rss - k) / w.sum()
    else:
        raw = (rss - k) / w.sum()
    t = _trunc(raw, con)
    tp = max(t, 0.0)
    se = np.sqrt((2 * (k - p) + 4 * tp * np.trace(P) + 2 * tp**2 * _sum_pp(P)) / w.sum() ** 2)
    if corrected:
        se *= k / (k - p)
    return Tau2Estimate(t, float(se), "HSk" if corrected else "HS", float(raw))


def tau2_hs(yi, vi, X=None, *, control=None, tau2_fixed: float | None = None) -> Tau2Estimate:
    """Hunter-Schmidt: ``tau2 = (y'Py - k) / sum(w)`` with ``w = 1/v`` (metafor's form).

    ``se = sqrt((2(k-p) + 4 t tr(P) + 2 t^2 sum(P*P)) / sum(w)^2)``.
    """
    return _hs(yi, vi, X, default_control(control), tau2_fixed, corrected=False)


def tau2_hsk(yi, vi, X=None, *, control=None, tau2_fixed: float | None = None) -> Tau2Estimate:
    """Hunter-Schmidt with small-sample correction: ``tau2 = (k/(k-p) y'Py - k) / sum(w)``.

    ``se`` is the HS standard error times k/(k-p) (metafor).
    """
    return _hs(yi, vi, X, default_control(control), tau2_fixed, corrected=True)


def tau2_he(yi, vi, X=None, *, control=None, tau2_fixed: float | None = None) -> Tau2Estimate:
    """Hedges (1983) / Hedges-Olkin unweighted moment estimator ("HE", also "CO"/"VC").

    With ``P = I - X(X'X)^-1X'`` and ``V = diag(v)``: ``tau2 = (y'Py - tr(PV)) / (k - p)``;
    ``se = sqrt((2 sum(PV * (PV)') + 4 t tr(PV) + 2 t^2 (k-p)) / (k-p)^2)``.
    """
    con = default_control(control)
    y, vi, X, k, p = _prep(yi, vi, X)
    P = projection_matrix(X, np.ones(k))
    rss = float(y @ P @ y)
    PV = P * vi[None, :]
    trPV = float(np.trace(PV))
    raw = (rss - trPV) / (k - p) if tau2_fixed is None else tau2_fixed
    t = _trunc(raw, con)
    tp = max(t, 0.0)
    se = np.sqrt((2 * np.sum(PV * PV.T) + 4 * tp * trPV + 2 * tp**2 * (k - p)) / (k - p) ** 2)
    return Tau2Estimate(t, float(se), "HE", float(raw))


def tau2_sj(yi, vi, X=None, *, control=None, tau2_fixed: float | None = None) -> Tau2Estimate:
    """Sidik-Jonkman (2005, 2007).

    Start ``t0 = var(y) (k-1)/k`` (or ``control["tau2_init"]``); with ``w = 1/(v + t0)``:
    ``tau2 = t0 y'Py / (k - p)``;
    ``se = sqrt(t0^2/(k-p)^2 (2 sum(PV*(PV)') + 4 t sum(PV*P) + 2 t^2 sum(P*P)))``.
    """
    con = default_control(control)
    y, vi, X, k, p = _prep(yi, vi, X)
    t0 = con["tau2_init"]
    if t0 is None:
        t0 = float(np.var(y))  # population variance = var(y) (k-1)/k
    P = projection_matrix(X, 1.0 / (vi + t0))
    rss = float(y @ P @ y)
    PV = P * vi[None, :]
    raw = t0 * rss / (k - p) if tau2_fixed is None else tau2_fixed
    t = _trunc(raw, con)
    tp = max(t, 0.0)
    se = np.sqrt(
        t0**2
        / (k - p) ** 2
        * (2 * np.sum(PV * PV.T) + 4 * tp * np.sum(PV * P) + 2 * tp**2 * _sum_pp(P))
    )
    return Tau2Estimate(t, float(se), "SJ", float(raw))


def _se_eb_pm(vi, tau2, k, p) -> float:
    """metafor's se.tau2 for EB and PM: ``sqrt(2 k^2 / (k-p) / sum(w)^2)``, w = 1/(v + tau2)."""
    w = 1.0 / (vi + tau2)
    return float(np.sqrt(2 * k**2 / (k - p) / w.sum() ** 2))


def tau2_pm(yi, vi, X=None, *, control=None, tau2_fixed: float | None = None) -> Tau2Estimate:
    """Paule-Mandel (1982): the root of ``Q(tau2) = y'P(tau2)y = k - p`` (0 if Q(0) < k - p).

    Solved by Brent's method on [tau2_min, tau2_max] (metafor uses ``uniroot``); tau2_max is
    ``max(100, 10 mad(y)^2)``. ``se = sqrt(2 k^2/(k-p) / sum(w)^2)``, w = 1/(v + tau2).
    """
    con = default_control(control)
    y, vi, X, k, p = _prep(yi, vi, X)
    if tau2_fixed is not None:
        t = float(tau2_fixed)
        return Tau2Estimate(t, _se_eb_pm(vi, t, k, p), "PM", t)
    target = k - p
    lo = float(con["tau2_min"])
    hi = max(float(con["tau2_max"]), 10 * _mad(y) ** 2)

    def f(t: float) -> float:
        return float(y @ projection_matrix(X, 1.0 / (vi + t)) @ y) - target

    if f(lo) < 0:
        t = lo
    elif f(hi) > 0:
        raise EvidenceError(
            f"PM estimator: Q(tau2_max = {hi:g}) is still above k - p; increase "
            "control['tau2_max'] or use another method"
        )
    else:
        t = float(optimize.brentq(f, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=1000))
    return Tau2Estimate(t, _se_eb_pm(vi, max(t, 0.0), k, p), "PM", t)


def _mad(y: np.ndarray) -> float:
    med = np.median(y)
    return float(1.4826 * np.median(np.abs(y - med)))


def _fisher_scoring(yi, vi, X, method: str, con, tau2_fixed) -> Tau2Estimate:
    """ML / REML / EB by metafor's Fisher-scoring iterations.

    Start at the HE estimate (truncated at 0) or ``control["tau2_init"]``; with
    ``w = 1/(v + tau2)`` and P as above, the step is
    ML: ``(y'PPy - sum(w)) / sum(w^2)``; REML: ``(y'PPy - tr(P)) / tr(PP)``;
    EB: ``(k/(k-p) y'Py - k) / sum(w)``; halved while it would take tau2 below tau2_min;
    stop when the change is <= threshold (1e-5); more than ``maxiter`` (100) iterations is
    non-convergence. se: ML ``sqrt(2/sum(w^2))``, REML ``sqrt(2/sum(P*P))`` (Fisher
    information), EB ``sqrt(2 k^2/(k-p) / sum(w)^2)``.
    """
    y, vi, X, k, p = _prep(yi, vi, X)
    if tau2_fixed is not None:
        t = float(tau2_fixed)
        iterations = 0
    else:
        init = con["tau2_init"]
        t = max(0.0, tau2_he(yi, vi, X).raw, float(con["tau2_min"])) if init is None else init
        change = con["threshold"] + 1
        iterations = 0
        while change > con["threshold"]:
            iterations += 1
            old = t
            w = 1.0 / (vi + t)
            if not np.all(np.isfinite(w)) or np.any(vi + t <= 0):
                raise EvidenceError(
                    f"{method}: marginal variances v + tau2 are not positive at tau2 = {t:g}"
                )
            P = projection_matrix(X, w)
            Py = P @ y
            if method == "ML":
                adj = (Py @ Py - w.sum()) / np.sum(w**2)
            elif method == "REML":
                adj = (Py @ Py - np.trace(P)) / _sum_pp(P)
            else:  # EB
                adj = (y @ Py * k / (k - p) - k) / w.sum()
            adj = float(adj) * float(con["stepadj"])
            if not np.isfinite(adj):
                adj = 0.0
            halvings = 0
            while t + adj < con["tau2_min"] and halvings < 1100:
                adj /= 2
                halvings += 1
            t = t + adj
            change = abs(old - t)
            if iterations > con["maxiter"]:
                return Tau2Estimate(t, None, method, t, iterations, converged=False)
        if method in ("ML", "REML"):
            t = _ll0_check(y, vi, X, k, p, t, method, con)
    t = _trunc(t, con)
    w = 1.0 / (vi + t)
    if method == "ML":
        se = np.sqrt(2 / np.sum(w**2))
    elif method == "REML":
        se = np.sqrt(2 / _sum_pp(projection_matrix(X, w)))
    else:
        se = _se_eb_pm(vi, t, k, p)
    return Tau2Estimate(t, float(se), method, t, iterations)


def _ll(y, vi, X, k, p, t, method) -> float:
    w = 1.0 / (vi + t)
    XtW = X.T * w
    beta = np.linalg.solve(XtW @ X, XtW @ y)
    rss = float(np.sum(w * (y - X @ beta) ** 2))
    if method == "ML":
        return -0.5 * k * np.log(2 * np.pi) - 0.5 * np.sum(np.log(vi + t)) - 0.5 * rss
    logdet = np.linalg.slogdet(XtW @ X)[1]
    return (
        -0.5 * (k - p) * np.log(2 * np.pi) - 0.5 * np.sum(np.log(vi + t)) - 0.5 * logdet - 0.5 * rss
    )


def _ll0_check(y, vi, X, k, p, t, method, con) -> float:
    """metafor's ``ll0check``: if the (restricted) likelihood is higher at tau2 = 0, use 0."""
    if (
        np.all(vi > 0)
        and t > con["threshold"]
        and _ll(y, vi, X, k, p, 0.0, method) - _ll(y, vi, X, k, p, t, method) > con["tol"]
    ):
        return 0.0
    return t


def tau2_ml(yi, vi, X=None, *, control=None, tau2_fixed: float | None = None) -> Tau2Estimate:
    """Maximum likelihood (Viechtbauer 2005), Fisher scoring as metafor (see source notes)."""
    return _fisher_scoring(yi, vi, X, "ML", default_control(control), tau2_fixed)


def tau2_reml(yi, vi, X=None, *, control=None, tau2_fixed: float | None = None) -> Tau2Estimate:
    """Restricted maximum likelihood (Viechtbauer 2005): Fisher scoring, step
    ``(y'PPy - tr(P)) / tr(PP)``, threshold 1e-5, maxiter 100; ``se = sqrt(2/sum(P*P))``."""
    return _fisher_scoring(yi, vi, X, "REML", default_control(control), tau2_fixed)


def tau2_eb(yi, vi, X=None, *, control=None, tau2_fixed: float | None = None) -> Tau2Estimate:
    """Empirical Bayes (Morris 1983; Berkey et al. 1995): the root of ``k/(k-p) y'Py = k``,
    found by metafor's scoring steps ``(k/(k-p) y'Py - k)/sum(w)``;
    ``se = sqrt(2 k^2/(k-p) / sum(w)^2)``."""
    return _fisher_scoring(yi, vi, X, "EB", default_control(control), tau2_fixed)


_ESTIMATORS = {
    "DL": tau2_dl,
    "REML": tau2_reml,
    "ML": tau2_ml,
    "PM": tau2_pm,
    "EB": tau2_eb,
    "HS": tau2_hs,
    "HSK": tau2_hsk,
    "HE": tau2_he,
    "SJ": tau2_sj,
}


def canonical_method(method: str) -> str:
    """The metafor spelling of a tau^2 method name given in any case ("hsk" -> "HSk")."""
    up = str(method).upper()
    if up in ("EE", "FE", "CE"):
        return up
    if up == "HSK":
        return "HSk"
    if up not in _ESTIMATORS:
        raise EvidenceError(
            f"unknown method {method!r}; use EE/FE or one of {', '.join(TAU2_METHODS)}"
        )
    return up


def estimate_tau2(
    yi: np.ndarray,
    vi: np.ndarray,
    X: np.ndarray | None = None,
    method: str = "REML",
    *,
    control: Mapping[str, Any] | None = None,
    tau2_fixed: float | None = None,
) -> Tau2Estimate:
    """tau^2 by ``method`` (DL, REML, ML, PM, EB, HS, HSk, HE, SJ) for data ``yi``, ``vi`` and
    design ``X`` (None = intercept only). Iterative estimators that do not converge return an
    estimate with ``converged=False`` (the caller decides; :func:`rma` raises)."""
    name = canonical_method(method)
    if name in ("EE", "FE", "CE"):
        raise EvidenceError(f"method {method!r} has no tau^2 (equal-effects model)")
    vi_arr = np.asarray(vi, dtype=float)
    if name in ("DL", "HS", "HSk", "PM") and np.any(vi_arr <= 0):
        raise EvidenceError(f"{name} estimator needs positive sampling variances")
    return _ESTIMATORS[name.upper()](yi, vi, X, control=control, tau2_fixed=tau2_fixed)
