"""Equal-, random- and mixed-effects models as metafor's ``rma.uni``: :func:`rma`.

The model (Viechtbauer 2010, *J. Stat. Softw.* 36(3), sections 2-3):
``y_i = x_i' beta + u_i + e_i`` with ``e_i ~ N(0, v_i)`` and ``u_i ~ N(0, tau^2)`` (``tau^2 = 0``
for the equal-effects model). Given tau^2, ``beta = (X'WX)^-1 X'Wy`` with
``W = diag(1/(v + tau^2))`` and ``Var(beta) = (X'WX)^-1``.

Tests: ``test="z"`` uses the standard normal; ``test="knha"`` is the Knapp & Hartung (2003) /
Hartung & Knapp (2001) method: ``Var(beta)`` is multiplied by
``s^2 = sum w (y - X beta)^2 / (k - p)`` (not truncated at 1, as metafor) and t(k - p) is used;
``test="t"`` uses t(k - p) without the scaling; ``test="adhoc"`` is knha with ``s^2 >= 1``.

Heterogeneity (metafor): ``QE = y'P y`` with ``w = 1/v`` (Cochran's Q; chi^2 with k - p df);
the "typical" sampling variance ``s^2 = (k - p) / tr(P)`` (for the intercept-only model this is
``(k-1) sum w / ((sum w)^2 - sum w^2)``, Higgins & Thompson 2002); random/mixed models:
``I^2 = 100 tau^2 / (tau^2 + s^2)``, ``H^2 = (tau^2 + s^2) / s^2``; equal-effects models:
``I^2 = max(0, 100 (QE - (k-p)) / QE)``, ``H^2 = QE / (k - p)``.

Moderators: ``QM = b' Var(b)^-1 b`` over the coefficients other than the intercept, chi^2 with
m df; under knha/t ``F = QM / m`` with (m, k - p) df. Pseudo R^2 (Raudenbush 2009):
``max(0, 100 (tau^2_RE - tau^2_ME) / tau^2_RE)``, tau^2_RE from the intercept-only model with the
same estimator (0 when tau^2_RE = 0).

Prediction interval (metafor ``predict.rma``, intercept-only models):
``mu +- crit sqrt(SE(mu)^2 + tau^2)``, crit from N(0,1) or, under knha/t, from t(k - p).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from .errors import EvidenceError
from .results import MetaResult
from .tau2 import Tau2Estimate, canonical_method, default_control, estimate_tau2, projection_matrix

__all__ = ["rma", "design_matrix", "check_inputs"]

_TESTS = ("z", "knha", "t", "adhoc")


def _label(i: int, slab: Sequence[str] | None) -> str:
    if slab is not None and i < len(slab):
        return f"study {slab[i]!r} (row {i})"
    return f"row {i}"


def check_inputs(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray | None = None,
    sei: Sequence[float] | np.ndarray | None = None,
    slab: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``yi`` and ``vi`` (or ``sei``, squared) as float arrays, refused with an
    :class:`EvidenceError` naming the rows when lengths differ, values are missing or not
    finite, or a sampling variance is zero or negative."""
    if vi is None and sei is None:
        raise EvidenceError("give the sampling variances vi (or the standard errors sei)")
    if vi is not None and sei is not None:
        raise EvidenceError("give vi or sei, not both")
    try:
        y = np.asarray(yi, dtype=float).ravel()
        v = (
            np.asarray(vi, dtype=float).ravel()
            if vi is not None
            else np.asarray(sei, dtype=float).ravel() ** 2
        )
    except (TypeError, ValueError) as exc:
        raise EvidenceError(f"yi and vi must be numbers: {exc}") from exc
    if y.size != v.size:
        raise EvidenceError(f"yi has {y.size} values but vi has {v.size}")
    if y.size == 0:
        raise EvidenceError("no studies given (k = 0)")
    bad_y = np.flatnonzero(~np.isfinite(y))
    if bad_y.size:
        rows = ", ".join(_label(i, slab) for i in bad_y[:10])
        raise EvidenceError(
            f"missing or non-finite effect size yi in {rows}; drop or fill these studies first"
        )
    bad_v = np.flatnonzero(~np.isfinite(v))
    if bad_v.size:
        rows = ", ".join(_label(i, slab) for i in bad_v[:10])
        what = "vi" if vi is not None else "sei"
        raise EvidenceError(f"missing or non-finite {what} in {rows}")
    nonpos = np.flatnonzero(v <= 0)
    if nonpos.size:
        rows = ", ".join(f"{_label(i, slab)}: vi = {v[i]:g}" for i in nonpos[:10])
        raise EvidenceError(f"sampling variances must be positive; got {rows}")
    return y, v


