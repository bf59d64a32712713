"""Writing checked rows in one transaction: upsert reference tables, replace facts by source."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from target87.store.models import Base

Progress = Callable[[str, int, int], None]
BATCH = 2000


def upsert(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows whose primary key is new and update the others (ORM bulk by primary key)."""
    (pk,) = model.__table__.primary_key.columns
    existing = set(session.execute(select(pk)).scalars())
    new = [r for r in rows if r[pk.name] not in existing]
    old = [r for r in rows if r[pk.name] in existing]
    if new:
        session.execute(insert(model), new)
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
    for start in range(0, total, BATCH):
        session.execute(insert(model), list(rows[start : start + BATCH]))
        if progress:
            progress(stage or model.__tablename__, min(start + BATCH, total), total)
    if progress and total == 0:
        progress(stage or model.__tablename__, 0, 0)
    return total
