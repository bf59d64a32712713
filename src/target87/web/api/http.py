"""HTTP plumbing of the REST API: ETag and cache headers, errors as JSON, safe headers.

``CachedRoute`` is the router's route class, so every read endpoint gets the same treatment
wherever the router is mounted: a strong ``ETag`` (hash of the body), ``Cache-Control`` and a
``304 Not Modified`` without body when ``If-None-Match`` matches; an ``ApiError`` becomes a JSON
``ErrorBody``. ``install`` adds to an app a JSON 500 that never shows a stack trace and
``X-Content-Type-Options: nosniff`` on every response.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from target87.web.api.models import ErrorBody
from target87.web.site.cache import data_version

log = logging.getLogger(__name__)

CACHE_CONTROL = "public, max-age=300"
NOSNIFF = ("X-Content-Type-Options", "nosniff")
# Headers a 304 repeats from the response it stands for (RFC 9110, 15.4.5).
KEPT_ON_304 = ("etag", "cache-control", "vary", "content-location", "x-content-type-options")


class ApiError(Exception):
    """An error to answer with ``ErrorBody``: status, message, the value at fault."""

    def __init__(
        self, status: int, detail: str, value: str | None = None, suggestions: list[str] = ()
    ):
        super().__init__(detail)
        self.status, self.detail, self.value = status, detail, value
        self.suggestions = list(suggestions)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(header: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110, 13.1.2), as If-None-Match asks; ``*`` matches anything."""
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


MAX_KEPT = 1024


class CachedRoute(APIRoute):
    """A route whose successful GET answers carry ETag and cache headers, and 304 when fresh."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def cached(request: Request) -> Response:
            kept_answers = request.app.state.__dict__.setdefault("api_answers", OrderedDict())
            key = None
            if request.method == "GET":
                version = await run_in_threadpool(data_version, request)
                key = (str(request.url), request.headers.get("accept", ""), version)
            hit = kept_answers.get(key) if key else None
            if hit is None and key:
                # Clients asking the same thing at once wait for one answer, not one each.
                locks = request.app.state.__dict__.setdefault("api_locks", {})
                lock = locks.setdefault(key, asyncio.Lock())
                try:
                    async with lock:
                        hit = kept_answers.get(key)
                        if hit is None:
                            response = await answer(request, key)
                finally:
                    if locks.get(key) is lock:  # the waiters hold it; newcomers find the answer
                        del locks[key]
            elif hit is None:
                response = await answer(request, None)
            if hit is not None:
                with contextlib.suppress(KeyError):  # evicted meanwhile: still ours to send
                    kept_answers.move_to_end(key)
                response = Response(content=hit[0], headers=hit[1])
            response.headers.setdefault(*NOSNIFF)
            body = getattr(response, "body", None)
            if request.method != "GET" or response.status_code != 200 or body is None:
                return response
            etag = etag_of(body)
            response.headers["ETag"] = etag
            response.headers["Cache-Control"] = CACHE_CONTROL
            if etag_matches(request.headers.get("if-none-match"), etag):
                kept = {k: v for k, v in response.headers.items() if k.lower() in KEPT_ON_304}
                return Response(status_code=304, headers=kept)
            return response

        async def answer(request: Request, key: tuple | None) -> Response:
            """The handler's response; a successful one is kept under ``key``."""
            try:
                response = await handler(request)
            except ApiError as exc:  # here, not an app handler: works wherever mounted
                body = ErrorBody(detail=exc.detail, value=exc.value, suggestions=exc.suggestions)
                return error_response(exc.status, body)
            if key and response.status_code == 200 and getattr(response, "body", None):
                # Answers only change with the data: keep them until the next load.
                headers = {
                    k: v for k, v in response.headers.items() if k.lower() != "content-length"
                }
                kept = request.app.state.api_answers
                kept[key] = (response.body, headers)
                while len(kept) > MAX_KEPT:
                    kept.popitem(last=False)
            return response

        return cached


class UncachedRoute(APIRoute):
    """A route whose answers change without a data load (the library): never kept, never
    revalidated; an ``ApiError`` becomes its JSON body as on the cached routes."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def uncached(request: Request) -> Response:
            try:
                response = await handler(request)
            except ApiError as exc:
                body = ErrorBody(detail=exc.detail, value=exc.value, suggestions=exc.suggestions)
                response = error_response(exc.status, body)
            response.headers.setdefault(*NOSNIFF)
            response.headers.setdefault("Cache-Control", "no-store")
            return response

        return uncached


def error_response(status: int, body: ErrorBody) -> JSONResponse:
    return JSONResponse(body.model_dump(), status_code=status, headers=dict([NOSNIFF]))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Logged for the operator; the client learns nothing of the internals.
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, ErrorBody(detail="internal server error"))


class NoSniffMiddleware:
    """Pure ASGI: add ``X-Content-Type-Options: nosniff`` to every HTTP response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"x-content-type-options" for k, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)


def install(app: FastAPI) -> None:
    """Error handlers and safe headers for an app serving the API router."""
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(NoSniffMiddleware)


def json_safe(value: Any) -> Any:
    """Python scalars for JSON: numpy types unwrapped, NaN and infinities as None."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value
