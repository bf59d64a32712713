"""The load log: which loads were made, what each added, changed and removed, and undoing one.

Every load (``target87 load``, ``load_file``, ``load_table``, an undo) writes a ``load_record``
with who, when, the file, its sha256, the mode and the counts, and for every row it changed or
removed the row as it was (``load_change``). Rows a load added or changed carry its id in
``observation.load_id``; so the rows a load added are those that still carry its id, plus
those a later load changed or removed (their before-image carries the id), less the ones the
load changed. An undo lists the rows it puts back explicitly (they keep the id they had).

``undo_load`` puts back what a load changed or removed and removes what it added, in one
transaction, logged as a load of its own (``kind="undo"``), which can itself be undone. It
refuses, naming the rows, when a later load touched any of them (the row no longer carries
what the load wrote, or a row it removed is back), unless ``force=True``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from target87.ingest.writer import os_user
from target87.interop.load import (
    DATA,
    KEY,
    Changes,
    LoadSummary,
    delete_keys,
    lock_observations,
    stored_rows,
    write_log,
)
from target87.store import models as M

ACTIONS = ("added", "changed", "removed")
ROW_COLUMNS = ["action", *KEY, "value_before", "value_after", "what", "state"]


class HistoryError(LookupError):
    """No such load, or a load that cannot be undone (the snapshot, an unlogged load)."""


class UndoRefused(RuntimeError):
    """A later load touched rows of the load to undo; ``conflicts`` names them."""

    def __init__(self, load_id: int, conflicts: pd.DataFrame):
        self.load_id = load_id
        self.conflicts = conflicts
        shown = conflicts.head(20)
        lines = [f"  {_key_text(r)}: {r['state']}" for r in shown.to_dict("records")]
        more = len(conflicts) - len(shown)
        if more:
            lines.append(f"  ... and {more} more")
        super().__init__(
            f"Undo of load {load_id} refused: a later load touched {len(conflicts)} of its "
            "row(s); nothing was changed. Undo the later load(s) first, or force it "
            "(--force) to put these rows back as they were before load "
            f"{load_id} all the same:\n" + "\n".join(lines)
        )


@dataclass
class _Entry:
    """A row a load touched: what it did, the row before (None if added), the id it left."""

    action: str
    before: tuple | None  # DATA + load_id as they were before the load
    after_load_id: int | None  # observation.load_id the load left (None: removed)


def loads(engine: Engine, limit: int | None = None) -> pd.DataFrame:
    """Every load, newest first: id, when, who, kind, mode, file, sha256, counts, undo links."""
    columns = [
        "id",
        "loaded_at",
        "actor",
        "kind",
        "mode",
        "name",
        "sha256",
        "rows",
        "added",
        "changed",
        "removed",
        "unchanged",
        "undoes",
        "undone_by",
    ]
    stmt = select(*(getattr(M.LoadRecord, c) for c in columns)).order_by(M.LoadRecord.id.desc())
    if limit:
        stmt = stmt.limit(limit)
    with Session(engine) as session:
        rows = session.execute(stmt).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns, dtype=object)
    for column in ("id", "rows", "added", "changed", "removed", "unchanged", "undoes", "undone_by"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    return frame


def load_record(engine: Engine, load_id: int) -> M.LoadRecord:
    with Session(engine, expire_on_commit=False) as session:
        record = session.get(M.LoadRecord, load_id)
    if record is None:
        raise HistoryError(f"There is no load {load_id} (`target87 history` lists them).")
    return record


def load_rows(engine: Engine, load_id: int) -> pd.DataFrame:
    """The rows load ``load_id`` added, changed and removed, and how each stands now.

    Columns: ``action``, the key, ``value_before``, ``value_after`` (as the load left it),
    ``what`` (the columns that changed, before -> after), ``state`` ("as loaded", or what a
    later load did to the row).
    """
    record = load_record(engine, load_id)
    _require_log(record)
    with engine.connect() as conn:
        entries = _entries(conn, load_id)
        current = _current(conn, entries)
    out = []
    for key, entry in entries.items():
        now = current.get(key)
        state = _state(entry, now, load_id)
        before = entry.before
        after = None
        if entry.action != "removed":
            after = now if now is not None and now[-1] == _expected(entry, load_id) else None
        out.append(
            (
                entry.action,
                *key,
                before[DATA.index("value")] if before else None,
                after[DATA.index("value")] if after else None,
                _what(entry, after),
                state,
            )
        )
    frame = pd.DataFrame(out, columns=ROW_COLUMNS)
    order = {a: i for i, a in enumerate(ACTIONS)}
    frame["_order"] = frame["action"].map(order)
    frame = frame.sort_values(["_order", *KEY], kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)


def undo_load(
    engine: Engine, load_id: int, *, force: bool = False, actor: str | None = None
) -> LoadSummary:
    """Undo load ``load_id``: all of it in one transaction, logged as a load of its own.

    Raises ``HistoryError`` for a load that cannot be undone and ``UndoRefused`` (nothing
    written) when a later load touched its rows, unless ``force``.
    """
    _require_log(load_record(engine, load_id))
    with Session(engine) as session, session.begin():
        undo = M.LoadRecord(
            kind="undo",
            mode="undo",
            name=f"undo of load {load_id}",
            digest=hashlib.sha256(f"undo of load {load_id}".encode()).hexdigest(),
            rows=0,
            loaded_at=datetime.now(UTC).replace(tzinfo=None),
            actor=actor or os_user(),
            undoes=load_id,
        )
        session.add(undo)
        session.flush()  # the write lock on SQLite, before anything is read (see load_table)
        lock_observations(session)
        record = session.get(M.LoadRecord, load_id)
        if record.undone_by is not None:  # read under the lock: two undos cannot both pass
            by = session.get(M.LoadRecord, record.undone_by)
            if by is None or by.undone_by is None:
                raise HistoryError(
                    f"Load {load_id} was undone already, by load {record.undone_by}; undo "
                    f"load {record.undone_by} to put it back."
                )
        conn = session.connection()
        entries = _entries(conn, load_id)
        current = _current(conn, entries)
        conflicts = {
            key: entry
            for key, entry in entries.items()
            if _conflict(entry, current.get(key), load_id)
        }
        if conflicts and not force:
            raise UndoRefused(load_id, _conflict_frame(conn, load_id, conflicts, current))
        if conflicts:
            undo.name += f" (forced over {len(conflicts)} row(s) later loads touched)"
        gone, put, log, by_source = [], [], [], {}
        for key, entry in entries.items():
            changes = by_source.setdefault(key[KEY.index("source")], Changes())
            now = current.get(key)
            if entry.action == "added":
                if now is None:
                    changes.unchanged += 1
                    continue
                gone.append(key)
                log.append((*key, "removed", *now, None))
                changes.removed += 1
                continue
            target = entry.before  # the row as it was: put back with the load id it had
            if now is None:
                put.append((*key, *target))
                log.append((*key, "added", *([None] * (len(DATA) + 1)), target[-1]))
                changes.added += 1
            elif now == target:
                changes.unchanged += 1
            else:
                gone.append(key)
                put.append((*key, *target))
                log.append((*key, "changed", *now, target[-1]))
                changes.changed += 1
        delete_keys(conn, gone)
        _insert_rows(conn, put)
        write_log(conn, undo.id, log)
        total = Changes()
        for counts in by_source.values():
            total += counts
        undo.rows = len(entries)
        undo.added, undo.changed = total.added, total.changed
        undo.removed, undo.unchanged = total.removed, total.unchanged
        record.undone_by = undo.id
        undo_id = undo.id
    return LoadSummary(
        rows=len(entries),
        by_source={s: sum(vars(c).values()) for s, c in sorted(by_source.items())},
        load_id=undo_id,
        mode="undo",
        changes=total,
        changes_by_source=dict(sorted(by_source.items())),
    )


def _require_log(record: M.LoadRecord) -> None:
    if record.kind == "snapshot":
        raise HistoryError(
            f"Load {record.id} is the bundled snapshot (`target87 init`): it has no change "
            "log and cannot be undone; a later `init` replaces its rows (never yours)."
        )
    if record.mode is None:
        raise HistoryError(
            f"Load {record.id} ({record.kind}) has no change log: it was made before the "
            "load log existed (schema 0005) or by publishing a national report, so it "
            "cannot be shown row by row or undone."
        )


def _entries(conn, load_id: int) -> dict[tuple, _Entry]:
    """Every row load ``load_id`` touched, by key (see the module's docstring)."""
    names = ", ".join(KEY + ["action"] + DATA + ["before_load_id", "after_load_id"])
    mark = _mark(conn)
    entries: dict[tuple, _Entry] = {}
    logged = conn.exec_driver_sql(
        f"SELECT {names} FROM load_change WHERE load_id = {mark}", (load_id,)
    )
    n = len(KEY)
    for r in logged:
        before = None if r[n] == "added" else tuple(r[n + 1 : -1])
        entries[tuple(r[:n])] = _Entry(r[n], before, r[-1])
    # Rows it added: those still carrying its id, and those a later load changed or removed.
    keys = ", ".join(KEY)
    for sql in (
        f"SELECT {keys} FROM observation WHERE load_id = {mark}",
        f"SELECT {keys} FROM load_change WHERE before_load_id = {mark} AND load_id > {mark}",
    ):
        params = (load_id,) if sql.count(mark) == 1 else (load_id, load_id)
        for r in conn.exec_driver_sql(sql, params):
            entries.setdefault(tuple(r), _Entry("added", None, load_id))
    return entries


def _current(conn, entries: dict[tuple, _Entry]) -> dict[tuple, tuple]:
    """The stored rows (DATA + load_id) of the touched keys, read a pair at a time."""
    pairs: dict[tuple, set] = {}
    for key in entries:
        pairs.setdefault((key[0], key[KEY.index("source")]), set()).add(key[1])
    mark = _mark(conn)
    current: dict[tuple, tuple] = {}
    for (series, source), areas in sorted(pairs.items()):
        stored = stored_rows(conn, mark, series, source, sorted(areas))
        current.update((k, v) for k, v in stored.items() if k in entries)
    return current


def _expected(entry: _Entry, load_id: int) -> int | None:
    """``observation.load_id`` of the row as the load left it."""
    return entry.after_load_id if entry.action != "removed" else None


def _conflict(entry: _Entry, now: tuple | None, load_id: int) -> bool:
    if entry.action == "removed":
        return now is not None
    return now is None or now[-1] != _expected(entry, load_id)


def _state(entry: _Entry, now: tuple | None, load_id: int, removed_by: int | None = None) -> str:
    """How a row the load touched stands now: as the load left it, or what happened since."""
    if not _conflict(entry, now, load_id):
        return "as loaded"
    if entry.action == "removed":
        by = f" (written by load {now[-1]})" if now[-1] is not None else ""
        return f"back since{by}"
    if now is None:
        return f"removed since by load {removed_by}" if removed_by else "removed since"
    by = f"by load {now[-1]}" if now[-1] is not None else "(not by a logged load)"
    return f"changed since {by}"


def _conflict_frame(conn, load_id: int, conflicts: dict, current: dict) -> pd.DataFrame:
    mark = _mark(conn)
    where = " AND ".join(f"{k} = {mark}" for k in KEY)
    rows = []
    for key, entry in sorted(conflicts.items()):
        now = current.get(key)
        removed_by = None
        if now is None and entry.action != "removed":
            removed_by = conn.exec_driver_sql(
                f"SELECT max(load_id) FROM load_change WHERE {where} AND action = 'removed' "
                f"AND load_id > {mark}",
                (*key, load_id),
            ).scalar()
        state = _state(entry, now, load_id, removed_by)
        rows.append((entry.action, *key, None, None, "", state))
    return pd.DataFrame(rows, columns=ROW_COLUMNS)


def _what(entry: _Entry, after: tuple | None) -> str:
    """The columns a changed row differs in, ``before -> after``."""
    if entry.action != "changed" or entry.before is None or after is None:
        return ""
    return "; ".join(
        f"{c} {_cell(b)} -> {_cell(a)}"
        for c, b, a in zip(DATA, entry.before[:-1], after[:-1], strict=True)
        if b != a
    )


def _cell(value) -> str:
    return "(empty)" if value is None else str(value)


def _key_text(row: dict) -> str:
    return " ".join(str(row[k]) for k in KEY)


def _insert_rows(conn, rows: list[tuple]) -> None:
    if not rows:
        return
    names = KEY + DATA + ["load_id"]
    mark = _mark(conn)
    conn.exec_driver_sql(
        f"INSERT INTO observation ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})",
        rows,
    )


def _mark(conn) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"
