"""Effect sizes and their sampling variances, as metafor's ``escalc``: :func:`escalc`.

Measures (metafor ``escalc`` reference page; Viechtbauer 2010, section 3.1):

- 2x2 tables (``ai``/``bi`` events/non-events in group 1, ``ci``/``di`` in group 2, or ``ai``,
  ``n1i``, ``ci``, ``n2i``), with ``p1 = ai/n1i``, ``p2 = ci/n2i``:
  ``"OR"`` log odds ratio ``log(ai di / (bi ci))``, ``vi = 1/ai + 1/bi + 1/ci + 1/di``;
  ``"RR"`` log risk ratio ``log(p1/p2)``, ``vi = 1/ai - 1/n1i + 1/ci - 1/n2i``;
  ``"RD"`` risk difference ``p1 - p2``, ``vi = p1(1-p1)/n1i + p2(1-p2)/n2i``.
  Zero cells: with ``to="only0"`` (default) ``add`` (1/2) is added to all four cells of the
  tables with a zero cell only; ``"all"`` adds to every table, ``"if0all"`` to every table if
  any has a zero, ``"none"`` never. ``drop00=True`` sets studies without events (or without
  non-events) in both groups to missing. As metafor, the adjusted counts are used for both
  ``yi`` and ``vi`` of every measure.
- ``"SMD"``: Hedges' g (Hedges 1981; Hedges & Olkin 1985): ``d = (m1i - m2i) / s_p`` with the
  pooled SD ``s_p^2 = ((n1-1) sd1^2 + (n2-1) sd2^2) / m``, ``m = n1 + n2 - 2``, and the exact
  bias correction ``c(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))`` (computed on the log scale);
  ``yi = c(m) d``, ``vi = 1/n1 + 1/n2 + yi^2 / (2 (n1 + n2))`` (metafor's default vtype "LS").
- Proportions (``xi`` events of ``ni``; ``mi = ni - xi``): ``"PLO"`` ``log(xi/mi)``,
  ``vi = 1/xi + 1/mi``; ``"PR"`` ``xi/ni``, ``vi = p(1-p)/ni``; zero cells as above with the
  two cells xi, mi.
- ``"GEN"``: ``yi`` as given with ``vi`` (or ``sei``, squared).

Conversions from regression output (see each function): :func:`lpm_to_rd`,
:func:`logit_to_lor`, :func:`t_to_partial_r`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln

from .errors import EvidenceError

__all__ = [
    "MEASURES",
    "EffectSizes",
    "escalc",
    "hedges_correction",
    "logit_to_lor",
    "lpm_to_rd",
    "t_to_partial_r",
]

MEASURES = ("OR", "RR", "RD", "SMD", "PLO", "PR", "GEN", "PCOR")
_TO = ("only0", "all", "if0all", "none")

ArrayLike = Sequence[float] | np.ndarray | None


@dataclass
class EffectSizes:
    """Effect sizes ``yi`` with sampling variances ``vi`` for one ``measure``.

    ``added`` marks the studies to whose cells ``add`` was added; ``dropped`` those set to
    missing by ``drop00``. ``notes`` says what was done. Use ``len()``, ``.sei`` and
    ``.to_frame()``.
    """

    yi: np.ndarray
    vi: np.ndarray
    measure: str
    added: np.ndarray | None = None
    dropped: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.yi.size)

    @property
    def sei(self) -> np.ndarray:
        """Standard errors ``sqrt(vi)``."""
        return np.sqrt(self.vi)

    def to_frame(self):  # -> pandas.DataFrame (pandas is imported lazily)
        """A pandas DataFrame with columns yi, vi, sei (and added/dropped when known)."""
        import pandas as pd

        data = {"yi": self.yi, "vi": self.vi, "sei": self.sei}
        if self.added is not None:
            data["added"] = self.added
        if self.dropped is not None:
            data["dropped"] = self.dropped
        return pd.DataFrame(data)


def _arr(name: str, x: ArrayLike) -> np.ndarray | None:
    if x is None:
        return None
    try:
        a = np.atleast_1d(np.asarray(x, dtype=float)).ravel()
    except (TypeError, ValueError) as exc:
        raise EvidenceError(f"{name} must be numbers: {exc}") from exc
    return a


def _same_length(**arrays: np.ndarray | None) -> int:
    sizes = {k: v.size for k, v in arrays.items() if v is not None}
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{k} has {n}" for k, n in sizes.items())
        raise EvidenceError(f"the data vectors differ in length: {detail}")
    return next(iter(sizes.values())) if sizes else 0


def _rows(mask: np.ndarray) -> str:
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(i) for i in idx[:10])
    return shown + (" ..." if idx.size > 10 else "")


def hedges_correction(m: np.ndarray | float) -> np.ndarray:
    """Hedges' exact small-sample correction ``c(m) = Gamma(m/2)/(sqrt(m/2) Gamma((m-1)/2))``
    (Hedges 1981), computed as ``exp(lgamma(m/2) - log(sqrt(m/2)) - lgamma((m-1)/2))`` so that it
    does not overflow; NaN for m <= 1 (metafor's ``.cmicalc``)."""
    m = np.asarray(m, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.exp(gammaln(m / 2) - np.log(np.sqrt(m / 2)) - gammaln((m - 1) / 2))
    return np.where(m <= 1, np.nan, out)


def _zero_adjust(
    cells: list[np.ndarray], add: float, to: str
) -> tuple[list[np.ndarray], np.ndarray]:
    has0 = np.zeros(cells[0].size, dtype=bool)
    for c in cells:
        has0 |= c == 0
    if to == "all":
        mask = np.ones_like(has0)
    elif to == "only0":
        mask = has0
    elif to == "if0all":
        mask = np.full_like(has0, bool(has0.any()))
    else:
        mask = np.zeros_like(has0)
    if add == 0:
        mask = np.zeros_like(mask)
    return [np.where(mask, c + add, c) for c in cells], mask


def escalc(
    measure: str,
    *,
    ai: ArrayLike = None,
    bi: ArrayLike = None,
    ci: ArrayLike = None,
    di: ArrayLike = None,
    n1i: ArrayLike = None,
    n2i: ArrayLike = None,
    m1i: ArrayLike = None,
    m2i: ArrayLike = None,
    sd1i: ArrayLike = None,
    sd2i: ArrayLike = None,
    xi: ArrayLike = None,
    ni: ArrayLike = None,
    yi: ArrayLike = None,
    vi: ArrayLike = None,
    sei: ArrayLike = None,
    add: float = 0.5,
    to: str = "only0",
    drop00: bool = False,
) -> EffectSizes:
    """Compute effect sizes and sampling variances for ``measure`` (OR, RR, RD, SMD, PLO, PR,
    GEN); formulas and zero-cell rules in the module docstring (metafor ``escalc``)."""
    meas = str(measure).upper()
    if meas not in MEASURES:
        raise EvidenceError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")
    if to not in _TO:
        raise EvidenceError(f"unknown to={to!r}; use one of {', '.join(_TO)}")
    if not np.isfinite(add) or add < 0:
        raise EvidenceError(f"add must be a non-negative number, got {add}")
    if meas in ("OR", "RR", "RD"):
        return _two_by_two(meas, ai, bi, ci, di, n1i, n2i, add, to, drop00)
    if meas == "SMD":
        return _smd(m1i, m2i, sd1i, sd2i, n1i, n2i)
    if meas in ("PLO", "PR"):
        return _proportion(meas, xi, ni, add, to)
    if meas == "PCOR":
        raise EvidenceError("for partial correlations use t_to_partial_r(t, df)")
    return _generic(yi, vi, sei)


def _two_by_two(meas, ai, bi, ci, di, n1i, n2i, add, to, drop00) -> EffectSizes:
    a, b, c, d = _arr("ai", ai), _arr("bi", bi), _arr("ci", ci), _arr("di", di)
    n1, n2 = _arr("n1i", n1i), _arr("n2i", n2i)
    if a is None or c is None:
        raise EvidenceError(f"measure {meas} needs ai and ci (events in each group)")
    if b is None:
        if n1 is None:
            raise EvidenceError(f"measure {meas} needs bi or n1i for group 1")
        b = n1 - a
    if d is None:
        if n2 is None:
            raise EvidenceError(f"measure {meas} needs di or n2i for group 2")
        d = n2 - c
    _same_length(ai=a, bi=b, ci=c, di=d)
    for name, x in (("ai", a), ("bi", b), ("ci", c), ("di", d)):
        bad = np.isfinite(x) & (x < 0)
        if bad.any():
            hint = " (an event count exceeds its group size?)" if name in ("bi", "di") else ""
            raise EvidenceError(f"negative count {name} in rows {_rows(bad)}{hint}")
    notes: list[str] = []
    dropped = np.zeros(a.size, dtype=bool)
    if drop00:
        dropped = ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))
        if dropped.any():
            a, b, c, d = (np.where(dropped, np.nan, x) for x in (a, b, c, d))
            notes.append(
                f"drop00: rows {_rows(dropped)} have no events (or no non-events) in "
                "both groups and were set to missing"
            )
    (a, b, c, d), added = _zero_adjust([a, b, c, d], add, to)
    if added.any():
        notes.append(f"add={add:g} added to all four cells of rows {_rows(added)} (to={to!r})")
    n1, n2 = a + b, c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = a / n1, c / n2
        if meas == "OR":
            y = np.log(a * d / (b * c))
            v = 1 / a + 1 / b + 1 / c + 1 / d
        elif meas == "RR":
            y = np.log(p1 / p2)
            v = 1 / a - 1 / n1 + 1 / c - 1 / n2
        else:
            y = p1 - p2
            v = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    bad = ~(np.isfinite(y) & np.isfinite(v)) & ~dropped
    if bad.any():
        notes.append(
            f"rows {_rows(bad)}: effect size not finite (zero cells with add=0 or to="
            "'none'); these studies cannot enter a model"
        )
    return EffectSizes(y, v, meas, added=added, dropped=dropped, notes=notes)


