"""Unsafe requests (every method but GET, HEAD and OPTIONS) pass ``guard`` first, a router
dependency of every room that writes, so that a new route cannot forget it: the form comes
from this site (``Origin``/``Referer``), its body is bounded, it is parsed once, and its
``csrf`` field is the session's token (the sign-in form's is tied to a random pre-session
cookie instead). Then the request takes the worker's one write slot."""

from __future__ import annotations

import asyncio
import os
import secrets
import weakref
from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from target87 import reporting
from target87.reporting.attachments import max_attachment_bytes
from target87.web.site.visitors import app_secret, session_data

PRE_COOKIE = "t87_pre"  # random id of a visitor who has not signed in: the sign-in form's CSRF
FORM_MARGIN = 1024 * 1024  # room for the other fields of a form carrying a file
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Refused(HTTPException):
    """A request refused before any page code ran; ``detail`` is a message key (i18n)."""


def _pre_session_id(request: Request) -> str | None:
    value = request.cookies.get(PRE_COOKIE)
    return value if value and len(value) >= 16 else None


def sign_in_token(request: Request, response: Response | None = None) -> str:
    """The sign-in form's CSRF token; sets the pre-session cookie on ``response`` if needed."""
    pre = _pre_session_id(request) or getattr(request.state, "pre_id", None)
    if pre is None:
        pre = secrets.token_urlsafe(24)
        request.state.pre_id = pre
    if response is not None and request.cookies.get(PRE_COOKIE) != pre:
        response.set_cookie(
            PRE_COOKIE,
            pre,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    return reporting.csrf_token(app_secret(request.app), "signin:" + pre)


_WRITE_SLOTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def write_slot() -> asyncio.Semaphore:
    """One write at a time per worker process (per event loop). SQLite takes one writer at a
    time anyway; a save is ~0.1 s of CPU, and a dozen of them in threads at once would starve
    the light public requests of the same process of the GIL. Waiting here costs nothing: it
    is on the event loop, before a thread is taken."""
    loop = asyncio.get_running_loop()
    slot = _WRITE_SLOTS.get(loop)
    if slot is None:
        slot = _WRITE_SLOTS[loop] = asyncio.Semaphore(1)
    return slot


async def guard(request: Request) -> AsyncIterator[None]:
    """Router dependency: for every unsafe method, a bounded body and a valid CSRF token; the
    request then holds the worker's write slot until its handler has run."""
    if request.method in SAFE_METHODS:
        yield
        return
    same_origin(request)
    await _checked_form(request)
    async with write_slot():
        yield


ORIGINS_ENV = "TARGET87_ALLOWED_ORIGINS"


def same_origin(request: Request) -> None:
    """A second layer under the CSRF token: an unsafe request whose ``Origin`` (or, when a
    browser sends none, ``Referer``) names another site is refused. The site is the request's
    own host (a proxy must pass the Host header on), or one of the origins listed in
    ``TARGET87_ALLOWED_ORIGINS``. A request with neither header (a script, an old browser)
    still needs its CSRF token."""
    origin = request.headers.get("origin")
    if origin is None and (referer := request.headers.get("referer")):
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin is None:
        return
    allowed = {o.strip().rstrip("/") for o in os.environ.get(ORIGINS_ENV, "").split(",") if o}
    host = request.headers.get("host", "").lower()
    if origin != "null" and (urlsplit(origin).netloc.lower() == host or origin in allowed):
        return
    raise Refused(403, "cross_site_refused")


async def _checked_form(request: Request) -> None:
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise Refused(411, "form_length_missing")
    if int(length) > max_attachment_bytes() + FORM_MARGIN:
        raise Refused(413, "upload_too_large")
    form = await request.form(max_files=2, max_fields=4000)
    request.state.form = form
    secret = app_secret(request.app)
    sent = form.get("csrf")
    sent = sent if isinstance(sent, str) else None
    if request.url.path == "/signin":
        pre = _pre_session_id(request)
        ok = pre is not None and reporting.check_csrf(secret, "signin:" + pre, sent)
    else:
        data = session_data(request)
        # Signing out without a session (it expired) has nothing to protect.
        ok = (data is None and request.url.path == "/signout") or (
            data is not None and reporting.check_csrf(secret, data.sid, sent)
        )
    if not ok:
        raise Refused(403, "csrf_failed")


def posted(request: Request) -> FormData:
    """The form ``guard`` parsed and checked."""
    return request.state.form


PostedForm = Annotated[FormData, Depends(posted)]
