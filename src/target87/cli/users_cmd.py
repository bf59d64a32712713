"""``target87 users``: accounts of the national reporting pages, managed on the server.

The command line acts as the instance's operator (all rights; the audit trail records
"command line"). Passwords are read from a hidden prompt or, with ``--password-stdin``, from
the first line of standard input; they are never echoed or written anywhere but as a hash.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Column, Table
from sqlalchemy.orm import Session

from target87 import reporting, store
from target87.cli.common import console, err, ready_engine

users_app = typer.Typer(
    help="Accounts for national reporting: add, list, disable, enable, set-role, set-password.",
    no_args_is_help=True,
)


class Role(StrEnum):
    admin = "admin"
    secretariat = "secretariat"
    focal_point = "focal_point"
    viewer = "viewer"


PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
]
Country = Annotated[
    str | None,
    typer.Option("--country", help="ISO3 code: required for focal_point and viewer."),
]


@contextmanager
def reporting_session() -> Iterator[Session]:
    """A session on a database with the reporting tables; refusals exit 2 with the reasons."""
    engine = ready_engine()
    store.migrate(engine)
    try:
        with Session(engine) as session:
            yield session
    except reporting.ValidationFailed as exc:
        for problem in exc.problems:
            err.print(f"[red]{problem.field or 'error'}[/]: {problem.message}")
        raise typer.Exit(2) from None
    except reporting.ReportingError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The account's email address (its login).")],
    name: Annotated[str, typer.Option("--name", help="Name shown in pages and the audit.")],
    role: Annotated[Role, typer.Option("--role", help="What the account may do.")],
    country: Country = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an account."""
    password = read_password(password_stdin)
    with reporting_session() as s:
        actor = reporting.Actor.command_line()
        user = reporting.create_user(s, actor, email, name, password, role.value, country)
        console.print(f"Account created: {user.email} ({user.role}, {user.country or 'all'})")


@users_app.command("list")
def list_accounts() -> None:
    """List the accounts."""
    with reporting_session() as s:
        users = reporting.list_users(s, reporting.Actor.command_line())
        # An address is an identifier: whole on one line, however narrow the terminal.
        email = Column(
            "email", no_wrap=True, min_width=max((len(u.email) for u in users), default=5)
        )
        table = Table(email, "name", "role", "country", "active", "created (UTC)")
        for u in users:
            created = f"{u.created_at:%Y-%m-%d %H:%M}"
            active = "yes" if u.active else "no"
            table.add_row(u.email, u.display_name, u.role, u.country or "", active, created)
        console.print(table)


def _set_active(email: str, active: bool) -> None:
    with reporting_session() as s:
        user = reporting.set_active(s, reporting.Actor.command_line(), email, active)
        console.print(f"{user.email} is now {'active' if active else 'disabled'}.")


@users_app.command("disable")
def disable(email: Annotated[str, typer.Argument()]) -> None:
    """Disable an account (it can no longer log in; its sessions end)."""
    _set_active(email, False)


@users_app.command("enable")
def enable(email: Annotated[str, typer.Argument()]) -> None:
    """Enable a disabled account again."""
    _set_active(email, True)


@users_app.command("set-role")
def set_role(
    email: Annotated[str, typer.Argument()],
    role: Annotated[Role, typer.Argument()],
    country: Country = None,
) -> None:
    """Change an account's role (and country); its sessions end."""
    with reporting_session() as s:
        actor = reporting.Actor.command_line()
        user = reporting.set_role(s, actor, email, role.value, country)
        console.print(f"{user.email} is now {user.role} ({user.country or 'all countries'}).")


@users_app.command("set-password")
def set_password(
    email: Annotated[str, typer.Argument()], password_stdin: PasswordStdin = False
) -> None:
    """Set an account's password; its sessions end."""
    password = read_password(password_stdin)
    with reporting_session() as s:
        user = reporting.set_password(s, reporting.Actor.command_line(), email, password)
        console.print(f"Password of {user.email} changed.")


@users_app.command("sign-out")
def sign_out(email: Annotated[str, typer.Argument()]) -> None:
    """End every session of an account now (a lost laptop, a shared computer)."""
    with reporting_session() as s:
        ended = reporting.sign_out_everywhere(s, reporting.Actor.command_line(), email)
        console.print(f"{ended} session(s) of {email} ended.")
