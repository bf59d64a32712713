"""Benchmarking territory risks to direct survey totals, and the three estimators side by side.

:func:`benchmark` ratio-adjusts territory risks so that their child-weighted mean equals the
direct survey estimate, nationally or within each group (e.g. region), as povmap's ex-post
benchmarking: ``r_d * R_g / (sum_g N_d r_d / sum_g N_d)``. A rate cannot pass 1 (``cap``):
territories that would are set to the cap and the others of their group scaled again until
the group mean holds. :func:`compare_estimators` lays out the synthetic (CLRISK), small-area
(Fay-Herriot) and direct estimates per territory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from target87.risk.errors import RiskError
from target87.risk.small_area import FayHerriotResult

NATIONAL = "national"


class BenchmarkError(RiskError):
    """Benchmarking is impossible as asked; the message names the territory or group."""


@dataclass(frozen=True)
class BenchmarkResult:
    """Benchmarked risks (``table``: group, children, risk, benchmarked, factor) per territory."""

    table: pd.DataFrame
    targets: pd.Series  # direct rate per group
    capped: int  # territories held at the cap

    @property
    def benchmarked(self) -> pd.Series:
        return self.table["benchmarked"]

    def group_means(self) -> pd.DataFrame:
        """Child-weighted means before and after, against the target, per group."""
        t = self.table.assign(
            before=self.table["risk"] * self.table["children"],
            after=self.table["benchmarked"] * self.table["children"],
        )
        sums = t.groupby("group")[["children", "before", "after"]].sum()
        return pd.DataFrame(
            {
                "target": self.targets,
                "mean_before": sums["before"] / sums["children"],
                "mean_after": sums["after"] / sums["children"],
            }
        )

    def summary(self) -> str:
        means = self.group_means()
        lines = [
            "Benchmarking to direct survey rates (child-weighted means)",
            f"{'group':<20}{'target':>10}{'before':>10}{'after':>10}",
        ]
        lines += [
            f"{str(g):<20}{r.target:>10.4f}{r.mean_before:>10.4f}{r.mean_after:>10.4f}"
            for g, r in means.iterrows()
        ]
        lines.append(f"{self.capped} territory(ies) held at the cap")
        return "\n".join(lines)


def _ratio_with_cap(
    risk: np.ndarray, children: np.ndarray, target: float, cap: float
) -> tuple[np.ndarray, int]:
    """Scale ``risk`` so that sum(children * out) / sum(children) = target, out <= cap."""
    total = target * children.sum()
    fixed = np.zeros(len(risk), dtype=bool)
    out = risk.astype(float).copy()
    for _ in range(len(risk) + 1):
        free_mass = (children * risk)[~fixed].sum()
        remaining = total - cap * children[fixed].sum()
        if free_mass <= 0:
            break
        out = np.where(fixed, cap, risk * remaining / free_mass)
        over = ~fixed & (out > cap)
        if not over.any():
            return out, int(fixed.sum())
        fixed |= over
    raise BenchmarkError(
        f"cannot reach {target:.6g} with rates capped at {cap} "
        f"(positive risks: {int((risk > 0).sum())})"
    )


def benchmark(
    risk: pd.Series,
    children: pd.Series,
    direct_total_rate: float | Mapping | pd.Series,
    groups: pd.Series | None = None,
    cap: float = 1.0,
) -> BenchmarkResult:
    """Ratio-adjust territory ``risk`` so its ``children``-weighted mean equals the direct rate.

    ``risk``, ``children`` (and ``groups``) are Series on the same territory index. Without
    ``groups`` the target is one national rate; with them ``direct_total_rate`` maps each group
    to its direct rate (a float is then used for every group).
    """
    if not risk.index.equals(children.index) or (
        groups is not None and not risk.index.equals(groups.index)
    ):
        raise BenchmarkError("risk, children and groups must share the same territory index")
    r, n = risk.to_numpy(dtype=float), children.to_numpy(dtype=float)
    bad = risk.index[~(np.isfinite(r) & (r >= 0) & (r <= cap))]
    if len(bad):
        raise BenchmarkError(f"risk must lie in [0, {cap}]: territories {list(bad[:5])} do not")
    bad = risk.index[~(np.isfinite(n) & (n >= 0))]
    if len(bad):
        raise BenchmarkError(f"children must be >= 0: territories {list(bad[:5])} are not")
    group = pd.Series(NATIONAL, index=risk.index) if groups is None else groups
    if isinstance(direct_total_rate, Mapping | pd.Series):
        targets = pd.Series(dict(direct_total_rate), dtype=float)
    else:
        targets = pd.Series(float(direct_total_rate), index=pd.unique(group), dtype=float)
    missing = set(pd.unique(group)) - set(targets.index)
    if missing:
        raise BenchmarkError(f"no direct rate for group(s) {sorted(map(str, missing))[:5]}")
    out = pd.Series(np.nan, index=risk.index)
    capped = 0
    for g, members in group.groupby(group).groups.items():
        target = targets[g]
        if not 0 <= target <= cap:
            raise BenchmarkError(f"direct rate of group {g!r} is {target}, outside [0, {cap}]")
        values, n_capped = _ratio_with_cap(
            risk[members].to_numpy(float), children[members].to_numpy(float), target, cap
        )
        out[members] = values
        capped += n_capped
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(risk > 0, out / risk, np.nan)
    table = pd.DataFrame(
        {"group": group, "children": children, "risk": risk, "benchmarked": out, "factor": factor}
    )
    return BenchmarkResult(table, targets.loc[pd.unique(group)], capped)


def compare_estimators(
    synthetic: pd.Series,
    small_area: FayHerriotResult,
    direct: pd.DataFrame,
    benchmarked: pd.Series | None = None,
    truth: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per territory of ``synthetic``: direct, synthetic and small-area side by side.

    ``direct`` is the table of :func:`~target87.risk.direct.direct_estimates` (territories
    without sample get NaN and ``n = 0``); ``small_area`` a fit on the same territories.
    Optional columns: the benchmarked risk and, for synthetic data, the true rate.
    """
    index = synthetic.index
    missing = index.difference(small_area.table.index)
    if len(missing):
        raise BenchmarkError(f"small-area fit lacks territories {list(missing[:5])}")
    d = direct.reindex(index)
    fh = small_area.table.reindex(index)
    table = pd.DataFrame(
        {
            "n_sample": d["n"].fillna(0).astype(int),
            "direct": d["estimate"],
            "direct_se": d["se"],
            "direct_cv": d["cv"],
            "synthetic": synthetic,
            "small_area": fh["estimate"],
            "small_area_se": fh["se"],
            "small_area_cv": fh["cv"],
            "shrinkage": fh["gamma"],
        },
        index=index,
    )
    if benchmarked is not None:
        table["benchmarked"] = benchmarked.reindex(index)
    if truth is not None:
        table["true_rate"] = truth.reindex(index)
    return table
