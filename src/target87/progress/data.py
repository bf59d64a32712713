"""From the warehouse to the plain series the progress math works on."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87 import store
from target87.progress.aggregate import GroupFigure, group_figure, latest_in_window
from target87.store import models as M
from target87.store.preference import preferred_flags_arrow


class NoData(ValueError):
    """The warehouse holds nothing usable for the question asked."""


@dataclass
class Points:
    """One value per year for a series, area, sex and age, with where each came from."""

    series: str
    area: str
    sex: str
    age: str
    unit: str
    unit_mult: int
    values: pd.Series  # index: year (int), values: float, sorted
    sources: dict[int, str]  # year -> source id
    notes: list[str] = field(default_factory=list)


def series_points(
    session: Session, series: str, area: str, sex: str = "_T", age: str | None = None
) -> Points:
    """The preferred value of each single year; windows and unknown years are left out, said."""
    info = session.get(M.Series, series)
    if info is None:
        raise NoData(f"unknown series {series!r}")
    code = store.resolve_area(session, area).code
    frame = store.observations(session, series=[series], areas=[code], sex=[sex], all_sources=True)
    frame = frame[(frame["urbanisation"] == "_T") & (frame["breakdown"] == "_T")]
    if frame.empty:
        raise NoData(f"no {series} data for {code} (sex {sex})")
    notes: list[str] = []
    if age is None:
        ages = frame["age"].value_counts()
        age = "Y5T17" if "Y5T17" in ages.index else ("_T" if "_T" in ages.index else ages.index[0])
        if len(ages) > 1:
            others = ", ".join(a for a in ages.index if a != age)
            notes.append(f"age band {age} used; other bands not mixed in: {others}")
    frame = frame[frame["age"] == age]
    dated = frame[frame["time_period"].str.fullmatch(r"\d{4}")]
    undated = frame[~frame.index.isin(dated.index)]
    if not undated.empty:
        notes.append(
            f"{len(undated)} value(s) without a single year left out "
            f"({', '.join(sorted(set(undated['time_period'])))})"
        )
    preferred = dated[dated["preferred"]]
    dropped = dated[~dated["preferred"]]
    if not dropped.empty:
        notes.append(
            f"{len(dropped)} value(s) of other sources for the same years not used "
            f"(preferred source kept: {', '.join(sorted(set(preferred['source'])))})"
        )
    if preferred.empty:
        raise NoData(f"no dated {series} value for {code} (sex {sex}, age {age})")
    preferred = preferred.sort_values("year_to")
    years = preferred["year_to"].astype(int)
    if years.duplicated().any():
        raise NoData(f"two preferred values for the same year in {series} {code}: data error")
    return Points(
        series=series,
        area=code,
        sex=sex,
        age=age,
        unit=str(preferred["unit"].iloc[0]),
        unit_mult=int(preferred["unit_mult"].iloc[0]),
        values=pd.Series(preferred["value"].to_numpy(float), index=years.to_numpy()),
        sources=dict(zip(years, preferred["source"], strict=True)),
        notes=notes,
    )


def group_aggregate(
    session: Session,
    series: str,
    group: str,
    sex: str = "_T",
    age: str = "Y5T17",
    start: int = 2013,
    child_population: dict[str, float] | None = None,
) -> GroupFigure:
    """A region's or income group's figure for a rate series, from its countries' data."""
    info = session.get(M.Series, series)
    if info is None:
        raise NoData(f"unknown series {series!r}")
    if info.unit != "PT":
        raise NoData(f"{series} is a count ({info.unit}): group figures here are for rates")
    region = store.resolve_area(session, group)
    if region.kind == "country":
        raise NoData(f"{region.code} is a country, not a group")
    members = store.region_members(session, region)
    frame = store.observations(session, series=[series], areas=members, sex=[sex], all_sources=True)
    frame = frame[(frame["urbanisation"] == "_T") & (frame["breakdown"] == "_T")]
    other_ages = frame[frame["age"] != age]
    frame = frame[frame["age"] == age]
    latest = latest_in_window(frame, start)
    left_out = {}
    only_other_age = set(other_ages["ref_area"]) - set(latest.index)
    if only_other_age:
        left_out[f"countries with data only for other age bands than {age}"] = len(only_other_age)
    old = set(frame["ref_area"]) - set(latest.index)
    if old:
        left_out[f"countries whose latest value is before {start} or undated"] = len(old)
    return group_figure(region.code, series, latest, members, child_population, left_out)


