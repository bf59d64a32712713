"""One search over everything the library holds: documents (uploads, the starter catalogue,
national reports' texts), good practices, the directory of services, and the indicator
catalogue (the store's series), ranked together, with facets and filters that combine.

Who may find what is decided here, at query time, from the records' state: published good
practices, directory entries and reports' texts are found by everybody; unpublished ones
(a draft, a record under review, a report not yet published and its attachments) only by a
viewer who may read the unpublished work of that country (``unpublished``: the countries, as
``reporting.permissions.visible_countries`` gives them; None for every country). The default
is the public's: nothing unpublished.

Each kind is searched in its own full-text index (``library.index``: FTS5 BM25 on SQLite,
``ts_rank`` over the GIN-indexed tsvector on PostgreSQL) with the same stems and weights, so
the scores of one engine are comparable across kinds; the indicator catalogue (tens of
series) is matched in Python on its names in the three languages and its definition, scored
as BM25 would score a short title. Facets count every match (kind, type, theme, country,
region, language, year) with the filters applied; only the page of hits shown reads the texts
to cut their highlighted passages.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from sqlalchemy import Connection, Engine, text

from target87.library.errors import LibraryError
from target87.library.index import (
    BODY_WEIGHT,
    FTS_TABLES,
    RECORD_TABLES,
    TITLE_WEIGHT,
    has_index,
)
from target87.library.stemming import WORD, fold, fts_query, query_stems, stems, words

KINDS = ("document", "practice", "service", "indicator")
SNIPPET_WORDS = 30
_SPLIT = re.compile(rf"({WORD.pattern})", WORD.flags)
FACETS = ("kind", "type", "theme", "country", "region", "language", "year")
PG_WEIGHTS = "{0.5, 0, 0, 1.0}"
PG_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, r.index_title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, r.index_text), 'D'))"
)


@dataclass(frozen=True)
class FindFilters:
    """Within one facet the values are alternatives, across facets all must hold."""

    kind: Sequence[str] = ()
    type: Sequence[str] = ()
    theme: Sequence[str] = ()
    country: Sequence[str] = ()
    region: Sequence[str] = ()
    language: Sequence[str] = ()
    year: Sequence[int] = ()

    def keeps(self, row: Match) -> bool:
        checks = (
            (self.kind, (row.kind,)),
            (self.type, (row.type,)),
            (self.theme, row.themes),
            (self.country, row.countries),
            (self.region, row.regions),
            (self.language, (row.language,)),
            (tuple(str(y) for y in self.year), (str(row.year),)),
        )
        return all(not wanted or set(wanted) & set(have) for wanted, have in checks)


@dataclass(frozen=True)
class Match:
    """One matching record, its facets' values and its score (no text yet)."""

    kind: str
    id: int | str
    title: str
    score: float
    type: str | None
    language: str | None
    year: int | None
    themes: tuple[str, ...]
    countries: tuple[str, ...]
    regions: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class Found:
    kind: str
    id: int | str
    title: str
    score: float
    type: str | None
    language: str | None
    year: int | None
    countries: tuple[str, ...]
    note: str | None
    passage: list[tuple[str, bool]]

    def passage_text(self, before: str = "[", after: str = "]") -> str:
        return "".join(f"{before}{t}{after}" if hit else t for t, hit in self.passage)


@dataclass(frozen=True)
class FindResults:
    query: str
    total: int
    hits: list[Found]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


@lru_cache(maxsize=4096)
def _first_letters(initial: str) -> frozenset[str]:
    """Every character a word may start with whose folded form is ``initial``: its cases
    and accented forms (``e``: ``e E é É è ê ë Ë``...), over Latin and Greek letters."""
    found = {initial, initial.upper()}
    found.update(c for c in map(chr, range(0x41, 0x3FF)) if c.isalpha() and fold(c) == initial)
    return frozenset(found)


