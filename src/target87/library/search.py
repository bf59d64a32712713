"""Search the library: full text ranked by BM25, facets with counts, filters that combine.

A query's words are all required; each matches any of its stems (``library.stemming``).
Filters: within one facet the values are alternatives (``OR``), across facets all must hold
(``AND``). Facets count the matching documents by type, theme, country, language and year,
with the filters applied. An empty query lists the documents the filters keep, newest first.

Highlighted passages are cut from the document's own text, not from the index (which holds
stems): the window of ``SNIPPET_WORDS`` words holding the most words whose stem the query
asked for, those words marked. This is why FTS5's ``snippet()`` is not used.

On SQLite the index is FTS5 with BM25 (``library.index``); on PostgreSQL the same stems are
searched with ``to_tsvector('simple', ...)`` and ranked with ``ts_rank`` (cover density is
not used), computed per query without a GIN index for now (fine for thousands of documents,
not for the benchmark's ten thousand: an expression index is the next step).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from target87.library.errors import LibraryError
from target87.library.index import BODY_WEIGHT, FTS_TABLE, TITLE_WEIGHT, has_index
from target87.library.models import LibraryDocument
from target87.library.stemming import WORD, fts_query, query_stems, stems

SNIPPET_WORDS = 30
# PostgreSQL: the stored stems as a tsvector, the title (weight A) above the text (D);
# 'simple' since the stemming is done in Python, in the document's language. ts_rank's
# weights are {D, C, B, A}: the title counts twice the text, as in the SQLite BM25; its
# normalisation 1 divides by 1 + log(length), so that a short match outranks a long one.
PG_WEIGHTS = "{0.5, 0, 0, 1.0}"
PG_VECTOR = (
    "(setweight(to_tsvector('simple', d.index_title), 'A') || "
    "setweight(to_tsvector('simple', d.index_text), 'D'))"
)
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
    score: float  # -bm25: higher is more relevant (0 for a query without words)
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


def _filter_sql(filters: Filters) -> tuple[list[str], dict]:
    clauses, params = [], {}
    for name, column in (
        ("doc_type", "d.doc_type"),
        ("language", "d.language"),
        ("year", "d.year"),
    ):
        values = list(getattr(filters, name))
        if values:
            keys = [f"{name}{i}" for i in range(len(values))]
            clauses.append(f"{column} IN ({', '.join(':' + k for k in keys)})")
            params.update(zip(keys, values, strict=True))
    for name, column in (("theme", "d.themes"), ("country", "d.countries")):
        values = list(getattr(filters, name))
        if values:
            keys = [f"{name}{i}" for i in range(len(values))]
            # Lists are ;-joined: match whole codes only.
            ors = [f"(';' || {column} || ';') LIKE '%;' || :{k} || ';%'" for k in keys]
            clauses.append("(" + " OR ".join(ors) + ")")
            params.update(zip(keys, values, strict=True))
    return clauses, params


def passage(body: str, wanted: set[str], language: str | None) -> list[tuple[str, bool]]:
    """The ``SNIPPET_WORDS``-word window of ``body`` with the most words whose stem (in the
    document's language, or in any language for a document without one) is ``wanted``."""
    matches = list(WORD.finditer(body))
    if not matches:
        return []
    hit = [bool(stems(m.group(), language) & wanted) for m in matches]
    best, best_count, count = 0, -1, 0
    for i in range(len(matches)):
        count += hit[i]
        if i >= SNIPPET_WORDS:
            count -= hit[i - SNIPPET_WORDS]
        start = max(0, i - SNIPPET_WORDS + 1)
        if count > best_count:
            best, best_count = start, count
    window = range(best, min(best + SNIPPET_WORDS, len(matches)))
    parts: list[tuple[str, bool]] = [("… ", False)] if best > 0 else []
    cursor = matches[window[0]].start()
    for i in window:
        m = matches[i]
        if m.start() > cursor:
            parts.append((" ".join(body[cursor : m.start()].split()) or " ", False))
        parts.append((m.group(), hit[i]))
        cursor = m.end()
    if window[-1] < len(matches) - 1:
        parts.append((" …", False))
    return parts


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
    postgres = engine.dialect.name == "postgresql"
    if engine.dialect.name not in ("sqlite", "postgresql"):
        raise LibraryError(
            f"library search runs on SQLite and PostgreSQL, not {engine.dialect.name}"
        )
    stems = query_stems(query, lang)
    clauses, params = _filter_sql(filters)
    columns = (
        "d.id, d.title, d.doc_type, d.language, d.year, d.extraction_note, d.text, "
        "d.themes, d.countries"
    )
    with engine.connect() as conn:
        if stems and postgres:
            params["q"] = ts_query(stems)
            where = " AND ".join([f"{PG_VECTOR} @@ to_tsquery('simple', :q)", *clauses])
            sql = (
                f"SELECT {columns}, "
                f"ts_rank('{PG_WEIGHTS}', {PG_VECTOR}, to_tsquery('simple', :q), 1) AS score "
                f"FROM {LibraryDocument.__tablename__} d WHERE {where} "
                "ORDER BY score DESC, d.id"
            )
        elif stems:
            if not has_index(conn):
                return Results(query, 0, [], {})
            params["q"] = fts_query(stems)
            where = " AND ".join([f"{FTS_TABLE} MATCH :q", *clauses])
            sql = (
                f"SELECT {columns}, -bm25({FTS_TABLE}, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS score "
                f"FROM {FTS_TABLE} JOIN {LibraryDocument.__tablename__} d "
                f"ON d.id = {FTS_TABLE}.rowid WHERE {where} ORDER BY score DESC, d.id"
            )
        else:
            where = " AND ".join(clauses) or "1 = 1"
            sql = (
                f"SELECT {columns}, 0.0 AS score FROM {LibraryDocument.__tablename__} d "
                f"WHERE {where} ORDER BY d.year DESC, d.id"
            )
        rows = conn.execute(text(sql), params).all()
    wanted = set().union(*stems) if stems else set()
    hits = [
        Hit(
            r.id,
            r.title,
            float(r.score),
            r.doc_type,
            r.language,
            r.year,
            r.extraction_note,
            passage(r.text, wanted, r.language) if wanted else [],
        )
        for r in rows[:limit]
    ]
    return Results(query, len(rows), hits, facet_counts(rows))


def ts_query(stems: list[set[str]]) -> str:
    """A PostgreSQL ``to_tsquery`` text: every word required (``&``), any of its stems
    (``|``); each stem quoted as a lexeme, so no query text is read as an operator."""
    return " & ".join(
        "(" + " | ".join(f"'{v}'" for v in sorted(variants)) + ")" for variants in stems
    )


def facet_counts(rows) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value over ``rows``, most frequent first (then by value)."""
    counters = {name: Counter() for name in FACETS}
    for r in rows:
        for name, value in (("doc_type", r.doc_type), ("language", r.language), ("year", r.year)):
            if value is not None:
                counters[name][str(value)] += 1
        counters["theme"].update(LibraryDocument.split(r.themes))
        counters["country"].update(LibraryDocument.split(r.countries))
    return {name: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for name, c in counters.items()}
