"""Reading the warehouse: observations with their sources (codes resolve in ``lookup``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from target87.store.models import OBSERVATION_KEY, Area, Observation, Series, Source
from target87.store.preference import preferred_flags

OBSERVATION_COLUMNS = [
    "series",
    "ref_area",
    "time_period",
    "year_from",
    "year_to",
    "sex",
    "age",
    "urbanisation",
    "breakdown",
    "value",
    "lower_bound",
    "upper_bound",
    "unit",
    "unit_mult",
    "obs_status",
    "nature",
    "reporting_type",
    "footnote",
    "source_detail",
    "source",
]


def region_members(session: Session, region: Area) -> list[str]:
    """Codes of the countries inside an aggregate (every country for the world)."""
    stmt = select(Area.code).where(Area.kind == "country")
    if region.kind == "region":
        stmt = stmt.where(
            or_(
                Area.m49_region == region.code,
                Area.m49_subregion == region.code,
                Area.m49_intermediate_region == region.code,
                Area.ilo_region == region.code,
                Area.wb_income_group == region.code,
            )
        )
    elif region.kind == "country":
        return [region.code]
    return list(session.execute(stmt.order_by(Area.code)).scalars())


def observations(
    session: Session,
    series: Sequence[str] | None = None,
    areas: Iterable[str] | None = None,
    sex: Sequence[str] | None = None,
    age: Sequence[str] | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    all_sources: bool = False,
    with_sources: bool = False,
    breakdown: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Observations as a DataFrame, one row each, sorted by series, area, period, sex, age.

    By default only the preferred source's value is returned where sources overlap (see
    ``target87.store.preference``); ``all_sources`` returns every value with a ``preferred``
    column. A period overlapping [year_from, year_to] is included; periods of ``unknown`` year
    only when no year bound is given. ``with_sources`` adds the publisher and citation.
    ``breakdown`` keeps rows with one of the given breakdowns (``_T`` for none; see
    ``target87.store.breakdown``).
    """
    cols = [getattr(Observation, c) for c in OBSERVATION_COLUMNS]
    stmt = select(*cols, Source.priority, Source.publisher, Source.citation).join(
        Source, Source.id == Observation.source
    )
    if series:
        stmt = stmt.where(Observation.series.in_(list(series)))
    if areas is not None:
        stmt = stmt.where(Observation.ref_area.in_(list(areas)))
    if sex:
        stmt = stmt.where(Observation.sex.in_(list(sex)))
    if age:
        stmt = stmt.where(Observation.age.in_(list(age)))
    if breakdown:
        stmt = stmt.where(Observation.breakdown.in_(list(breakdown)))
    if year_from is not None:
        stmt = stmt.where(Observation.year_to >= year_from)
    if year_to is not None:
        stmt = stmt.where(Observation.year_from <= year_to)
    rows = [dict(r._mapping) for r in session.execute(stmt)]
    # Preference is decided over everything in the same cells, not only the filtered years,
    # so that a year filter never brings back a value a better source overrides.
    if rows and (year_from is not None or year_to is not None):
        flags = _flags_against_full_cells(session, rows)
    else:
        flags = preferred_flags(rows)
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS + ["priority", "publisher", "citation"])
    frame["preferred"] = flags
    if not all_sources:
        frame = frame[frame["preferred"].astype(bool)]  # an empty mask must stay a mask
    frame = frame.sort_values(
        [
            "series",
            "ref_area",
            "year_from",
            "time_period",
            "sex",
            "age",
            "urbanisation",
            "breakdown",
            "priority",
        ],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    keep = OBSERVATION_COLUMNS + (["preferred"] if all_sources else [])
    if with_sources:
        keep += ["publisher", "citation"]
    return frame[keep]


def _flags_against_full_cells(session: Session, rows: list[dict]) -> list[bool]:
    cells = {(r["series"], r["ref_area"]) for r in rows}
    stmt = select(*[getattr(Observation, c) for c in OBSERVATION_COLUMNS], Source.priority).join(
        Source, Source.id == Observation.source
    )
    stmt = stmt.where(Observation.series.in_({c[0] for c in cells}))
    stmt = stmt.where(Observation.ref_area.in_({c[1] for c in cells}))
    everything = [dict(r._mapping) for r in session.execute(stmt)]
    flags = preferred_flags(everything)
    hidden = {
        tuple(r[k] for k in OBSERVATION_KEY)
        for r, f in zip(everything, flags, strict=True)
        if not f
    }
    return [tuple(r[k] for k in OBSERVATION_KEY) not in hidden for r in rows]


def series_info(session: Session, code: str) -> Series | None:
    return session.get(Series, code)


def sources(session: Session) -> list[Source]:
    return list(session.execute(select(Source).order_by(Source.id)).scalars())


@dataclass(frozen=True)
class SeriesHoldings:
    """What one series holds: its (sex, age, urbanisation, breakdown) cells with their row
    counts, its
    years, and the kinds of area it covers. The explorer offers only these choices."""

    code: str
    cells: tuple[tuple[str, str, str, str, int], ...]  # sex, age, urbanisation, breakdown, rows
    first_year: int | None
    last_year: int | None
    area_kinds: tuple[str, ...]

    DIMENSIONS = ("sex", "age", "urbanisation", "breakdown")

    @property
    def has_countries(self) -> bool:
        return "country" in self.area_kinds

    def values(self, dimension: str, **fixed: str) -> tuple[str, ...]:
        """The values of ``dimension`` held together with the ``fixed`` ones, most rows first."""
        at = self.DIMENSIONS.index(dimension)
        counts: dict[str, int] = {}
        for cell in self.cells:
            if all(cell[self.DIMENSIONS.index(k)] == v for k, v in fixed.items()):
                counts[cell[at]] = counts.get(cell[at], 0) + cell[-1]
        return tuple(sorted(counts, key=lambda v: (-counts[v], v)))

    def default(self, dimension: str, **fixed: str) -> str | None:
        """5-17 for ages where held, else the total, else the value with the most rows."""
        held = self.values(dimension, **fixed)
        for wanted in ("Y5T17", "_T") if dimension == "age" else ("_T",):
            if wanted in held:
                return wanted
        return held[0] if held else None


def series_holdings(session: Session, code: str) -> SeriesHoldings:
    """The breakdown cells, years and area kinds held for ``code`` (empty when none)."""
    o = Observation
    cells = session.execute(
        select(o.sex, o.age, o.urbanisation, o.breakdown, func.count())
        .where(o.series == code)
        .group_by(o.sex, o.age, o.urbanisation, o.breakdown)
        .order_by(func.count().desc(), o.sex, o.age, o.urbanisation, o.breakdown)
    ).all()
    first, last = session.execute(
        select(func.min(o.year_from), func.max(o.year_to)).where(o.series == code)
    ).one()
    kinds = session.execute(
        select(Area.kind).join(o, o.ref_area == Area.code).where(o.series == code).distinct()
    ).scalars()
    return SeriesHoldings(
        code=code,
        cells=tuple(tuple(c) for c in cells),
        first_year=first,
        last_year=last,
        area_kinds=tuple(sorted(kinds)),
    )


def breakdown_words(session: Session, texts: Iterable[str], lang: str = "en") -> dict[str, str]:
    """Each breakdown text in words: ``INCOME_WEALTH_QUANTILE=Q1`` -> ``Income or wealth
    quantile: Quintile 1 (poorest)``; ``_T`` -> ``""``. Dimensions and codes the store has no
    words for are shown as they are."""
    from target87.store.breakdown import BreakdownError, parse
    from target87.store.models import BreakdownCode, BreakdownDimension

    parsed: dict[str, dict[str, str]] = {}
    for text in set(texts):
        try:
            parsed[text] = parse(text)
        except BreakdownError:
            parsed[text] = {"?": text}
    dimensions = {d for parts in parsed.values() for d in parts}
    if not dimensions:
        return dict.fromkeys(parsed, "")
    names = {
        d.id: d.name(lang)
        for d in session.execute(
            select(BreakdownDimension).where(BreakdownDimension.id.in_(dimensions))
        ).scalars()
    }
    code_names = {
        (c.dimension, c.code): c.name(lang)
        for c in session.execute(
            select(BreakdownCode).where(BreakdownCode.dimension.in_(dimensions))
        ).scalars()
    }
    return {
        text: "; ".join(f"{names.get(d, d)}: {code_names.get((d, c), c)}" for d, c in parts.items())
        for text, parts in parsed.items()
    }
