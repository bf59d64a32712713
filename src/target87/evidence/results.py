"""The result of a meta-analytic fit: :class:`MetaResult`.

The fields and the names written by :meth:`MetaResult.to_dict` follow R's metafor (Viechtbauer
2010, *J. Stat. Softw.* 36(3); the ``rma.uni`` object and ``print.rma.uni``), with a dot turned
into an underscore (``ci.lb`` -> ``ci_lb``, ``se.tau2`` -> ``se_tau2``, ``QMdf`` -> ``QM_df``).
A value that is not defined (for example ``se_tau2`` under DL's truncation at zero is defined,
but ``pi_lb`` of a meta-regression is not) is written as ``null`` with a note saying why; a
NaN is never emitted silently.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "SIGNIF_CODES",
    "Coefficients",
    "MetaResult",
    "coefficient_lines",
    "format_number",
    "format_pval",
    "pval_clause",
    "signif_stars",
    "to_jsonable",
]

SIGNIF_CODES = "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"

_MODEL_TITLES = {
    "EE": "Equal-Effects Model",
    "FE": "Fixed-Effects Model",
    "RE": "Random-Effects Model",
    "ME": "Mixed-Effects Model",
    "EEM": "Equal-Effects with Moderators Model",
    "FEM": "Fixed-Effects with Moderators Model",
    "MH": "Equal-Effects Model (Mantel-Haenszel)",
    "PETO": "Equal-Effects Model (Peto)",
}


def _stars(p: float) -> str:
    """metafor's significance codes: *** < .001, ** < .01, * < .05, . < .1."""
    if not np.isfinite(p):
        return ""
    if p < 0.001:
        return "***"
    if p < 0.01:
        return "**"
    if p < 0.05:
        return "*"
    if p < 0.1:
        return "."
    return ""


def format_pval(p: float, digits: int = 4) -> str:
    """A p-value as metafor prints it: ``<.0001`` below 10^-digits, else ``digits`` decimals."""
    if p is None or not np.isfinite(p):
        return "NA"
    if p < 10.0**-digits:
        return "<." + "0" * (digits - 1) + "1"
    return f"{p:.{digits}f}"


def _fmt(x: float | None, digits: int = 4) -> str:
    """A number with ``digits`` decimals; "NA" for None or a non-finite value."""
    if x is None or not np.isfinite(x):
        return "NA"
    return f"{x:.{digits}f}"


def _jsonable(value: Any, name: str, notes: dict[str, str]) -> Any:
    """numpy to plain Python; NaN/inf to None with a note naming the field."""
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return [_jsonable(v, f"{name}[{i}]", notes) for i, v in enumerate(value.tolist())]
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, f"{name}[{i}]", notes) for i, v in enumerate(value)]
    if isinstance(value, (np.floating, float)):
        v = float(value)
        if not math.isfinite(v):
            notes.setdefault(name, "not finite (undefined for this model); written as null")
            return None
        return v
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def pval_clause(p: float | None, digits: int = 4) -> str:
    """``p-val = 0.0123`` or ``p-val < .0001``, as metafor's test lines end."""
    pv = format_pval(p if p is not None else float("nan"), digits)
    return f"p-val < {pv[1:]}" if pv.startswith("<") else f"p-val = {pv}"


def coefficient_lines(
    names: list[str], header: list[str], rows: list[list[str]], pvals: Any
) -> list[str]:
    """metafor's table of model results: a header over the columns, then a row a coefficient
    with its name (none when ``names`` are all empty) and significance stars."""
    nw = max(len(n) for n in names)
    widths = [max(len(header[j]), *(len(r[j]) for r in rows)) for j in range(len(header))]
    head = " " * (nw + 1 if nw else 0) + "  ".join(
        h.rjust(w) for h, w in zip(header, widths, strict=True)
    )
    lines = [head]
    for name, row, p in zip(names, rows, pvals, strict=True):
        body = "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True))
        lines.append(f"{name.ljust(nw)}{' ' if nw else ''}{body}  {_stars(float(p))}".rstrip())
    return lines