def passage(body: str, wanted: set[str], language: str | None) -> list[tuple[str, bool]]:
    """The ``SNIPPET_WORDS``-word window of ``body`` with the most words whose stem (in the
    document's language, or in any language for a document without one) is ``wanted``."""
    # One pass splits the text into separators and words (``pieces[1::2]`` are the words,
    # ``pieces[2 * i]`` what comes before word i). Each distinct word is judged once (a text
    # repeats its words); the window is found by running sums: the first start with the most
    # hits, as a word-by-word scan finds it (tests/library/test_find.py checks they agree).
    pieces = _SPLIT.split(body)
    tokens = pieces[1::2]
    if not tokens:
        return []
    # A Snowball stem keeps its word's first letter (tests/library/test_stemmers.py checks it
    # on every word of the site): only words starting with a wanted stem's letter are stemmed.
    initials = set().union(*(_first_letters(t[0]) for t in wanted if t))
    good = {w for w in set(tokens) if w[0] in initials and stems(w, language) & wanted}
    hit = list(map(good.__contains__, tokens))
    if len(tokens) <= SNIPPET_WORDS:
        best = 0
    else:
        running = np.concatenate(([0], np.cumsum(np.array(hit, dtype=np.int32))))
        best = int(np.argmax(running[SNIPPET_WORDS:] - running[:-SNIPPET_WORDS]))
    end = min(best + SNIPPET_WORDS, len(tokens))
    parts: list[tuple[str, bool]] = [("… ", False)] if best > 0 else []
    for i in range(best, end):
        if i > best and pieces[2 * i]:
            parts.append((" ".join(pieces[2 * i].split()) or " ", False))
        parts.append((tokens[i], hit[i]))
    if end < len(tokens):
        parts.append((" …", False))
    return parts


def ts_query(stems: list[set[str]]) -> str:
    """A PostgreSQL ``to_tsquery`` text: every word required (``&``), any of its stems
    (``|``); each stem quoted as a lexeme, so no query text is read as an operator."""
    return " & ".join(
        "(" + " | ".join(f"'{v}'" for v in sorted(variants)) + ")" for variants in stems
    )


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(";") if v)


# Per kind: the SELECT of its facets' columns (alias r), the state that makes it public,
# the SQL of its body text for passages.
_COLUMNS = {
    "document": (
        "r.id, r.title, r.doc_type AS type, r.language, r.year, r.themes, r.countries, "
        "r.regions, r.extraction_note AS note, r.report_id AS owner_id, "
        "rep.state AS state, rep.country AS owner_country"
    ),
    "practice": (
        "r.id, r.title, 'good_practice' AS type, r.language, r.created_at AS year, r.themes, "
        "r.country AS countries, '' AS regions, NULL AS note, r.id AS owner_id, "
        "r.status AS state, r.country AS owner_country"
    ),
    "service": (
        "r.id, r.name AS title, r.service_type AS type, r.language, r.checked_on AS year, "
        "'' AS themes, r.country AS countries, '' AS regions, NULL AS note, r.id AS owner_id, "
        "r.status AS state, r.country AS owner_country"
    ),
}
_JOIN = {"document": "LEFT JOIN national_report rep ON rep.id = r.report_id"}
_BODY = {
    "document": "SELECT id, text AS body FROM library_document WHERE id IN ({ids})",
    "practice": (
        "SELECT id, what_was_done || ' ' || results || ' ' || lessons || ' ' || "
        "coalesce(evidence, '') || ' ' || target_group AS body "
        "FROM good_practice WHERE id IN ({ids})"
    ),
    "service": "SELECT id, description AS body FROM service_entry WHERE id IN ({ids})",
}


def _visible(kind: str, row, unpublished: set[str] | None) -> bool:
    if kind == "document" and row.owner_id is None:
        return True  # an upload or a catalogue entry: public
    if row.state == "published":
        return True
    return unpublished is None or row.owner_country in unpublished


