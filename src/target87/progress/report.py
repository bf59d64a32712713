"""One question, one answer: how is a series moving for an area, and how far from its target?

``progress_report`` reads the preferred values from the warehouse and runs the pure math of
``rates``, ``projection`` and ``status``; each part that cannot be computed (one point, a
rising series...) is left out with a note instead of failing the whole report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from target87.progress.data import Points, all_points, series_points
from target87.progress.projection import (
    AccelerationResult,
    Projection,
    acceleration_scenarios,
    count_threshold,
    project,
    required_acceleration,
)
from target87.progress.rates import WORLD_PERIODS, ProgressError, period_rates
from target87.progress.status import BASE_YEAR, StatusResult, progress_status
from target87.store import models as M


@dataclass
class ProgressReport:
    points: Points
    series_name: str
    target_value: float | None
    target_year: int | None
    rates: pd.DataFrame
    projections: dict[str, Projection] = field(default_factory=dict)
    acceleration: AccelerationResult | None = None
    status: StatusResult | None = None
    notes: list[str] = field(default_factory=list)
    citations: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "count" if self.points.unit == "NUMBER" else "rate"

    def summary(self) -> str:
        p = self.points
        lines = [f"{self.series_name} — {p.area}, sex {p.sex}, age {p.age}"]
        lines += [f"  observed: {', '.join(f'{y} {v:g}' for y, v in p.values.items())}"]
        if self.status:
            lines += ["  " + line for line in self.status.summary().splitlines()]
        for proj in self.projections.values():
            lines += ["  " + line for line in proj.summary().splitlines()]
        if self.acceleration:
            lines += ["  " + line for line in self.acceleration.summary().splitlines()]
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  [{s}] {c}" for s, c in self.citations.items()]
        return "\n".join(lines)


def progress_report(
    session: Session,
    series: str,
    area: str,
    sex: str = "_T",
    age: str | None = None,
    target_year: int | None = None,
    threshold: float | None = None,
    base_year: int = BASE_YEAR,
    horizon: tuple[int, ...] = (2025, 2030),
) -> ProgressReport:
    """Rates, projections, required acceleration and UN status for one series and area."""
    points = series_points(session, series, area, sex, age)
    info = session.get(M.Series, series)
    target_year = target_year or info.target_year
    has_target = info.direction == "lower_is_better" and info.target_value is not None
    kind = "count" if points.unit == "NUMBER" else "rate"
    values = points.values
    periods = list(WORLD_PERIODS) if points.area == "WLD" else []
    whole = (int(values.index.min()), int(values.index.max()))
    periods = [whole] + [p for p in periods if p != whole]
    report = ProgressReport(
        points=points,
        series_name=info.name_en,
        target_value=info.target_value if has_target else None,
        target_year=target_year if has_target else None,
        rates=period_rates(values, periods, kind=kind) if len(values) > 1 else pd.DataFrame(),
        notes=list(points.notes),
    )
    if len(values) < 2:
        report.notes.append("one data point: no rate, projection or status can be computed")
    else:
        for method in ("log-linear", "linear"):
            report.projections[method] = _try(
                report,
                lambda m=method: project(values, horizon, method=m, kind=kind, threshold=threshold),
            )
        report.projections = {k: v for k, v in report.projections.items() if v is not None}
        if has_target:
            report.acceleration = _try(
                report,
                lambda: required_acceleration(values, target_year, kind=kind, threshold=threshold),
            )
            report.status = _try(
                report,
                lambda: progress_status(
                    values, info.target_value, target_year, base_year=base_year
                ),
            )
        else:
            report.notes.append(
                f"{series} has no target (detected victims measure detection as much as "
                "trafficking): no status or required acceleration"
            )
    for source in dict.fromkeys(points.sources.values()):
        src = session.get(M.Source, source)
        report.citations[source] = src.citation if src else source
    return report


def _try(report: ProgressReport, compute):
    try:
        return compute()
    except ProgressError as exc:
        report.notes.append(str(exc))
        return None


# ILO-UNICEF (2025): "to end child labour within five years, progress would need to be 11
# times faster than current trends". Its method is not published: the figure is only ever
# compared with what the data give under each formulation, never shown as a result.
PUBLISHED_CLAIM = 11.0


def acceleration_check(
    session: Session,
    area: str = "WLD",
    horizon: int = 5,
    claim: float = PUBLISHED_CLAIM,
    tolerance: float = 0.10,
) -> pd.DataFrame:
    """Every formulation of "N times faster" on the bundled world series, against the claim.

    Rows for the percentage series (threshold 0.5 %), and for the counts with two thresholds:
    the count at which prevalence would be 0.5 %, and 0.5 % of the first value. The column
    ``near_claim`` marks factors within ``tolerance`` of ``claim``.
    """
    pct = series_points(session, "GE_CHLD_LAB_PT", area).values
    num = series_points(session, "GE_CHLD_LAB", area).values
    same_year = int(min(pct.index.max(), num.index.max()))
    at_half_percent = count_threshold(float(num[same_year]), float(pct[same_year]))
    frames = [
        acceleration_scenarios(pct, horizon_years=horizon, kind="rate").assign(
            series="GE_CHLD_LAB_PT", threshold_basis="0.5 % of children"
        ),
        acceleration_scenarios(
            num, horizon_years=horizon, kind="count", threshold=at_half_percent
        ).assign(series="GE_CHLD_LAB", threshold_basis="the count at 0.5 % prevalence"),
        acceleration_scenarios(num, horizon_years=horizon, kind="count").assign(
            series="GE_CHLD_LAB", threshold_basis="0.5 % of the first value"
        ),
    ]
    out = pd.concat(frames, ignore_index=True)
    out["near_claim"] = (out["acceleration_factor"] - claim).abs() <= tolerance * claim
    return out


def status_all(session: Session, series: list[str] | None = None) -> pd.DataFrame:
    """UN progress status of every country, series and sex: one tidy row each.

    Only series with a target (not detected victims); each against its own target and year.
    """
    return status_of_points(session, all_points(session, series))


def projections_all(
    session: Session, series: list[str] | None = None, years: tuple[int, ...] = (2025, 2030)
) -> pd.DataFrame:
    """Log-linear and linear projections of every country, series and sex, one row per year."""
    return projections_of_points(all_points(session, series), years)


def progress_all(
    session: Session, series: list[str] | None = None, years: tuple[int, ...] = (2025, 2030)
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``status_all`` and ``projections_all`` from one read of the warehouse: what a page of
    every country needs (the many-series path of issue 22; each figure equals the
    one-series functions', tested)."""
    cells = _Cells(all_points(session, series))
    return _status(session, cells), _projections(cells, years)