def _smd(m1i, m2i, sd1i, sd2i, n1i, n2i) -> EffectSizes:
    m1, m2, s1, s2 = _arr("m1i", m1i), _arr("m2i", m2i), _arr("sd1i", sd1i), _arr("sd2i", sd2i)
    n1, n2 = _arr("n1i", n1i), _arr("n2i", n2i)
    if any(x is None for x in (m1, m2, s1, s2, n1, n2)):
        raise EvidenceError("measure SMD needs m1i, m2i, sd1i, sd2i, n1i and n2i")
    _same_length(m1i=m1, m2i=m2, sd1i=s1, sd2i=s2, n1i=n1, n2i=n2)
    for name, x in (("sd1i", s1), ("sd2i", s2)):
        if np.any(x < 0):
            raise EvidenceError(f"negative standard deviation {name} in rows {_rows(x < 0)}")
    for name, x in (("n1i", n1), ("n2i", n2)):
        if np.any(x <= 0):
            raise EvidenceError(f"group size {name} must be positive; rows {_rows(x <= 0)}")
    m = n1 + n2 - 2
    if np.any(m <= 1):
        raise EvidenceError(f"SMD needs n1i + n2i > 3; rows {_rows(m <= 1)}")
    sdp = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / m)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (m1 - m2) / sdp
    y = hedges_correction(m) * d
    v = 1 / n1 + 1 / n2 + y**2 / (2 * (n1 + n2))
    return EffectSizes(y, v, "SMD")


