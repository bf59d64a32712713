"""``target87 load``, ``check`` and ``export``: files in every supported format."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from target87.cli.common import (
    check_series_and_areas,
    console,
    err,
    progress_bar,
    progress_callback,
    ready_engine,
)
from target87.ingest import LoadError
from target87.interop import Changes, check_table, export, file_sha256, load_table, read_any
from target87.interop.file_sources import incomplete_sources, sources_to_create
from target87.interop.formats import readers, writers
from target87.interop.mapping import Mapping
from target87.interop.table import ExportError
from target87.validation import RuleSet

# --format's choices and the help texts, from the registry (``interop.formats.FORMATS``).
InFormat = StrEnum("InFormat", {f.name: f.name for f in readers()})
OutFormat = StrEnum("OutFormat", {f.name: f.name for f in writers()})


def _labels(formats) -> str:
    return ", ".join(f.label for f in formats)


READ_FILES = _labels(readers())  # "CSV, JSON, Excel, SDMX-CSV, SDMX-ML, SDMX-JSON, Open SDG"
READ_FOLDERS = _labels(f for f in readers() if f.folder)  # "Open SDG"
WRITE_FOLDERS = ", ".join(f.name for f in writers() if f.folder)  # "opensdg"

app = typer.Typer()


class ReportFormat(StrEnum):
    text = "text"
    json = "json"


FormatOpt = Annotated[
    InFormat | None, typer.Option("--format", "-f", help="Input format (default: detected).")
]
SourceOpt = Annotated[
    str | None,
    typer.Option("--source", help="Source id for rows whose file names none (e.g. SDMX)."),
]
RulesOpt = Annotated[
    Path | None, typer.Option("--rules", help="A YAML rule file instead of the default rules.")
]
ReportOpt = Annotated[ReportFormat, typer.Option("--report", help="How to print findings.")]
MappingOpt = Annotated[
    Path | None,
    typer.Option("--mapping", help="A mapping file written by `target87 map` (YAML)."),
]


def _mapping(path: Path | None) -> Mapping | None:
    if path is None:
        return None
    try:
        return Mapping.from_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        err.print(f"[red]Bad mapping file[/] {path}: {exc}")
        raise typer.Exit(2) from None


def _read(path: Path, fmt: InFormat | None, source: str | None, mapping: Path | None = None):
    rules = _mapping(mapping)
    try:
        raw = read_any(path, fmt.value if fmt else None, source=source, mapping=rules)
    except LoadError as exc:
        err.print(f"[red]Refused[/]: {exc}")
        raise typer.Exit(2) from None
    if raw.attrs.get("skipped"):
        err.print(f"{raw.attrs['skipped']} row(s) left out by the mapping's skip.")
    if raw.attrs.get("no_value"):
        err.print(f"{raw.attrs['no_value']} row(s) without a value (no data) left out.")
    return raw


def _rules(path: Path | None) -> RuleSet | None:
    if path is None:
        return None
    try:
        return RuleSet.from_yaml(path)
    except (OSError, ValueError) as exc:
        err.print(f"[red]Bad rule file[/] {path}: {exc}")
        raise typer.Exit(2) from None


def _print_report(report, how: ReportFormat) -> None:
    if how is ReportFormat.json:
        console.print_json(report.to_json())
    elif report.findings:
        err.print(report.text(), markup=False, highlight=False)


@app.command()
def load(
    path: Annotated[
        Path, typer.Argument(help=f"A file ({READ_FILES}) or a folder ({READ_FOLDERS}).")
    ],
    fmt: FormatOpt = None,
    source: SourceOpt = None,
    rules: RulesOpt = None,
    report: ReportOpt = ReportFormat.text,
    mapping: MappingOpt = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Also remove, for each source and series in the file, the stored rows the "
            "file does not hold (default: add new rows and update changed ones, remove "
            "nothing).",
        ),
    ] = False,
    merge: Annotated[
        bool,
        typer.Option("--merge", hidden=True, help="The default now (add and update)."),
    ] = False,
) -> None:
    """Check a file and load it: all rows or none; adds and updates, removes only with --replace.

    Prints and logs what it added, changed and removed (see `target87 history`).
    """
    if replace and merge:
        err.print("--replace and --merge contradict each other; nothing was loaded.")
        raise typer.Exit(2)
    raw = _read(path, fmt, source, mapping)
    if raw.empty:
        err.print(f"{path} holds no observations: nothing to load, nothing changed.")
        raise typer.Exit(1)
    eng = ready_engine()
    created = sources_to_create(eng, raw)  # described by the file, not in the store yet
    try:
        with progress_bar() as bar:
            summary = load_table(
                eng,
                raw,
                rules=_rules(rules),
                progress=progress_callback(bar),
                mode="replace" if replace else "upsert",
                file_sha256=file_sha256(path),
                new_sources=created,
            )
    except LoadError as exc:
        for why in incomplete_sources(raw):  # why the file's own description did not do
            err.print(f"Source not created: {why}.", highlight=False, markup=False)
        if report is ReportFormat.json:
            from target87.validation import Report

            _print_report(Report(findings=exc.problems, rows=len(raw)), report)
        else:
            err.print(f"[red]Load refused[/]: {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    if summary.report:
        _print_report(summary.report, report)
    _print_load(summary)
    for src in created:
        console.print(
            f"Source created on import: {src['id']} ({src['publisher']}, {src['licence']}), "
            "as the file describes it; `target87 sources` lists it.",
            highlight=False,
            markup=False,
        )


def _print_load(summary) -> None:
    """What the load did, per source and in all, and how to see or undo it."""

    def say(text: str) -> None:
        console.print(text, soft_wrap=True, highlight=False, markup=False)

    for src, n in summary.by_source.items():
        c = summary.changes_by_source.get(src, Changes())
        say(f"{n} observations loaded for source {src}: {c.text()}, unchanged {c.unchanged}.")
    how = (
        "replace: stored rows of these sources and series that the file does not hold were removed"
        if summary.mode == "replace"
        else "add and update: nothing removed"
    )
    say(f"Load {summary.load_id} ({how}): {summary.changes.text()}, unchanged {summary.unchanged}.")
    say(
        f"Rows: target87 history show {summary.load_id}; "
        f"undo: target87 history undo {summary.load_id}"
    )


@app.command()
def check(
    path: Annotated[
        Path,
        typer.Argument(help=f"A file ({READ_FILES}) or a folder ({READ_FOLDERS}) to check."),
    ],
    fmt: FormatOpt = None,
    source: SourceOpt = None,
    rules: RulesOpt = None,
    report: ReportOpt = ReportFormat.text,
    mapping: MappingOpt = None,
) -> None:
    """Check a file against the validation rules without loading it (exit 1 on errors)."""
    raw = _read(path, fmt, source, mapping)
    if raw.empty:  # a file of headers only is no pass: there was nothing to check
        err.print(f"{path} holds no observations (no data rows): nothing was checked.")
        raise typer.Exit(1)
    eng = ready_engine()
    result = check_table(eng, raw, _rules(rules), new_sources=sources_to_create(eng, raw))
    _print_report(result, report)
    if report is ReportFormat.text:
        console.print(
            f"{result.rows} row(s): {len(result.errors)} error(s), "
            f"{len(result.warnings)} warning(s)."
        )
    raise typer.Exit(0 if result.ok else 1)


@app.command(
    "export",
    help=f"Export observations with their sources: {_labels(writers())}.",
)
def export_cmd(
    out: Annotated[
        Path, typer.Option("--out", "-o", help=f"File (or folder for {WRITE_FOLDERS}).")
    ],
    fmt: Annotated[OutFormat, typer.Option("--format", "-f", help="Output format.")],
    series: Annotated[
        list[str] | None, typer.Option("--series", "-s", help="Series code(s).")
    ] = None,
    area: Annotated[list[str] | None, typer.Option("--area", "-a", help="Area code(s).")] = None,
    preferred_only: Annotated[
        bool, typer.Option(help="Only the preferred source's value for each key.")
    ] = False,
    source_ids: Annotated[
        list[str] | None,
        typer.Option("--source", help="Only this source's rows (repeatable; see `sources`)."),
    ] = None,
) -> None:
    """Write the selected observations, with their sources, in a format we write."""
    with Session(ready_engine()) as session:
        series, area = check_series_and_areas(session, series or [], area)
        try:
            result = export(
                session, out, fmt.value, series or None, area, preferred_only, source_ids
            )
        except (ExportError, ValueError) as exc:
            err.print(f"[red]Export refused[/]: {exc}")
            raise typer.Exit(2) from None
    console.print(f"{result.rows} observations written to {out} ({fmt.value}).")
    for why, count in result.left_out.items():
        err.print(f"[yellow]Left out[/] {count} observation(s): {why}.")


@app.command("add-source")
def add_source(
    source_id: Annotated[str, typer.Argument(help="A short id, e.g. unicef_sdmx_2026.")],
    publisher: Annotated[str, typer.Option(help="Who published the data.")],
    title: Annotated[str, typer.Option(help="Title of the dataset or report.")],
    licence: Annotated[str, typer.Option(help="Its licence, e.g. 'CC BY 4.0'.")],
    url: Annotated[str | None, typer.Option(help="Where it was taken from.")] = None,
    year: Annotated[int | None, typer.Option(help="Year of publication.")] = None,
    priority: Annotated[
        int, typer.Option(help="Lower wins where sources overlap (custodian database: 10).")
    ] = 50,
) -> None:
    """Register a source so that files citing it (``--source ID``) can be loaded."""
    from datetime import date

    from target87.store import models as M

    today = date.today().isoformat()
    where = f" {url} (accessed {today})." if url else ""
    citation = f"{publisher} ({year or 'n.d.'}). {title}.{where} Licence: {licence}."
    with Session(ready_engine()) as session, session.begin():
        if session.get(M.Source, source_id) is not None:
            err.print(f"[red]Source {source_id!r} exists already[/]; nothing changed.")
            raise typer.Exit(2)
        session.add(
            M.Source(
                id=source_id,
                publisher=publisher,
                title=title,
                licence=licence,
                url=url,
                year=year,
                retrieved=today,
                citation=citation,
                priority=priority,
            )
        )
    console.print(f"Source {source_id} added: {citation}")
