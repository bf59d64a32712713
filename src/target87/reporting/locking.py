"""One transaction per change, and optimistic locking with a message naming who got there
first.

Every write of the reporting layer runs inside ``writing(session)``: its rows, its audit events
and its state change commit together or not at all. Edited rows carry a version; the caller
passes the version it showed the user, and ``check_version`` refuses a stale one. The UPDATE
itself also says ``WHERE version = <read version>`` (SQLAlchemy's ``version_id_col``), so two
saves racing past the check still cannot both win: the loser's ``StaleDataError`` becomes the
same ``ConflictError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from target87.reporting.errors import ConflictError


def check_version(what: str, row: Any, expected: int | None) -> None:
    """Raise ``ConflictError`` when ``row`` is no longer at ``expected`` (None: no check)."""
    if expected is not None and row.version != expected:
        raise ConflictError(what, row.updated_by, row.updated_at, expected, row.version)


@contextmanager
def writing(
    session: Session, conflict: Callable[[], ConflictError] | None = None
) -> Iterator[None]:
    """Commit what the block did, or roll all of it back on any exception.

    ``conflict`` builds the error to raise when the commit loses a version race; it runs
    after the rollback, so it reads the winner's row.
    """
    try:
        yield
        session.commit()
    except StaleDataError:
        session.rollback()
        if conflict is None:
            raise
        raise conflict() from None
    except BaseException:
        session.rollback()
        raise


def conflict_on(
    session: Session, what: str, model: type, key: Any, expected: int | None
) -> Callable[[], ConflictError]:
    """A ``conflict`` callback for ``writing``: re-reads the row after the rollback."""

    def build() -> ConflictError:
        row = session.get(model, key, populate_existing=True)
        if row is None:
            return ConflictError(what, "someone (it was deleted)", None, expected or 0, 0)
        return ConflictError(what, row.updated_by, row.updated_at, expected or 0, row.version)

    return build
