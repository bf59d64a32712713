"""Search the documents alone: ``find`` restricted to the kind ``document``, in the shapes
the first library commands used (``Filters``, ``Hit``, ``Results`` with the ``doc_type``
facet). It is the operator's view: every document, a national report's unpublished texts
included. The doors (web, API, CLI) search with ``find``, which decides who may find what.

A query's words are all required; each matches any of its stems (``library.stemming``).
Filters: within one facet the values are alternatives (``OR``), across facets all must hold
(``AND``). An empty query lists the documents the filters keep, newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from target87.library.find import FindFilters, find

FACETS = ("doc_type", "theme", "country", "language", "year")


@dataclass(frozen=True)
class Filters:
    doc_type: Sequence[str] = ()
    theme: Sequence[str] = ()
    country: Sequence[str] = ()
    language: Sequence[str] = ()
    year: Sequence[int] = ()


@dataclass(frozen=True)
class Hit:
    id: int
    title: str
    score: float  # higher is more relevant (0 for a query without words)
    doc_type: str | None
    language: str | None
    year: int | None
    note: str | None
    passage: list[tuple[str, bool]]  # the highlighted passage: (text, is a match)

    def passage_text(self, before: str = "[", after: str = "]") -> str:
        return "".join(f"{before}{t}{after}" if hit else t for t, hit in self.passage)


@dataclass(frozen=True)
class Results:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def search(
    engine: Engine,
    query: str,
    *,
    lang: str | None = None,
    filters: Filters | None = None,
    limit: int = 20,
) -> Results:
    """Documents matching ``query`` (stemmed in ``lang`` if given, else in en, fr and es)
    and ``filters``, best first, with the facets of all matches."""
    filters = filters or Filters()
    found = find(
        engine,
        query,
        lang=lang,
        filters=FindFilters(
            kind=("document",),
            type=tuple(filters.doc_type),
            theme=tuple(filters.theme),
            country=tuple(filters.country),
            language=tuple(filters.language),
            year=tuple(filters.year),
        ),
        unpublished=None,
        limit=limit,
    )
    hits = [
        Hit(h.id, h.title, h.score, h.type, h.language, h.year, h.note, h.passage)
        for h in found.hits
    ]
    facets = {name: found.facets.get("type" if name == "doc_type" else name, []) for name in FACETS}
    return Results(query, found.total, hits, facets)
