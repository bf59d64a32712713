"""``target87 template``: an Excel workbook for entering observations, with drop-down codes."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from target87.cli.common import check_series_and_areas, console, ready_engine
from target87.interop.excel_template import write_template

app = typer.Typer()


class Lang(StrEnum):
    en = "en"
    fr = "fr"
    es = "es"


@app.command()
def template(
    series: Annotated[list[str], typer.Argument(help="Series code(s), e.g. SL_TLF_CHLDEC.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The .xlsx file to write.")],
    area: Annotated[
        list[str] | None,
        typer.Option(
            "--area",
            "-a",
            help="Area to pre-fill (ISO3, M49, aggregate code or name). Repeatable; "
            "default: every country in the drop-down, no pre-filled areas.",
        ),
    ] = None,
    lang: Annotated[Lang, typer.Option(help="Language of the instructions.")] = Lang.en,
) -> None:
    """Write an Excel template (instructions, drop-downs for codes) that `load` reads back."""
    with Session(ready_engine()) as s:
        series_codes, codes = check_series_and_areas(s, list(series), area)
        path = write_template(out, s, series_codes, codes, lang.value)
    console.print(f"Template written to {path}. Fill the data sheet, then: target87 load {path}")
