"""`target87 init` and `target87 sources`: the database itself."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from target87 import store
from target87.cli.common import console, engine, err, ready_engine, run_init, state
from target87.ingest import LoadError

app = typer.Typer()


@app.command()
def init(
    force: Annotated[
        bool, typer.Option(help="Reload the snapshot even if already loaded.")
    ] = False,
) -> None:
    """Create or migrate the database and load the bundled snapshot (safe to run twice)."""
    eng = engine()
    try:
        run_init(eng, force=force)
    except LoadError as exc:
        err.print(f"[red]Load refused[/]: {exc}")
        raise typer.Exit(2) from None
    console.print(f"[dim]Database: {store.resolve_database_url(state.database_url)}[/]")


@app.command("sources")
def list_sources() -> None:
    """List every source with its licence and citation line."""
    from sqlalchemy.orm import Session

    with Session(ready_engine()) as s:
        table = Table("id", "publisher", "licence", "citation", show_lines=True)
        for src in store.sources(s):
            table.add_row(src.id, src.publisher, src.licence, src.citation)
    console.print(table)
