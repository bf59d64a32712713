"""``target87 map``: propose how a national file's columns and labels map to the SDG code lists.

Prints what maps to what and what stays unknown, and writes the mapping as a small YAML file
(``--out``) to edit, keep beside the data and pass to ``load``/``check --mapping``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from target87.cli.common import check_series_and_areas, console, err, ready_engine
from target87.ingest import LoadError
from target87.interop.formats import detect_format, format_named, readers
from target87.interop.mapping import Mapping
from target87.interop.proposal import propose_for_file

app = typer.Typer()


def mapping_table(mapping: Mapping) -> Table:
    """What maps to what: one line per column and per label."""
    table = Table(title="Proposed mapping", show_lines=False)
    for name in ("their column", "our field", "their label", "SDG code"):
        table.add_column(name)
    for header, target in mapping.columns.items():
        table.add_row(header, target, "", "")
        for label, code in mapping.codes.get(target, {}).items():
            table.add_row("", "", label, code)
    for what in ("area", "series", "unit", "source"):
        value = getattr(mapping, what)
        if value:
            table.add_row(f"({what} of every row)", what, "", str(value))
    return table


@app.command("map")
def map_file(
    path: Annotated[
        Path, typer.Argument(help="An Open SDG folder or indicator CSV, or an SDMX file.")
    ],
    area: Annotated[
        str | None, typer.Option("--area", "-a", help="The file's area when it names none.")
    ] = None,
    series: Annotated[
        str | None, typer.Option("--series", "-s", help="The file's series when it names none.")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Source id for rows whose file names none.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the mapping here (YAML).")
    ] = None,
) -> None:
    """Propose how each column and label maps to the SDG code lists; show what stays unknown."""
    try:
        fmt = detect_format(path)
    except LoadError as exc:
        err.print(f"[red]Refused[/]: {exc}")
        raise typer.Exit(2) from None
    spec = format_named(fmt)
    if spec is None or not spec.mapped:
        takes = ", ".join(f.label for f in readers() if f.mapped)
        err.print(f"[red]Refused[/]: target87 map reads {takes} for now, not {fmt}.")
        raise typer.Exit(2)
    with Session(ready_engine()) as session:
        chosen_series, areas = check_series_and_areas(
            session, [series] if series else [], [area] if area else None
        )
        try:
            mapping = propose_for_file(
                session,
                path,
                fmt,
                area=areas[0] if areas else None,
                series=chosen_series[0] if chosen_series else None,
                source=source,
            )
        except LoadError as exc:
            err.print(f"[red]Refused[/]: {exc}")
            raise typer.Exit(2) from None
    console.print(mapping_table(mapping))
    if mapping.unknown:
        err.print("[yellow]Still unknown[/] (edit the mapping, or pass --area/--series):")
        for what, labels in mapping.unknown.items():
            err.print(f"  {what}: {', '.join(labels)}", markup=False, highlight=False)
    else:
        console.print("Nothing stays unknown.")
    if out is not None:
        out.write_text(mapping.to_yaml(), encoding="utf-8")
        console.print(f"Mapping written to {out}: target87 load {path} --mapping {out}")
