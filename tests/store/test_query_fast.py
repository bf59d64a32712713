"""``store.observations`` against the straightforward path it replaced (issue 22): the ORM
rows as dicts, ``preferred_flags``, a DataFrame and pandas' sort. Same frame, to the dtype,
on the bundled snapshot and on a warehouse built to hold every case the rule knows (sources
overlapping, periods of unknown year, bounds only on hidden rows, year filters)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from target87 import store
from target87.store.models import OBSERVATION_KEY, Area, Observation, Series, Source
from target87.store.preference import (
    preferred_flags,
    preferred_flags_arrow,
    preferred_flags_by_column,
)
from target87.store.query import OBSERVATION_COLUMNS


def reference_observations(
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
    """``store.observations`` as it was before issue 22, kept verbatim as the yardstick."""
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
    if rows and (year_from is not None or year_to is not None):
        flags = _reference_full_cells(session, rows)
    else:
        flags = preferred_flags(rows)
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS + ["priority", "publisher", "citation"])
    frame["preferred"] = flags
    if not all_sources:
        frame = frame[frame["preferred"].astype(bool)]
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


def _reference_full_cells(session: Session, rows: list[dict]) -> list[bool]:
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


SORT_KEYS = [
    "series",
    "ref_area",
    "year_from",
    "time_period",
    "sex",
    "age",
    "urbanisation",
    "breakdown",
    "priority",
    "source",
]


def assert_same_answer(session: Session, query: dict) -> pd.DataFrame:
    """Ours equals the straightforward path's frame. Rows equal on every key of the sort but
    the source came in the server's order there (PostgreSQL fixes none); ours puts them by
    source, so the yardstick's ties are put by source too before comparing."""
    ours = store.observations(session, **query)
    expected = reference_observations(session, **query)
    if len(expected):
        priority = dict(session.execute(select(Source.id, Source.priority)).all())
        expected = (
            expected.assign(priority=expected["source"].map(priority))
            .sort_values(SORT_KEYS, na_position="last", kind="stable")
            .drop(columns="priority")
            .reset_index(drop=True)
        )
    pd.testing.assert_frame_equal(ours, expected)
    return ours


QUERIES = [
    {},
    {"all_sources": True},
    {"with_sources": True},
    {"all_sources": True, "with_sources": True},
    {"series": ["VC_HTF_DETVFL"], "with_sources": True},
    {"series": ["SL_TLF_CHLDEC"], "all_sources": True},
    {"series": ["SL_TLF_CHLDEC"], "year_from": 2015},
    {"series": ["SL_TLF_CHLDEC"], "year_from": 2010, "year_to": 2016, "all_sources": True},
    {"areas": ["BRA", "NPL", "IND"], "sex": ["F", "M"]},
    {"areas": ["BRA"], "age": ["Y5T17"], "breakdown": ["_T"]},
    {"areas": []},
    {"series": ["NO_SUCH_SERIES"]},
    {"series": ["NO_SUCH_SERIES"], "all_sources": True, "with_sources": True},
    {"year_to": 2000},
]


@pytest.mark.parametrize("query", QUERIES, ids=[str(q) for q in QUERIES])
def test_snapshot_queries_equal_the_straightforward_path(session, query):
    assert_same_answer(session, query)


@pytest.fixture
def overlapping_engine(loaded_engine):
    """The snapshot plus rows from three competing sources with overlapping periods, unknown
    years, equal priorities and bounds only on some rows (random but seeded)."""
    rng = random.Random(87)
    with Session(loaded_engine) as s, s.begin():
        series = [c for c in s.execute(select(Series.code)).scalars()][:4]
        areas = [c for c in s.execute(select(Area.code)).scalars()][:12]
        for i, priority in enumerate((10, 50, 50)):
            s.execute(
                insert(Source),
                [
                    {
                        "id": f"TEST{i}",
                        "publisher": f"Publisher {i}",
                        "title": "t",
                        "licence": "CC-BY-4.0",
                        "citation": f"Citation {i}",
                        "priority": priority,
                    }
                ],
            )
        rows, seen = [], set()
        for _ in range(3000):
            year = rng.choice([None, *range(2000, 2024)])
            width = rng.choice([0, 0, 0, 3, 8])
            period = (
                "unknown"
                if year is None
                else (str(year) if width == 0 else f"{year}/{year + width}")
            )
            row = {
                "series": rng.choice(series),
                "ref_area": rng.choice(areas),
                "time_period": period,
                "sex": rng.choice(["_T", "F", "M"]),
                "age": rng.choice(["_T", "Y5T17"]),
                "urbanisation": "_T",
                "breakdown": rng.choice(["_T", "_T", "INCOME_WEALTH_QUANTILE=Q1"]),
                "source": f"TEST{rng.randrange(3)}",
                "year_from": year,
                "year_to": None if year is None else year + width,
                "value": rng.choice([0.0, rng.uniform(0, 50)]),
                "lower_bound": rng.choice([None, 1.5]),
                "upper_bound": None,
                "unit": "PT",
                "unit_mult": 0,
                "obs_status": "A",
                "reporting_type": "G",
                "footnote": rng.choice([None, "a note"]),
            }
            key = tuple(row[k] for k in OBSERVATION_KEY)
            if key not in seen:
                seen.add(key)
                rows.append(row)
        s.execute(insert(Observation), rows)
    return loaded_engine


OVERLAP_QUERIES = [
    {},
    {"all_sources": True, "with_sources": True},
    {"year_from": 2010},
    {"year_from": 2005, "year_to": 2012, "all_sources": True},
    {"sex": ["F"], "age": ["Y5T17"], "with_sources": True},
    {"breakdown": ["INCOME_WEALTH_QUANTILE=Q1"], "year_to": 2015},
]


@pytest.mark.parametrize("query", OVERLAP_QUERIES, ids=[str(q) for q in OVERLAP_QUERIES])
def test_overlapping_sources_equal_the_straightforward_path(overlapping_engine, query):
    with Session(overlapping_engine) as s:
        assert len(assert_same_answer(s, query)) > 0


def test_some_rows_are_hidden_in_the_overlapping_warehouse(overlapping_engine):
    """The comparison above covers the preference rule only if it hides something."""
    with Session(overlapping_engine) as s:
        every = store.observations(s, all_sources=True)
    assert (~every["preferred"]).sum() > 100


def test_flags_by_column_equal_the_rule_on_dicts():
    rng = random.Random(22)
    rows = []
    for _ in range(2000):
        year = rng.choice([None, *range(2010, 2020)])
        rows.append(
            {
                "series": "S",
                "ref_area": rng.choice("ABCD"),
                "sex": rng.choice(["_T", "F"]),
                "age": "_T",
                "urbanisation": "_T",
                "breakdown": "_T",
                "source": rng.choice(["x", "y", "z"]),
                "priority": rng.choice([1, 2]),
                "year_from": year,
                "year_to": None if year is None else year + rng.choice([0, 2]),
            }
        )
    cell = ("series", "ref_area", "sex", "age", "urbanisation", "breakdown")
    fast = preferred_flags_by_column(
        [tuple(r[k] for k in cell) for r in rows],
        [r["source"] for r in rows],
        [r["priority"] for r in rows],
        [r["year_from"] for r in rows],
        [r["year_to"] for r in rows],
    )
    expected = preferred_flags(rows)
    assert fast == expected
    assert not all(expected)
    table = pa.Table.from_pylist(rows)
    assert preferred_flags_arrow(table, cell).tolist() == expected
