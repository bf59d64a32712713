"""The web platform: server-rendered pages (Jinja2) and the REST API, one FastAPI app.

The app is its rooms, each a sub-package with a ``router``, registered in ``ROOMS``: the
site's own plumbing and sign-in (``site``), the public pages (``public``), national reporting
(``reporting``), the published CLRISK runs (``risk``), the evidence base and its analyses
(``evidence``), supply-chain footprints and the sourcing screen (``supply``), the knowledge library
(``library``: search, documents, good practices, the directory of services) and the REST API
with its documentation (``api``). A new room adds one sub-package and one line there.
Templates and assets come from the presentation floor. Security from the start: a
Content-Security-Policy without inline script, nosniff, frame-ancestors none, autoescaped
templates, no debug pages.
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from target87 import store
from target87.presentation.rendering import STATIC
from target87.web import api, evidence, library, public, reporting, risk, site, supply
from target87.web.site import errors, figures
from target87.web.site.headers import SecurityHeaders

ROOMS = (site, public, reporting, risk, evidence, supply, library, api)


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


def create_app(database_url: str | None = None) -> FastAPI:
    """The whole site on ``database_url`` (default: the user's warehouse)."""
    app = FastAPI(
        title="target87",
        description="Target 8.7 data: child labour, forced labour, modern slavery, trafficking.",
        debug=False,
        docs_url=None,  # served by web.api.docs from the package, CSP-clean
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.engine = store.make_engine(database_url)
    errors.install(app)  # HTML pages for people, JSON under /api/, HEAD as GET, refusals
    # Pure ASGI, not @app.middleware("http"): that wrapper costs more per request than serving a
    # cached page does.
    app.add_middleware(SecurityHeaders)
    # Compressed answers (pages, scripts, chart SVG): a country profile's whole weight
    # stays within its budget (issue 18).
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    figures.warm_renderer()  # the first chart drawing starts vl-convert's engine: ~1 s
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for room in ROOMS:
        app.include_router(room.router)
    return app
