"""The library's search page: one box over documents, good practices, the directory of
services and the indicator catalogue (``library.find``), with facets and highlighted passages.

Not kept in the page cache: the library changes without a data load, and a signed-in reader
may find unpublished work of the countries they may read (``reporting.permissions``)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from target87.library.find import FACETS, KINDS, FindFilters, find
from target87.library.models import DOCUMENT_TYPES, LANGUAGES, SERVICE_TYPES, THEMES
from target87.presentation import translator
from target87.reporting.permissions import visible_countries
from target87.store import models as M
from target87.web.library.rights import may_upload
from target87.web.site.language import choose
from target87.web.site.render import render, session
from target87.web.site.visitors import signed_in

router = APIRouter()
# Languages by their own names, as language switchers write them (not translated).
LANGUAGE_NAMES = (("en", "English"), ("fr", "Français"), ("es", "Español"))
PAGE_SIZE = 20
MAX_QUERY = 200


class BadFilter(ValueError):
    def __init__(self, field: str, value: str) -> None:
        super().__init__(f"{field}={value}")
        self.field, self.value = field, value


def asked(request: Request) -> tuple[str, str | None, FindFilters]:
    """The query, its stemming language (None: the three) and the filters of a request;
    a value outside a facet's vocabulary raises ``BadFilter`` naming it."""
    q = request.query_params
    words = (q.get("q") or "").strip()[:MAX_QUERY]
    query_lang = q.get("ql") or None
    if query_lang is not None and query_lang not in LANGUAGES:
        raise BadFilter("ql", query_lang)
    known = {
        "kind": KINDS,
        "type": (*DOCUMENT_TYPES, *SERVICE_TYPES, "indicator"),
        "theme": THEMES,
        "language": LANGUAGES,
    }
    values: dict[str, tuple] = {}
    for name in FACETS:
        chosen = tuple(dict.fromkeys(v for v in q.getlist(name) if v))
        for v in chosen:
            if name in known and v not in known[name]:
                raise BadFilter(name, v)
            if name == "year" and not (v.isdigit() and len(v) == 4):
                raise BadFilter(name, v)
        values[name] = tuple(int(v) for v in chosen) if name == "year" else chosen
    return words, query_lang, FindFilters(**values)


def viewer(request: Request):
    """The reader (None: the public) and whose unpublished work they may find."""
    user, _ = signed_in(request)
    return user, visible_countries(user)


def hit_url(kind: str, ident) -> str:
    return {
        "document": f"/library/documents/{ident}",
        "practice": f"/library/practices/{ident}",
        "service": f"/library/services/{ident}",
        "indicator": f"/explore?{urlencode({'series': ident})}",
    }[kind]


def value_names(lang: str) -> dict[str, dict[str, str]]:
    """Each facet value's words in ``lang`` (countries and regions: ``area_names``)."""
    t = translator(lang)
    return {
        "kind": {k: t(f"lib_kind_{k}") for k in KINDS},
        "type": {k: t(f"lib_type_{k}") for k in (*DOCUMENT_TYPES, *SERVICE_TYPES, "indicator")},
        "theme": {k: t(f"lib_theme_{k}") for k in THEMES},
        "language": dict(LANGUAGE_NAMES),
    }


def area_names(request: Request, codes: set[str], lang: str) -> dict[str, str]:
    if not codes:
        return {}
    with session(request) as s:
        return {a.code: a.name(lang) for a in s.query(M.Area).filter(M.Area.code.in_(codes))}


def page_query(words: str, query_lang: str | None, filters: FindFilters, **extra) -> str:
    pairs = [("q", words)] if words else []
    if query_lang:
        pairs.append(("ql", query_lang))
    for name in FACETS:
        pairs += [(name, str(v)) for v in getattr(filters, name)]
    pairs += [(k, str(v)) for k, v in extra.items()]
    return urlencode(pairs)


@router.get("/library", response_class=HTMLResponse)
def library_search(request: Request, page: int = 1):
    lang, _ = choose(request)
    t = translator(lang)
    try:
        words, query_lang, filters = asked(request)
    except BadFilter as exc:
        return render(
            request,
            "library/search.html",
            status_code=400,
            error=t("lib_bad_filter").format(field=exc.field, value=exc.value),
            results=None,
            words="",
            query_lang=None,
            filters=FindFilters(),
            names=value_names(lang),
            areas={},
        )
    page = max(1, min(page, 500))
    user, countries = viewer(request)
    results = find(
        request.app.state.engine,
        words,
        lang=query_lang,
        filters=filters,
        unpublished=countries,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        label_lang=lang,
    )
    codes = {v for f in ("country", "region") for v, _ in results.facets.get(f, [])}
    codes |= {c for h in results.hits for c in h.countries}
    pages = max(1, -(-results.total // PAGE_SIZE))
    return render(
        request,
        "library/search.html",
        error=None,
        results=results,
        words=words,
        query_lang=query_lang,
        filters=filters,
        names=value_names(lang),
        areas=area_names(request, codes, lang),
        hit_url=hit_url,
        page=page,
        pages=pages,
        query=page_query(words, query_lang, filters),
        can_upload=may_upload(user),
    )
