"""The web platform: server-rendered pages (Jinja2) and the REST API, one FastAPI app.

Security from the start: a Content-Security-Policy without inline script, nosniff,
frame-ancestors none, autoescaped templates, no debug pages. Nothing loads from another host.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from target87 import store

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def package_dir(name: str) -> Path:
    return Path(str(resources.files("target87.web") / name))


def create_app(database_url: str | None = None) -> FastAPI:
    """The whole site on ``database_url`` (default: the user's warehouse)."""
    app = FastAPI(
        title="target87",
        description="Target 8.7 data: child labour, forced labour, modern slavery, trafficking.",
        debug=False,
        docs_url="/api/v1/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.engine = store.make_engine(database_url)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(Exception)
    async def no_debug_pages(request: Request, exc: Exception):  # pragma: no cover - safety net
        return JSONResponse({"error": "internal error"}, status_code=500)

    app.mount("/static", StaticFiles(directory=package_dir("static")), name="static")
    from target87.web import pages

    app.include_router(pages.router)
    try:
        from target87.web.api import router as api_router
    except ImportError:  # the API module is optional while the site is being built
        api_router = None
    if api_router is not None:
        app.include_router(api_router)
    return app
