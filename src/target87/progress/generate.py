"""A generated warehouse for the many-series paths: any number of series x areas, with the
cases the progress math must get right (one point, gaps, zeros, targets already met, values of
a second source for the same years, windows, other age bands, urban rows).

For benchmarks and tests only: the values are random (seeded), the codes are made up
(``GEN_S00`` series, ``G000001`` countries, sources ``GEN_A`` and ``GEN_B``).
"""

from __future__ import annotations

import math

import numpy as np
from sqlalchemy import Engine, Table

from target87.store import models as M
from target87.store.db import migrate

SEXES = ("_T", "F", "M")
SERIES_COUNT = 20
FIRST_YEAR, LAST_YEAR = 2000, 2024


def generate_warehouse(engine: Engine, series_areas: int, seed: int = 87) -> dict[str, int]:
    """Create the schema and write about ``series_areas`` series x area x sex cells.

    Returns the counts written (areas, series, cells, observations).
    """
    migrate(engine)
    rng = np.random.default_rng(seed)
    per_area = SERIES_COUNT * len(SEXES)
    n_areas = max(1, math.ceil(series_areas / per_area))
    series = [_series_row(i) for i in range(SERIES_COUNT)]
    areas = [
        {"code": f"G{i:06d}", "kind": "country", "name_en": f"Generated {i}"}
        for i in range(n_areas)
    ]
    sources = [
        {"id": "GEN_A", "publisher": "Gen", "title": "A", "licence": "none", "citation": "A"},
        {"id": "GEN_B", "publisher": "Gen", "title": "B", "licence": "none", "citation": "B"},
    ]
    sources[0]["priority"], sources[1]["priority"] = 10, 50
    observations = _observations(rng, series, areas, series_areas)
    with engine.begin() as conn:
        for table, rows in (
            (M.Source.__table__, sources),
            (M.Series.__table__, series),
            (M.Area.__table__, areas),
            (M.Observation.__table__, observations),
        ):
            _executemany(conn, table, rows)
    return {
        "areas": n_areas,
        "series": SERIES_COUNT,
        "cells": min(series_areas, n_areas * per_area),
        "observations": len(observations),
    }


def _series_row(i: int) -> dict:
    # Most series aim at zero (the floor of the status method); some at a level above zero,
    # one has no target (skipped by the status), one is a count.
    target = None if i == SERIES_COUNT - 1 else (2.0 if i % 5 == 1 else 0.0)
    return {
        "code": f"GEN_S{i:02d}",
        "name_en": f"Generated series {i}",
        "unit": "NUMBER" if i == 3 else "PT",
        "unit_mult": 0,
        "direction": "lower_is_better",
        "target_value": target,
        "target_year": 2025 if i % 2 else 2030,
    }


def _observations(
    rng: np.random.Generator, series: list[dict], areas: list[dict], cells: int
) -> list[dict]:
    rows: list[dict] = []
    years_all = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    done = 0
    for area in areas:
        # One area in ten reports all ages only (no 5-17 band); one in seven also a 5-14 band.
        ages = ("_T",) if rng.random() < 0.1 else ("Y5T17",)
        for s in series:
            for sex in SEXES:
                if done == cells:
                    return rows
                done += 1
                for age in ages + (("Y5T14",) if rng.random() < 0.14 else ()):
                    rows += _cell_rows(rng, s, area["code"], sex, age, years_all)
    return rows


def _cell_rows(
    rng: np.random.Generator, s: dict, area: str, sex: str, age: str, years_all: np.ndarray
) -> list[dict]:
    n = int(rng.integers(1, 11))  # one point up to ten, with gaps between
    years = np.sort(rng.choice(years_all, size=n, replace=False))
    start = float(rng.uniform(0.5, 40.0))
    trend = float(rng.normal(-0.04, 0.05))
    values = start * np.exp(trend * (years - FIRST_YEAR) + rng.normal(0, 0.08, n))
    u = rng.random()
    if u < 0.03:
        values[rng.integers(0, n)] = 0.0  # a zero value
    elif u < 0.06:
        values[-1] = 0.0  # the target of zero met
    elif u < 0.08:
        values = values * 0.05  # below a positive target
    base = {"series": s["code"], "ref_area": area, "sex": sex, "age": age, "unit": s["unit"]}
    rows = [
        _row(base, str(y), y, y, round(float(v), 4), "GEN_A")
        for y, v in zip(years, values, strict=True)
    ]
    v = rng.random()
    if v < 0.05:  # the other source, lower in rank, for one of the same years: hidden
        y = int(years[-1])
        rows.append(_row(base, str(y), y, y, round(float(values[-1]) + 1.0, 4), "GEN_B"))
    elif v < 0.08:  # the other source for a window: left out, and it hides nothing
        rows.append(_row(base, "2013/2021", 2013, 2021, 5.0, "GEN_B"))
    elif v < 0.10:  # the other source alone for a year the first lacks: kept
        free = np.setdiff1d(years_all, years)
        y = int(free[0])
        rows.append(_row(base, str(y), y, y, 7.5, "GEN_B"))
    elif v < 0.11:  # a window of the better source hides the other source's years in it
        rows.append(_row(base, "2010/2020", 2010, 2020, 6.0, "GEN_A"))
        rows.append(_row(base, "2016", 2016, 2016, 6.5, "GEN_B"))
    if rng.random() < 0.05:  # an urban value: another cell, never in the national series
        rows.append(
            {
                **_row(base, str(int(years[0])), int(years[0]), int(years[0]), 9.0, "GEN_A"),
                "urbanisation": "U",
            }
        )
    # A year the cell already holds from the same source cannot be written twice.
    seen: set[tuple] = set()
    unique = []
    for r in rows:
        key = (r["time_period"], r["source"], r["urbanisation"])
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return unique


def _row(base: dict, period: str, y0: int, y1: int, value: float, source: str) -> dict:
    return {
        **base,
        "time_period": period,
        "urbanisation": "_T",
        "breakdown": "_T",
        "source": source,
        "year_from": int(y0),
        "year_to": int(y1),
        "value": value,
        "unit_mult": 0,
        "obs_status": "A",
        "reporting_type": "G",
    }


def _executemany(conn, table: Table, rows: list[dict]) -> None:
    """One DBAPI executemany: SQLAlchemy's per-row parameters would take longer than the
    generation itself at a million rows."""
    if not rows:
        return
    defaults = {c.name: c.default.arg for c in table.columns if c.default is not None}
    names = sorted({k for r in rows for k in r} | set(defaults))
    quote = conn.dialect.identifier_preparer.quote
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join([marker] * len(names))})"
    )
    conn.exec_driver_sql(sql, [tuple(r.get(n, defaults.get(n)) for n in names) for r in rows])
