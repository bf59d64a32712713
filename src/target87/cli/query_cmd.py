"""``target87 query``: observations as a table, CSV or JSON."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from target87 import store
from target87.cli.common import check_series_and_areas, console, err, ready_engine
from target87.cli.render import LANG_HELP, check_language
from target87.interop.csv_io import observations_csv
from target87.presentation import (
    age_label,
    children_only,
    format_value,
    period_label,
    sex_label,
    urbanisation_label,
)
from target87.store.breakdown import BreakdownError, canonical
from target87.store.query import OBSERVATION_COLUMNS

# The API's columns, in its order: one question, one answer (see ``store.lookup``).
CSV_COLUMNS = list(OBSERVATION_COLUMNS)

app = typer.Typer()


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def canonical_or_exit(text: str) -> str:
    """A breakdown as typed, in canonical order; a malformed one ends the command."""
    try:
        return canonical(text)
    except BreakdownError as exc:
        err.print(f"[red]--breakdown {text!r}[/]: {exc}")
        raise typer.Exit(2) from None


@app.command()
def query(
    series: Annotated[list[str], typer.Option("--series", "-s", help="Series code(s).")],
    area: Annotated[
        list[str] | None,
        typer.Option(
            "--area",
            "-a",
            help="Area: ISO3, M49, aggregate code (WLD, ILO_AFRICA, "
            "M49_419...) or name. Repeatable.",
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(help="Every country of this aggregate (e.g. ILO_AMERICAS, M49_202, WB_LIC)."),
    ] = None,
    sex: Annotated[list[str] | None, typer.Option(help="_T, F or M. Repeatable.")] = None,
    age: Annotated[list[str] | None, typer.Option(help="SDMX age code, e.g. Y5T17.")] = None,
    year_from: Annotated[int | None, typer.Option("--from", help="First year.")] = None,
    year_to: Annotated[int | None, typer.Option("--to", help="Last year.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
    with_sources: Annotated[
        bool, typer.Option("--with-sources", help="Add each value's publisher and citation.")
    ] = False,
    all_sources: Annotated[
        bool,
        typer.Option(
            "--all-sources",
            help="Show every source's value, not only the "
            "preferred one, with a 'preferred' column.",
        ),
    ] = False,
    lang: Annotated[
        str, typer.Option(help=LANG_HELP + " The table only: CSV and JSON keep the codes.")
    ] = "en",
    breakdown: Annotated[
        list[str] | None,
        typer.Option(
            "--breakdown",
            "-b",
            help="Only rows with this breakdown (DIM=CODE;..., _T for none); repeatable.",
        ),
    ] = None,
) -> None:
    """Query observations; by default the preferred source where sources overlap."""
    check_language(lang)
    with Session(ready_engine()) as s:
        series, codes = check_series_and_areas(s, series, area)
        if region:
            try:
                members = store.region_members(s, store.resolve_area(s, region))
            except store.UnknownArea as exc:
                err.print(f"[red]{exc}[/]")
                raise typer.Exit(2) from None
            codes = sorted(set(codes or []) | set(members))
        frame = store.observations(
            s,
            series=series,
            areas=codes,
            sex=sex,
            age=age,
            year_from=year_from,
            year_to=year_to,
            all_sources=all_sources,
            with_sources=with_sources,
            breakdown=[canonical_or_exit(b) for b in breakdown] if breakdown else None,
        )
        words = store.breakdown_words(s, frame["breakdown"].unique().tolist(), lang)
    extra = (["preferred"] if all_sources else []) + (
        ["publisher", "citation"] if with_sources else []
    )
    frame = frame[CSV_COLUMNS + extra]
    if fmt is Format.csv:
        sys.stdout.write(observations_csv(frame, extra))  # the API's CSV, byte for byte
    elif fmt is Format.json:
        sys.stdout.write(frame.to_json(orient="records", force_ascii=False, indent=1) + "\n")
    else:
        # Every key that tells two rows apart is shown: urbanisation and the other
        # breakdowns (in words) when any row has one.
        places = bool((frame["urbanisation"].fillna("_T") != "_T").any())
        broken = bool((frame["breakdown"] != "_T").any())
        table = Table(
            "series",
            "area",
            "period",
            "sex",
            "age",
            *(["urbanisation"] if places else []),
            *(["breakdown"] if broken else []),
            "value",
            "status",
            "nature",
            "source",
            *extra,
        )
        for r in frame.to_dict("records"):
            value = format_value(r["value"], r["unit"], int(r["unit_mult"]), lang)
            table.add_row(
                r["series"],
                r["ref_area"],
                period_label(r["time_period"], lang),
                sex_label(r["sex"], lang, children=children_only(r["age"])),
                age_label(r["age"], lang),
                *([urbanisation_label(r["urbanisation"], lang)] if places else []),
                *([words.get(r["breakdown"]) or "—"] if broken else []),
                value,
                r["obs_status"],
                r["nature"] or "",
                r["source"],
                *[str(r[c]) for c in extra],
            )
        console.print(table)
        console.print(f"[dim]{len(frame)} observation(s)[/]")
