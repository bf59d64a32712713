"""Check, then write, an observation table: all of it in one transaction, or nothing.

Every reader (CSV, JSON, SDMX, Open SDG, Excel) gives a raw table; ``load_table`` runs the
validation rules with the store's code lists, refuses the load on any error (warnings are
returned), and otherwise replaces, for each (source, series) pair in the table, the stored
observations with the table's rows.
"""

from __future__ import annotations

import gc
import hashlib
import math
import sqlite3
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, literal, select, tuple_
from sqlalchemy.orm import Session

from target87.ingest.errors import LoadError, Problem
from target87.interop.references import loading_connection, missing_references
from target87.interop.table import FLOAT_COLUMNS, INT_COLUMNS, OBS_COLUMNS
from target87.store import models as M
from target87.validation import Context, Report, RuleSet, validate
from target87.validation.rules import numbers

Progress = Callable[[str, int, int], None]
BATCH = 20_000
# Rows per INSERT, fewer where the database allows fewer parameters (_rows_per_statement).
ROWS_PER_STATEMENT = 100
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
    if mode not in ("replace", "merge"):
        raise ValueError(f"mode must be 'replace' or 'merge', not {mode!r}")
    new_sources = list(new_sources)
    ctx = ctx or store_context(engine, [src["id"] for src in new_sources])
    rows = _prepare(raw)
    with (
        loading_connection(engine) as connection,
        Session(connection) as session,
        session.begin(),
    ):
        for src in new_sources:
            session.merge(M.Source(**src))
        session.flush()  # the sources must exist before rows that cite them go in by SQL
        if mode == "replace":
            pairs = raw[["source", "series"]].drop_duplicates().itertuples(index=False)
            for source, series in sorted(pairs):
                session.execute(
                    delete(M.Observation).where(
                        tuple_(M.Observation.source, M.Observation.series) == (source, series)
                    )
                )
        else:
            _delete_keys(session, raw)
        # Before the rows go in, in the same transaction: no per-row checks on SQLite (above).
        table = M.Observation.__table__
        distinct = rows.distinct(key.parent.name for key in table.foreign_keys)
        missing = missing_references(session.connection(), table, raw, distinct)
        if missing:  # the rules' full report first, when they find errors too
            validate(raw, rules, ctx).raise_for_errors()
            raise LoadError(missing)
        report, digest = _write_while_checking(session, raw, rows, rules, ctx, progress)
        session.add(
            M.LoadRecord(
                kind="file",
                name=str(raw.attrs.get("file", "")),
                digest=digest,
                rows=len(raw),
                loaded_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
    by_source = {str(k): int(v) for k, v in raw["source"].value_counts().sort_index().items()}
    return LoadSummary(len(raw), by_source, report.warnings, report)


def _write_while_checking(session, raw, rows, rules, ctx, progress) -> tuple[Report, str]:
    """Insert on one core while the rules (then the content digest) run on the other; raise on
    any error.

    SQLite and psycopg do their work without Python's lock, so the two overlap. The caller's
    transaction is rolled back on the exception, so a refused table leaves nothing behind.
    """
    conn = session.connection()
    stop = threading.Event()
    report: Report | None = None
    digest = ""
    with ThreadPoolExecutor(max_workers=1) as pool:
        writing = pool.submit(_insert, conn, rows, stop, progress)
        try:
            report = validate(raw, rules, ctx)
            if not report.errors:
                digest = _digest(raw)
        finally:
            if report is None or report.errors:
                stop.set()
            failed = writing.exception()
    report.raise_for_errors()
    if failed is not None:
        raise failed
    return report, digest


def _digest(raw: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(raw[OBS_COLUMNS]).values).hexdigest()


def _delete_keys(session: Session, raw: pd.DataFrame) -> None:
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"DELETE FROM {M.Observation.__tablename__} WHERE " + " AND ".join(
        f"{k} = {mark}" for k in KEY
    )
    keys = list(raw[KEY].itertuples(index=False, name=None))
    for start in range(0, len(keys), BATCH):
        conn.exec_driver_sql(sql, keys[start : start + BATCH])


@dataclass
class _Prepared:
    """The rows in primary-key order, ready to hand to the driver a batch at a time.

    Text columns are kept as codes into their distinct values (a million rows hold a few
    hundred distinct areas or periods), so a batch reuses the same Python strings instead of
    making millions of new ones: less time, and a fraction of the memory.
    """

    order: np.ndarray
    # Per column: (codes into its distinct values, the distinct values as an object array).
    columns: list[tuple[np.ndarray, np.ndarray]]

    def __len__(self) -> int:
        return len(self.order)

    def distinct(self, columns: Iterable[str]) -> dict[str, list]:
        """The distinct values of each of ``columns`` (None for an empty cell)."""
        return {c: self.columns[OBS_COLUMNS.index(c)][1].tolist() for c in columns}

    def constants(self) -> dict[int, object]:
        """Columns (by position) holding one value in every row: series, unit, source..."""
        return {i: values[0] for i, (_codes, values) in enumerate(self.columns) if len(values) == 1}

    def grid(self, start: int, stop: int, positions: list[int]) -> np.ndarray:
        """Rows ``start:stop`` (in key order) of the columns at ``positions``, one row per row.

        numpy fancy indexing on object arrays: the per-cell work stays in C.
        """
        take = self.order[start:stop]
        cells = np.empty((len(take), len(positions)), dtype=object)
        for j, i in enumerate(positions):
            codes, values = self.columns[i]
            cells[:, j] = values[codes[take]]
        return cells


def _prepare(raw: pd.DataFrame) -> _Prepared:
    columns: list[tuple[np.ndarray, np.ndarray]] = []
    for column in OBS_COLUMNS:
        # Sorted distinct values: the codes of the key columns then sort rows by key as well.
        found, distinct = pd.factorize(raw[column], sort=True)
        if column in FLOAT_COLUMNS or column in INT_COLUMNS:
            cast = float if column in FLOAT_COLUMNS else int
            parsed = numbers(pd.Series(distinct)).to_numpy(dtype=float).tolist()
            values = [None if v != v else cast(v) for v in parsed]
        else:
            values = [v or None for v in distinct.tolist()]
        array = np.empty(len(values), dtype=object)
        array[:] = values
        columns.append((found, array))
    keys = [columns[OBS_COLUMNS.index(k)][0] for k in KEY]
    return _Prepared(np.lexsort(keys[::-1]), columns)


def _insert(conn, rows: _Prepared, stop: threading.Event, progress: Progress | None) -> None:
    """Insert with the driver's executemany (the ORM's per-row work costs five times more).

    A column with one value in the whole table (the series, unit, source... of a typical
    file) is written once into the statement as a literal that SQLAlchemy renders for the
    dialect, so only the varying columns are bound row by row: half the insert time. Each
    statement carries up to ``ROWS_PER_STATEMENT`` rows (a multi-row VALUES), which spares
    the driver and the database most of their per-statement work: a fifth off again.
    """
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    literals = {i: _literal(conn.dialect, v) for i, v in rows.constants().items()}
    literals = {i: sql for i, sql in literals.items() if sql is not None}
    bound = [i for i in range(len(OBS_COLUMNS)) if i not in literals]
    one_row = f"({', '.join(literals.get(i, mark) for i in range(len(OBS_COLUMNS)))})"
    into = f"INSERT INTO {M.Observation.__tablename__} ({', '.join(OBS_COLUMNS)}) VALUES "
    per_statement = _rows_per_statement(conn, len(bound))
    many_rows = into + ", ".join([one_row] * per_statement)
    total = len(rows)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of new lists would set the cyclic collector off again and again
    try:
        for start in range(0, total, BATCH):
            if stop.is_set():
                return
            cells = rows.grid(start, start + BATCH, bound)
            if not bound:  # one row, every column a literal (more would repeat the key)
                for _ in range(len(cells)):
                    conn.exec_driver_sql(into + one_row)
                continue
            whole = len(cells) - len(cells) % per_statement
            if whole:
                statements = cells[:whole].reshape(-1, per_statement * len(bound))
                conn.exec_driver_sql(many_rows, list(map(tuple, statements.tolist())))
            if whole < len(cells):
                conn.exec_driver_sql(into + one_row, list(map(tuple, cells[whole:].tolist())))
            if progress:
                progress("observations", min(start + BATCH, total), total)
    finally:
        if gc_was_enabled:
            gc.enable()


def _rows_per_statement(conn, bound: int) -> int:
    """``ROWS_PER_STATEMENT``, or fewer so that a statement stays within the parameter limit.

    SQLite before 3.32 allows 999 parameters a statement (still shipped by some distributions);
    PostgreSQL allows 65,535.
    """
    limit = 65_535
    if conn.dialect.name == "sqlite":
        driver = conn.connection.dbapi_connection
        limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(ROWS_PER_STATEMENT, limit // max(bound, 1)))


def _literal(dialect, value: object) -> str | None:
    """``value`` as SQL text for ``dialect``, or None where binding it is the safer choice."""
    if value is None:
        return "NULL"
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str) and ("\x00" in value or len(value) > 200):
        return None
    compiled = literal(value).compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return str(compiled)
