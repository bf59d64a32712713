"""From the warehouse to the plain series the progress math works on."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy.orm import Session

from target87 import store
from target87.progress.aggregate import GroupFigure, group_figure, latest_in_window
from target87.store import models as M


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
    """
    countries = [a for (a,) in session.query(M.Area.code).filter(M.Area.kind == "country")]
    frame = store.observations(session, series=series, areas=countries, all_sources=True)
    frame = frame[
        frame["preferred"]
        & (frame["urbanisation"] == "_T")
        & (frame["breakdown"] == "_T")
        & frame["time_period"].str.fullmatch(r"\d{4}")
    ]
    rank = frame["age"].map({"Y5T17": 0, "_T": 1}).fillna(2)
    best = rank.groupby([frame["series"], frame["ref_area"]]).transform("min")
    frame = frame[rank == best]
    out = frame.rename(columns={"ref_area": "area", "year_to": "year"})
    out["year"] = out["year"].astype(int)
    return out[["series", "area", "sex", "age", "year", "value", "unit", "source"]].reset_index(
        drop=True
    )
