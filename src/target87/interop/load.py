"""Check, then write, an observation table: all of it in one transaction, or nothing.

Every reader (CSV, JSON, SDMX, Open SDG, Excel) gives a raw table; ``load_table`` runs the
validation rules with the store's code lists, refuses the load on any error (warnings are
returned), and otherwise replaces, for each (source, series) pair in the table, the stored
observations with the table's rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine, delete, select, tuple_
from sqlalchemy.orm import Session

from target87.ingest.errors import Problem
from target87.interop.table import OBS_COLUMNS, typed
from target87.store import models as M
from target87.validation import Context, Report, RuleSet, validate

Progress = Callable[[str, int, int], None]
BATCH = 20_000
KEY = ["series", "ref_area", "time_period", "sex", "age", "urbanisation", "source"]


@dataclass
class LoadSummary:
    rows: int
    by_source: dict[str, int]
    warnings: list[Problem] = field(default_factory=list)
    report: Report | None = None


def store_context(engine: Engine, extra_sources: Iterable[str] = ()) -> Context:
    """Code lists the rules check against: the store's series, areas and sources."""
    with Session(engine) as s:
        codelists = {
            "series": set(s.execute(select(M.Series.code)).scalars()),
            "area": set(s.execute(select(M.Area.code)).scalars()),
            "source": set(s.execute(select(M.Source.id)).scalars()) | set(extra_sources),
        }
    return Context(codelists=codelists)


def check_table(
    engine: Engine,
    raw: pd.DataFrame,
    rules: RuleSet | None = None,
    ctx: Context | None = None,
    new_sources: Iterable[dict] = (),
) -> Report:
    ctx = ctx or store_context(engine, [s["id"] for s in new_sources])
    return validate(raw, rules, ctx)


def load_table(
    engine: Engine,
    raw: pd.DataFrame,
    *,
    rules: RuleSet | None = None,
    ctx: Context | None = None,
    new_sources: Iterable[dict] = (),
    progress: Progress | None = None,
) -> LoadSummary:
    """Validate ``raw``; on any error raise ``LoadError`` (nothing written), else write it.

    ``new_sources``: Source rows (dicts with the model's fields) to add or update in the same
    transaction, for data whose source is not in the store yet (an SDMX fetch, say).
    """
    new_sources = list(new_sources)
    report = check_table(engine, raw, rules, ctx, new_sources)
    report.raise_for_errors()
    # Sorted by the unique key, rows reach the indexes in order: several times faster.
    frame = typed(raw).sort_values(KEY, kind="stable", ignore_index=True)
    pairs = sorted(set(zip(frame["source"], frame["series"], strict=True)))
    name = str(raw.attrs.get("file", ""))
    with Session(engine) as session, session.begin():
        for src in new_sources:
            session.merge(M.Source(**src))
        for source, series in pairs:
            session.execute(
                delete(M.Observation).where(
                    tuple_(M.Observation.source, M.Observation.series) == (source, series)
                )
            )
        _insert(session, frame, progress)
        digest = hashlib.sha256(pd.util.hash_pandas_object(raw[OBS_COLUMNS]).values).hexdigest()
        session.add(
            M.LoadRecord(
                kind="file",
                name=name,
                digest=digest,
                rows=len(frame),
                loaded_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
    by_source = frame["source"].value_counts().sort_index().to_dict()
    return LoadSummary(len(frame), by_source, report.warnings, report)


def _insert(session: Session, frame: pd.DataFrame, progress: Progress | None) -> None:
    """Insert through the driver's executemany: the ORM's per-row work would cost 5x more."""
    conn = session.connection()
    table = M.Observation.__table__
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {table.name} ({', '.join(OBS_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(OBS_COLUMNS))})"
    )
    columns = [_python_values(frame[c]) for c in OBS_COLUMNS]
    total = len(frame)
    for start in range(0, total, BATCH):
        stop = min(start + BATCH, total)
        batch = list(zip(*(col[start:stop] for col in columns), strict=True))
        conn.exec_driver_sql(sql, batch)
        if progress:
            progress("observations", stop, total)


def _python_values(cells: pd.Series) -> list:
    """A column as Python scalars with None for missing (drivers do not take numpy types)."""
    if pd.api.types.is_integer_dtype(cells):
        return [None if v is pd.NA else int(v) for v in cells.astype(object)]
    if pd.api.types.is_float_dtype(cells):
        return [None if v != v else float(v) for v in cells.tolist()]
    return cells.astype(object).where(cells.notna(), None).tolist()
