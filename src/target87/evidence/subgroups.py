"""Subgroup analysis, two ways (metafor's "subgroup analysis" tips / Viechtbauer 2010 sec. 3.3):
:func:`subgroups`.

1. **Separate fits**: one :func:`~target87.evidence.rma` model per group, each with its own
   tau^2. The groups are compared with the Wald-type test of an equal-effects model fitted to
   the subgroup estimates ``b_g`` with their standard errors:
   ``Q_between = sum w_g (b_g - b_bar)^2``, ``w_g = 1/SE_g^2``, chi^2 with G - 1 df
   (metafor: ``rma(estimate, sei=stderror, mods=~group, method="FE")``).
2. **One model with a common tau^2**: a meta-regression on the group factor (intercept plus
   G - 1 dummy columns, the first group as reference); the test of the moderators (QM with
   G - 1 df, or F under Knapp-Hartung) tests the difference between the groups. The same
   model without the intercept (``~ 0 + group``) gives the per-group estimates under the
   common tau^2. The sum of the subgroup QEs equals QE of the moderator model.

A subgroup with one study has no tau^2; it is refused unless ``allow_single_ee=True``, in which
case that group is fitted as an equal-effects model (its estimate is the study's own effect)
and a note says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from .errors import EvidenceError
from .results import MetaResult
from .rma import check_inputs, rma

__all__ = ["SubgroupResult", "subgroups"]


@dataclass
class SubgroupResult:
    """Subgroup analysis: ``separate`` fits per group (label -> MetaResult), ``Q_between`` with
    ``Q_between_df``/``Q_between_p`` (from the separate fits), the ``common`` moderator model
    (test of difference in ``common.QM``/``QMp`` or ``common.F``/``Fp``), ``common_by_group``
    (no-intercept model: per-group estimates under a common tau^2)."""

    groups: list[str]
    separate: dict[str, MetaResult]
    Q_between: float
    Q_between_df: int
    Q_between_p: float
    common: MetaResult
    common_by_group: MetaResult
    notes: list[str] = field(default_factory=list)

    @property
    def test_of_difference(self) -> dict[str, Any]:
        """The common-tau^2 test of group differences: statistic, df and p-value."""
        c = self.common
        if c.F is not None:
            return {"stat": "F", "value": c.F, "df": c.F_df, "pval": c.Fp}
        return {"stat": "QM", "value": c.QM, "df": c.QM_df, "pval": c.QMp}

    def to_dict(self) -> dict[str, Any]:
        """Plain dict: each separate fit, Q_between, and the common-tau^2 models."""
        return {
            "groups": list(self.groups),
            "separate": {g: r.to_dict() for g, r in self.separate.items()},
            "Q_between": self.Q_between,
            "Q_between_df": self.Q_between_df,
            "Q_between_p": self.Q_between_p,
            "common": self.common.to_dict(),
            "common_by_group": self.common_by_group.to_dict(),
            "test_of_difference": self.test_of_difference,
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        """A table of the separate fits and both tests of difference."""
        lines = ["Subgroup analysis", ""]
        width = max(len(g) for g in self.groups)
        lines.append(f"{'group':<{width}}   k  estimate      se    ci.lb    ci.ub    tau2     I2")
        for g in self.groups:
            r = self.separate[g]
            lines.append(
                f"{g:<{width}} {r.k:>3} {r.beta[0]:>9.4f} {r.se[0]:>7.4f} {r.ci_lb[0]:>8.4f} "
                f"{r.ci_ub[0]:>8.4f} {r.tau2:>7.4f} {r.I2 or 0:>6.2f}%"
            )
        lines.append("")
        lines.append(
            f"Separate fits, Q_between(df = {self.Q_between_df}) = {self.Q_between:.4f}, "
            f"p-val = {self.Q_between_p:.4f}"
        )
        t = self.test_of_difference
        df = t["df"] if not isinstance(t["df"], tuple) else f"{t['df'][0]}, {t['df'][1]}"
        lines.append(
            f"Common tau^2 ({self.common.method}), {t['stat']}(df = {df}) = {t['value']:.4f}, "
            f"p-val = {t['pval']:.4f}"
        )
        for n in self.notes:
            lines.append(f"Note: {n}")
        return "\n".join(lines)


def subgroups(
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    groups: Sequence[Any],
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    control: Mapping[str, Any] | None = None,
    allow_single_ee: bool = False,
    slab: Sequence[str] | None = None,
) -> SubgroupResult:
    """Subgroup analysis of ``yi``/``vi`` by ``groups`` (one label per study), as separate fits
    and as one model with a common tau^2; see the module docstring for the formulas."""
    y, v = check_inputs(yi, vi, None, slab)
    labels = [str(g) for g in groups]
    if len(labels) != y.size:
        raise EvidenceError(f"groups has {len(labels)} labels for k = {y.size} studies")
    missing = [
        i for i, g in enumerate(groups) if g is None or (isinstance(g, float) and np.isnan(g))
    ]
    if missing:
        raise EvidenceError(f"missing group label in rows {', '.join(map(str, missing[:10]))}")
    levels = list(dict.fromkeys(labels))
    if len(levels) < 2:
        raise EvidenceError("subgroup analysis needs at least two groups")
    lab = np.array(labels)
    notes: list[str] = []
    separate: dict[str, MetaResult] = {}
    for g in levels:
        idx = np.flatnonzero(lab == g)
        sl = [slab[i] for i in idx] if slab is not None else None
        if idx.size == 1:
            if not allow_single_ee:
                who = f"study {slab[idx[0]]!r}" if slab is not None else f"row {idx[0]}"
                raise EvidenceError(
                    f"subgroup {g!r} has a single study ({who}); tau^2 cannot be estimated. "
                    "Merge it with another group, drop it, or pass allow_single_ee=True to fit "
                    "it as an equal-effects model"
                )
            separate[g] = rma(y[idx], v[idx], method="EE", level=level, slab=sl)
            notes.append(f"subgroup {g!r} has one study: fitted as an equal-effects model")
        else:
            separate[g] = rma(
                y[idx], v[idx], method=method, test=test, level=level, control=control, slab=sl
            )
    est = np.array([separate[g].beta[0] for g in levels])
    se = np.array([separate[g].se[0] for g in levels])
    w = 1 / se**2
    qb = float(np.sum(w * (est - np.sum(w * est) / w.sum()) ** 2))
    qb_df = len(levels) - 1
    qb_p = float(stats.chi2.sf(qb, qb_df))
    dummies = np.column_stack([(lab == g).astype(float) for g in levels])
    names = [f"group{g}" for g in levels]
    common = rma(
        y,
        v,
        mods=dummies[:, 1:],
        mod_names=names[1:],
        method=method,
        test=test,
        level=level,
        control=control,
        slab=slab,
    )
    by_group = rma(
        y,
        v,
        mods=dummies,
        mod_names=names,
        intercept=False,
        method=method,
        test=test,
        level=level,
        control=control,
        slab=slab,
        r2=False,
    )
    return SubgroupResult(levels, separate, qb, qb_df, qb_p, common, by_group, notes)