def design_matrix(
    k: int,
    mods: np.ndarray | Sequence[Sequence[float]] | Sequence[float] | None = None,
    *,
    intercept: bool = True,
    mod_names: Sequence[str] | None = None,
    slab: Sequence[str] | None = None,
) -> tuple[np.ndarray, list[str], bool]:
    """The k x p design matrix: a column of ones ("intrcpt", if ``intercept``) then the
    moderators (a 1-D array is one moderator). Returns ``(X, names, has_intercept)``.
    Refuses missing moderator values (naming the rows) and designs not of full column rank
    (naming the redundant columns)."""
    cols: list[np.ndarray] = []
    names: list[str] = []
    if mods is not None:
        M = np.asarray(mods, dtype=float)
        if M.ndim == 1:
            M = M.reshape(-1, 1)
        if M.ndim != 2 or M.shape[0] != k:
            raise EvidenceError(
                f"mods must have one row per study (k = {k}); got shape {np.shape(mods)}"
            )
        bad = np.flatnonzero(~np.all(np.isfinite(M), axis=1))
        if bad.size:
            rows = ", ".join(_label(i, slab) for i in bad[:10])
            raise EvidenceError(f"missing or non-finite moderator values in {rows}")
        m_names = list(mod_names) if mod_names is not None else []
        if m_names and len(m_names) != M.shape[1]:
            raise EvidenceError(
                f"mod_names has {len(m_names)} names for {M.shape[1]} moderator columns"
            )
        if not m_names:
            m_names = ["mod"] if M.shape[1] == 1 else [f"mod{j + 1}" for j in range(M.shape[1])]
        cols.extend(M.T)
        names.extend(m_names)
    if intercept:
        cols.insert(0, np.ones(k))
        names.insert(0, "intrcpt")
    if not cols:
        raise EvidenceError("the model has no coefficients (no intercept and no moderators)")
    X = np.column_stack(cols)
    rank = np.linalg.matrix_rank(X)
    if rank < X.shape[1]:
        redundant: list[str] = []
        current = np.empty((k, 0))
        for j, name in enumerate(names):
            trial = np.column_stack([current, X[:, j]])
            if np.linalg.matrix_rank(trial) == trial.shape[1]:
                current = trial
            else:
                redundant.append(name)
        raise EvidenceError(
            f"moderators are not of full rank (rank {rank} < {X.shape[1]} columns): "
            f"{', '.join(redundant)} can be written from the other columns; drop "
            f"{'it' if len(redundant) == 1 else 'them'}"
        )
    return X, names, intercept


def _crit(test: str, level: float, df: float) -> float:
    alpha = 1 - level / 100
    if test == "z":
        return float(stats.norm.ppf(1 - alpha / 2))
    return float(stats.t.ppf(1 - alpha / 2, df)) if df > 0 else float("nan")