@dataclass
class Coefficients:
    """What every fitted model shares: the estimator ``method``, ``test``, ``level``, ``k``
    effects, ``p`` coefficients and their ``beta``, ``se``, ``pval``, ``ci_lb``, ``ci_ub``."""

    method: str
    test: str
    level: float
    k: int
    p: int
    beta: np.ndarray
    se: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray

    @property
    def stat(self) -> np.ndarray:
        """The test statistics (``zval`` of a z test, else ``tval``)."""
        zval = getattr(self, "zval", None)
        return np.asarray(zval if zval is not None else getattr(self, "tval", None))

    def coefficient_fields(self) -> dict[str, Any]:
        """``beta``, ``se``, ``tval`` and ``df`` (a t test) or ``zval``, ``pval``, ``ci_lb``,
        ``ci_ub``: the coefficients' part of :meth:`to_dict`, in metafor's order."""
        tval = getattr(self, "tval", None)
        stat = {"tval": tval, "df": getattr(self, "df", None)} if tval is not None else {}
        out: dict[str, Any] = {"beta": self.beta, "se": self.se}
        out.update(stat or {"zval": getattr(self, "zval", None)})
        out.update(pval=self.pval, ci_lb=self.ci_lb, ci_ub=self.ci_ub)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The result with metafor's names (each model says which)."""
        raise NotImplementedError

    def summary(self, digits: int = 4) -> str:
        """The fit printed as metafor prints it (each model says how)."""
        raise NotImplementedError

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON text (never contains NaN)."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    def __str__(self) -> str:
        return self.summary()