def group_aggregates(
    session: Session, series: str, grouping: str = "ILO", **options
) -> pd.DataFrame:
    """One row per group of a grouping (``M49``, ``ILO``, ``WB_INCOME``): value and coverage."""
    groups = session.query(M.Area).filter(M.Area.grouping == grouping).order_by(M.Area.code)
    rows = []
    for g in groups:
        fig = group_aggregate(session, series, g.code, **options)
        rows.append(
            {
                "group": g.code,
                "name": g.name_en,
                "series": series,
                "value": fig.value,
                "countries_with_data": fig.countries_with_data,
                "countries_in_group": fig.countries_in_group,
                "coverage_countries": fig.coverage_countries,
                "coverage_children": fig.coverage_children,
                "weight": fig.weight,
                "first_year": fig.years[0] if fig.years else None,
                "last_year": fig.years[1] if fig.years else None,
                "sources": ";".join(fig.sources),
            }
        )
    return pd.DataFrame(rows)


def all_points(session: Session, series: list[str] | None = None) -> pd.DataFrame:
    """Every country's dated preferred values as a long frame: one band of ages per series
    and area (5-17 where present, else all ages), by sex.

    Columns: series, area, sex, age, year, value, unit, source. Windows and unknown years
    are left out, as in :func:`series_points`.

    The answer of ``store.observations(..., all_sources=True)`` filtered as above, read
    without it: only the columns and rows needed (rows with an urbanisation or another
    breakdown are other cells, which the preference rule never compares), the rule run only
    where a cell holds two sources. A hundred thousand series x areas read in a second or
    two instead of a minute (issue 22; tested equal to the straightforward path).
    """
    obs, area, src = M.Observation.__table__.c, M.Area.__table__.c, M.Source.__table__.c
    stmt = (
        select(obs.series, obs.ref_area, obs.sex, obs.age, obs.time_period)
        .add_columns(obs.year_from, obs.year_to, obs.value, obs.unit, obs.source)
        .join(M.Area.__table__, area.code == obs.ref_area)
        .where(area.kind == "country", obs.urbanisation == "_T", obs.breakdown == "_T")
    )
    if series:
        stmt = stmt.where(obs.series.in_(list(series)))
    priority = dict(session.execute(select(src.id, src.priority)).all())
    names = ["series", "area", "sex", "age", "time_period", "year_from", "year", "value"]
    table = store.arrow_rows(session, stmt, [*names, "unit", "source"])
    if table.num_rows:  # the store's inner join on source
        table = table.filter(pc.is_in(table["source"], value_set=pa.array(list(priority))))
    if table.num_rows == 0:
        return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in _EMPTY_POINTS.items()})
    table = table.append_column("preferred", pa.array(_preferred(table, priority)))
    frame = table.to_pandas()
    frame = frame[frame["preferred"] & frame["time_period"].str.fullmatch(r"\d{4}")]
    age = frame["age"]
    rank = pd.Series(np.select([age == "Y5T17", age == "_T"], [0, 1], 2), index=frame.index)
    best = rank.groupby([frame["series"], frame["area"]]).transform("min")
    frame = frame[rank == best]
    # The store's order; its later keys (urbanisation, breakdown, priority, source) tie
    # nothing here: one cell has one preferred value a year (two sources' values overlap).
    frame = frame.sort_values(
        ["series", "area", "year_from", "time_period", "sex", "age"], kind="stable"
    )
    out = frame[["series", "area", "sex", "age", "year", "value", "unit", "source"]]
    return out.astype({"year": int}).reset_index(drop=True)


_EMPTY_POINTS = {
    "series": object,
    "area": object,
    "sex": object,
    "age": object,
    "year": int,
    "value": object,
    "unit": object,
    "source": object,
}


def _preferred(table: pa.Table, priority: dict[str, int]) -> np.ndarray:
    """The store's preference rule (``store.preference``), run only on the cells with more
    than one source (found by Arrow's hash aggregation): elsewhere every value is preferred."""
    cell = ["series", "area", "sex", "age"]
    counts = (
        table.select([*cell, "source"]).group_by(cell).aggregate([("source", "count_distinct")])
    )
    shared_cells = counts.filter(pc.greater(counts["source_count_distinct"], 1)).select(cell)
    flags = np.ones(table.num_rows, dtype=bool)
    if shared_cells.num_rows == 0:
        return flags
    rows = table.select([*cell, "source", "year_from", "year"])
    rows = rows.append_column("row", pa.array(np.arange(table.num_rows)))
    part = rows.join(shared_cells, cell, join_type="left semi")
    known = pa.array(list(priority), pa.string())
    at = pc.index_in(part["source"].cast(pa.string()), value_set=known)
    ranks = pc.take(pa.array(list(priority.values()), pa.int64()), at)
    part = part.append_column("priority", ranks).rename_columns(
        [*cell, "source", "year_from", "year_to", "row", "priority"]
    )
    flags[part["row"].to_numpy()] = preferred_flags_arrow(part, cell)
    return flags