def _year(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    year = getattr(value, "year", None)
    return year if year is not None else int(str(value)[:4])


def _record_matches(
    conn: Connection, kind: str, stemmed: list[set[str]], unpublished: set[str] | None
) -> list[Match]:
    table = RECORD_TABLES[kind]
    base = f"FROM {table} r {_JOIN.get(kind, '')}"
    params: dict = {}
    if not stemmed:
        sql = f"SELECT {_COLUMNS[kind]}, 0.0 AS score {base}"
    elif conn.dialect.name == "postgresql":
        params["q"] = ts_query(stemmed)
        sql = (
            f"SELECT {_COLUMNS[kind]}, ts_rank('{PG_WEIGHTS}', {PG_VECTOR}, "
            f"to_tsquery('simple', :q), 1) AS score {base} "
            f"WHERE {PG_VECTOR} @@ to_tsquery('simple', :q)"
        )
    else:
        fts = FTS_TABLES[kind]
        if not has_index(conn, kind):
            return []
        params["q"] = fts_query(stemmed)
        sql = (
            f"SELECT {_COLUMNS[kind]}, -bm25({fts}, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS score "
            f"FROM {fts} JOIN {table} r ON r.id = {fts}.rowid {_JOIN.get(kind, '')} "
            f"WHERE {fts} MATCH :q"
        )
    out = []
    for row in conn.execute(text(sql), params):
        if not _visible(kind, row, unpublished):
            continue
        out.append(
            Match(
                kind,
                row.id,
                row.title,
                float(row.score),
                row.type,
                row.language,
                _year(row.year),
                _split(row.themes),
                _split(row.countries),
                _split(row.regions),
                row.note,
            )
        )
    return out


def _indicator_matches(
    conn: Connection, stemmed: list[frozenset[str]], label_lang: str = "en"
) -> list[Match]:
    """The store's series whose names (en, fr, es) or definition hold every query word (all
    of them for an empty query)."""
    rows = conn.execute(
        text(
            "SELECT code, name_en, name_fr, name_es, definition_en, topic, sdg_indicator "
            "FROM series"
        )
    ).all()
    out = []
    for row in rows:
        names = " ".join(n for n in (row.name_en, row.name_fr, row.name_es, row.code) if n)
        title_terms = {t for w in words(names) for t in stems(w, None)}
        body_terms = {t for w in words(row.definition_en or "") for t in stems(w, "en")}
        score = 0.0
        for variants in stemmed:
            if variants & title_terms:
                score += TITLE_WEIGHT
            elif variants & body_terms:
                score += BODY_WEIGHT
            else:
                break
        else:
            out.append(
                Match(
                    "indicator",
                    row.code,
                    getattr(row, f"name_{label_lang}", None) or row.name_en,
                    score,
                    "indicator",
                    None,
                    None,
                    (row.topic,) if row.topic else (),
                    (),
                    (),
                )
            )
    return out


def _regions(conn: Connection, countries: Iterable[str]) -> dict[str, str]:
    """Each country's M49 region code, for the region facet and filter."""
    codes = sorted(set(countries))
    if not codes:
        return {}
    keys = {f"c{i}": c for i, c in enumerate(codes)}
    rows = conn.execute(
        text(
            f"SELECT code, m49_region FROM area WHERE code IN ({', '.join(':' + k for k in keys)})"
        ),
        keys,
    ).all()
    return {code: region for code, region in rows if region}


def find(
    engine: Engine,
    query: str,
    *,
    lang: str | None = None,
    filters: FindFilters | None = None,
    unpublished: set[str] | None = frozenset(),
    limit: int = 20,
    offset: int = 0,
    label_lang: str = "en",
    keep: bool = True,
) -> FindResults:
    """Everything matching ``query`` (stemmed in ``lang``, else in en, fr and es) that the
    viewer may see (``unpublished``: see the module) and ``filters`` keep, best first; an
    empty query lists them newest first. Indicators are titled in ``label_lang`` (en, fr,
    es); the other records in the language they were written in. The results are kept
    (``keep``) until the library, the data or a national report changes."""
    if engine.dialect.name not in ("sqlite", "postgresql"):
        raise LibraryError(
            f"library search runs on SQLite and PostgreSQL, not {engine.dialect.name}"
        )
    filters = filters or FindFilters()
    unpublished = None if unpublished is None else frozenset(unpublished)
    if keep:
        key = (
            str(engine.url),
            _version(engine),
            query,
            lang,
            tuple((name, tuple(getattr(filters, name))) for name in FACETS),
            unpublished,
            limit,
            offset,
            label_lang,
        )
        with _KEPT_LOCK:
            if key in _KEPT:
                _KEPT.move_to_end(key)
                return _KEPT[key]
        results = find(
            engine,
            query,
            lang=lang,
            filters=filters,
            unpublished=unpublished,
            limit=limit,
            offset=offset,
            label_lang=label_lang,
            keep=False,
        )
        with _KEPT_LOCK:
            _KEPT[key] = results
            while len(_KEPT) > KEPT_RESULTS:
                _KEPT.popitem(last=False)
        return results
    stemmed = query_stems(query, lang)
    kinds = [k for k in KINDS if not filters.kind or k in filters.kind]
    with engine.connect() as conn:
        matches: list[Match] = []
        for kind in kinds:
            if kind == "indicator":
                matches += _indicator_matches(conn, stemmed, label_lang)
            else:
                matches += _record_matches(conn, kind, stemmed, unpublished)
        region_of = _regions(conn, (c for m in matches for c in m.countries))
        matches = [_with_regions(m, region_of) for m in matches]
        kept = [m for m in matches if filters.keeps(m)]
        if stemmed:
            kept.sort(key=lambda m: (-m.score, KINDS.index(m.kind), m.id))
        else:
            kept.sort(key=lambda m: (-(m.year or 0), KINDS.index(m.kind), m.id))
        page = kept[offset : offset + limit]
        bodies = _bodies(conn, page)
    wanted = set().union(*stemmed) if stemmed else set()
    hits = [
        Found(
            m.kind,
            m.id,
            m.title,
            m.score,
            m.type,
            m.language,
            m.year,
            m.countries,
            m.note,
            passage(bodies.get((m.kind, m.id), ""), wanted, m.language) if wanted else [],
        )
        for m in page
    ]
    return FindResults(query, len(kept), hits, facet_counts(kept))


# Results kept until what they answer can have changed: the library's change count (every
# index write and status change adds one: ``index.bump_generation``), the newest data load
# (the indicator catalogue) and the newest change to a national report (its state decides
# who finds its texts). Results are immutable, shared by the threads of one process.
KEPT_RESULTS = 2048
_KEPT: OrderedDict[tuple, FindResults] = OrderedDict()
_KEPT_LOCK = threading.Lock()
_VERSION = text(
    "SELECT (SELECT value FROM library_generation WHERE id = 1), "
    "(SELECT max(id) FROM load_record), (SELECT max(updated_at) FROM national_report), "
    "(SELECT count(*) FROM national_report)"
)


def _version(engine: Engine) -> tuple:
    with engine.connect() as conn:
        return tuple(str(v) for v in conn.execute(_VERSION).one())


def _with_regions(m: Match, region_of: dict[str, str]) -> Match:
    extra = tuple(region_of[c] for c in m.countries if c in region_of)
    if not extra:
        return m
    regions = tuple(dict.fromkeys(m.regions + extra))
    return Match(**{**m.__dict__, "regions": regions})


def _bodies(conn: Connection, page: list[Match]) -> dict[tuple[str, int | str], str]:
    """The texts passages are cut from, for the shown hits only."""
    out: dict[tuple[str, int | str], str] = {}
    for kind, sql in _BODY.items():
        ids = [m.id for m in page if m.kind == kind]
        if not ids:
            continue
        keys = {f"i{n}": i for n, i in enumerate(ids)}
        rows = conn.execute(text(sql.format(ids=", ".join(":" + k for k in keys))), keys)
        out.update(((kind, r.id), r.body or "") for r in rows)
    return out


def facet_counts(matches: list[Match]) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value over ``matches``, most frequent first (then by value)."""
    counters = {name: Counter() for name in FACETS}
    for m in matches:
        for name, value in (
            ("kind", m.kind),
            ("type", m.type),
            ("language", m.language),
            ("year", m.year),
        ):
            if value is not None:
                counters[name][str(value)] += 1
        counters["theme"].update(set(m.themes))
        counters["country"].update(set(m.countries))
        counters["region"].update(set(m.regions))
    return {name: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for name, c in counters.items()}
