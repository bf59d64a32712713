"""The knowledge library in the API: search, one document's record, and a JSON Feed of the
catalogue for other repositories to harvest.

Public, read-only, and never from the page cache: the library changes without a data load.
The API answers as the public: nothing unpublished (drafts, records under review, reports not
yet published and their attachments) is ever in it.

The feed is a JSON Feed 1.1 (https://jsonfeed.org/version/1.1), newest first, paged by
``next_url``; each item carries the record's metadata under ``_target87`` (kind, type,
themes, countries, regions, language, year, licence, source link), and ``updated_since``
lets a harvester take only what changed since its last visit, as OAI-PMH's ``from`` does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from sqlalchemy import DateTime, bindparam, text

from target87.library import KINDS, FindFilters, allows_download, find, get_document
from target87.library.models import DOCUMENT_TYPES, LANGUAGES, SERVICE_TYPES, THEMES
from target87.web.api.http import ApiError, UncachedRoute
from target87.web.api.models import ErrorBody

router = APIRouter(prefix="/api/v1/library", tags=["library"], route_class=UncachedRoute)
FEED_PAGE = 100
TYPES = (*DOCUMENT_TYPES, *SERVICE_TYPES, "good_practice", "indicator")


def _check(name: str, values: list[str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    for v in values:
        if v not in allowed:
            raise ApiError(400, f"unknown {name} {v!r}; one of: {', '.join(allowed)}", value=v)
    return tuple(values)


def _link(request: Request, kind: str, ident) -> str:
    path = {
        "document": f"/library/documents/{ident}",
        "practice": f"/library/practices/{ident}",
        "service": f"/library/services/{ident}",
        "indicator": f"/explore?{urlencode({'series': ident})}",
    }[kind]
    return str(request.base_url).rstrip("/") + path


@router.get(
    "/search",
    responses={400: {"model": ErrorBody, "description": "A filter value outside its list"}},
    summary="Search documents, good practices, services and indicators",
)
def library_search(
    request: Request,
    q: Annotated[str, Query(max_length=200, description="words, all required")] = "",
    lang: Annotated[
        Literal["en", "fr", "es"] | None,
        Query(description="stem the words in this language (default: all three)"),
    ] = None,
    kind: Annotated[list[str], Query(description=f"one of {', '.join(KINDS)}")] = (),
    type: Annotated[list[str], Query(description="document or service type")] = (),
    theme: Annotated[list[str], Query(description=f"one of {', '.join(THEMES)}")] = (),
    country: Annotated[list[str], Query(description="ISO 3166 alpha-3 code")] = (),
    region: Annotated[list[str], Query(description="M49 region code, e.g. M49_019")] = (),
    language: Annotated[list[str], Query(description="language of the record")] = (),
    year: Annotated[list[int], Query(description="year")] = (),
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> dict:
    """Every word is required and matches its stems (``trabajo infantil`` finds
    ``trabajadores infantiles``), accents and case ignored, ranked by BM25 (SQLite) or
    ``ts_rank`` (PostgreSQL); facets count all matches with the filters applied."""
    filters = FindFilters(
        kind=_check("kind", list(kind), KINDS),
        type=_check("type", list(type), TYPES),
        theme=_check("theme", list(theme), THEMES),
        country=tuple(c.upper() for c in country),
        region=tuple(region),
        language=_check("language", list(language), LANGUAGES),
        year=tuple(year),
    )
    found = find(
        request.app.state.engine, q, lang=lang, filters=filters, limit=limit, offset=offset
    )
    return {
        "query": found.query,
        "total": found.total,
        "limit": limit,
        "offset": offset,
        "hits": [
            {
                "kind": h.kind,
                "id": h.id,
                "title": h.title,
                "url": _link(request, h.kind, h.id),
                "score": round(h.score, 6),
                "type": h.type,
                "language": h.language,
                "year": h.year,
                "countries": list(h.countries),
                "passage": h.passage_text("<mark>", "</mark>") if h.passage else None,
                "note": h.note,
            }
            for h in found.hits
        ],
        "facets": {name: [[v, n] for v, n in values] for name, values in found.facets.items()},
    }


def _document_item(request: Request, doc) -> dict:
    return {
        "kind": "document",
        "id": doc.id,
        "title": doc.title,
        "url": _link(request, "document", doc.id),
        "summary": doc.summary,
        "authors": doc.authors,
        "publisher": doc.publisher,
        "year": doc.year,
        "language": doc.language,
        "type": doc.doc_type,
        "themes": doc.split(doc.themes),
        "countries": doc.split(doc.countries),
        "regions": doc.split(doc.regions),
        "sdg_targets": doc.split(doc.sdg_targets),
        "licence": doc.licence,
        "source_url": doc.source_url,
        "origin": doc.origin,
        "media_type": doc.media_type,
        "sha256": doc.sha256,
        "original_url": (
            _link(request, "document", doc.id) + "/original"
            if doc.stored_path and allows_download(doc.licence)
            else None
        ),
        "extraction_note": doc.extraction_note,
        "added_at": doc.added_at.isoformat() + "Z",
    }


@router.get(
    "/documents/{doc_id}",
    responses={404: {"model": ErrorBody, "description": "No such document"}},
    summary="One document's record",
)
def library_document(request: Request, doc_id: int) -> dict:
    doc = get_document(request.app.state.engine, doc_id)
    if doc is None or doc.report_id is not None and not _report_published(request, doc):
        raise ApiError(404, f"no document {doc_id}", value=str(doc_id))
    return _document_item(request, doc)


def _report_published(request: Request, doc) -> bool:
    with request.app.state.engine.connect() as conn:
        state = conn.execute(
            text("SELECT state FROM national_report WHERE id = :id"), {"id": doc.report_id}
        ).scalar()
    return state == "published"


# The feed: every public record, newest change first.
_FEED_SQL = {
    "document": (
        "SELECT 'document' AS kind, d.id, d.title, d.summary, d.added_at AS changed, "
        "d.language, d.doc_type AS type, d.themes, d.countries, d.regions, d.year, d.licence, "
        "d.source_url FROM library_document d LEFT JOIN national_report r ON r.id = d.report_id "
        "WHERE (d.report_id IS NULL OR r.state = 'published')"
    ),
    "practice": (
        "SELECT 'practice' AS kind, id, title, results AS summary, updated_at AS changed, "
        "language, 'good_practice' AS type, themes, country AS countries, '' AS regions, "
        "NULL AS year, NULL AS licence, source_url FROM good_practice WHERE status = 'published'"
    ),
    "service": (
        "SELECT 'service' AS kind, id, name AS title, description AS summary, "
        "updated_at AS changed, language, service_type AS type, '' AS themes, "
        "country AS countries, '' AS regions, NULL AS year, NULL AS licence, "
        "website AS source_url FROM service_entry WHERE status = 'published'"
    ),
}


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(";") if v]


@router.get(
    "/feed",
    summary="JSON Feed 1.1 of the catalogue, for harvesting",
    responses={400: {"model": ErrorBody, "description": "A bad date"}},
)
def library_feed(
    request: Request,
    updated_since: Annotated[
        str | None, Query(description="ISO date or time (UTC): only records changed since")
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> dict:
    since = None
    if updated_since:
        try:
            since = datetime.fromisoformat(updated_since.removesuffix("Z"))
        except ValueError:
            raise ApiError(
                400, "updated_since is not an ISO date such as 2026-01-31", updated_since
            ) from None
    sql = " UNION ALL ".join(
        f"SELECT * FROM ({q}) AS k{i}" for i, q in enumerate(_FEED_SQL.values())
    )
    where = " WHERE changed >= :since" if since else ""
    params = {"limit": FEED_PAGE + 1, "offset": (page - 1) * FEED_PAGE}
    if since:
        params["since"] = since
    statement = text(
        f"SELECT * FROM ({sql}) AS feed{where} ORDER BY changed DESC, kind, id "
        "LIMIT :limit OFFSET :offset"
    )
    if since:
        statement = statement.bindparams(bindparam("since", type_=DateTime()))
    with request.app.state.engine.connect() as conn:
        rows = conn.execute(statement, params).all()
    base = str(request.base_url).rstrip("/")
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "target87 knowledge library",
        "home_page_url": base + "/library",
        "feed_url": base + "/api/v1/library/feed",
        "items": [
            {
                "id": _link(request, r.kind, r.id),
                "url": _link(request, r.kind, r.id),
                "title": r.title,
                "content_text": r.summary or r.title,
                "date_modified": _iso(r.changed),
                "language": r.language,
                "_target87": {
                    "kind": r.kind,
                    "id": r.id,
                    "type": r.type,
                    "themes": _split(r.themes),
                    "countries": _split(r.countries),
                    "regions": _split(r.regions),
                    "year": r.year,
                    "licence": r.licence,
                    "source_url": r.source_url,
                },
            }
            for r in rows[:FEED_PAGE]
        ],
    }
    if len(rows) > FEED_PAGE:
        query = {"page": page + 1, **({"updated_since": updated_since} if since else {})}
        feed["next_url"] = base + "/api/v1/library/feed?" + urlencode(query)
    return feed


def _iso(value) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.isoformat() + "Z"
