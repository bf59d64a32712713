"""Check, then write, an observation table: all of it in one transaction, or nothing.

Every reader (CSV, JSON, SDMX, Open SDG, Excel) gives a raw table; ``load_table`` runs the
validation rules with the store's code lists, refuses the load on any error (warnings are
returned), and otherwise writes it. A load never deletes unless asked:

- ``mode="upsert"`` (the default; ``"merge"`` is its old name): rows whose key is new are
  added, rows whose key is stored are updated where any column differs, nothing is removed.
- ``mode="replace"``: the same, and for each (source, series) pair in the table the stored
  rows the table does not hold are removed.

Each load writes a ``load_record`` (who, when, file, sha256, mode, counts) and, for each row it
changed or removed, the row as it was (``load_change``): what ``target87.interop.history``
shows and undoes. Rows it added carry its id in ``observation.load_id``.
"""

from __future__ import annotations

import gc
import hashlib
import math
import sqlite3
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, literal, select
from sqlalchemy.orm import Session

from target87.ingest.errors import LoadError, Problem
from target87.ingest.writer import Progress, os_user
from target87.interop.breakdowns import write_labels
from target87.interop.references import loading_connection, missing_references
from target87.interop.subnational import areas_to_create, write_areas
from target87.interop.table import FLOAT_COLUMNS, INT_COLUMNS, OBS_COLUMNS
from target87.store import models as M
from target87.validation import Context, Report, RuleSet, validate
from target87.validation.rules import numbers

# Rows turned into driver parameters and sent at a time: one executemany (and one progress
# step) of the insert, and of the deletes and log entries a load writes.
ROWS_PER_BATCH = 20_000
# Rows per INSERT, fewer where the database allows fewer parameters (_rows_per_statement).
ROWS_PER_STATEMENT = 100
KEY = list(M.OBSERVATION_KEY)
DATA = [c for c in OBS_COLUMNS if c not in KEY]  # every other column: a change in any counts
MODES = ("upsert", "replace")
MODE_ALIASES = {"merge": "upsert"}
# Areas per pair up to which only the stored rows of those areas are read to compare (upsert).
AREAS_IN_QUERY = 500


