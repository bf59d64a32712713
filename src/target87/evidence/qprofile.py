"""Q-profile confidence intervals for tau^2, I^2 and H^2 (Viechtbauer 2007), as metafor's
``confint.rma.uni`` (type "QP").

The generalised Q statistic ``Q(tau2) = y' P(tau2) y`` (weights ``1/(v + tau2)``) follows a
chi^2 distribution with k - p df at the true tau^2 and decreases in tau^2. With ``a = 1 -
level/100`` the bounds solve
``Q(tau2_lb) = chi^2_{k-p; 1-a/2}`` and ``Q(tau2_ub) = chi^2_{k-p; a/2}``
on ``[tau2_min, tau2_max]`` (0 and ``max(100, 10 tau2)`` by default; Brent's method, as
metafor's ``uniroot``). Cases at the boundary, as metafor:

- ``Q(tau2_min) < chi^2_{a/2}``: both bounds are below tau2_min; they are set to tau2_min with
  sign "<", and when tau2_min <= 0 the interval is the null set (``ci_null``).
- ``Q(tau2_min) < chi^2_{1-a/2}``: the lower bound is tau2_min (0).
- ``Q(tau2_max) > chi^2_{a/2}``: the upper bound lies above tau2_max (sign ">").

I^2 and H^2 bounds follow from the tau^2 bounds and the typical within-study variance s^2 of
the fit: ``I^2 = 100 tau2 / (s^2 + tau2)``, ``H^2 = tau2 / s^2 + 1``.

Reference: Viechtbauer, W. (2007). Confidence intervals for the amount of heterogeneity in
meta-analysis. *Statistics in Medicine* 26:37-52.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from .errors import EvidenceError
from .results import MetaResult
from .tau2 import projection_matrix, q_statistic

__all__ = ["QProfileCI", "confint_tau2", "with_qprofile"]


@dataclass(frozen=True)
class QProfileCI:
    """Estimates and Q-profile bounds: ``tau2``, ``tau``, ``I2`` (percent), ``H2`` as
    (estimate, lb, ub); ``lb_sign``/``ub_sign`` are "" or "<" / ">" when a bound lies outside
    [tau2_min, tau2_max]; ``ci_null`` when the interval is the null set."""

    tau2: tuple[float, float, float]
    tau: tuple[float, float, float]
    I2: tuple[float, float, float]
    H2: tuple[float, float, float]
    level: float
    lb_sign: str = ""
    ub_sign: str = ""
    ci_null: bool = False

    def to_dict(self) -> dict[str, object]:
        """Plain dict (estimate, ci_lb, ci_ub per statistic)."""
        out: dict[str, object] = {}
        for name in ("tau2", "tau", "I2", "H2"):
            est, lb, ub = getattr(self, name)
            out[name] = {"estimate": est, "ci_lb": lb, "ci_ub": ub}
        out.update(
            level=self.level, lb_sign=self.lb_sign, ub_sign=self.ub_sign, ci_null=self.ci_null
        )
        return out


def confint_tau2(
    res: MetaResult,
    level: float | None = None,
    *,
    tau2_min: float | None = None,
    tau2_max: float | None = None,
) -> QProfileCI:
    """Q-profile CI of tau^2 (and I^2, H^2) for a fitted :func:`~target87.evidence.rma` model.

    ``level`` defaults to the model's level. Works for random- and mixed-effects models (the
    design matrix ``res.X`` is used); refused for MH/Peto fits and when k - p < 1.
    """
    if res.yi is None or res.vi is None or res.X is None:
        raise EvidenceError("the Q-profile interval needs a model fitted by rma() (yi, vi, X)")
    lvl = float(res.level if level is None else level)
    if not 0 < lvl < 100:
        raise EvidenceError(f"level must be between 0 and 100, got {lvl}")
    y, v, X = res.yi, res.vi, res.X
    k, p = X.shape
    if k - p < 1:
        raise EvidenceError(f"no degrees of freedom for a tau^2 interval (k = {k}, p = {p})")
    alpha = 1 - lvl / 100
    lo = min(0.0, res.tau2) if tau2_min is None else float(tau2_min)
    hi = max(100.0, 10 * res.tau2, 10 * lo) if tau2_max is None else float(tau2_max)
    crit_u = float(stats.chi2.isf(alpha / 2, k - p))
    crit_l = float(stats.chi2.ppf(alpha / 2, k - p))

    def q(t: float) -> float:
        return q_statistic(y, v, X, t)

    q_min, q_max = q(lo), q(hi)
    lb_sign = ub_sign = ""
    ci_null = False

    def root(target: float) -> float:
        return float(
            optimize.brentq(lambda t: q(t) - target, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=1000)
        )

    # upper bound
    if q_min < crit_l:
        lb = ub = lo
        lb_sign = ub_sign = "<"
        ci_null = lo <= 0
    else:
        if q_max > crit_l:
            ub, ub_sign = hi, ">"
        else:
            ub = root(crit_l)
        # lower bound
        if q_max > crit_u:
            lb = ub = hi
            lb_sign = ub_sign = ">"
        elif q_min < crit_u:
            lb = lo
            if lo > 0:
                lb_sign = "<"
        else:
            lb = root(crit_u)
    s2 = res.s2 if res.s2 is not None else (k - p) / float(np.trace(_p0(X, v)))
    tau2_est = res.tau2

    def i2(t: float) -> float:
        return 100 * t / (s2 + t)

    def h2(t: float) -> float:
        return t / s2 + 1

    def sq(t: float) -> float:
        return float(np.sqrt(t)) if t >= 0 else float("nan")

    i2_est = res.I2 if res.I2 is not None else i2(tau2_est)
    h2_est = res.H2 if res.H2 is not None else h2(tau2_est)
    return QProfileCI(
        tau2=(tau2_est, lb, ub),
        tau=(sq(tau2_est), sq(lb), sq(ub)),
        I2=(i2_est, i2(lb), i2(ub)),
        H2=(h2_est, h2(lb), h2(ub)),
        level=lvl,
        lb_sign=lb_sign,
        ub_sign=ub_sign,
        ci_null=ci_null,
    )


def _p0(X: np.ndarray, v: np.ndarray) -> np.ndarray:
    return projection_matrix(X, 1.0 / v)


def with_qprofile(res: MetaResult, level: float | None = None) -> MetaResult:
    """A copy of ``res`` with ``tau2_ci``, ``I2_ci`` and ``H2_ci`` filled by
    :func:`confint_tau2` (and a note when the interval is the null set or a bound is
    censored)."""
    ci = confint_tau2(res, level)
    notes = list(res.notes)
    if ci.ci_null:
        notes.append(
            "Q-profile: the tau^2 interval is the null set (Q(0) below the lower "
            "critical value); bounds shown as 0"
        )
    elif ci.ub_sign == ">":
        notes.append("Q-profile: the upper bound of tau^2 lies above tau2_max")
    return dataclasses.replace(
        res,
        tau2_ci=(ci.tau2[1], ci.tau2[2]),
        I2_ci=(ci.I2[1], ci.I2[2]),
        H2_ci=(ci.H2[1], ci.H2[2]),
        extra={**res.extra, "qprofile": ci.to_dict()},
        notes=notes,
    )
