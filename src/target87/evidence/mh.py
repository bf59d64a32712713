"""Mantel-Haenszel and Peto pooled estimates for 2x2 tables, as metafor's ``rma.mh`` and
``rma.peto``: :func:`rma_mh`, :func:`rma_peto`.

For table i with events/non-events ``a_i, b_i`` (group 1) and ``c_i, d_i`` (group 2),
``n1 = a + b``, ``n2 = c + d``, ``N = n1 + n2``:

- MH odds ratio (Mantel & Haenszel 1959): ``OR_MH = R / S`` with ``R = sum a d / N`` and
  ``S = sum b c / N``; the variance of ``log OR_MH`` is that of Robins, Breslow & Greenland
  (1986): with ``P = (a + d)/N``, ``Q = (b + c)/N``, ``R_i = a d / N``, ``S_i = b c / N``,
  ``Var = sum P R_i / (2 R^2) + sum (P S_i + Q R_i) / (2 R S) + sum Q S_i / (2 S^2)``.
- MH risk ratio: ``RR_MH = sum a n2 / N / sum c n1 / N`` with the Greenland & Robins (1985)
  variance ``Var(log RR_MH) = sum (n1 n2 (a + c) / N^2 - a c / N) / (R S)``.
- Peto odds ratio (Yusuf, Peto, Lewis, Collins & Sleight 1985): with ``E = n1 (a + c) / N`` and
  ``V = (a + c)(b + d) n1 n2 / (N^2 (N - 1))``, ``log OR_Peto = sum (a - E) / sum V``,
  ``SE = 1 / sqrt(sum V)``; heterogeneity ``QE = sum (a - E)^2 / V - (sum (a - E))^2 / sum V``
  over the tables with V > 0.

Estimates are computed from the unadjusted counts (metafor's default ``add=c(1/2, 0)``,
``to=c("only0", "none")``). For MH, the heterogeneity statistic QE is the inverse-variance
Cochran Q of the study-level ``escalc`` estimates (with 1/2 added to tables with a zero cell)
around the MH estimate: ``QE = sum w_i (y_i - b_MH)^2``, ``w_i = 1/v_i``, k - 1 df; ``I^2`` and
``H^2`` from QE as for equal-effects models. The z test and Wald CI use ``b / SE``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from .effects import escalc
from .errors import EvidenceError
from .results import MetaResult

__all__ = ["rma_mh", "rma_peto"]

ArrayLike = Sequence[float] | np.ndarray | None


def _tables(ai, bi, ci, di, n1i, n2i) -> tuple[np.ndarray, ...]:
    def arr(name, x):
        if x is None:
            return None
        try:
            return np.atleast_1d(np.asarray(x, dtype=float)).ravel()
        except (TypeError, ValueError) as exc:
            raise EvidenceError(f"{name} must be numbers: {exc}") from exc

    a, b, c, d = arr("ai", ai), arr("bi", bi), arr("ci", ci), arr("di", di)
    n1, n2 = arr("n1i", n1i), arr("n2i", n2i)
    if a is None or c is None:
        raise EvidenceError("give ai and ci (events) and bi, di or n1i, n2i")
    if b is None:
        if n1 is None:
            raise EvidenceError("give bi or n1i for group 1")
        b = n1 - a
    if d is None:
        if n2 is None:
            raise EvidenceError("give di or n2i for group 2")
        d = n2 - c
    sizes = {x.size for x in (a, b, c, d)}
    if len(sizes) != 1:
        raise EvidenceError("ai, bi, ci, di (or n1i, n2i) differ in length")
    cells = np.column_stack([a, b, c, d])
    bad = ~np.all(np.isfinite(cells), axis=1)
    if bad.any():
        raise EvidenceError(
            f"missing counts in rows {', '.join(map(str, np.flatnonzero(bad)[:10]))}"
        )
    neg = np.any(cells < 0, axis=1)
    if neg.any():
        raise EvidenceError(
            "negative counts (or events above the group size) in rows "
            f"{', '.join(map(str, np.flatnonzero(neg)[:10]))}"
        )
    if a.size < 1:
        raise EvidenceError("no tables given")
    return a, b, c, d


def _result(
    method: str,
    measure: str,
    beta: float,
    se: float,
    level: float,
    k: int,
    QE: float,
    QE_df: int,
    extra: dict,
    notes: list[str],
) -> MetaResult:
    crit = float(stats.norm.isf((1 - level / 100) / 2))
    z = beta / se
    p = float(2 * stats.norm.sf(abs(z)))
    if QE_df > 0:
        QEp = float(stats.chi2.sf(QE, QE_df))
        I2 = max(0.0, 100 * (QE - QE_df) / QE) if QE > 0 else 0.0
        H2 = QE / QE_df
    else:
        QEp, I2, H2 = 1.0, 0.0, 1.0
    return MetaResult(
        method=method,
        test="z",
        level=level,
        k=k,
        p=1,
        beta=np.array([beta]),
        se=np.array([se]),
        pval=np.array([p]),
        ci_lb=np.array([beta - crit * se]),
        ci_ub=np.array([beta + crit * se]),
        model="MH" if method == "MH" else "PETO",
        zval=np.array([z]),
        vb=np.array([[se**2]]),
        tau2=0.0,
        tau=0.0,
        I2=I2,
        H2=H2,
        QE=QE,
        QE_df=QE_df,
        QEp=QEp,
        pi_lb=beta - crit * se,
        pi_ub=beta + crit * se,
        names=["intrcpt"],
        measure=measure,
        extra=extra,
        notes=notes,
    )


def rma_mh(
    measure: str = "OR",
    *,
    ai: ArrayLike = None,
    bi: ArrayLike = None,
    ci: ArrayLike = None,
    di: ArrayLike = None,
    n1i: ArrayLike = None,
    n2i: ArrayLike = None,
    level: float = 95,
    correct: bool = True,
) -> MetaResult:
    """Mantel-Haenszel pooled log odds ratio (``measure="OR"``, Robins-Breslow-Greenland
    variance) or log risk ratio (``"RR"``, Greenland-Robins variance); formulas in the module
    docstring. For OR also the Cochran-Mantel-Haenszel test (``extra["CMH"]``, continuity
    corrected when ``correct``). Results on the log scale, as metafor."""
    meas = str(measure).upper()
    if meas not in ("OR", "RR"):
        raise EvidenceError(f"rma_mh supports measure 'OR' or 'RR', not {measure!r}")
    a, b, c, d = _tables(ai, bi, ci, di, n1i, n2i)
    n1, n2 = a + b, c + d
    N = n1 + n2
    if np.any(N <= 0):
        raise EvidenceError(f"empty tables in rows {', '.join(map(str, np.flatnonzero(N <= 0)))}")
    extra: dict = {}
    notes: list[str] = []
    if meas == "OR":
        P, Q = (a + d) / N, (b + c) / N
        Ri, Si = a * d / N, b * c / N
        R, S = Ri.sum(), Si.sum()
        if R == 0 or S == 0:
            raise EvidenceError(
                "the MH odds ratio is not defined (sum a d / N or sum b c / N is 0)"
            )
        beta = float(np.log(R / S))
        var = (
            np.sum(P * Ri) / (2 * R**2)
            + np.sum(P * Si + Q * Ri) / (2 * R * S)
            + np.sum(Q * Si) / (2 * S**2)
        )
        xt, yt = a + c, b + d
        if xt.sum() > 0 and yt.sum() > 0:
            num = (abs(np.sum(a - n1 / N * xt)) - (0.5 if correct else 0.0)) ** 2
            with np.errstate(divide="ignore", invalid="ignore"):
                den = np.nansum(n1 / N * (n2 / N) * (xt * (yt / (N - 1))))
            cmh = float(num / den)
            extra["CMH"] = cmh
            extra["CMHp"] = float(stats.chi2.sf(cmh, 1))
    else:
        R, S = np.sum(a * n2 / N), np.sum(c * n1 / N)
        if a.sum() == 0 or c.sum() == 0:
            raise EvidenceError("the MH risk ratio is not defined (no events in one group)")
        beta = float(np.log(R / S))
        var = np.sum(n1 / N * (n2 / N) * (a + c) - a / N * c) / (R * S)
    es = escalc(meas, ai=a, bi=b, ci=c, di=d)
    ok = np.isfinite(es.yi) & np.isfinite(es.vi) & (es.vi > 0)
    if not ok.all():
        notes.append(f"QE: {int((~ok).sum())} table(s) without a finite study estimate left out")
    y, v = es.yi[ok], es.vi[ok]
    QE = max(0.0, float(np.sum((y - beta) ** 2 / v))) if y.size > 1 else 0.0
    res = _result(
        "MH",
        meas,
        beta,
        float(np.sqrt(var)),
        float(level),
        a.size,
        QE,
        max(int(y.size) - 1, 0),
        extra,
        notes,
    )
    res.yi, res.vi = es.yi, es.vi
    res.weights = None
    return res


def rma_peto(
    *,
    ai: ArrayLike = None,
    bi: ArrayLike = None,
    ci: ArrayLike = None,
    di: ArrayLike = None,
    n1i: ArrayLike = None,
    n2i: ArrayLike = None,
    level: float = 95,
) -> MetaResult:
    """Peto's one-step log odds ratio (Yusuf et al. 1985); formulas in the module docstring.
    QE uses the tables with positive hypergeometric variance (k.pos - 1 df, as metafor)."""
    a, b, c, d = _tables(ai, bi, ci, di, n1i, n2i)
    n1, n2 = a + b, c + d
    N = n1 + n2
    xt, yt = a + c, b + d
    E = xt * n1 / N
    with np.errstate(divide="ignore", invalid="ignore"):
        V = np.where(N > 1, xt * yt * (n1 / N) * (n2 / N) / (N - 1), 0.0)
    sumV = V.sum()
    if sumV == 0:
        raise EvidenceError(
            "Peto's odds ratio is not defined: no table has both events and non-events"
        )
    beta = float(np.sum(a - E) / sumV)
    se = float(np.sqrt(1 / sumV))
    pos = V > 0
    QE = max(0.0, float(np.sum((a[pos] - E[pos]) ** 2 / V[pos]) - np.sum(a - E) ** 2 / sumV))
    k_pos = int(pos.sum())
    notes = []
    if k_pos < a.size:
        notes.append(
            f"{a.size - k_pos} table(s) with no events or no non-events carry no information"
        )
    res = _result(
        "Peto",
        "PETO",
        beta,
        se,
        float(level),
        a.size,
        QE,
        max(k_pos - 1, 0),
        {"k_pos": k_pos},
        notes,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        res.yi = np.where(pos, (a - E) / np.where(pos, V, 1.0), np.nan)
        res.vi = np.where(pos, 1 / np.where(pos, V, 1.0), np.nan)
    return res
