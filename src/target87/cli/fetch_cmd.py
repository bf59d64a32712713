"""``target87 fetch``: download SDMX data from ILO, UNICEF or UNSD, and optionally load it."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from target87.cli.common import console, err, ready_engine
from target87.ingest.errors import LoadError
from target87.interop.sdmx_fetch import FetchError, OfflineError, fetch

EXIT_REFUSED = 2  # the data were refused (same code as `load`)
EXIT_OFFLINE = 3  # the service could not be reached

app = typer.Typer()


class Agency(StrEnum):
    ilo = "ilo"
    unicef = "unicef"
    unsd = "unsd"


PUBLISHERS = {
    Agency.ilo: "International Labour Organization (ILO)",
    Agency.unicef: "United Nations Children's Fund (UNICEF)",
    Agency.unsd: "United Nations Statistics Division (UNSD)",
}


@app.command("fetch")
def fetch_command(
    agency: Annotated[Agency, typer.Argument(help="Whose SDMX service: ilo, unicef or unsd.")],
    flow: Annotated[
        str,
        typer.Argument(
            help="Dataflow id, e.g. DF_SDG_ALL_SDG_B871_SEX_AGE_RT (ILO), GLOBAL_DATAFLOW "
            "(UNICEF), DF_SDG_GLH (UNSD)."
        ),
    ],
    key: Annotated[
        str | None,
        typer.Option(help="SDMX key filter, e.g. 'BRA+NPL.A..SEX_T.' (default: everything)."),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the raw files (default: current folder).")
    ] = Path("."),
    load: Annotated[
        bool, typer.Option("--load/--no-load", help="Load the data into the database.")
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(
            help="Our source id for rows whose file names none (default: AGENCY_FLOW); "
            "a new id is added to the sources with a citation."
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Use this service URL instead (a mirror).")
    ] = None,
) -> None:
    """Download a dataflow's data and structure, keep the raw files, optionally load them."""
    try:
        path = fetch(agency.value, flow, key=key, out_dir=out, base_url=base_url)
    except OfflineError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_OFFLINE) from None
    except FetchError as exc:
        err.print(f"[red]Download failed[/]: {exc}")
        raise typer.Exit(1) from None
    console.print(f"Saved {path}")
    if not load:
        return
    from target87.interop.load import load_table
    from target87.interop.sdmx_read import read_sdmx

    source_id = source or f"{agency.value}_{flow}".lower()[:64]
    eng = ready_engine()
    try:
        raw = read_sdmx(path, source=source_id)
        summary = load_table(eng, raw, new_sources=_new_source(eng, source_id, agency, flow))
    except LoadError as exc:
        err.print(f"[red]Load refused[/]: {exc}", highlight=False)
        raise typer.Exit(EXIT_REFUSED) from None
    for src, n in summary.by_source.items():
        console.print(f"{n} observations loaded for source {src}.")


def _new_source(eng, source_id: str, agency: Agency, flow: str) -> list[dict]:
    """A citable source row for data fetched from an agency, unless the id is known."""
    from sqlalchemy.orm import Session

    from target87.store.models import Source

    with Session(eng) as session:
        if session.get(Source, source_id) is not None:
            return []
    today = date.today()
    publisher = PUBLISHERS[agency]
    return [
        {
            "id": source_id,
            "publisher": publisher,
            "title": f"{flow} (SDMX web service)",
            "year": today.year,
            "licence": "see the publisher's terms of use",
            "retrieved": today.isoformat(),
            "citation": f"{publisher} ({today.year}). {flow}. SDMX web service "
            f"(accessed {today.isoformat()}).",
            "priority": 50,
        }
    ]
