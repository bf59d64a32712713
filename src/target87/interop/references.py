"""Foreign keys for bulk loads: checked once per distinct code, not once per row.

SQLite checks a foreign key for every row it inserts: three lookups per observation, a fifth
of a million-row load. A load turns them off on its own connection (``loading_connection``)
and ``missing_references`` asks the same question once for each distinct code the table cites,
inside the load's transaction, before the rows go in. PostgreSQL keeps its own per-row
checks; the set check runs there too, first, so both refuse with the same located message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pandas as pd
from sqlalchemy import Connection, Engine, Table, select

from target87.ingest.errors import Problem
from target87.validation.rules import Rule

CHUNK = 500  # codes per IN list: far below every database's limit on parameters


@contextmanager
def loading_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for one load; on SQLite its per-row foreign key checks are off meanwhile.

    SQLite ignores the pragma inside a transaction, so it is set before the load's
    transaction begins and set back after it ends. A connection whose checks could not be
    turned back on is discarded, never returned to the pool.
    """
    with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            yield connection
            return
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        try:
            yield connection
        finally:
            restored = False
            try:
                connection.rollback()  # whatever is still open: the pragma needs none
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
                restored = connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            finally:  # even on Ctrl-C: a connection without its checks is never reused
                if not restored:
                    connection.invalidate()


def missing_references(
    connection: Connection, table: Table, raw: pd.DataFrame, distinct: dict[str, Iterable]
) -> list[Problem]:
    """The rows whose codes are missing from the parent tables, located; [] when none are.

    ``distinct``: for each column of ``table``, the distinct values the load writes into it.
    """
    problems: list[Problem] = []
    for key in sorted(table.foreign_keys, key=lambda k: k.parent.name):
        column, parent = key.parent.name, key.column
        codes = sorted({c for c in distinct[column] if c is not None})
        known: set = set()
        for start in range(0, len(codes), CHUNK):
            chunk = codes[start : start + CHUNK]
            known |= set(connection.execute(select(parent).where(parent.in_(chunk))).scalars())
        missing = set(codes) - known
        if missing:
            where = f"{parent.table.name}.{parent.name}"
            problems += REFERENCE.found(
                raw,
                raw[column].isin(missing),
                column,
                lambda row, c=column, w=where: f"{row[c]!r} is not in the store ({w})",
            )
    return problems


REFERENCE = Rule(name="reference")