@dataclass
class MetaResult(Coefficients):
    """A fitted meta-analytic model (equal-, random- or mixed-effects, MH or Peto).

    Core fields (metafor's ``rma.uni`` names): ``k`` studies, ``p`` coefficients, ``beta``,
    ``se``, ``zval`` (``test="z"``) or ``tval`` with ``df`` (``test="knha"``/``"t"``), ``pval``,
    ``ci_lb``/``ci_ub``; heterogeneity ``tau2`` (``se_tau2``), ``tau``, ``I2`` and ``H2`` (in
    percent and as a ratio, metafor's definitions), ``QE`` with ``QE_df`` and ``QEp``; the
    prediction interval ``pi_lb``/``pi_ub`` (intercept-only models); the omnibus test of the
    moderators ``QM``/``QM_df``/``QMp`` or, under Knapp-Hartung, ``F``/``F_df``/``Fp``; the
    pseudo ``R2`` of a meta-regression (percent); the Q-profile intervals ``tau2_ci``, ``I2_ci``,
    ``H2_ci`` when computed (see :func:`target87.evidence.qprofile.confint_tau2`).
    """

    model: str = "RE"
    zval: np.ndarray | None = None
    tval: np.ndarray | None = None
    df: float | None = None
    vb: np.ndarray | None = None
    tau2: float = 0.0
    se_tau2: float | None = None
    tau: float = 0.0
    I2: float | None = None
    H2: float | None = None
    QE: float | None = None
    QE_df: int | None = None
    QEp: float | None = None
    pi_lb: float | None = None
    pi_ub: float | None = None
    QM: float | None = None
    QM_df: int | None = None
    QMp: float | None = None
    F: float | None = None
    F_df: tuple[int, int] | None = None
    Fp: float | None = None
    R2: float | None = None
    tau2_ci: tuple[float, float] | None = None
    I2_ci: tuple[float, float] | None = None
    H2_ci: tuple[float, float] | None = None
    weights: np.ndarray | None = None
    fitted: np.ndarray | None = None
    residuals: np.ndarray | None = None
    yi: np.ndarray | None = None
    vi: np.ndarray | None = None
    X: np.ndarray | None = None
    names: list[str] = field(default_factory=list)
    slab: list[str] | None = None
    s2: float | None = None
    ll: float | None = None
    iterations: int | None = None
    converged: bool = True
    tau2_fixed: bool = False
    fallback: str | None = None
    measure: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ helpers
    @property
    def has_moderators(self) -> bool:
        """Whether the model has more than an intercept."""
        return self.p > 1 or (self.X is not None and not np.allclose(self.X, 1.0))

    @property
    def is_random(self) -> bool:
        """Whether tau^2 is part of the model (RE/ME), not an equal-effects fit."""
        return self.model in {"RE", "ME"}

    # ------------------------------------------------------------------ output
    def to_dict(self) -> dict[str, Any]:
        """The result with metafor's names; arrays as lists, NaN as ``None`` plus a note.

        Always present: ``method``, ``test``, ``level``, ``model``, ``k``, ``p``, ``names``,
        ``beta``, ``se``, ``zval`` (or ``tval`` and ``df``), ``pval``, ``ci_lb``, ``ci_ub``,
        ``tau2``, ``se_tau2``, ``tau``, ``I2``, ``H2``, ``QE``, ``QE_df``, ``QEp``, ``pi_lb``,
        ``pi_ub``; with moderators also ``QM``, ``QM_df``, ``QMp`` (z test) or ``F``,
        ``F_df``, ``Fp`` (Knapp-Hartung) and ``R2``; ``tau2_ci``, ``I2_ci``, ``H2_ci`` when
        computed; ``notes`` (list of strings) always.
        """
        nulls: dict[str, str] = {}
        d: dict[str, Any] = {
            "model": self.model,
            "method": self.method,
            "test": self.test,
            "level": self.level,
            "measure": self.measure,
            "k": int(self.k),
            "p": int(self.p),
            "names": list(self.names),
            **self.coefficient_fields(),
        }
        d.update(
            tau2=self.tau2,
            se_tau2=self.se_tau2,
            tau=self.tau,
            I2=self.I2,
            H2=self.H2,
            QE=self.QE,
            QE_df=self.QE_df,
            QEp=self.QEp,
            pi_lb=self.pi_lb,
            pi_ub=self.pi_ub,
        )
        if self.F is not None:
            d.update(F=self.F, F_df=list(self.F_df or ()), Fp=self.Fp, R2=self.R2)
        elif self.QM is not None:
            d.update(QM=self.QM, QM_df=self.QM_df, QMp=self.QMp, R2=self.R2)
        if self.tau2_ci is not None:
            d.update(tau2_ci=self.tau2_ci, I2_ci=self.I2_ci, H2_ci=self.H2_ci)
        if self.fallback is not None:
            d["fallback"] = self.fallback
        out = {key: _jsonable(val, key, nulls) for key, val in d.items()}
        notes = list(self.notes)
        if out.get("se_tau2") is None and "se_tau2" not in nulls and self.is_random:
            notes.append("se_tau2: not available for this estimator or tau^2 was fixed")
        if out.get("pi_lb") is None and "pi_lb" not in nulls:
            notes.append("pi_lb/pi_ub: prediction interval given for intercept-only models only")
        notes.extend(f"{key}: {msg}" for key, msg in nulls.items())
        out["notes"] = notes
        return out

    def summary(self, digits: int = 4) -> str:
        """The fit printed as metafor's ``print.rma.uni`` (model line, heterogeneity, tests,
        coefficient table with estimate, se, zval/tval, pval, ci.lb, ci.ub)."""
        lines: list[str] = []
        title = _MODEL_TITLES.get(self.model, self.model)
        if self.is_random:
            lines.append(f"{title} (k = {self.k}; tau^2 estimator: {self.method})")
        else:
            lines.append(f"{title} (k = {self.k})")
        lines.append("")
        resid = self.p > 1
        if self.is_random:
            what = "residual" if resid else "total"
            unacc = "unaccounted variability" if resid else "total variability"
            se_txt = (
                f" (SE = {_fmt(self.se_tau2, digits)})"
                if self.se_tau2 is not None and np.isfinite(self.se_tau2)
                else ""
            )
            rows = [
                (f"tau^2 (estimated amount of {what} heterogeneity):", _fmt(self.tau2) + se_txt),
                ("tau (square root of estimated tau^2 value):", _fmt(self.tau, digits)),
            ]
            if self.I2 is not None:
                rows.append((f"I^2 ({what} heterogeneity / {unacc}):", f"{self.I2:.2f}%"))
            if self.H2 is not None:
                hw = "unaccounted" if resid else "total"
                rows.append((f"H^2 ({hw} variability / sampling variability):", f"{self.H2:.2f}"))
            if self.R2 is not None:
                rows.append(("R^2 (amount of heterogeneity accounted for):", f"{self.R2:.2f}%"))
            width = max(len(r[0]) for r in rows)
            lines += [f"{a:<{width}} {b}" for a, b in rows]
            lines.append("")
        elif self.I2 is not None and not resid:
            rows = [("I^2 (total heterogeneity / total variability):", f"{self.I2:.2f}%")]
            if self.H2 is not None:
                rows.append(("H^2 (total variability / sampling variability):", f"{self.H2:.2f}"))
            width = max(len(r[0]) for r in rows)
            lines += [f"{a:<{width}} {b}" for a, b in rows]
            lines.append("")
        if self.QE is not None:
            lines.append("Test for Residual Heterogeneity:" if resid else "Test for Heterogeneity:")
            qname = "QE" if resid else "Q"
            clause = pval_clause(self.QEp, digits)
            lines.append(f"{qname}(df = {self.QE_df}) = {_fmt(self.QE, digits)}, {clause}")
            lines.append("")
        if self.tau2_ci is not None:
            lines.append(
                f"tau^2 {self.level:g}% CI (Q-profile): [{_fmt(self.tau2_ci[0])}, "
                f"{_fmt(self.tau2_ci[1])}]"
            )
            lines.append("")
        if resid and (self.QM is not None or self.F is not None):
            coefs = ",".join(str(i) for i in range(2, self.p + 1))
            lines.append(f"Test of Moderators (coefficient{'s' if self.p > 2 else ''} {coefs}):")
            if self.F is not None and self.F_df is not None:
                lines.append(
                    f"F(df1 = {self.F_df[0]}, df2 = {self.F_df[1]}) = {_fmt(self.F, digits)}, "
                    + pval_clause(self.Fp, digits)
                )
            else:
                clause = pval_clause(self.QMp, digits)
                lines.append(f"QM(df = {self.QM_df}) = {_fmt(self.QM, digits)}, {clause}")
            lines.append("")
        lines.append("Model Results:")
        lines.append("")
        use_t = self.tval is not None
        header = ["estimate", "se", "tval" if use_t else "zval"]
        if use_t:
            header.append("df")
        header += ["pval", "ci.lb", "ci.ub"]
        table = []
        stat = self.stat
        for i in range(self.p):
            row = [_fmt(self.beta[i]), _fmt(self.se[i]), _fmt(stat[i])]
            if use_t:
                row.append(f"{self.df:g}" if self.df is not None else "NA")
            row += [format_pval(float(self.pval[i])), _fmt(self.ci_lb[i]), _fmt(self.ci_ub[i])]
            table.append(row)
        names = list(self.names) if resid else [""]
        if len(names) < self.p:
            names = [f"b{i}" for i in range(self.p)]
        lines += coefficient_lines(names, header, table, self.pval)
        lines.append("")
        if self.pi_lb is not None and self.is_random:
            lines.append(
                f"Prediction interval ({self.level:g}%): [{_fmt(self.pi_lb)}, {_fmt(self.pi_ub)}]"
            )
            lines.append("")
        if self.fallback:
            lines.append(f"Note: {self.fallback}")
        for note in self.notes:
            lines.append(f"Note: {note}")
        lines += ["---", SIGNIF_CODES]
        return "\n".join(lines)


# Public names for the formatting helpers, for the other modules of the room (multilevel,
# robust, ...): a module may not take another module's private names (tests/test_architecture).
signif_stars = _stars
format_number = _fmt
to_jsonable = _jsonable
