"""``target87 reporting``: demonstration data and the SDMX file of an approved report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from target87 import reporting
from target87.cli.common import console, err
from target87.cli.users_cmd import read_password, reporting_session

reporting_app = typer.Typer(
    help="National reporting: demonstration accounts and data, SDMX export of a report.",
    no_args_is_help=True,
)


@reporting_app.command("demo")
def demo(
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="One password for every demo account, from stdin (default: random ones).",
        ),
    ] = False,
) -> None:
    """Create fictional demonstration accounts and data (not for a production instance).

    National series, agreed indicators and a roadmap for Nepal, and a focal point for Uganda.
    """
    password = read_password(True) if password_stdin else None
    with reporting_session() as s:
        made = reporting.seed_demo(s, password)
    table = Table("account", "password", title="Demonstration accounts (fictional data)")
    for email, secret in made.passwords.items():
        table.add_row(email, "(as given)" if password else secret)
    console.print(table)
    err.print("[yellow]Demonstration accounts: remove them before real use.[/]")


@reporting_app.command("export-sdmx")
def export_sdmx(
    report_id: Annotated[int, typer.Argument(help="The report's id.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The SDMX-CSV file to write.")],
) -> None:
    """Write an approved report's values as SDMX-CSV for the SDG global DSD.

    REPORTING_TYPE N, REF_AREA in M49: the file a ministry sends to the custodian agency.
    """
    with reporting_session() as s:
        done = reporting.export_sdmx(s, reporting.Actor.command_line(), report_id, out)
    console.print(f"{done.rows} observation(s) written to {done.path}.")
    if done.left_out:
        console.print(f"National series not in the SDG DSD, left out: {', '.join(done.left_out)}")


@reporting_app.command("agree")
def agree(
    country: Annotated[str, typer.Argument(help="ISO3 code of the reporting country.")],
    series: Annotated[
        list[str], typer.Argument(help="Series codes, or PREFIX* for every series so named.")
    ],
) -> None:
    """Set the indicators COUNTRY reports on each year (the secretariat's agreed set)."""
    with reporting_session() as s:
        agreed = reporting.set_agreed_indicators(
            s, reporting.Actor.command_line(), country.upper(), series
        )
        rows = [(a.series, a.breakdowns) for a in agreed]
    table = Table("series", "sex/age cells", title=f"Agreed indicators of {country.upper()}")
    for code, cells in rows:
        table.add_row(code, str(cells))
    console.print(table)


@reporting_app.command("national-series")
def national_series(
    code: Annotated[str, typer.Argument(help="Code of the new national series, e.g. NAT_INSP.")],
    name_en: Annotated[str, typer.Option("--name-en", help="Name in English.")],
    name_fr: Annotated[str, typer.Option("--name-fr", help="Name in French.")],
    name_es: Annotated[str, typer.Option("--name-es", help="Name in Spanish.")],
    unit: Annotated[str, typer.Option("--unit", help="Unit code, e.g. NUMBER or PT.")],
    direction: Annotated[
        str, typer.Option("--direction", help="higher_is_better or lower_is_better.")
    ],
) -> None:
    """Define a national series (e.g. labour inspections carried out) countries can agree on."""
    names = {"en": name_en, "fr": name_fr, "es": name_es}
    with reporting_session() as s:
        reporting.define_national_series(
            s, reporting.Actor.command_line(), code.upper(), names, unit, direction
        )
    console.print(f"National series {code.upper()} defined.")
