"""Writing checked rows in one transaction: upsert reference tables, replace facts by source."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.orm import Session

from target87.store.models import OBSERVATION_KEY, Base, LoadRecord, Observation

# Told (stage, rows done, rows in all) as a write goes on: the one progress type of every
# writer, the snapshot's here and the file loads' (``interop.load``).
Progress = Callable[[str, int, int], None]
# Rows handed to one insert (one executemany, one progress step) by the writers here.
ROWS_PER_INSERT = 2000


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    same_in_every_row: dict[str, Any] | None = None,
) -> None:
    """Insert ``rows`` (dicts with the same keys) and the values ``same_in_every_row`` by one
    DBAPI executemany of tuples.

    What SQLAlchemy's insert does, without its per-row parameter building: that cost four
    times the database's own work on the snapshot (issue 22). A column a row leaves out takes
    its Python default, as SQLAlchemy would give it; a callable or SQL default is refused
    here rather than guessed.
    """
    if not rows:
        return
    given = [name for name in rows[0] if name in table.columns]  # others ignored, as by Core
    defaults = dict(same_in_every_row or {})
    for column in table.columns:
        if column.name in rows[0] or column.name in defaults or column.default is None:
            continue
        if not column.default.is_scalar:
            raise ValueError(f"{table.name}.{column.name}: only scalar defaults are filled")
        defaults[column.name] = column.default.arg
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    names = given + list(defaults)
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join([marker] * len(names))})"
    )
    fixed = tuple(defaults.values())
    pick = itemgetter(*given)  # a tuple for two names or more, the bare value for one
    if len(given) == 1:
        values = [(pick(r), *fixed) for r in rows]
    elif fixed:
        values = [pick(r) + fixed for r in rows]
    else:
        values = [pick(r) for r in rows]
    connection.exec_driver_sql(sql, values)


def upsert(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows whose primary key is new and update the others (ORM bulk by primary key)."""
    (pk,) = model.__table__.primary_key.columns
    existing = set(session.execute(select(pk)).scalars())
    new = [r for r in rows if r[pk.name] not in existing]
    old = [r for r in rows if r[pk.name] in existing]
    if new:
        insert_rows(session, model.__table__, new)
    if old:
        session.execute(update(model), old)
    return len(rows)


def replace_by_source(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    sources: set[str],
    progress: Progress | None = None,
    stage: str = "",
) -> int:
    """Delete every row of ``sources`` in ``model``, then insert ``rows`` in batches."""
    session.execute(delete(model).where(model.source.in_(sorted(sources))))
    total = len(rows)
    for start in range(0, total, ROWS_PER_INSERT):
        insert_rows(session, model.__table__, rows[start : start + ROWS_PER_INSERT])
        if progress:
            progress(stage or model.__tablename__, min(start + ROWS_PER_INSERT, total), total)
    if progress and total == 0:
        progress(stage or model.__tablename__, 0, 0)
    return total


def replace_snapshot_observations(
    session: Session,
    rows: Sequence[dict[str, Any]],
    sources: set[str],
    load_id: int,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """The snapshot's observations in place of the rows an earlier snapshot wrote.

    Only rows a snapshot wrote (or rows from before the load log, whose writer is unknown) are
    deleted: rows of other sources are never touched, and rows a user's load added or changed
    in a bundled source are kept, the snapshot's row for the same key left out. Returns (rows
    written, user rows kept).
    """
    obs = Observation
    snapshots = select(LoadRecord.id).where(LoadRecord.kind == "snapshot")
    in_sources = obs.source.in_(sorted(sources))
    session.execute(
        delete(obs).where(in_sources, or_(obs.load_id.is_(None), obs.load_id.in_(snapshots)))
    )
    key = [getattr(obs, k) for k in OBSERVATION_KEY]
    kept = {tuple(k) for k in session.execute(select(*key).where(in_sources))}
    if kept:
        rows = [r for r in rows if tuple(r[k] for k in OBSERVATION_KEY) not in kept]
    total = len(rows)
    for start in range(0, total, ROWS_PER_INSERT):
        insert_rows(
            session, obs.__table__, rows[start : start + ROWS_PER_INSERT], {"load_id": load_id}
        )
        if progress:
            progress("observations", min(start + ROWS_PER_INSERT, total), total)
    if progress and total == 0:
        progress("observations", 0, 0)
    return total, len(kept)


def os_user() -> str:
    """Who runs this process, for the load log (the operating-system account)."""
    try:
        return getpass.getuser()
    except Exception:  # no name for the uid (a container): the number says who it was
        import os

        return f"uid {os.getuid()}"
