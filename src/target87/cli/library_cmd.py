"""``target87 library add``, ``search`` and ``reindex``: the knowledge library from the
command line (the same functions as the web door will call); ``library practices`` and
``library services`` ``import FILE --as EMAIL`` (all rows or none, as drafts of that account)
and ``list``.

Exit codes: 0 done, 2 refused (for ``add``: the files before the refused one are saved, the
refused one left nothing behind; the message names the file and why).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from target87 import reporting
from target87.cli.common import console, err, ready_engine
from target87.cli.users_cmd import reporting_session
from target87.evidence import taxonomy
from target87.library import (
    KINDS as SEARCH_KINDS,
)
from target87.library import (
    DocumentMeta,
    FindFilters,
    LibraryError,
    add_document,
    default_data_dir,
    find,
    practices,
    records,
    reindex,
    services,
)
from target87.library.models import DOCUMENT_TYPES, RECORD_STATUSES, SERVICE_TYPES, THEMES
from target87.library.records import RecordFilters
from target87.library.records_import import ImportRefused, import_records

EXIT_REFUSED = 2

library_app = typer.Typer(
    help="The knowledge library: documents on Target 8.7 (PDF, DOCX, HTML, Markdown, text) "
    "in English, French and Spanish, searched with stemming, facets and filters.",
    no_args_is_help=True,
)


def _say(text: str) -> None:
    console.print(text, soft_wrap=True, highlight=False, markup=False)


def _split(values: list[str] | None) -> tuple[str, ...]:
    """``--theme a,b --theme c`` -> (a, b, c)."""
    return tuple(v.strip() for value in values or [] for v in value.split(",") if v.strip())


@library_app.command("add")
def add_cmd(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="PDF, DOCX, HTML, Markdown or text files, or folders to harvest (every file "
            "in them and their subfolders, hidden ones left out)."
        ),
    ],
    title: Annotated[str | None, typer.Option(help="Title (default: the file's own).")] = None,
    doc_type: Annotated[
        str | None, typer.Option("--type", help=f"One of {', '.join(DOCUMENT_TYPES)}.")
    ] = None,
    year: Annotated[int | None, typer.Option(help="Year of publication.")] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="en, fr or es (default: detected).")
    ] = None,
    authors: Annotated[str | None, typer.Option(help="Authors.")] = None,
    publisher: Annotated[str | None, typer.Option(help="Publisher.")] = None,
    theme: Annotated[
        list[str] | None, typer.Option("--theme", help=f"Themes: {', '.join(THEMES)}.")
    ] = None,
    country: Annotated[
        list[str] | None, typer.Option("--country", help="Countries or regions (NPL,CIV).")
    ] = None,
    sdg: Annotated[list[str] | None, typer.Option("--sdg", help="SDG targets (8.7).")] = None,
    licence: Annotated[str | None, typer.Option(help="Licence (CC BY 4.0...).")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Link to the source.")] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where originals are kept (default: $TARGET87_DATA_DIR or the user data folder)."
        ),
    ] = None,
) -> None:
    """Add documents: each one all or nothing; the same file twice is one document.

    A file refused is named with the reason and left out; the others are added; the exit
    code is then 2."""
    meta = DocumentMeta(
        title=title,
        authors=authors,
        publisher=publisher,
        year=year,
        language=lang,
        doc_type=doc_type,
        themes=_split(theme),
        countries=tuple(c.upper() for c in _split(country)),
        sdg_targets=_split(sdg),
        licence=licence,
        source_url=source,
    )
    if title and len(files) > 1:
        err.print("[red]--title names one document: give one file with it[/]")
        raise typer.Exit(EXIT_REFUSED)
    for path in files:
        if not path.exists():
            err.print(f"[red]{path}: no such file or folder[/]", soft_wrap=True)
            raise typer.Exit(EXIT_REFUSED)
    paths = harvest(files)
    if title and len(paths) > 1:
        err.print("[red]--title names one document: give one file with it[/]")
        raise typer.Exit(EXIT_REFUSED)
    eng = ready_engine()
    folder = data_dir or default_data_dir()
    refused = 0
    for path in paths:
        try:
            added = add_document(eng, path, meta, data_dir=folder)
        except LibraryError as exc:
            err.print(f"[red]refused[/] {exc} (nothing saved)", soft_wrap=True, markup=True)
            refused += 1
            continue
        what = "added" if added.created else "already in the library"
        lang_text = added.language or "language unknown"
        _say(
            f"{path}: {what} as document {added.id} ({added.media_type}, {lang_text}): "
            f"{added.title}"
        )
        if added.note and added.created:
            _say(f"{path}: note: {added.note}")
    if refused:
        _say(f"{refused} of {len(paths)} file(s) refused, the others added.")
        raise typer.Exit(EXIT_REFUSED)


def harvest(paths: list[Path]) -> list[Path]:
    """The files named, and every file in the folders named (sorted, hidden ones skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(path)
    return found


@library_app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="Words to find (all required); '' lists all.")],
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="en, fr or es: the query's language, and only records "
            "in it (default: every language).",
        ),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", help="document, practice, service or indicator (default: all)."),
    ] = None,
    doc_type: Annotated[
        list[str] | None, typer.Option("--type", help="Document or service type(s).")
    ] = None,
    theme: Annotated[list[str] | None, typer.Option("--theme", help="Theme(s).")] = None,
    country: Annotated[list[str] | None, typer.Option("--country", help="Countries.")] = None,
    region: Annotated[
        list[str] | None, typer.Option("--region", help="M49 region code(s), e.g. M49_019.")
    ] = None,
    year: Annotated[list[int] | None, typer.Option("--year", help="Year(s).")] = None,
    unpublished: Annotated[
        bool,
        typer.Option(
            "--unpublished",
            help="Also find drafts, records under review and unpublished reports' texts "
            "(the operator's view; by default the public's: published only).",
        ),
    ] = False,
    limit: Annotated[int, typer.Option(help="How many results to show.")] = 20,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Search documents, good practices, services and indicators in one go.

    Ranked by relevance, with highlighted passages and facets with counts."""
    if fmt not in ("table", "json"):
        err.print(f"[red]--format {fmt!r}: table or json[/]")
        raise typer.Exit(EXIT_REFUSED)
    if lang is not None and lang not in ("en", "fr", "es"):
        err.print(f"[red]--lang {lang!r}: en, fr or es[/]")
        raise typer.Exit(EXIT_REFUSED)
    kinds = _split(kind)
    for k in kinds:
        if k not in SEARCH_KINDS:
            err.print(f"[red]--kind {k!r}: one of {', '.join(SEARCH_KINDS)}[/]")
            raise typer.Exit(EXIT_REFUSED)
    filters = FindFilters(
        kind=kinds,
        type=_split(doc_type),
        theme=_split(theme),
        country=tuple(c.upper() for c in _split(country)),
        region=_split(region),
        language=(lang,) if lang else (),
        year=tuple(year or ()),
    )
    try:
        results = find(
            ready_engine(),
            query,
            lang=lang,
            filters=filters,
            limit=limit,
            unpublished=None if unpublished else set(),
        )
    except LibraryError as exc:
        err.print(f"[red]{exc}[/]", soft_wrap=True)
        raise typer.Exit(EXIT_REFUSED) from None
    if fmt == "json":
        body = {
            "query": results.query,
            "total": results.total,
            "hits": [
                {
                    "kind": h.kind,
                    "id": h.id,
                    "title": h.title,
                    "score": round(h.score, 6),
                    "type": h.type,
                    "language": h.language,
                    "year": h.year,
                    "countries": list(h.countries),
                    "note": h.note,
                    "passage": h.passage_text("**", "**"),
                }
                for h in results.hits
            ],
            "facets": {k: dict(v) for k, v in results.facets.items()},
        }
        console.out(json.dumps(body, ensure_ascii=False, indent=2), highlight=False)
        return
    table = Table(title=f"{results.total} result(s) for {query!r}")
    for column in ("kind", "id", "title", "type", "lang", "year", "passage"):
        table.add_column(column)
    for h in results.hits:
        passage = "".join(
            f"[bold yellow]{_escape(t)}[/]" if hit else _escape(t) for t, hit in h.passage
        )
        table.add_row(
            h.kind,
            str(h.id),
            _escape(h.title),
            h.type or "",
            h.language or "",
            str(h.year or ""),
            passage or _escape(h.note or ""),
        )
    console.print(table)
    for name, counts in results.facets.items():
        if counts:
            _say(f"{name}: " + ", ".join(f"{value} ({n})" for value, n in counts))


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@library_app.command("reindex")
def reindex_cmd() -> None:
    """Rebuild the search indexes from the stored texts.

    Documents, good practices and the directory of services, one transaction each."""
    from sqlalchemy.orm import Session

    eng = ready_engine()
    count = reindex(eng)
    with Session(eng) as session:
        practice_count = records.reindex_records(session, practices.KIND)
        service_count = records.reindex_records(session, services.KIND)
        session.commit()
    _say(
        f"reindexed {count} document(s), {practice_count} good practice(s), "
        f"{service_count} directory entr{'y' if service_count == 1 else 'ies'}."
    )


# --- good practices and the directory of services -------------------------------------------

practices_app = typer.Typer(
    help="Good practices (country, intervention, target group, results, lessons...): "
    "import from CSV or Excel, list.",
    no_args_is_help=True,
)
services_app = typer.Typer(
    help="The directory of services (rapporteurs, inspectorates, hotlines, shelters, "
    "referral mechanisms, child protection): import from CSV or Excel, list.",
    no_args_is_help=True,
)
library_app.add_typer(practices_app, name="practices")
library_app.add_typer(services_app, name="services")
KINDS = {"practices": practices, "services": services}


def _acting(session, email: str | None) -> reporting.Actor:
    """The named account (its rights apply), or the operator of this instance."""
    if email is None:
        return reporting.Actor.command_line()
    return reporting.Actor(reporting.find_user(session, email))


def _import(kind: str, file: Path, email: str, submit: bool) -> None:
    if not file.is_file():
        err.print(f"[red]{_escape(str(file))}: no such file[/]", soft_wrap=True)
        raise typer.Exit(EXIT_REFUSED)
    codes = tuple(x.code for x in taxonomy.interventions())
    with reporting_session() as s:
        try:
            done = import_records(
                s,
                _acting(s, email),
                KINDS[kind],
                file,
                status="submitted" if submit else "draft",
                known_interventions=codes,
            )
        except ImportRefused as exc:
            err.print(str(exc), soft_wrap=True, markup=False, highlight=False)
            raise typer.Exit(EXIT_REFUSED) from None
    ids = ", ".join(str(i) for i in done.ids)
    _say(f"{file}: {len(done.ids)} record(s) imported as {done.status} (ids {ids}).")


def _list(kind: str, filters: RecordFilters, email: str | None, fmt: str) -> None:
    if fmt not in ("table", "json"):
        err.print(f"[red]--format {fmt!r}: table or json[/]")
        raise typer.Exit(EXIT_REFUSED)
    module = KINDS[kind]
    with reporting_session() as s:
        found = records.list_records(s, _acting(s, email), module.KIND, filters)
        rows = [
            {
                "id": r.id,
                "country": r.country,
                "status": r.status,
                "language": r.language,
                "title": module.KIND.title_of(r),
                "type": getattr(r, "service_type", None) or r.themes.replace(";", ", "),
            }
            for r in found
        ]
    if fmt == "json":
        console.out(json.dumps(rows, ensure_ascii=False, indent=2), highlight=False)
        return
    table = Table(title=f"{len(rows)} {module.KIND.label}(s)")
    for column in (
        "id",
        "country",
        "status",
        "lang",
        "title",
        "type" if kind == "services" else "themes",
    ):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]), row["country"], row["status"], row["language"],
            _escape(row["title"]), row["type"],
        )  # fmt: skip
    console.print(table)


AS_USER = typer.Option("--as", help="Email of the account importing (its rights apply).")
SUBMIT = typer.Option("--submit", help="Enter the records as submitted for review, not drafts.")
FORMAT = typer.Option("--format", help="table or json.")
LIST_AS = typer.Option("--as", help="List as this account sees (default: everything).")
STATUS = typer.Option(help=f"Only this status: {', '.join(RECORD_STATUSES)}.")


@practices_app.command("import")
def practices_import(
    file: Annotated[Path, typer.Argument(help="CSV or Excel file, one practice a row.")],
    email: Annotated[str, AS_USER],
    submit: Annotated[bool, SUBMIT] = False,
) -> None:
    """Import good practices: all rows or none, as drafts of that account.

    The columns are the form's fields (title, country, language, intervention,
    intervention_type, target_group, what_was_done, results, evidence, lessons, contact,
    themes, source_url, actions: roadmap action ids), lists ;-joined."""
    _import("practices", file, email, submit)


@services_app.command("import")
def services_import(
    file: Annotated[Path, typer.Argument(help="CSV or Excel file, one entry a row.")],
    email: Annotated[str, AS_USER],
    submit: Annotated[bool, SUBMIT] = False,
) -> None:
    """Import directory entries: all rows or none, as drafts of that account.

    The columns are the form's fields (name, country, language, service_type, description,
    phone, email, website, address, languages, source, checked_on, source_url). An entry
    describes an organisation: no personal data about victims."""
    _import("services", file, email, submit)


@practices_app.command("list")
def practices_list(
    country: Annotated[str, typer.Option(help="ISO3 code of a country.")] = "",
    status: Annotated[str, STATUS] = "",
    theme: Annotated[str, typer.Option(help=f"One of {', '.join(THEMES)}.")] = "",
    email: Annotated[str | None, LIST_AS] = None,
    fmt: Annotated[str, FORMAT] = "table",
) -> None:
    """List good practices."""
    _list("practices", RecordFilters(country=country, status=status, theme=theme), email, fmt)


@services_app.command("list")
def services_list(
    country: Annotated[str, typer.Option(help="ISO3 code of a country.")] = "",
    status: Annotated[str, STATUS] = "",
    service_type: Annotated[
        str, typer.Option("--type", help=f"One of {', '.join(SERVICE_TYPES)}.")
    ] = "",
    email: Annotated[str | None, LIST_AS] = None,
    fmt: Annotated[str, FORMAT] = "table",
) -> None:
    """List directory entries."""
    filters = RecordFilters(country=country, status=status, service_type=service_type)
    _list("services", filters, email, fmt)