def _proportion(meas, xi, ni, add, to) -> EffectSizes:
    x, n = _arr("xi", xi), _arr("ni", ni)
    if x is None or n is None:
        raise EvidenceError(f"measure {meas} needs xi (events) and ni (sample sizes)")
    _same_length(xi=x, ni=n)
    if np.any(x < 0) or np.any(x > n):
        bad = (x < 0) | (x > n)
        raise EvidenceError(f"events xi must be between 0 and ni; rows {_rows(bad)}")
    mi = n - x
    (x, mi), added = _zero_adjust([x, mi], add, to)
    n = x + mi
    notes = (
        [f"add={add:g} added to xi and ni - xi of rows {_rows(added)} (to={to!r})"]
        if (added.any())
        else []
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        pr = x / n
        if meas == "PLO":
            y = np.log(pr / (1 - pr))
            v = 1 / x + 1 / mi
        else:
            y = pr
            v = pr * (1 - pr) / n
    return EffectSizes(y, v, meas, added=added, notes=notes)


def _generic(yi, vi, sei) -> EffectSizes:
    y = _arr("yi", yi)
    if y is None:
        raise EvidenceError("measure GEN needs yi and vi (or sei)")
    if (vi is None) == (sei is None):
        raise EvidenceError("measure GEN needs exactly one of vi or sei")
    v = _arr("vi", vi) if vi is not None else _arr("sei", sei) ** 2
    _same_length(yi=y, vi=v)
    return EffectSizes(y, v, "GEN")


def _coef_se(coef, se, what: str) -> tuple[np.ndarray, np.ndarray]:
    b, s = _arr("coef", coef), _arr("se", se)
    _same_length(coef=b, se=s)
    bad = ~np.isfinite(s) | (s <= 0)
    if bad.any():
        raise EvidenceError(f"{what}: standard errors must be positive; rows {_rows(bad)}")
    return b, s**2


def lpm_to_rd(coef: ArrayLike, se: ArrayLike) -> EffectSizes:
    """A linear probability model coefficient of a binary treatment (outcome 0/1) is a risk
    difference on the probability scale: ``yi = coef``, ``vi = se^2`` (measure "RD")."""
    y, v = _coef_se(coef, se, "lpm_to_rd")
    return EffectSizes(y, v, "RD", notes=["risk difference from a linear probability model"])


def logit_to_lor(coef: ArrayLike, se: ArrayLike) -> EffectSizes:
    """A logit-model coefficient of a binary treatment is a (conditional, covariate-adjusted)
    log odds ratio: ``yi = coef``, ``vi = se^2`` (measure "OR")."""
    y, v = _coef_se(coef, se, "logit_to_lor")
    return EffectSizes(y, v, "OR", notes=["log odds ratio from a logit model coefficient"])


def t_to_partial_r(t: ArrayLike, df: ArrayLike) -> EffectSizes:
    """Partial correlation from a regression t statistic with ``df = n - m - 1`` residual
    degrees of freedom (n observations, m predictors): ``r = t / sqrt(t^2 + df)`` and, as
    metafor's ``escalc(measure="PCOR")`` (vtype "LS"), ``vi = (1 - r^2)^2 / (n - m)
    = (1 - r^2)^2 / (df + 1)`` (metafor source, ``escalc.r``; Aloe & Thompson 2013)."""
    tt, d = _arr("t", t), _arr("df", df)
    if tt is None or d is None:
        raise EvidenceError("t_to_partial_r needs t and df")
    _same_length(t=tt, df=d)
    if np.any(~np.isfinite(d) | (d <= 0)):
        raise EvidenceError(f"degrees of freedom must be positive; rows {_rows(~(d > 0))}")
    r = tt / np.sqrt(tt**2 + d)
    v = (1 - r**2) ** 2 / (d + 1)
    return EffectSizes(r, v, "PCOR")