@dataclass
class Changes:
    """What a load did to the stored rows (of one source, or in all)."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0

    def __iadd__(self, other: Changes) -> Changes:
        self.added += other.added
        self.changed += other.changed
        self.removed += other.removed
        self.unchanged += other.unchanged
        return self

    def text(self) -> str:
        return f"added {self.added}, changed {self.changed}, removed {self.removed}"


@dataclass
class LoadSummary:
    rows: int
    by_source: dict[str, int]
    warnings: list[Problem] = field(default_factory=list)
    report: Report | None = None
    load_id: int | None = None
    mode: str = "upsert"
    changes: Changes = field(default_factory=Changes)
    changes_by_source: dict[str, Changes] = field(default_factory=dict)

    @property
    def added(self) -> int:
        return self.changes.added

    @property
    def changed(self) -> int:
        return self.changes.changed

    @property
    def removed(self) -> int:
        return self.changes.removed

    @property
    def unchanged(self) -> int:
        return self.changes.unchanged


def store_context(
    engine: Engine, extra_sources: Iterable[str] = (), raw: pd.DataFrame | None = None
) -> Context:
    """What the rules check against: the store's series (and their units), areas, sources;
    with ``raw``, also the subnational areas its load would create (``interop.subnational``)."""
    with Session(engine) as s:
        new_areas = [a["code"] for a in areas_to_create(s, raw)] if raw is not None else []
        codelists = {
            "series": set(s.execute(select(M.Series.code)).scalars()),
            "area": set(s.execute(select(M.Area.code)).scalars()) | set(new_areas),
            "source": set(s.execute(select(M.Source.id)).scalars()) | set(extra_sources),
        }
        units = {
            code: (unit, indicator)
            for code, unit, indicator in s.execute(
                select(M.Series.code, M.Series.unit, M.Series.sdg_indicator)
            )
        }
    return Context(codelists=codelists, series_units=units)


def check_table(
    engine: Engine,
    raw: pd.DataFrame,
    rules: RuleSet | None = None,
    ctx: Context | None = None,
    new_sources: Iterable[dict] = (),
) -> Report:
    ctx = ctx or store_context(engine, [s["id"] for s in new_sources], raw)
    return validate(raw, rules, ctx)


def load_mode(mode: str) -> str:
    """``mode`` checked, old names translated (``merge`` is ``upsert``)."""
    mode = MODE_ALIASES.get(mode, mode)
    if mode not in MODES:
        raise ValueError(f"mode must be 'upsert' or 'replace', not {mode!r}")
    return mode


def load_table(
    engine: Engine,
    raw: pd.DataFrame,
    *,
    rules: RuleSet | None = None,
    ctx: Context | None = None,
    new_sources: Iterable[dict] = (),
    progress: Progress | None = None,
    mode: str = "upsert",
    actor: str | None = None,
    file_sha256: str | None = None,
) -> LoadSummary:
    """Validate ``raw``; on any error raise ``LoadError`` (nothing written), else write it.

    ``mode="upsert"`` (default): add new keys, update stored rows that differ in any column,
    delete nothing. ``mode="replace"``: also delete, for each (source, series) pair in the
    table, the stored rows the table does not hold. ``"merge"`` is accepted for ``"upsert"``.

    ``new_sources``: Source rows (dicts with the model's fields) to add or update in the same
    transaction, for data whose source is not in the store yet (an SDMX fetch, say).
    ``actor`` (default: the operating-system user) and ``file_sha256`` (default: the hash of
    the file or folder ``raw.attrs["file"]`` names, when it exists) go into the load log.
    """
    mode = load_mode(mode)
    new_sources = list(new_sources)
    ctx = ctx or store_context(engine, [src["id"] for src in new_sources], raw)
    rows = prepare_rows(raw)
    with (
        loading_connection(engine) as connection,
        Session(connection) as session,
        session.begin(),
    ):
        record = M.LoadRecord(
            kind="file",
            mode=mode,
            name=str(raw.attrs.get("file", "")),
            digest="",
            rows=len(raw),
            loaded_at=datetime.now(UTC).replace(tzinfo=None),
            actor=actor or os_user(),
            sha256=file_sha256,
        )
        session.add(record)
        # The record first: on SQLite its INSERT takes the write lock, so what is read below
        # to compare stays true until the commit; PostgreSQL is told to queue other writers.
        session.flush()
        lock_observations(session)
        for src in new_sources:
            session.merge(M.Source(**src))
        write_labels(session, raw)  # the words of new breakdown dimensions and codes
        write_areas(session, raw)  # subnational areas of known countries (national files)
        session.flush()  # the sources must exist before rows that cite them go in by SQL
        # Before the rows go in, in the same transaction: no per-row checks on SQLite (above).
        table = M.Observation.__table__
        distinct = rows.distinct(key.parent.name for key in table.foreign_keys)
        conn = session.connection()
        missing = missing_references(conn, table, raw, distinct)
        if missing:  # the rules' full report first, when they find errors too
            validate(raw, rules, ctx).raise_for_errors()
            raise LoadError(missing)
        diff = _compare(conn, rows, mode, record.id)
        delete_keys(conn, diff.gone)
        write_log(conn, record.id, diff.log)
        report, digest, sha = _write_while_checking(
            session, raw, rows.only(diff.write), rules, ctx, progress, record.id
        )
        total = Changes()
        for counts in diff.by_source.values():
            total += counts
        record.digest = digest
        record.sha256 = file_sha256 or sha
        record.added, record.changed = total.added, total.changed
        record.removed, record.unchanged = total.removed, total.unchanged
        load_id = record.id
    by_source = {str(k): int(v) for k, v in raw["source"].value_counts().sort_index().items()}
    return LoadSummary(
        len(raw),
        by_source,
        report.warnings,
        report,
        load_id=load_id,
        mode=mode,
        changes=total,
        changes_by_source=dict(sorted(diff.by_source.items())),
    )


def lock_observations(session: Session) -> None:
    """PostgreSQL: one load (or undo) at a time, readers never blocked; SQLite locks already."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE observation IN SHARE ROW EXCLUSIVE MODE")


@dataclass
class _Diff:
    """What writing a table changes: the rows to write, the keys to delete first, the log."""

    write: np.ndarray | None  # per raw row: write it (None: every row)
    gone: list[tuple]  # keys of changed and removed rows, deleted before the rows go in
    log: list[tuple]  # load_change rows (see write_log)
    by_source: dict[str, Changes]


