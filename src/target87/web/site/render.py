"""Rendering a page for a reader: the presentation floor's templates with the reader's
language, their account in the header, and the words, numbers and citations in that language."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from target87.presentation import (
    citation_text,
    content_text,
    date_label,
    format_number,
    translator,
)
from target87.presentation.rendering import environment
from target87.web.site.labels import citer, code_labels
from target87.web.site.language import COOKIE, choose
from target87.web.site.visitors import signed_in

templates = Jinja2Templates(env=environment())  # autoescape on for .html


def render(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
    lang, remember = choose(request)
    if "user" not in context:
        user, csrf = signed_in(request)
        context["user"] = user
        context.setdefault("csrf", csrf)
    context.update(
        lang=lang,
        t=translator(lang),
        num=lambda v, d=1: format_number(v, lang, d),
        day=lambda v: date_label(v, lang),
    )
    context.setdefault("cite", citer(request, lang))
    context.setdefault("labels", code_labels(lang))
    context.setdefault("content", lambda text: content_text(text, lang))
    context.setdefault("citation", lambda src: citation_text(src.citation, src.licence, lang))
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if remember:
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


def session(request: Request) -> Session:
    """A database session on the app's warehouse (the caller closes it: ``with``)."""
    return Session(request.app.state.engine)