def rma(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray | None = None,
    *,
    sei: Sequence[float] | np.ndarray | None = None,
    mods: np.ndarray | Sequence[Sequence[float]] | None = None,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    control: Mapping[str, Any] | None = None,
    tau2: float | None = None,
    intercept: bool = True,
    mod_names: Sequence[str] | None = None,
    slab: Sequence[str] | None = None,
    measure: str | None = None,
    r2: bool = True,
) -> MetaResult:
    """Fit an equal-effects, random-effects or mixed-effects (meta-regression) model.

    ``yi``, ``vi`` (or ``sei``): effect sizes and sampling variances. ``mods``: a k x m array
    (or 1-D for one moderator); an intercept is added unless ``intercept=False``. ``method``:
    "EE"/"FE" (equal effects) or a tau^2 estimator (DL, REML (default), ML, PM, EB, HS, HSk,
    HE, SJ; see :mod:`target87.evidence.tau2`). ``test``: "z" or "knha" (Knapp-Hartung; also
    "t", "adhoc"). ``level``: confidence level in percent. ``tau2``: fix tau^2 at this value.
    ``control``: metafor's settings (``tau2_init``, ``tau2_min``, ``tau2_max``, ``threshold``,
    ``maxiter``, ``stepadj``) plus ``fallback="DL"``: when REML/ML/EB do not converge, use DL
    and record it (otherwise :class:`EvidenceError`). Formulas in the module docstring.
    """
    name = canonical_method(method)
    test = str(test).lower()
    if test not in _TESTS:
        raise EvidenceError(f"unknown test {test!r}; use 'z' or 'knha'")
    if not 0 < float(level) < 100:
        raise EvidenceError(f"level must be a percentage between 0 and 100, got {level}")
    level = float(level)
    y, v = check_inputs(yi, vi, sei, slab)
    k = y.size
    X, names, has_int = design_matrix(k, mods, intercept=intercept, mod_names=mod_names, slab=slab)
    p = X.shape[1]
    con = default_control(control)
    is_ee = name in ("EE", "FE", "CE")
    int_only = p == 1 and has_int
    if p > k:
        raise EvidenceError(f"{p} coefficients cannot be estimated from k = {k} studies")
    if not is_ee and k == 1 and tau2 is None:
        raise EvidenceError(
            "k = 1: tau^2 cannot be estimated from one study; use method='EE' or fix tau2"
        )
    if not is_ee and k - p < 1 and tau2 is None:
        raise EvidenceError(
            f"k = {k} studies and p = {p} coefficients leave no degrees of freedom to "
            "estimate tau^2; use fewer moderators or method='EE'"
        )
    if test != "z" and k - p < 1:
        raise EvidenceError(f"test={test!r} needs k - p >= 1 (k = {k}, p = {p})")
    if tau2 is not None and (not np.isfinite(tau2) or tau2 < 0):
        raise EvidenceError(f"a fixed tau2 must be finite and >= 0, got {tau2}")

    notes: list[str] = []
    fallback: str | None = None
    iterations: int | None = None
    se_tau2: float | None = None
    tau2_fixed = False
    if is_ee:
        t2 = 0.0
        model = "EE" if name != "FE" else "FE"
        if p > 1 or not has_int:
            model = model + "M"
    else:
        model = "RE" if int_only else "ME"
        if tau2 is not None:
            tau2_fixed = True
        est: Tau2Estimate = estimate_tau2(
            y, v, X, name, control=con, tau2_fixed=tau2 if tau2 is not None else None
        )
        if not est.converged:
            msg = (
                f"{name} did not converge: Fisher scoring stopped after {est.iterations} "
                f"iterations (maxiter = {con['maxiter']}, threshold = {con['threshold']:g})"
            )
            fb = con.get("fallback")
            if fb is None:
                raise EvidenceError(
                    msg + "; raise control['maxiter'], give control['stepadj'] < 1, or pass "
                    "control={'fallback': 'DL'} to use the DerSimonian-Laird estimate instead"
                )
            fb_name = canonical_method(fb)
            if fb_name in ("EE", "FE", "CE", name):
                raise EvidenceError(msg + f"; fallback {fb!r} is not a usable tau^2 estimator")
            est = estimate_tau2(y, v, X, fb_name, control={**con, "fallback": None})
            fallback = msg + f"; tau^2 from {fb_name} instead (control fallback)"
            name = fb_name
        t2 = est.tau2
        se_tau2 = est.se_tau2
        iterations = est.iterations

    # ---------------------------------------------------------------- coefficients
    w = 1.0 / (v + t2)
    XtW = X.T * w
    vb = np.linalg.inv(XtW @ X)
    beta = vb @ (XtW @ y)
    fitted = X @ beta
    resid = y - fitted
    df: float | None = None
    if test in ("knha", "adhoc"):
        rss_knha = float(np.sum(w * resid**2))
        s2w = 0.0 if rss_knha <= np.finfo(float).eps else rss_knha / (k - p)
        if test == "adhoc":
            s2w = max(s2w, 1.0)
        if s2w == 0.0:
            notes.append(
                "Knapp-Hartung scale factor is 0 (the model fits every study exactly), "
                "so the standard errors are 0, as in metafor"
            )
        vb = vb * s2w
    if test != "z":
        df = float(k - p)
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = beta / se
    crit = _crit(test, level, df if df is not None else 0.0)
    dist = stats.norm if test == "z" else stats.t(df)
    pval = 2 * dist.sf(np.abs(stat))
    ci_lb = beta - crit * se
    ci_ub = beta + crit * se

    # ---------------------------------------------------------------- omnibus test
    btt = list(range(1, p)) if has_int else list(range(p))
    QM = QM_df = QMp = F = Fp = None
    F_df = None
    if btt and not int_only:
        b = beta[btt]
        try:
            qm = float(b @ np.linalg.solve(vb[np.ix_(btt, btt)], b))
        except np.linalg.LinAlgError:
            qm = float("nan")
        m = len(btt)
        if test == "z":
            QM, QM_df, QMp = qm, m, float(stats.chi2.sf(qm, m))
        else:
            F = qm / m
            F_df = (m, k - p)
            Fp = float(stats.f.sf(F, m, k - p))

    # ---------------------------------------------------------------- heterogeneity
    if k > p:
        P0 = projection_matrix(X, 1.0 / v)
        ymc = y - y.mean()
        QE = max(0.0, float(ymc @ P0 @ ymc))
        QEp = float(stats.chi2.sf(QE, k - p))
        s2 = (k - p) / float(np.trace(P0))
        if is_ee:
            I2 = max(0.0, 100 * (QE - (k - p)) / QE) if QE > 0 else 0.0
            H2 = QE / (k - p)
        else:
            I2 = 100 * t2 / (s2 + t2)
            H2 = t2 / s2 + 1
    else:
        QE, QEp, I2, H2, s2 = 0.0, 1.0, 0.0, 1.0, 0.0

    # ---------------------------------------------------------------- pseudo R^2
    R2: float | None = None
    if r2 and not int_only and has_int:
        if is_ee:
            R2 = _ee_r2(y, v, X)
        else:
            try:
                res0 = rma(y, v, method=name, control=con, r2=False)
                t2_re = res0.tau2
            except EvidenceError:
                t2_re = float("nan")
            if not np.isfinite(t2_re):
                R2 = None
                notes.append("R2: the random-effects model without moderators could not be fit")
            elif t2_re == 0:
                R2 = 0.0
            else:
                R2 = max(0.0, 100 * (t2_re - t2) / t2_re)

    # ---------------------------------------------------------------- prediction interval
    pi_lb = pi_ub = None
    if int_only:
        pcrit = crit
        half = pcrit * np.sqrt(se[0] ** 2 + t2)
        pi_lb, pi_ub = float(beta[0] - half), float(beta[0] + half)

    weights = 100 * w / w.sum()
    result = MetaResult(
        method="EE" if name == "CE" else name,
        test=test,
        level=level,
        k=k,
        p=p,
        beta=beta,
        se=se,
        pval=pval,
        ci_lb=ci_lb,
        ci_ub=ci_ub,
        model=model,
        zval=stat if test == "z" else None,
        tval=stat if test != "z" else None,
        df=df,
        vb=vb,
        tau2=float(t2),
        se_tau2=None if is_ee or tau2_fixed else se_tau2,
        tau=float(np.sqrt(t2)),
        I2=float(I2),
        H2=float(H2),
        QE=float(QE),
        QE_df=k - p,
        QEp=float(QEp),
        pi_lb=pi_lb,
        pi_ub=pi_ub,
        QM=QM,
        QM_df=QM_df,
        QMp=QMp,
        F=F,
        F_df=F_df,
        Fp=Fp,
        R2=R2,
        weights=weights,
        fitted=fitted,
        residuals=resid,
        yi=y,
        vi=v,
        X=X,
        names=names,
        slab=list(slab) if slab is not None else None,
        s2=float(s2),
        iterations=iterations,
        converged=True,
        tau2_fixed=tau2_fixed,
        fallback=fallback,
        measure=measure,
        notes=notes,
    )
    return result


def _ee_r2(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    """metafor's R^2 for an equal-effects meta-regression: the adjusted R^2 (percent, >= 0) of
    the weighted least squares fit with weights 1/v."""
    k, p = X.shape
    if np.allclose(y, y[0]):
        return 0.0
    w = 1.0 / v
    XtW = X.T * w
    beta = np.linalg.solve(XtW @ X, XtW @ y)
    rss = float(np.sum(w * (y - X @ beta) ** 2))
    mu = float(np.sum(w * y) / w.sum())
    tss = float(np.sum(w * (y - mu) ** 2))
    if k - p <= 0 or tss == 0:
        return 0.0
    adj = 1 - (rss / (k - p)) / (tss / (k - 1))
    return max(0.0, 100 * adj)
