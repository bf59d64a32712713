"""Answers for what went wrong: HTML pages for people, JSON under ``/api/``.

An unknown address or a wrong method gets the site's own page in the reader's language; the
API keeps FastAPI's JSON bodies. ``HEAD`` is answered for every page as its ``GET`` is, without
the body (monitors and link checkers ask with it).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from target87.presentation import translator
from target87.web.site.forms import Refused
from target87.web.site.language import choose
from target87.web.site.render import render

API_PREFIX = "/api/"


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX) or request.url.path == API_PREFIX.rstrip("/")


def install(app: FastAPI) -> None:
    """Register the error pages and the HEAD handling on ``app``."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if wants_json(request) or exc.status_code not in (404, 405):
            return await http_exception_handler(request, exc)
        what = request.url.path if exc.status_code == 404 else request.method
        response = render(request, "not_found.html", status_code=exc.status_code, what=what)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def no_debug_pages(request: Request, exc: Exception):
        # Never a traceback to the reader; Starlette re-raises the error after this answer,
        # so the server logs it with its traceback.
        if wants_json(request):
            return JSONResponse({"error": "internal error"}, status_code=500)
        return render(request, "error.html", status_code=500)

    app.add_exception_handler(Refused, refused_request)
    app.add_middleware(HeadAsGet)


def refused_request(request: Request, exc: Refused) -> HTMLResponse:
    """A form refused before its page ran (another site, no CSRF token, no length, too
    large): the page that says why, in the reader's language."""
    t = translator(choose(request)[0])
    return render(
        request,
        "reporting/refused.html",
        status_code=exc.status_code,
        message=t(exc.detail),
        problems=[],
    )


class HeadAsGet:
    """Serve ``HEAD`` as ``GET`` without the body (the headers, Content-Length included, stay)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
