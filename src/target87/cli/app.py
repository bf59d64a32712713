"""The ``target87`` command line: Typer commands that call the same functions as the API.

Every command group is registered here, in ``COMMAND_GROUPS``: a new room adds its module
(``<room>_cmd.py``, defining a ``typer.Typer``) and one line below. Shared plumbing (consoles,
engine, progress bars) lives in ``cli.common``, which no command module's registration needs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from target87.cli import (
    doctor_cmd,
    evidence_cmd,
    fetch_cmd,
    history_cmd,
    io_cmd,
    library_cmd,
    map_cmd,
    profile_cmd,
    progress_cmd,
    query_cmd,
    reporting_cmd,
    risk_cmd,
    serve_cmd,
    store_cmd,
    supply_cmd,
    template_cmd,
    users_cmd,
)
from target87.cli.common import state

app = typer.Typer(
    help="target87: a data warehouse for UN SDG Target 8.7 (child labour, forced labour, "
    "modern slavery, trafficking), with the source of every number.",
    no_args_is_help=True,
    add_completion=False,
)

# (group, name): a name makes a sub-command (`target87 users add`); None adds its commands at
# the top level (`target87 load`).
COMMAND_GROUPS: tuple[tuple[typer.Typer, str | None], ...] = (
    (store_cmd.app, None),
    (io_cmd.app, None),
    (map_cmd.app, None),
    (fetch_cmd.app, None),
    (query_cmd.app, None),
    (profile_cmd.app, None),
    (progress_cmd.app, None),
    (template_cmd.app, None),
    (serve_cmd.app, None),
    (doctor_cmd.app, None),
    (history_cmd.history_app, "history"),
    (users_cmd.users_app, "users"),
    (reporting_cmd.reporting_app, "reporting"),
    (risk_cmd.risk_app, "risk"),
    (evidence_cmd.evidence_app, "evidence"),
    (supply_cmd.supply_app, "supply"),
    (library_cmd.library_app, "library"),
)
for group, name in COMMAND_GROUPS:
    app.add_typer(group, name=name)


@app.callback()
def _options(
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="SQLAlchemy URL of the database (default: $TARGET87_DATABASE_URL, else a "
            "SQLite file in your user data folder).",
        ),
    ] = None,
) -> None:
    state.database_url = database_url


def main() -> None:
    app()
