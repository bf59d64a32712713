"""A country profile's detail beyond its totals: the figures of its subnational areas and of
breakdowns other than sex, age and area of residence (income quintile, disability, a national
platform's own breakdowns), each with every column of its key shown, so that two values of one
series, year and sex never stand side by side without what tells them apart."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.presentation import format_value, period_label
from target87.presentation.codes import age_label, sex_label, urbanisation_label
from target87.store import models as M
from target87.store.query import breakdown_words, observations

DETAIL_LIMIT = 200  # lines shown on the page; the explorer and the downloads hold the rest
KEY = ["series", "ref_area", "sex", "age", "urbanisation", "breakdown"]


@dataclass
class DetailLine:
    """The latest value of one series for one subnational area or one breakdown."""

    series: str
    series_name: str
    area: str
    area_name: str
    time_period: str
    sex: str
    age: str
    urbanisation: str
    breakdown: str
    value: float
    unit: str
    source: str
    period_label: str = ""
    sex_label: str = ""
    age_label: str = ""
    urbanisation_label: str = ""
    breakdown_label: str = ""  # the breakdown in words, in the profile's language
    value_label: str = ""


def subnational_areas(session: Session, country: str) -> dict[str, M.Area]:
    """The country's subnational areas (created from national files), by code."""
    rows = session.execute(select(M.Area).where(M.Area.parent == country)).scalars()
    return {a.code: a for a in rows}


def _latest(frame: pd.DataFrame) -> pd.DataFrame:
    """Per key, the preferred value of the latest dated period (undated ones last)."""
    frame = frame.assign(_dated=frame["year_to"].notna())
    frame = frame.sort_values(["_dated", "year_to"], ascending=False, na_position="last")
    return frame.drop_duplicates(KEY).sort_values(KEY)


def detail_lines(
    session: Session, country: str, lang: str = "en", limit: int = DETAIL_LIMIT
) -> tuple[list[DetailLine], int]:
    """The country's detail lines (at most ``limit``) and how many more there are."""
    areas = subnational_areas(session, country)
    frame = observations(session, areas=[country, *areas])
    frame = frame[(frame["breakdown"] != "_T") | frame["ref_area"].isin(list(areas))]
    if frame.empty:
        return [], 0
    frame = _latest(frame)
    more = max(0, len(frame) - limit)
    frame = frame.head(limit)
    series_names = {
        s.code: s.name(lang)
        for s in session.execute(
            select(M.Series).where(M.Series.code.in_(set(frame["series"])))
        ).scalars()
    }
    words = breakdown_words(session, frame["breakdown"], lang)
    country_name = session.get(M.Area, country)
    lines = []
    for r in frame.itertuples(index=False):
        area = areas.get(r.ref_area)
        area_name = (area or country_name).name(lang) if (area or country_name) else r.ref_area
        value, unit, mult = float(r.value), r.unit, int(r.unit_mult)
        lines.append(
            DetailLine(
                series=r.series,
                series_name=series_names.get(r.series, r.series),
                area=r.ref_area,
                area_name=area_name,
                time_period=r.time_period,
                sex=r.sex,
                age=r.age,
                urbanisation=r.urbanisation,
                breakdown=r.breakdown,
                value=value,
                unit=unit,
                source=r.source,
                period_label=period_label(r.time_period, lang),
                sex_label=sex_label(r.sex, lang),
                age_label=age_label(r.age, lang),
                urbanisation_label=urbanisation_label(r.urbanisation, lang),
                breakdown_label=words.get(r.breakdown, ""),
                value_label=format_value(value, unit, mult, lang),
            )
        )
    return lines, more
