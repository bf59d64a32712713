"""Regional and income-group figures from country data, with their coverage.

The group value is the weighted mean of each member's latest value inside a window of years.
Weights are the child population where the caller knows it; otherwise every country counts
the same, and the result says so. One series, one age band: different definitions
(SL_TLF_CHLDEC and SL_TLF_CHLDEA, or 5-14 and 5-17) are never averaged together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

EQUAL_WEIGHTS = "equal weights: no child population in the warehouse for these countries"


@dataclass(frozen=True)
class GroupFigure:
    group: str
    series: str
    value: float | None
    countries_with_data: int
    countries_in_group: int
    coverage_children: float | None  # share of the group's children, where populations known
    weight: str
    years: tuple[int, int] | None  # earliest and latest year of the values used
    sources: tuple[str, ...]
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def coverage_countries(self) -> float:
        return self.countries_with_data / self.countries_in_group if self.countries_in_group else 0

    def summary(self) -> str:
        if self.value is None:
            return f"{self.group} {self.series}: no member has data in the window."
        lines = [
            f"{self.group} {self.series}: {self.value:.1f} "
            f"({self.countries_with_data} of {self.countries_in_group} countries, "
            f"{self.coverage_countries:.0%}; data {self.years[0]}-{self.years[1]})",
            f"  weight: {self.weight}",
        ]
        if self.coverage_children is not None:
            lines.append(f"  children covered: {self.coverage_children:.0%}")
        lines += [f"  left out: {n} {why}" for why, n in self.left_out.items()]
        return "\n".join(lines)


def latest_in_window(
    frame: pd.DataFrame, start: int | None = 2013, end: int | None = None
) -> pd.DataFrame:
    """Each area's latest value whose period lies inside [start, end] (preferred rows only).

    ``frame`` is a typed observation table of one series, sex and age. A window such as
    2013/2021 (a source that gives no year) counts when it lies inside; an unknown period
    never does. ``None`` leaves that side of the window open.
    """
    # Boolean masks through .loc: an empty object-typed mask given to ``frame[...]`` would
    # select columns instead of rows and lose them all.
    year_from = pd.to_numeric(frame["year_from"], errors="coerce")
    year_to = pd.to_numeric(frame["year_to"], errors="coerce")
    keep = year_from.notna()
    if start is not None:
        keep &= year_from >= start
    if end is not None:
        keep &= year_to <= end
    if "preferred" in frame.columns:
        keep &= frame["preferred"].astype(bool)
    rows = frame.loc[keep.astype(bool)]
    rows = rows.sort_values(["ref_area", "year_to", "year_from"])
    return rows.groupby("ref_area", sort=True).tail(1).set_index("ref_area")


def group_figure(
    group: str,
    series: str,
    latest: pd.DataFrame,
    members: Sequence[str],
    child_population: Mapping[str, float] | None = None,
    left_out: Mapping[str, int] | None = None,
) -> GroupFigure:
    """Weighted mean of the members' latest values; coverage by countries and by children."""
    have = latest[latest.index.isin(members)]
    pops = dict(child_population or {})
    weighted = bool(pops) and all(a in pops for a in have.index)
    if weighted:
        weights = pd.Series({a: pops[a] for a in have.index}, dtype=float)
        known = sum(pops.get(a, 0.0) for a in members)
        covered = float(weights.sum() / known) if known else None
        weight = "child population (5-17)"
    else:
        weights = pd.Series(1.0, index=have.index)
        covered = None
        weight = EQUAL_WEIGHTS
    if have.empty:
        value, years = None, None
    else:
        value = float((have["value"] * weights).sum() / weights.sum())
        years = (int(have["year_to"].min()), int(have["year_to"].max()))
    return GroupFigure(
        group=group,
        series=series,
        value=value,
        countries_with_data=len(have),
        countries_in_group=len(members),
        coverage_children=covered,
        weight=weight,
        years=years,
        sources=tuple(sorted(set(have["source"]))) if not have.empty else (),
        left_out=dict(left_out or {}),
    )