BY = ["series", "area", "sex", "age"]


class _Cells:
    """An :func:`all_points` frame with each row's cell (series, area, sex, age) numbered
    once, in sorted order: the many-series functions then group one integer column instead
    of four text ones, three times over."""

    def __init__(self, points: pd.DataFrame) -> None:
        grouped = points.groupby(BY, sort=True, dropna=False)
        self.points = points.assign(cell=grouped.ngroup().to_numpy())
        self.keys = grouped.size().reset_index()[BY]

    def with_keys(self, out: pd.DataFrame) -> pd.DataFrame:
        """``out`` (first column ``cell``) with the cell's four columns in its place."""
        front = self.keys.iloc[out["cell"].to_numpy()].reset_index(drop=True)
        out = out.drop(columns="cell")
        for at, name in enumerate(BY):
            out.insert(at, name, front[name].array)
        return out


def status_of_points(session: Session, points: pd.DataFrame) -> pd.DataFrame:
    """:func:`status_many` of an :func:`all_points` frame: every series with a target (lower
    is better), each against its own target and year, in one call."""
    return _status(session, _Cells(points))


def projections_of_points(
    points: pd.DataFrame, years: tuple[int, ...] = (2025, 2030)
) -> pd.DataFrame:
    """Log-linear and linear :func:`project_many` of an :func:`all_points` frame."""
    return _projections(_Cells(points), years)


def _status(session: Session, cells: _Cells) -> pd.DataFrame:
    from target87.progress.status import TARGET_YEAR, status_many

    points = cells.points
    codes, names = pd.factorize(points["series"])
    wanted = {
        info.code: (info.target_value, info.target_year or TARGET_YEAR)
        for info in session.query(M.Series).filter(M.Series.code.in_(list(names)))
        if info.direction == "lower_is_better" and info.target_value is not None
    }
    target = np.array([wanted.get(n, (np.nan, np.nan))[0] for n in names], dtype=float)[codes]
    year = np.array([wanted.get(n, (np.nan, np.nan))[1] for n in names], dtype=float)[codes]
    keep = ~np.isnan(target)
    if not keep.any():
        return pd.DataFrame()
    part = points.loc[keep, ["cell", "year", "value"]].assign(
        target=target[keep], target_year=year[keep]
    )
    return cells.with_keys(status_many(part, ["cell"], "target", "target_year"))


def _projections(cells: _Cells, years: tuple[int, ...]) -> pd.DataFrame:
    from target87.progress.projection import project_many

    frames = [
        cells.with_keys(project_many(cells.points, ["cell"], years, method=m)).assign(method=m)
        for m in ("log-linear", "linear")
    ]
    return pd.concat(frames, ignore_index=True)
