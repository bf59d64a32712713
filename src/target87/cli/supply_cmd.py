"""``target87 supply``: the supply room's commands. ``supply screen FILE`` screens a supplier
list (CSV or Excel: supplier, country, commodity as a name or HS code, spend) against the US
DOL list of goods, child labour and forced labour figures and ratifications held in the store.
``supply footprint --mrio DIR`` prints the footprint accounts of an input-output system (a
pymrio folder, an OECD ICIO CSV or the plain layout) per extension and region, with pymrio's
names (``D_cba_reg``, ``D_pba_reg``, ``D_imp_reg``, ``D_exp_reg``).

The list is read, screened and printed or written to the files asked for; it is never stored.
Exit codes: 0 done, 2 refused (the file named, with its row and column where there is one).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy.orm import Session

from target87.cli.common import console, err, ready_engine
from target87.cli.render import LANG_HELP, SourceNumbers, check_language
from target87.presentation import format_number
from target87.supply.accounts import footprints
from target87.supply.demo import REGIONAL, ShownSystem, regional_accounts, with_child_labour
from target87.supply.errors import SupplyError
from target87.supply.readers import read_mrio
from target87.supply.screen_facts import screen_suppliers
from target87.supply.screen_io import (
    DEFAULT_MAX_BYTES,
    flag_text,
    method_text,
    note_text,
    read_suppliers,
    result_dict,
    source_text,
    word,
    write_csv,
    write_excel,
    write_pdf,
)

EXIT_REFUSED = 2
FORMATS = ("table", "json", "csv")

supply_app = typer.Typer(
    help="Supply chains: a sourcing risk screen of a supplier list (child labour and forced "
    "labour), with the reason and source of every flag.",
    no_args_is_help=True,
)


def _refuse(text: str) -> None:
    err.print(Text.assemble(("Refused", "red"), f": {text}"), soft_wrap=True, highlight=False)
    raise typer.Exit(EXIT_REFUSED)


@supply_app.command("screen")
def screen_cmd(
    path: Annotated[
        Path,
        typer.Argument(
            help="The supplier list: CSV or Excel with the columns supplier, country, "
            "commodity (a name or an HS code) and, optionally, spend and sector."
        ),
    ],
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    excel: Annotated[
        Path | None, typer.Option("--excel", help="Also write the screen to this .xlsx file.")
    ] = None,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Also write the screen to this .pdf file.")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help=LANG_HELP)] = "en",
    max_mb: Annotated[
        float,
        typer.Option("--max-mb", help="Refuse a supplier list larger than this (megabytes)."),
    ] = DEFAULT_MAX_BYTES / (1024 * 1024),
    mrio: Annotated[
        Path | None,
        typer.Option(
            "--mrio",
            help="An input-output table (pymrio folder, OECD ICIO .csv, or Z.csv/Y.csv "
            "folder) with ISO3 regions: also flag lines by the child labour embodied per unit "
            "of their country's sector (the line's sector column).",
        ),
    ] = None,
) -> None:
    """Flag and rank a supplier list by severity and likelihood (OECD guidance, CSDDD).

    Each line is checked against the US DOL list of goods, the country's child labour and
    forced labour figures, and the ratification of the fundamental conventions and the Palermo
    Protocol; every flag says its reason and source. Unknown countries or goods are said on
    their line; the rest is still screened. The list is never stored."""
    check_language(lang)
    if fmt not in FORMATS:
        _refuse(f"--format {fmt!r}: use one of {', '.join(FORMATS)}.")
    try:
        lines = read_suppliers(path, limit=int(max_mb * 1024 * 1024))
    except SupplyError as exc:
        _refuse(str(exc))
    intensity, source = _intensity_of(mrio) if mrio is not None else (None, "")
    with Session(ready_engine()) as session:
        result = screen_suppliers(session, lines, intensity, intensity_source=source)
    try:
        if excel is not None:
            write_excel(result, excel, lang)
        if pdf is not None:
            write_pdf(result, pdf, lang)
    except OSError as exc:
        _refuse(f"cannot write the output: {exc}")
    if fmt == "json":
        typer.echo(json.dumps(result_dict(result, lang), indent=2, ensure_ascii=False))
    elif fmt == "csv":
        out = io.StringIO()
        write_csv(result, out, lang)
        typer.echo(out.getvalue(), nl=False)
    else:
        _print_table(result, lang)
    for written in (excel, pdf):
        if written is not None:
            err.print(f"Written: {written}", highlight=False, markup=False)


def _intensity_of(path: Path) -> tuple[dict[tuple[str, str], float], str]:
    """The embodied child labour intensity (M) of the table at ``path``, with its source."""
    try:
        system, note = with_child_labour(read_mrio(path))
    except SupplyError as exc:
        _refuse(str(exc))
    given = ShownSystem.of(system, note, configured=True).intensity()
    if given is None:
        _refuse(
            f"{path}: no child labour account for this table ({note}); the regions must be "
            "ISO3 country codes, and a demonstration system flags no supplier."
        )
    return given


def _print_table(result, lang: str) -> None:
    numbers = SourceNumbers()
    table = Table(show_lines=True)
    widths = {"rank": 4, "priority": 8, "supplier": 16, "country": 12, "commodity": 12,
              "spend": 12}  # fmt: skip
    for key, width in widths.items():
        table.add_column(word(f"col_{key}", lang), max_width=width, overflow="fold")
    table.add_column(word("col_flags", lang), min_width=40, ratio=1, overflow="fold")
    for s in result.lines:
        country = result.areas.get(s.country or "", {}).get(lang) or s.line.country
        reasons = [f"{flag_text(f, result, lang)} {numbers.ref(f.source or '')}" for f in s.flags]
        reasons += [f"({note_text(n, result, lang)})" for n in s.notes]
        cells = (
            str(s.rank),
            word(f"priority_{s.priority}", lang),
            s.line.supplier,
            country,
            s.line.commodity,
            "" if s.line.spend is None else format_number(s.line.spend, lang, 2),
            "\n".join(reasons),
        )
        table.add_row(*(Text(c) for c in cells))  # text as given: never read as markup
    console.print(table)
    for text in method_text(result, lang):
        console.print(text, highlight=False, markup=False)
    console.print(f"{word('col_sources', lang)}:", highlight=False, markup=False)
    for i, source in enumerate(numbers.order, start=1):
        console.print(f"[{i}] {source_text(result, source)}", highlight=False, markup=False)


FOOTPRINT_FORMATS = ("table", "json")


@supply_app.command("footprint")
def footprint_cmd(
    mrio_path: Annotated[
        Path,
        typer.Option(
            "--mrio",
            help="The input-output system: a folder saved by pymrio (file_parameters.json), a "
            "folder with Z.csv, Y.csv and F.csv (plain layout) or an OECD ICIO .csv file.",
        ),
    ],
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    extension: Annotated[
        str | None, typer.Option("--extension", help="Only this extension (by its name).")
    ] = None,
) -> None:
    """Footprint accounts of an input-output table per extension and region (pymrio's names).

    D_cba_reg (consumption-based), D_pba_reg (production-based), D_imp_reg (imported),
    D_exp_reg (exported), with each account's unit, sources and assumptions.

    A system without a child labour account gets one when its regions are ISO3 codes (UNICEF
    SOWC 2023 by country, split by output); the output says whether it was added."""
    if fmt not in FOOTPRINT_FORMATS:
        _refuse(f"--format {fmt!r}: use one of {', '.join(FOOTPRINT_FORMATS)}.")
    try:
        mrio, note = with_child_labour(read_mrio(mrio_path))
        found = regional_accounts(footprints(mrio), extension)
    except SupplyError as exc:
        _refuse(str(exc))
    found["notes"] = [note]
    if fmt == "json":
        typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    if found["demonstration"]:
        console.print(
            Text("DEMONSTRATION system: made-up or test numbers, not data", style="bold red")
        )
    console.print(f"System: {found['origin']} (I - A solved by {found['method']})", markup=False)
    console.print(note, markup=False, highlight=False)
    for name, ext in found["extensions"].items():
        for stressor, regions in ext["stressors"].items():
            unit = ext["unit"].get(stressor, "")
            table = Table(title=Text(f"{name}: {stressor}" + (f" [{unit}]" if unit else "")))
            table.add_column("region")
            for key in REGIONAL:
                table.add_column(key, justify="right")
            for region, values in regions.items():
                cells = ["" if values[k] is None else f"{values[k]:,.6g}" for k in REGIONAL]
                table.add_row(Text(region), *cells)
            console.print(table)
        for source in ext["sources"]:
            console.print(f"source: {source}", markup=False, highlight=False)
        for assumption in ext["assumptions"]:
            console.print(f"assumption: {assumption}", markup=False, highlight=False)
