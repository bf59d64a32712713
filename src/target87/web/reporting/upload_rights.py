"""Who may use the "Load national data" pages, and who may load from them.

Two rights, both asked of ``reporting.authorize`` (the one place that decides):

- **Walk** a file through the mapping and its preview (nothing is written): the right to write
  a country's figures (``edit_report``) for every country of the file's rows. A focal point
  walks its own country's files; an administrator any country's.
- **Load** the previewed rows: loaded rows go into the warehouse and onto the public pages at
  once, with no review, so a load takes the right to write *and* the right to publish
  (``publish``) a country's figures. With today's roles only an administrator holds both; a
  focal point downloads the mapping that passed and hands it, with the file, to one.
"""

from __future__ import annotations

from collections.abc import Iterable

from target87 import reporting
from target87.reporting.models import User
from target87.web.reporting.render import may

WALK_RIGHTS = ("edit_report",)
LOAD_RIGHTS = ("edit_report", "publish")


def _holds(user: User | None, rights: tuple[str, ...], country: str | None) -> bool:
    return all(may(user, action, country) for action in rights)


def may_walk(user: User | None, country: str | None = None) -> bool:
    """Whether ``user`` may map and preview rows of ``country`` (None: of any country)."""
    return _holds(user, WALK_RIGHTS, country)


def may_load(user: User | None, country: str | None = None) -> bool:
    """Whether ``user`` may load rows of ``country`` (None: of any country)."""
    return _holds(user, LOAD_RIGHTS, country)


def walk_scope(user: User | None) -> str | None:
    """The country asked for before a file's rows are known: none (every country) for a role
    that may walk every country's files, else the account's own country."""
    return None if may_walk(user) else (user.country if user is not None else None)


def may_walk_somewhere(user: User | None) -> bool:
    return user is not None and may_walk(user, walk_scope(user))


def may_load_these(user: User | None, countries: Iterable[str | None]) -> bool:
    return all(may_load(user, c) for c in set(countries) or {walk_scope(user)})


def _require(user: User | None, rights, countries: Iterable[str | None], what: str) -> None:
    for country in sorted(set(countries), key=str) or [None]:
        if not _holds(user, rights, country):
            if user is not None and not user.active:
                reporting.authorize(user, rights[0], country)  # says the account is off
            who = "the public" if user is None else f"{user.email} ({user.role})"
            where = f" for {country}" if country else ""
            raise reporting.Forbidden(f"{who} may not {what}{where}")


def require_walk(user: User | None, countries: Iterable[str | None]) -> None:
    """Raise ``reporting.Forbidden`` unless ``user`` may map and preview rows of every one of
    ``countries``."""
    _require(
        user,
        WALK_RIGHTS,
        countries,
        "map national data files: that takes the right to edit a country's figures",
    )


def require_load(user: User | None, countries: Iterable[str | None]) -> None:
    """Raise ``reporting.Forbidden`` unless ``user`` may load rows of every one of
    ``countries``."""
    _require(
        user,
        LOAD_RIGHTS,
        countries,
        "load data into the warehouse: loading takes the rights to edit and to publish a "
        "country's figures",
    )
