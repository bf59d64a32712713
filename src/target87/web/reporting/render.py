"""What every reporting page shares: rendering with the visitor, the answer to a refusal of
the reporting layer, the short confirmations after a redirect, and form helpers.

Refusals map to HTTP statuses here and nowhere else: Forbidden 403 (or, for the public on a
page, the sign-in form), NotFound 404, a stale version or a wrong state 409, invalid input 422.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from target87 import reporting
from target87.reporting.errors import FieldProblem
from target87.store import models as M
from target87.web.site.auth import to_sign_in
from target87.web.site.language import choose
from target87.web.site.render import render
from target87.web.site.visitors import Visitor

# ?done=<key> after a redirect shows this message (only these keys: nothing from the URL is
# written into the page).
DONE = {
    "saved": "done_saved",
    "uploaded": "done_uploaded",
    "attached": "done_attached",
    "removed": "done_removed",
    "submit": "done_submitted",
    "return": "done_returned",
    "approve": "done_approved",
    "publish": "done_published",
    "created": "done_created",
    "user": "done_user",
}
STATUS = {
    reporting.Forbidden: 403,
    reporting.NotFound: 404,
    reporting.StateError: 409,
    reporting.ConflictError: 409,
    reporting.ValidationFailed: 422,
}


def may(user, action: str, country: str | None = None) -> bool:
    """Whether ``user`` may do ``action`` (asked of ``reporting.authorize``, the one place)."""
    try:
        reporting.authorize(user, action, country)
    except reporting.Forbidden:
        return False
    return True


def page(request: Request, v: Visitor, name: str, status: int = 200, **context) -> HTMLResponse:
    """A reporting page: the visitor, its CSRF token, ``can(action, country)`` and the
    confirmation named by ``?done=``."""
    done = DONE.get(request.query_params.get("done", ""))
    return render(
        request,
        name,
        status_code=status,
        user=v.user,
        csrf=v.csrf,
        can=lambda action, country=None: may(v.user, action, country),
        done=done,
        today=date.today(),
        **context,
    )


def status_of(exc: reporting.ReportingError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)


def refused(request: Request, v: Visitor, exc: reporting.ReportingError) -> Response:
    """The page for a refusal; the public asking for a page is sent to sign in instead."""
    if isinstance(exc, reporting.Forbidden) and v.user is None and request.method == "GET":
        return to_sign_in(request)
    problems = exc.problems if isinstance(exc, reporting.ValidationFailed) else []
    return page(
        request, v, "reporting/refused.html", status_of(exc), message=str(exc), problems=problems
    )


def guarded(handler: Callable[..., Response], request: Request, v: Visitor) -> Response:
    """Run ``handler()``; a refusal of the reporting layer becomes its page."""
    try:
        return handler()
    except reporting.ReportingError as exc:
        v.db.rollback()
        return refused(request, v, exc)


def done(path: str, what: str, anchor: str = "") -> RedirectResponse:
    """Back to ``path`` after a write, saying ``what`` was done (Post/Redirect/Get)."""
    return RedirectResponse(f"{path}?{urlencode({'done': what})}{anchor}", status_code=303)


def by_field(problems: list[FieldProblem]) -> dict[str | None, list[FieldProblem]]:
    """Problems grouped by the form field they belong to (None: the form as a whole)."""
    grouped: dict[str | None, list[FieldProblem]] = {}
    for p in problems:
        grouped.setdefault(p.field, []).append(p)
    return grouped


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def version(form: FormData) -> int | None:
    """The version the form was rendered with (None when absent or not a number: the domain
    then checks nothing, so a form always sends it)."""
    value = text(form, "version")
    return int(value) if value.isdigit() else None


def country_or_none(v: Visitor, code: str) -> M.Area | None:
    area = v.db.get(M.Area, code.upper())
    return area if area is not None and area.kind == "country" else None


def area_name(v: Visitor, request: Request, code: str) -> str:
    area = v.db.get(M.Area, code)
    return area.name(choose(request)[0]) if area is not None else code
