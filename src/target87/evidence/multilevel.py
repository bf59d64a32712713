"""Three-level meta-analysis, as metafor's ``rma.mv(yi, vi, random = ~ 1 | study/effect)``.

The model (Konstantopoulos 2011, *Res. Synth. Methods* 2:61-76; Viechtbauer 2010, metafor's
``rma.mv``) for effect ``i`` of study ``j``::

    y_ij = x_ij' beta + u_j + w_ij + e_ij,   u_j ~ N(0, sigma2[0]),  w_ij ~ N(0, sigma2[1]),
    e_ij ~ N(0, v_ij) with v_ij known,

so the marginal covariance is ``V = diag(v) + sigma2[0] * Z1 Z1' + sigma2[1] * Z2 Z2'`` with ``Z1``
the study indicators and ``Z2`` the (study, effect) indicators (the identity when every row is
its own effect). Fixed effects are generalised least squares, ``beta = (X'V^-1 X)^-1 X'V^-1 y``,
``vb = (X'V^-1 X)^-1``. The variance components maximise the (restricted) log-likelihood::

    ML:   ll = -1/2 [ k log(2 pi) + log|V| + r'V^-1 r ]
    REML: ll = -1/2 [ (k-p) log(2 pi) - log|X'X| + log|V| + log|X'V^-1 X| + r'V^-1 r ]

(``r = y - X beta``; the constants as metafor's ``logLik``), found with L-BFGS-B over
``log sigma2`` with the analytic score ``d ll / d sigma2_r = -1/2 tr(P A_r) + 1/2 r'V^-1 A_r
V^-1 r`` (``P = V^-1 - V^-1 X vb X' V^-1`` for REML, ``V^-1`` for ML; ``A_r = Z_r Z_r'``).
The residual heterogeneity test is ``QE = (y - X b0)' diag(1/v) (y - X b0)`` with ``b0`` the
weighted least squares fit, chi-square on ``k - p`` df; the prediction interval of an
intercept-only model is ``beta +- crit * sqrt(se^2 + sum(sigma2))`` (metafor's ``predict``).
Checked against metafor's ``tests/testthat/test_analysis_example_konstantopoulos2011.r``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, stats

from .errors import EvidenceError
from .results import SIGNIF_CODES, Coefficients, coefficient_lines, format_pval, pval_clause
from .results import format_number as _fmt
from .results import to_jsonable as _jsonable

__all__ = ["MultilevelResult", "rma_mv"]

_LOG2PI = float(np.log(2 * np.pi))


@dataclass
class MultilevelResult(Coefficients):
    """A fitted multilevel model with metafor's ``rma.mv`` names.

    ``sigma2`` holds the two variance components (between studies, then between effects within
    studies), ``s_nlevels`` their numbers of levels and ``s_names`` their names; the fixed
    effects part uses the names of :class:`~target87.evidence.results.MetaResult` (``beta``,
    ``se``, ``zval`` or ``tval`` with ``df``, ``pval``, ``ci_lb``, ``ci_ub``, ``vb``, ``QE``,
    ``QE_df``, ``QEp``, ``QM``...). ``V`` is the fitted marginal covariance of ``yi`` and
    ``cluster`` the study of each row (used by :func:`target87.evidence.robust.robust`).
    """

    vb: np.ndarray
    sigma2: np.ndarray
    s_nlevels: list[int]
    s_names: list[str]
    zval: np.ndarray | None = None
    tval: np.ndarray | None = None
    df: float | None = None
    QE: float | None = None
    QE_df: int | None = None
    QEp: float | None = None
    QM: float | None = None
    QM_df: int | tuple[int, int] | None = None
    QMp: float | None = None
    pi_lb: float | None = None
    pi_ub: float | None = None
    ll: float | None = None
    yi: np.ndarray | None = None
    vi: np.ndarray | None = None
    X: np.ndarray | None = None
    V: np.ndarray | None = None
    cluster: np.ndarray | None = None
    names: list[str] = field(default_factory=list)
    iterations: int | None = None
    converged: bool = True
    model: str = "ML3"
    notes: list[str] = field(default_factory=list)

    @property
    def tau2(self) -> float:
        """Total heterogeneity ``sum(sigma2)`` (what a prediction interval adds)."""
        return float(np.sum(self.sigma2))

    @property
    def icc(self) -> float:
        """Share of the heterogeneity between studies: ``sigma2[0] / sum(sigma2)``."""
        total = float(np.sum(self.sigma2))
        return float(self.sigma2[0] / total) if total > 0 else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """The result with metafor's names (``sigma2``, ``s_nlevels``...); NaN as ``None``."""
        nulls: dict[str, str] = {}
        d: dict[str, Any] = {
            "model": "rma.mv",
            "method": self.method,
            "test": self.test,
            "level": self.level,
            "k": self.k,
            "p": self.p,
            "names": list(self.names),
            "sigma2": self.sigma2,
            "s_nlevels": list(self.s_nlevels),
            "s_names": list(self.s_names),
            **self.coefficient_fields(),
        }
        d.update(
            QE=self.QE,
            QE_df=self.QE_df,
            QEp=self.QEp,
            pi_lb=self.pi_lb,
            pi_ub=self.pi_ub,
            ll=self.ll,
        )
        if self.QM is not None:
            d.update(QM=self.QM, QM_df=self.QM_df, QMp=self.QMp)
        out = {key: _jsonable(val, key, nulls) for key, val in d.items()}
        out["notes"] = list(self.notes) + [f"{k}: {m}" for k, m in nulls.items()]
        return out

    def summary(self, digits: int = 4) -> str:
        """The fit printed as metafor's ``print.rma.mv``."""
        title = (
            "Multivariate Meta-Analysis Model"
            if self.p == 1
            else "Multivariate Meta-Analysis Model (with moderators)"
        )
        lines = [f"{title} (k = {self.k}; method: {self.method})", "", "Variance Components:", ""]
        lines.append("            estim    sqrt  nlvls  fixed  factor")
        for i, (s2, n, name) in enumerate(
            zip(self.sigma2, self.s_nlevels, self.s_names, strict=True), start=1
        ):
            lines.append(
                f"sigma^2.{i}  {s2:.{digits}f}  {np.sqrt(s2):.{digits}f}  {n:5d}     no  {name}"
            )
        lines.append("")
        if self.QE is not None:
            qn = "Q" if self.p == 1 else "QE"
            lines += [
                "Test for Heterogeneity:" if self.p == 1 else "Test for Residual Heterogeneity:",
                f"{qn}(df = {self.QE_df}) = {_fmt(self.QE, digits)}, "
                + pval_clause(self.QEp, digits),
                "",
            ]
        if self.QM is not None:
            clause = pval_clause(self.QMp, digits)
            if isinstance(self.QM_df, tuple):
                lines.append(
                    f"F(df1 = {self.QM_df[0]}, df2 = {self.QM_df[1]}) = {_fmt(self.QM, digits)}, "
                    + clause
                )
            else:
                lines.append(f"QM(df = {self.QM_df}) = {_fmt(self.QM, digits)}, {clause}")
            lines.append("")
        lines += ["Model Results:", ""]
        use_t = self.tval is not None
        header = ["estimate", "se", "tval" if use_t else "zval"]
        header += (["df"] if use_t else []) + ["pval", "ci.lb", "ci.ub"]
        rows = []
        for i in range(self.p):
            row = [_fmt(self.beta[i]), _fmt(self.se[i]), _fmt(self.stat[i])]
            if use_t:
                row.append(f"{self.df:g}")
            row += [format_pval(float(self.pval[i])), _fmt(self.ci_lb[i]), _fmt(self.ci_ub[i])]
            rows.append(row)
        names = self.names if self.p > 1 else [""]
        lines += coefficient_lines(names, header, rows, self.pval)
        lines.append("")
        if self.pi_lb is not None:
            lines += [
                f"Prediction interval ({self.level:g}%): [{_fmt(self.pi_lb)}, {_fmt(self.pi_ub)}]",
                "",
            ]
        lines += [f"Note: {n}" for n in self.notes]
        lines += ["---", SIGNIF_CODES]
        return "\n".join(lines)


