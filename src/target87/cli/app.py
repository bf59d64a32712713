"""The ``target87`` command line: Typer commands that call the same functions as the API."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from target87 import store
from target87.ingest import LoadError, init_database

app = typer.Typer(
    help="target87: a data warehouse for UN SDG Target 8.7 (child labour, forced labour, "
    "modern slavery, trafficking), with the source of every number.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)


class State:
    database_url: str | None = None


state = State()


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


def engine():
    return store.make_engine(state.database_url)


def ready_engine():
    """An engine on a database that exists: created and loaded on first use, with a note."""
    eng = engine()
    current = store.current_revision(eng)
    if current is None:
        err.print("[dim]First run: creating the database and loading the bundled snapshot…[/]")
        run_init(eng, quiet=True)
    elif current != store.head_revision():
        # A warehouse made by an older version: bring its schema up to date (data kept).
        err.print(f"[dim]Upgrading the database schema from {current}…[/]")
        store.migrate(eng)
    return eng


def check_series_and_areas(session, series: list[str], areas: list[str] | None):
    """Exit 2 with a clear message on an unknown series or area; else the area codes."""
    unknown = [c for c in series if session.get(store.Series, c) is None]
    if unknown:
        known = ", ".join(sorted(x.code for x in session.query(store.Series)))
        err.print(f"[red]Unknown series[/] {', '.join(unknown)}. Known: {known}")
        raise typer.Exit(2)
    try:
        return [store.resolve_area(session, a).code for a in areas] if areas else None
    except store.UnknownArea as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    )


def progress_callback(bar: Progress):
    """A ``(stage, done, total)`` callback that draws one bar per stage."""
    tasks: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(f"loading {stage}", total=total)
        bar.update(tasks[stage], completed=done)

    return progress


def run_init(eng, force: bool = False, quiet: bool = False):
    with progress_bar() as bar:
        result = init_database(eng, force=force, progress=progress_callback(bar))
    if not quiet:
        if result.changed:
            if result.migrated_from != result.migrated_to:
                console.print(
                    f"Schema migrated from {result.migrated_from or 'empty'} to "
                    f"{result.migrated_to}."
                )
            if result.loaded:
                counts = ", ".join(f"{v} {k}" for k, v in result.counts.items())
                console.print(f"Snapshot loaded: {counts}.")
        else:
            console.print(
                "Nothing to do: the schema is at the newest revision and this snapshot is "
                "already loaded. Nothing changed."
            )
    return result


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


def main() -> None:
    app()


# Command groups in their own modules, imported last because they use the helpers above.
from target87.cli.reporting_cmd import reporting_app  # noqa: E402
from target87.cli.users_cmd import users_app  # noqa: E402

app.add_typer(users_app, name="users")
app.add_typer(reporting_app, name="reporting")
from target87.cli import risk_cmd  # noqa: E402, F401  (registers `target87 risk`)
from target87.cli.history_cmd import history_app  # noqa: E402

app.add_typer(history_app, name="history")
from target87.cli import doctor_cmd  # noqa: E402, F401  (registers `target87 doctor`)
