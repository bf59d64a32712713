"""The API's documentation page: Swagger UI served from the package (static/vendor/swagger-ui),
started by a static script, so it works offline and within the Content-Security-Policy."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from target87.web.site.render import render

router = APIRouter(include_in_schema=False)
DOCS = "/api/v1/docs"


@router.get(DOCS, response_class=HTMLResponse)
def api_docs(request: Request):
    return render(request, "api_docs.html", openapi_url=request.app.openapi_url)


@router.get("/api")
@router.get("/api/")
@router.get("/api/v1")
@router.get("/api/v1/")
@router.get("/docs")
def to_api_docs() -> RedirectResponse:
    return RedirectResponse(DOCS, status_code=307)
