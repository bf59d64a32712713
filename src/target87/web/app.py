"""The web platform: server-rendered pages (Jinja2) and the REST API, one FastAPI app.

Security from the start: a Content-Security-Policy without inline script, nosniff,
frame-ancestors none, autoescaped templates, no debug pages. Nothing loads from another host.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
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


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every HTTP response that does not set them itself."""

    def __init__(self, app) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in self.headers if h[0] not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


DATABASE_URL_ENV = "TARGET87_WEB_DATABASE_URL"
TRUSTED_PROXIES_ENV = "TARGET87_TRUSTED_PROXIES"


def server_options() -> dict:
    """uvicorn's settings for the client's address. ``X-Forwarded-For`` and
    ``X-Forwarded-Proto`` are believed only from the proxies the administrator names in
    ``TARGET87_TRUSTED_PROXIES`` (addresses or networks, comma-separated); by default from
    none, so that no visitor can choose the address the sign-in limits count."""
    proxies = os.environ.get(TRUSTED_PROXIES_ENV, "").strip()
    if not proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": proxies}


def create_app_from_env() -> FastAPI:
    """The app for a uvicorn worker process: `serve --workers N` passes the URL in the env."""
    return create_app(os.environ[DATABASE_URL_ENV])


def package_dir(name: str) -> Path:
    return Path(str(resources.files("target87.web") / name))


def create_app(database_url: str | None = None) -> FastAPI:
    """The whole site on ``database_url`` (default: the user's warehouse)."""
    app = FastAPI(
        title="target87",
        description="Target 8.7 data: child labour, forced labour, modern slavery, trafficking.",
        debug=False,
        docs_url=None,  # served by web.api_docs from the package, CSP-clean
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.engine = store.make_engine(database_url)

    from target87.web import errors

    errors.install(app)  # HTML pages for people, JSON under /api/, HEAD as GET
    # Pure ASGI, not @app.middleware("http"): that wrapper costs more per request than serving a
    # cached page does.
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=package_dir("static")), name="static")
    from target87.web import pages

    app.include_router(pages.router)
    from target87.web import api_docs

    app.include_router(api_docs.router)
    from target87.web import explore

    app.include_router(explore.router)
    from target87.web import reporting_pages

    reporting_pages.install(app)  # sign-in and national reporting
    from target87.web import risk_pages

    app.include_router(risk_pages.router)  # published CLRISK runs
    try:
        from target87.web.api import router as api_router
    except ImportError:  # the API module is optional while the site is being built
        api_router = None
    if api_router is not None:
        app.include_router(api_router)
    return app
