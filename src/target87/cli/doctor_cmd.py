"""``target87 doctor``: is this warehouse sound? A table of checks, OK, WARN or FAIL each."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from target87 import store
from target87.cli.common import console, state
from target87.store.doctor import FAIL, run_checks

app = typer.Typer()


@app.command()
def doctor(
    quick: Annotated[
        bool, typer.Option("--quick", help="SQLite: PRAGMA quick_check instead of the full check.")
    ] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Where the instance key file lives (default: $TARGET87_DATA_DIR, else the "
            "user data folder).",
        ),
    ] = None,
) -> None:
    """Check the database and the instance; exit 1 on any FAIL.

    Schema version, integrity, foreign keys, orphan rows, the key file's permissions and
    free disk space.
    """
    url = store.resolve_database_url(state.database_url)
    checks = run_checks(url, data_dir=data_dir, quick=quick)
    width = max(len(c.name) for c in checks)
    console.print(f"{'status':6}  {'check':{width}}  detail", soft_wrap=True, highlight=False)
    for c in checks:
        colour = {"OK": "green", "WARN": "yellow", "FAIL": "red"}[c.status]
        console.print(
            f"[{colour}]{c.status:6}[/]  {c.name:{width}}  ",
            end="",
            soft_wrap=True,
            highlight=False,
        )
        console.print(c.detail, soft_wrap=True, highlight=False, markup=False)
    failed = [c.name for c in checks if c.status == FAIL]
    database = make_safe(url)
    if failed:
        console.print(f"{len(failed)} check(s) failed: {', '.join(failed)} ({database}).")
        raise typer.Exit(1)
    console.print(f"No check failed ({database}).", soft_wrap=True, highlight=False)


def make_safe(url: str) -> str:
    """The URL without its password, to print."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