def _compare(conn, rows: PreparedRows, mode: str, load_id: int) -> _Diff:
    """Compare the table with the stored rows of each (source, series) pair it holds.

    A pair with no stored row (a new source or series, the usual big load) is all added,
    found by one indexed look-up and nothing read; only pairs already stored are compared,
    by key and then column by column.
    """
    position = {c: OBS_COLUMNS.index(c) for c in OBS_COLUMNS}
    src_codes, src_values = rows.columns[position["source"]]
    ser_codes, ser_values = rows.columns[position["series"]]
    pair = src_codes.astype(np.int64) * len(ser_values) + ser_codes
    pairs, counts = np.unique(pair, return_counts=True)
    by_source: dict[str, Changes] = {}
    write: np.ndarray | None = None
    gone: dict[tuple, None] = {}
    log: dict[tuple, tuple] = {}
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    grouped = None
    columns = [position[c] for c in KEY + DATA]
    for n, (code, count) in enumerate(zip(pairs, counts, strict=True)):
        source = src_values[code // len(ser_values)]
        series = ser_values[code % len(ser_values)]
        changes = by_source.setdefault(str(source or ""), Changes())
        stored_any = None
        if source is not None and series is not None:
            stored_any = conn.exec_driver_sql(
                f"SELECT 1 FROM observation WHERE series = {mark} AND source = {mark} LIMIT 1",
                (series, source),
            ).first()
        if stored_any is None:
            changes.added += int(count)
            continue
        if grouped is None:  # row positions grouped by pair, once, when first needed
            order = np.argsort(pair, kind="stable")
            bounds = np.concatenate([[0], np.cumsum(counts)])
            grouped = (order, bounds)
        positions = grouped[0][grouped[1][n] : grouped[1][n + 1]]
        cells = rows.cells(positions, columns)
        areas = sorted({c[1] for c in cells if c[1] is not None})
        stored = stored_rows(conn, mark, series, source, areas if mode == "upsert" else None)
        if write is None:
            write = np.ones(len(pair), dtype=bool)
        seen: set[tuple] = set()
        for i, row in zip(positions.tolist(), cells, strict=True):
            key, data = tuple(row[: len(KEY)]), tuple(row[len(KEY) :])
            seen.add(key)
            before = stored.get(key)
            if before is None:
                changes.added += 1
            elif before[:-1] == data:
                changes.unchanged += 1
                write[i] = False
            else:
                changes.changed += 1
                gone[key] = None
                log.setdefault(key, (*key, "changed", *before, load_id))
        if mode == "replace":
            for key, before in stored.items():
                if key not in seen:
                    changes.removed += 1
                    gone[key] = None
                    log.setdefault(key, (*key, "removed", *before, None))
    return _Diff(write, list(gone), list(log.values()), by_source)


def stored_rows(conn, mark: str, series, source, areas: list | None) -> dict[tuple, tuple]:
    """The stored observations of one (series, source) pair, of ``areas`` only when given and
    no more than ``AREAS_IN_QUERY`` (more: every area's, the caller looks up its own).

    Returns key (``KEY`` order) -> data (``DATA`` order) followed by ``load_id``. ``mark`` is
    the driver's parameter mark (``?`` or ``%s``).
    """
    names = ", ".join(KEY + DATA + ["load_id"])
    sql = f"SELECT {names} FROM observation WHERE series = {mark} AND source = {mark}"
    params: list = [series, source]
    if areas is not None and len(areas) <= AREAS_IN_QUERY:
        sql += f" AND ref_area IN ({', '.join([mark] * len(areas))})"
        params += areas
    result = conn.exec_driver_sql(sql, tuple(params))
    return {tuple(r[: len(KEY)]): tuple(r[len(KEY) :]) for r in result}


LOG_COLUMNS = ["load_id", *KEY, "action", *DATA, "before_load_id", "after_load_id"]


def write_log(conn, load_id: int, entries: list[tuple]) -> None:
    """Add ``entries`` to ``load_change``: (key..., action, data..., before id, after id)."""
    if not entries:
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO load_change ({', '.join(LOG_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(LOG_COLUMNS))})"
    )
    for start in range(0, len(entries), ROWS_PER_BATCH):
        batch = entries[start : start + ROWS_PER_BATCH]
        conn.exec_driver_sql(sql, [(load_id, *e) for e in batch])


def file_sha256(path: Path | str | None) -> str | None:
    """sha256 of a file, or of a folder (its files' relative paths and hashes, sorted)."""
    if not path:
        return None
    path = Path(path)
    try:
        if path.is_file():
            return _hash_file(path).hexdigest()
        if path.is_dir():
            h = hashlib.sha256()
            for item in sorted(p for p in path.rglob("*") if p.is_file()):
                name = item.relative_to(path).as_posix().encode()
                h.update(name + b"\0" + _hash_file(item).digest())
            return h.hexdigest()
    except OSError:
        return None
    return None