def _codes(values: Sequence[Any] | np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes 0..n-1 in order of first appearance."""
    arr = np.asarray(values, dtype=object)
    _, first, inverse = np.unique(arr.astype(str), return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    remap = np.empty_like(order)
    remap[order] = np.arange(len(order))
    return remap[inverse.ravel()], len(order)


def _design(mods: Any, k: int, intercept: bool, mod_names: Sequence[str] | None):
    if mods is None:
        return np.ones((k, 1)), ["intrcpt"]
    M = np.asarray(mods, dtype=float)
    if M.ndim == 1:
        M = M[:, None]
    if M.shape[0] != k:
        raise EvidenceError(f"mods has {M.shape[0]} rows, yi has {k}")
    names = list(mod_names) if mod_names is not None else [f"mod{i + 1}" for i in range(M.shape[1])]
    if intercept:
        return np.column_stack([np.ones(k), M]), ["intrcpt", *names]
    return M, names


def _gls(X: np.ndarray, y: np.ndarray, V: np.ndarray):
    """GLS pieces from the marginal covariance: V^-1, (X'V^-1X)^-1, beta, residuals, log|V|."""
    L = np.linalg.cholesky(V)
    Vinv = np.linalg.inv(V)
    Vinv = (Vinv + Vinv.T) / 2
    XtVi = X.T @ Vinv
    XtViX = XtVi @ X
    vb = np.linalg.inv(XtViX)
    beta = vb @ (XtVi @ y)
    r = y - X @ beta
    logdetV = 2.0 * float(np.sum(np.log(np.diag(L))))
    return Vinv, vb, XtViX, beta, r, logdetV


def rma_mv(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    *,
    study: Sequence[Any] | np.ndarray,
    effect: Sequence[Any] | np.ndarray | None = None,
    mods: np.ndarray | Sequence[Sequence[float]] | None = None,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    intercept: bool = True,
    mod_names: Sequence[str] | None = None,
    study_name: str = "study",
    effect_name: str = "effect",
) -> MultilevelResult:
    """Three-level model ``rma.mv(yi, vi, mods, random = ~ 1 | study/effect)`` by REML or ML.

    ``study`` gives each row's study (the outer level); ``effect`` its effect within the study
    (default: every row its own effect). ``test="t"`` uses t(k-p) quantiles for the
    coefficients and F(m, k-p) for the moderators, as metafor's ``test="t"``. The formulas are in
    the module docstring. Raises :class:`EvidenceError` for bad input.
    """
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    k = y.size
    if v.size != k or len(study) != k:
        raise EvidenceError(f"yi ({k}), vi ({v.size}) and study ({len(study)}) differ in length")
    bad = ~(np.isfinite(y) & np.isfinite(v))
    if bad.any():
        raise EvidenceError(f"missing or non-finite yi/vi in rows {np.flatnonzero(bad).tolist()}")
    if (v < 0).any():
        raise EvidenceError(f"negative sampling variance in rows {np.flatnonzero(v < 0).tolist()}")
    method = method.upper()
    if method not in {"REML", "ML"}:
        raise EvidenceError(f"method must be 'REML' or 'ML', not {method!r}")
    if test not in {"z", "t"}:
        raise EvidenceError(f"test must be 'z' or 't', not {test!r}")
    X, names = _design(mods, k, intercept, mod_names)
    p = X.shape[1]
    if np.linalg.matrix_rank(X) < p:
        raise EvidenceError("the model matrix is not of full rank")
    if k - p < 1:
        raise EvidenceError(f"k = {k} effects cannot fit p = {p} coefficients and two variances")

    s_codes, n_study = _codes(study)
    inner = np.arange(k) if effect is None else np.asarray(effect, dtype=object)
    pair = np.array([f"{a}\x1f{b}" for a, b in zip(s_codes, inner, strict=True)], dtype=object)
    e_codes, n_effect = _codes(pair)
    A1 = (s_codes[:, None] == s_codes[None, :]).astype(float)
    A2 = (e_codes[:, None] == e_codes[None, :]).astype(float)
    A = (A1, A2)
    D = np.diag(v)
    reml = method == "REML"
    logdet_xtx = float(np.linalg.slogdet(X.T @ X)[1])

    def negll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        s2 = np.exp(theta)
        V = D + s2[0] * A1 + s2[1] * A2
        Vinv, vb, XtViX, _beta, r, logdetV = _gls(X, y, V)
        Vir = Vinv @ r
        rss = float(r @ Vir)
        if reml:
            ll = -0.5 * (
                (k - p) * _LOG2PI - logdet_xtx + logdetV + np.linalg.slogdet(XtViX)[1] + rss
            )
            ViX = Vinv @ X
            P = Vinv - ViX @ vb @ ViX.T
        else:
            ll = -0.5 * (k * _LOG2PI + logdetV + rss)
            P = Vinv
        grad = np.array([-0.5 * np.sum(P * Ar) + 0.5 * float(Vir @ Ar @ Vir) for Ar in A])
        return -ll, -(grad * s2)

    resid = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    start = max(float(np.var(resid, ddof=p)) - float(np.mean(v)), 0.01) / 2
    theta0 = np.log([start, start])
    lo = np.log(1e-10)
    opt = optimize.minimize(
        negll,
        theta0,
        jac=True,
        method="L-BFGS-B",
        bounds=[(lo, np.log(1e4))] * 2,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 1000},
    )
    sigma2 = np.exp(opt.x)
    notes: list[str] = []
    at_zero = opt.x <= lo + 1e-6
    sigma2[at_zero] = 0.0
    if at_zero.any():
        notes.append("a variance component was estimated at the boundary (0)")
    V = D + sigma2[0] * A1 + sigma2[1] * A2
    Vinv, vb, _XtViX, beta, r, logdetV = _gls(X, y, V)
    se = np.sqrt(np.diag(vb))
    stat = beta / se
    alpha = 1 - level / 100
    df_res = k - p
    if test == "t":
        pval = 2 * stats.t.sf(np.abs(stat), df_res)
        crit = float(stats.t.isf(alpha / 2, df_res))
    else:
        pval = 2 * stats.norm.sf(np.abs(stat))
        crit = float(stats.norm.isf(alpha / 2))
    ci_lb, ci_ub = beta - crit * se, beta + crit * se

    w0 = 1 / v
    b0 = np.linalg.solve(X.T @ (w0[:, None] * X), X.T @ (w0 * y))
    QE = float(np.sum(w0 * (y - X @ b0) ** 2))
    QEp = float(stats.chi2.sf(QE, df_res))

    QM = QMp = QM_df = None
    if p > 1:
        btt = slice(1, p) if intercept else slice(0, p)
        b = beta[btt]
        m = b.size
        QM = float(b @ np.linalg.solve(vb[btt, btt], b))
        if test == "t":
            QM /= m
            QM_df = (m, df_res)
            QMp = float(stats.f.sf(QM, m, df_res))
        else:
            QM_df = m
            QMp = float(stats.chi2.sf(QM, m))

    pi_lb = pi_ub = None
    if p == 1 and intercept:
        half = crit * np.sqrt(se[0] ** 2 + sigma2.sum())
        pi_lb, pi_ub = float(beta[0] - half), float(beta[0] + half)

    return MultilevelResult(
        method=method,
        test=test,
        level=level,
        k=k,
        p=p,
        beta=beta,
        se=se,
        pval=pval,
        ci_lb=ci_lb,
        ci_ub=ci_ub,
        vb=vb,
        sigma2=sigma2,
        s_nlevels=[n_study, n_effect],
        s_names=[study_name, f"{study_name}/{effect_name}"],
        zval=stat if test == "z" else None,
        tval=stat if test == "t" else None,
        df=float(df_res) if test == "t" else None,
        QE=QE,
        QE_df=df_res,
        QEp=QEp,
        QM=QM,
        QM_df=QM_df,
        QMp=QMp,
        pi_lb=pi_lb,
        pi_ub=pi_ub,
        ll=-float(opt.fun),
        yi=y,
        vi=v,
        X=X,
        V=V,
        cluster=s_codes,
        names=names,
        iterations=int(opt.nit),
        converged=bool(opt.success),
        notes=notes,
    )
