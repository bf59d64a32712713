"""``target87 library add``, ``search`` and ``reindex``: the knowledge library from the
command line (the same functions as the web door will call).

Exit codes: 0 done, 2 refused (for ``add``: the files before the refused one are saved, the
refused one left nothing behind; the message names the file and why).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from target87.cli.common import console, err, ready_engine
from target87.library import (
    DocumentMeta,
    Filters,
    LibraryError,
    add_document,
    default_data_dir,
    reindex,
    search,
)
from target87.library.models import DOCUMENT_TYPES, THEMES

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
    files: Annotated[list[Path], typer.Argument(help="PDF, DOCX, HTML, Markdown or text files.")],
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
    """Add documents: each one all or nothing; the same file twice is one document."""
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
    eng = ready_engine()
    folder = data_dir or default_data_dir()
    for path in files:
        if not path.is_file():
            err.print(f"[red]{path}: no such file[/]", soft_wrap=True)
            raise typer.Exit(EXIT_REFUSED)
        try:
            added = add_document(eng, path, meta, data_dir=folder)
        except LibraryError as exc:
            err.print(f"[red]refused[/] {exc} (nothing saved)", soft_wrap=True, markup=True)
            raise typer.Exit(EXIT_REFUSED) from None
        what = "added" if added.created else "already in the library"
        lang_text = added.language or "language unknown"
        _say(
            f"{path}: {what} as document {added.id} ({added.media_type}, {lang_text}): "
            f"{added.title}"
        )
        if added.note and added.created:
            _say(f"{path}: note: {added.note}")


@library_app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="Words to find (all required); '' lists all.")],
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="en, fr or es: the query's language, and only documents "
            "in it (default: every language).",
        ),
    ] = None,
    doc_type: Annotated[list[str] | None, typer.Option("--type", help="Document type(s).")] = None,
    theme: Annotated[list[str] | None, typer.Option("--theme", help="Theme(s).")] = None,
    country: Annotated[list[str] | None, typer.Option("--country", help="Countries.")] = None,
    year: Annotated[list[int] | None, typer.Option("--year", help="Year(s).")] = None,
    limit: Annotated[int, typer.Option(help="How many results to show.")] = 20,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Search the library: BM25 order, highlighted passages, facets with counts."""
    if fmt not in ("table", "json"):
        err.print(f"[red]--format {fmt!r}: table or json[/]")
        raise typer.Exit(EXIT_REFUSED)
    if lang is not None and lang not in ("en", "fr", "es"):
        err.print(f"[red]--lang {lang!r}: en, fr or es[/]")
        raise typer.Exit(EXIT_REFUSED)
    filters = Filters(
        doc_type=_split(doc_type),
        theme=_split(theme),
        country=tuple(c.upper() for c in _split(country)),
        language=(lang,) if lang else (),
        year=tuple(year or ()),
    )
    try:
        results = search(ready_engine(), query, lang=lang, filters=filters, limit=limit)
    except LibraryError as exc:
        err.print(f"[red]{exc}[/]", soft_wrap=True)
        raise typer.Exit(EXIT_REFUSED) from None
    if fmt == "json":
        body = {
            "query": results.query,
            "total": results.total,
            "hits": [
                {
                    "id": h.id,
                    "title": h.title,
                    "score": round(h.score, 6),
                    "type": h.doc_type,
                    "language": h.language,
                    "year": h.year,
                    "note": h.note,
                    "passage": h.passage_text("**", "**"),
                }
                for h in results.hits
            ],
            "facets": {k: dict(v) for k, v in results.facets.items()},
        }
        console.out(json.dumps(body, ensure_ascii=False, indent=2), highlight=False)
        return
    table = Table(title=f"{results.total} document(s) for {query!r}")
    for column in ("id", "title", "type", "lang", "year", "passage"):
        table.add_column(column)
    for h in results.hits:
        passage = "".join(
            f"[bold yellow]{_escape(t)}[/]" if hit else _escape(t) for t, hit in h.passage
        )
        table.add_row(
            str(h.id),
            _escape(h.title),
            h.doc_type or "",
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
    """Rebuild the search index from the stored documents' text."""
    count = reindex(ready_engine())
    _say(f"reindexed {count} document(s).")
