"""Every source with its licence and citation, and the page about the platform."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from target87 import store
from target87.web.site.cache import cached_page
from target87.web.site.render import render, session

router = APIRouter(include_in_schema=False)


@router.get("/sources", response_class=HTMLResponse)
@cached_page
def sources(request: Request):
    with session(request) as s:
        rows = store.sources(s)
    return render(request, "sources.html", sources=rows)


@router.get("/about", response_class=HTMLResponse)
@cached_page
def about(request: Request):
    return render(request, "about.html")
