"""What every command shares: the consoles, the database engine, progress bars, code checks."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from target87 import store
from target87.ingest import init_database

# Messages are never hard-wrapped: a path or a code split over two lines cannot be copied
# (tables still fit the terminal).
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class State:
    database_url: str | None = None


state = State()


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


def check_series_and_areas(
    session, series: list[str], areas: list[str] | None
) -> tuple[list[str], list[str] | None]:
    """The series and area codes as the store knows them (``store.lookup``, the door the API
    uses too); exit 2 naming an unknown one and the nearest known codes."""
    try:
        codes = store.resolve_series_codes(session, series)
        return codes, store.resolve_area_codes(session, areas) if areas else None
    except store.UnknownCode as exc:
        err.print(f"[red]{exc}[/]", soft_wrap=True, highlight=False)
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


def load_bundled_content(eng) -> list[str]:
    """The reference content shipped beside the snapshot: the library's starter catalogue
    and the starter evidence base. Idempotent: what is already there and unchanged stays as
    it is. Returns what changed, in words."""
    from target87.evidence.starter import load_starter
    from target87.library.catalogue import load_catalogue

    said = []
    catalogue = load_catalogue(eng)
    if catalogue.added or catalogue.updated:
        said.append(f"Library catalogue: {catalogue.added} added, {catalogue.updated} updated.")
    evidence = load_starter(eng)
    if (
        evidence.studies.added
        or evidence.studies.changed
        or evidence.effects.added
        or (evidence.effects.changed)
    ):
        said.append(f"Starter evidence base: effects {evidence.effects.text()}.")
    return said


def run_init(eng, force: bool = False, quiet: bool = False):
    with progress_bar() as bar:
        result = init_database(eng, force=force, progress=progress_callback(bar))
    bundled = load_bundled_content(eng)
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
            for line in bundled:
                console.print(line)
        elif bundled:
            for line in bundled:
                console.print(line)
        else:
            console.print(
                "Nothing to do: the schema is at the newest revision and this snapshot is "
                "already loaded. Nothing changed."
            )
    return result