def _hash_file(path: Path):
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h


def _write_while_checking(
    session, raw, rows, rules, ctx, progress, load_id
) -> tuple[Report, str, str | None]:
    """Insert on one core while the rules (then the content digest and the file's sha256)
    run on the other; raise on any error.

    SQLite and psycopg do their work without Python's lock, so the two overlap (hashlib too).
    The caller's transaction is rolled back on the exception, so a refused table leaves
    nothing behind.
    """
    conn = session.connection()
    stop = threading.Event()
    report: Report | None = None
    digest, sha = "", None
    with ThreadPoolExecutor(max_workers=1) as pool:
        writing = pool.submit(_insert, conn, rows, stop, progress, load_id)
        try:
            report = validate(raw, rules, ctx)
            if not report.errors:
                digest = _digest(raw)
                sha = file_sha256(raw.attrs.get("file"))
        finally:
            if report is None or report.errors:
                stop.set()
            failed = writing.exception()
    report.raise_for_errors()
    if failed is not None:
        raise failed
    return report, digest, sha


def _digest(raw: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(raw[OBS_COLUMNS]).values).hexdigest()


def delete_keys(conn, keys: list[tuple]) -> None:
    """Delete the stored observations with these keys (tuples in ``KEY`` order), in batches,
    on ``conn`` (in the caller's transaction)."""
    if not keys:
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"DELETE FROM {M.Observation.__tablename__} WHERE " + " AND ".join(
        f"{k} = {mark}" for k in KEY
    )
    for start in range(0, len(keys), ROWS_PER_BATCH):
        conn.exec_driver_sql(sql, keys[start : start + ROWS_PER_BATCH])


@dataclass
class PreparedRows:
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

    def only(self, write: np.ndarray | None) -> PreparedRows:
        """The rows whose ``write`` flag (per raw row) is set, still in key order."""
        if write is None:
            return self
        return PreparedRows(self.order[write[self.order]], self.columns)

    def cells(self, positions: np.ndarray, columns: list[int]) -> list[list]:
        """Raw rows ``positions`` (not key order) of the columns at ``columns``, as lists."""
        cells = np.empty((len(positions), len(columns)), dtype=object)
        for j, i in enumerate(columns):
            codes, values = self.columns[i]
            cells[:, j] = values[codes[positions]]
        return cells.tolist()

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


def prepare_rows(raw: pd.DataFrame) -> PreparedRows:
    """The table as column codes and distinct values, sorted by key: what the loader binds."""
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
    return PreparedRows(np.lexsort(keys[::-1]), columns)


def _insert(
    conn, rows: PreparedRows, stop: threading.Event, progress: Progress | None, load_id=None
) -> None:
    """Insert with the driver's executemany (the ORM's per-row work costs five times more).

    A column with one value in the whole table (the series, unit, source... of a typical
    file) is written once into the statement as a literal that SQLAlchemy renders for the
    dialect, so only the varying columns are bound row by row: half the insert time. Each
    statement carries up to ``ROWS_PER_STATEMENT`` rows (a multi-row VALUES), which spares
    the driver and the database most of their per-statement work: a fifth off again. The
    load's id goes into ``load_id`` the same way. Columns are named, never taken by position.
    """
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    literals = {i: _literal(conn.dialect, v) for i, v in rows.constants().items()}
    literals = {i: sql for i, sql in literals.items() if sql is not None}
    bound = [i for i in range(len(OBS_COLUMNS)) if i not in literals]
    names, cells = list(OBS_COLUMNS), [literals.get(i, mark) for i in range(len(OBS_COLUMNS))]
    if load_id is not None:
        names.append("load_id")
        cells.append(str(int(load_id)))
    one_row = f"({', '.join(cells)})"
    into = f"INSERT INTO {M.Observation.__tablename__} ({', '.join(names)}) VALUES "
    per_statement = _rows_per_statement(conn, len(bound))
    many_rows = into + ", ".join([one_row] * per_statement)
    total = len(rows)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of new lists would set the cyclic collector off again and again
    try:
        for start in range(0, total, ROWS_PER_BATCH):
            if stop.is_set():
                return
            cells = rows.grid(start, start + ROWS_PER_BATCH, bound)
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
                progress("observations", min(start + ROWS_PER_BATCH, total), total)
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
