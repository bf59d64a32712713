"""Rendered pages kept in memory until the data change.

The warehouse changes only through loads, and every load writes a LoadRecord: the newest
record's id is the data version. A page is stored under (site address, path, query without
``lang``, language, data version): the address (scheme, host, root path) because a page writes
absolute links to itself (a chart's share link and embed code), which must name the host the
reader asked, never the host of whoever came first; a load makes every stored page stale at
once. Requests that miss the same page at the same time wait for one rendering of it instead
of each rendering it (a cold worker under load would otherwise render a page once per waiting
client).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections import OrderedDict

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from target87.store import models as M
from target87.web.site.language import COOKIE, choose
from target87.web.site.visitors import SESSION_COOKIE

MAX_PAGES = 512


_RENDERING = threading.Lock()  # guards each app's table of per-page locks

_VERSION_SQL = select(func.max(M.LoadRecord.id))


def data_version(request: Request) -> int:
    # A bare connection, no ORM session: this runs on every request that may be cached.
    with request.app.state.engine.connect() as connection:
        return connection.execute(_VERSION_SQL).scalar() or 0


def cached_page(handler):
    """Serve a page handler's HTML from memory when nothing it shows can have changed."""

    @functools.wraps(handler)
    def wrapper(request: Request, *args, **kwargs):
        if request.cookies.get(SESSION_COOKIE):
            # A signed-in reader's page carries its own header (account, sign-out form with
            # its token): made for them, never kept for the others.
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
            store[key] = hit = (response.body, response.media_type)
            while len(store) > MAX_PAGES:
                store.popitem(last=False)
            return hit
    finally:
        with _RENDERING:
            if locks.get(key) is lock:
                del locks[key]
