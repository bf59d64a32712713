"""Check, then write, an observation table: all of it in one transaction, or nothing.

Every reader (CSV, JSON, SDMX, Open SDG, Excel) gives a raw table; ``load_table`` runs the
validation rules with the store's code lists, refuses the load on any error (warnings are
returned), and otherwise replaces, for each (source, series) pair in the table, the stored
observations with the table's rows.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, select, tuple_
from sqlalchemy.orm import Session

from target87.ingest.errors import Problem
from target87.interop.table import FLOAT_COLUMNS, INT_COLUMNS, OBS_COLUMNS
from target87.store import models as M
from target87.validation import Context, Report, RuleSet, validate
from target87.validation.rules import column_numbers

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
    mode: str = "replace",
) -> LoadSummary:
    """Validate ``raw``; on any error raise ``LoadError`` (nothing written), else write it.

    ``mode="replace"``: the table is the whole truth for each (source, series) it holds, so
    their stored rows are deleted first. ``mode="merge"``: only rows with the same key are
    replaced, everything else stays (for partial files, e.g. one year of a report).

    ``new_sources``: Source rows (dicts with the model's fields) to add or update in the same
    transaction, for data whose source is not in the store yet (an SDMX fetch, say).
    """
    new_sources = list(new_sources)
    report = check_table(engine, raw, rules, ctx, new_sources)
    report.raise_for_errors()
    pairs = sorted(set(zip(raw["source"], raw["series"], strict=True)))
    name = str(raw.attrs.get("file", ""))
    with Session(engine) as session, session.begin():
        for src in new_sources:
            session.merge(M.Source(**src))
        if mode == "replace":
            for source, series in pairs:
                session.execute(
                    delete(M.Observation).where(
                        tuple_(M.Observation.source, M.Observation.series) == (source, series)
                    )
                )
        elif mode == "merge":
            _delete_keys(session, raw)
        else:
            raise ValueError(f"mode must be 'replace' or 'merge', not {mode!r}")
        _insert(session, raw, progress)
        digest = hashlib.sha256(pd.util.hash_pandas_object(raw[OBS_COLUMNS]).values).hexdigest()
        session.add(
            M.LoadRecord(
                kind="file",
                name=name,
                digest=digest,
                rows=len(raw),
                loaded_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
    by_source = {str(k): int(v) for k, v in raw["source"].value_counts().sort_index().items()}
    return LoadSummary(len(raw), by_source, report.warnings, report)


def _insert(session: Session, raw: pd.DataFrame, progress: Progress | None) -> None:
    """Insert checked rows through the driver's executemany, in key order.

    The ORM's per-row work would cost five times more; rows in primary-key order append to
    the B-tree instead of splitting pages all over it.
    """
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {M.Observation.__tablename__} ({', '.join(OBS_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(OBS_COLUMNS))})"
    )
    codes = [pd.factorize(raw[k], sort=True)[0] for k in KEY]
    order = np.lexsort(codes[::-1])
    numeric = {c: column_numbers(raw, c).to_numpy() for c in FLOAT_COLUMNS + INT_COLUMNS}
    total = len(raw)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of fresh tuples would set the cyclic collector off again and again
    try:
        for start in range(0, total, BATCH):
            take = order[start : start + BATCH]
            columns = [_batch_values(raw, numeric, c, take) for c in OBS_COLUMNS]
            conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))
            if progress:
                progress("observations", min(start + BATCH, total), total)
    finally:
        if gc_was_enabled:
            gc.enable()


def _delete_keys(session: Session, raw: pd.DataFrame) -> None:
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"DELETE FROM {M.Observation.__tablename__} WHERE " + " AND ".join(
        f"{k} = {mark}" for k in KEY
    )
    keys = list(raw[KEY].itertuples(index=False, name=None))
    for start in range(0, len(keys), BATCH):
        conn.exec_driver_sql(sql, keys[start : start + BATCH])


def _batch_values(raw: pd.DataFrame, numeric: dict, column: str, take: np.ndarray) -> list:
    """One column of one batch as Python scalars, None for empty (drivers want no numpy)."""
    if column in FLOAT_COLUMNS:
        return [None if v != v else v for v in numeric[column][take].tolist()]
    if column in INT_COLUMNS:
        return [None if v != v else int(v) for v in numeric[column][take].tolist()]
    return [v or None for v in raw[column].to_numpy()[take].tolist()]
