"""Rendered pages kept in memory until the data change.

The warehouse changes only through loads, and every load writes a LoadRecord: the newest
record's id is the data version, with the library's change count (``library_generation``: a
profile lists the library's records, which change without a load). A page is stored under (site
address, path, query without ``lang``, language, data version): the address (scheme, host, root
path) because a page writes absolute links to itself (a chart's share link and embed code),
which must name the host the reader asked, never the host of whoever came first; a load makes
every stored page stale at once. Requests that miss the same page at the same time wait for one
rendering of it instead of each rendering it (a cold worker under load would otherwise render a
page once per waiting client).

``TARGET87_PAGE_CACHE=off`` in the environment of the server process, read once at start-up,
turns the page cache off: every page is rendered for every request, as on a cold server
(benchmarks/bench_web.py measures both). Only whoever starts the server can set it; no request
can.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections import OrderedDict

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from target87.library.models import LibraryGeneration
from target87.store import models as M
from target87.web.site.language import COOKIE, choose
from target87.web.site.visitors import SESSION_COOKIE

# Every country profile in three languages and the explorer's usual views fit (a profile is
# 30-60 KB); the byte bound keeps a worker's memory in check whatever the pages weigh.
MAX_PAGES = 4096
MAX_PAGE_BYTES = 96 * 1024 * 1024
PAGE_CACHE_ENV = "TARGET87_PAGE_CACHE"
PAGE_CACHE_ON = os.environ.get(PAGE_CACHE_ENV, "on").strip().lower() != "off"  # at start-up


_RENDERING = threading.Lock()  # guards each app's table of per-page locks

# The newest load, and the library's change count: a country profile lists the library's
# documents, good practices and directory of services, which change without a load.
_VERSION_SQL = select(
    func.coalesce(select(func.max(M.LoadRecord.id)).scalar_subquery(), 0),
    func.coalesce(
        select(LibraryGeneration.value).where(LibraryGeneration.id == 1).scalar_subquery(), 0
    ),
)


def data_version(request: Request) -> tuple[int, int]:
    # A bare connection, no ORM session: this runs on every request that may be cached.
    with request.app.state.engine.connect() as connection:
        return tuple(connection.execute(_VERSION_SQL).one())


def cached_page(handler):
    """Serve a page handler's HTML from memory when nothing it shows can have changed."""

    @functools.wraps(handler)
    def wrapper(request: Request, *args, **kwargs):
        if request.cookies.get(SESSION_COOKIE) or not PAGE_CACHE_ON:
            # A signed-in reader's page carries its own header (account, sign-out form with
            # its token): made for them, never kept for the others. Or the cache is off.
            return handler(request, *args, **kwargs)
        store: OrderedDict = request.app.state.__dict__.setdefault("pages", OrderedDict())
        lang, remember = choose(request)
        query = tuple(sorted((k, v) for k, v in request.query_params.multi_items() if k != "lang"))
        key = (str(request.base_url), request.url.path, query, lang, data_version(request))
        hit = store.get(key)
        if hit is None:
            rendered = _render_once(request, key, lambda: handler(request, *args, **kwargs))
            if not isinstance(rendered, tuple):
                return rendered  # not a 200: served as it is, never kept
            hit = rendered
        else:
            with contextlib.suppress(KeyError):  # another thread may have just evicted it
                store.move_to_end(key)
        response = HTMLResponse(hit[0], media_type=hit[1])
        if remember:
            response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
        return response

    return wrapper


def _render_once(request: Request, key: tuple, render) -> tuple[bytes, str] | Response:
    """Render and keep the page under ``key``, or wait for the thread already rendering it."""
    store: OrderedDict = request.app.state.pages
    locks: dict = request.app.state.__dict__.setdefault("page_locks", {})
    with _RENDERING:
        lock = locks.setdefault(key, threading.Lock())
    try:
        with lock:  # the first renders; the others find its page when they get in
            hit = store.get(key)
            if hit is not None:
                return hit
            response = render()
            if response.status_code != 200:
                return response
            hit = (response.body, response.media_type)
            _keep(request.app.state, store, key, hit)
            return hit
    finally:
        with _RENDERING:
            if locks.get(key) is lock:
                del locks[key]


def _keep(state, store: OrderedDict, key: tuple, page: tuple[bytes, str]) -> None:
    """Store ``page``, dropping the least recently read ones past either bound."""
    with _RENDERING:
        replaced = store.pop(key, (b"", ""))[0]
        state.page_bytes = state.__dict__.get("page_bytes", 0) + len(page[0]) - len(replaced)
        store[key] = page
        while len(store) > MAX_PAGES or state.page_bytes > MAX_PAGE_BYTES:
            _old, (body, _media) = store.popitem(last=False)
            state.page_bytes -= len(body)
