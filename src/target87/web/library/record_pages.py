"""The pages good practices and directory entries share: list with filters, the record's page,
the new/edit form, the review queue and the workflow buttons (submit, return with a note,
publish, delete a draft), registered for one kind by ``add_record_routes``.

Pages call ``library.practices``/``library.services`` and ``library.records`` with the
visitor's ``Actor``; ``reporting.permissions`` decides every right there, on the server. A
refusal maps to its status here: Forbidden 403 (the public asking for a page is sent to sign
in), NotFound 404, a wrong state 409, a bad form 422 (the form again, each problem beside its
field, nothing saved). Every write is a POST through ``site.forms.guard`` (CSRF, origin).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData

from target87 import reporting
from target87.library import records
from target87.library.models import LANGUAGES, RECORD_STATUSES
from target87.store import models as M
from target87.web.site.auth import to_sign_in
from target87.web.site.forms import PostedForm, guard
from target87.web.site.language import choose
from target87.web.site.render import render
from target87.web.site.visitors import CurrentVisitor, Visitor

DONE = {
    "saved": "rec_done_saved",
    "submit": "rec_done_submitted",
    "return": "rec_done_returned",
    "publish": "rec_done_published",
    "delete": "rec_done_deleted",
}
STATUS = {
    reporting.Forbidden: 403,
    reporting.NotFound: 404,
    reporting.StateError: 409,
    reporting.ConflictError: 409,
    reporting.ValidationFailed: 422,
}
TRANSITIONS = ("submit", "return", "publish")


@dataclass(frozen=True)
class RecordPages:
    """What one kind's pages need beyond the shared ones."""

    module: ModuleType  # library.practices or library.services
    path: str  # "/library/practices"
    prefix: str  # template names: "library/practice_"
    filters: Callable[[Request], records.RecordFilters]
    save: Callable[[Visitor, FormData, int | None], Any]  # create (None) or edit
    form_values: Callable[[Visitor, Any], dict[str, Any]]
    form_context: Callable[[Request, Visitor, dict[str, Any]], dict[str, Any]]
    page_context: Callable[[Request, Visitor, Any], dict[str, Any]]
    list_context: Callable[[Request, Visitor], dict[str, Any]]


def may(user: reporting.User | None, action: str, country: str | None = None) -> bool:
    try:
        reporting.authorize(user, action, country)
    except reporting.Forbidden:
        return False
    return True


def page(request: Request, v: Visitor, name: str, status: int = 200, **context) -> HTMLResponse:
    return render(
        request,
        name,
        status_code=status,
        user=v.user,
        csrf=v.csrf,
        can=lambda action, country=None: may(v.user, action, country),
        done=DONE.get(request.query_params.get("done", "")),
        **context,
    )


def refused(request: Request, v: Visitor, exc: reporting.ReportingError) -> Response:
    if isinstance(exc, reporting.Forbidden) and v.user is None and request.method == "GET":
        return to_sign_in(request)
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    problems = exc.problems if isinstance(exc, reporting.ValidationFailed) else []
    return page(
        request, v, "library/records_refused.html", status, message=str(exc), problems=problems
    )


def guarded(handler: Callable[[], Response], request: Request, v: Visitor) -> Response:
    try:
        return handler()
    except reporting.ReportingError as exc:
        v.db.rollback()
        return refused(request, v, exc)


def done(path: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?{urlencode({'done': what})}", status_code=303)


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def form_data(form: FormData, fields: tuple[str, ...], lists: tuple[str, ...]) -> dict[str, Any]:
    """The form's fields as the library checks them: lists (checkboxes) as lists."""
    return {f: (form.getlist(f) if f in lists else text(form, f)) for f in fields}


def editable_countries(v: Visitor, lang: str) -> list[tuple[str, str]]:
    """(code, name) of the countries the visitor may write records for."""
    if v.user is None:
        return []
    stmt = select(M.Area).where(M.Area.kind == "country")
    if v.user.role != "admin":  # a focal point writes for its own country only
        stmt = stmt.where(M.Area.code == (v.user.country or ""))
    areas = [a for a in v.db.execute(stmt).scalars() if may(v.user, "edit_report", a.code)]
    return sorted(((a.code, a.name(lang)) for a in areas), key=lambda p: p[1])


def country_names(v: Visitor, lang: str, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    stmt = select(M.Area).where(M.Area.code.in_(sorted(codes)))
    return {a.code: a.name(lang) for a in v.db.execute(stmt).scalars()}


def by_field(problems: list[reporting.FieldProblem]) -> dict[str | None, list]:
    grouped: dict[str | None, list] = {}
    for p in problems:
        grouped.setdefault(p.field, []).append(p)
    return grouped


def add_record_routes(router: APIRouter, spec: RecordPages) -> None:
    """Register one kind's pages and buttons on ``router`` (which passes ``guard``)."""
    kind = spec.module.KIND
    base = spec.path

    def common(request: Request, v: Visitor) -> dict[str, Any]:
        return {"base": base, "languages": LANGUAGES, "statuses": RECORD_STATUSES}

    def list_page(request: Request, v: CurrentVisitor):
        def show():
            lang = choose(request)[0]
            filters = spec.filters(request)
            if filters.status and filters.status not in RECORD_STATUSES:
                filters = records.RecordFilters()
            found = records.list_records(v.db, v.actor, kind, filters)
            names = country_names(v, lang, {r.country for r in found})
            return page(
                request, v, spec.prefix + "list.html", rows=found, filters=filters,
                country_names=names, writer=bool(editable_countries(v, lang)),
                **common(request, v), **spec.list_context(request, v),
            )  # fmt: skip

        return guarded(show, request, v)

    def review_page(request: Request, v: CurrentVisitor):
        def show():
            waiting = records.review_queue(v.db, v.actor, kind)
            names = country_names(v, choose(request)[0], {r.country for r in waiting})
            return page(
                request, v, spec.prefix + "review.html", rows=waiting, country_names=names,
                **common(request, v), **spec.list_context(request, v),
            )  # fmt: skip

        return guarded(show, request, v)

    def form_page(request, v, record, values, status=200, problems=None):
        lang = choose(request)[0]
        countries = editable_countries(v, lang)
        if not countries:
            raise reporting.Forbidden(f"{v.actor.label} may not write {kind.label}s")
        return page(
            request, v, spec.prefix + "form.html", status, record=record, values=values,
            countries=countries, problems=by_field(problems or []),
            **common(request, v), **spec.form_context(request, v, values),
        )  # fmt: skip

    def new_form(request: Request, v: CurrentVisitor):
        def show():
            if v.user is None:
                raise reporting.Forbidden(f"the public may not write {kind.label}s")
            values = {"country": v.user.country or "", "language": choose(request)[0]}
            return form_page(request, v, None, values)

        return guarded(show, request, v)

    def edit_form(request: Request, record_id: int, v: CurrentVisitor):
        def show():
            record = records.editable(v.db, v.actor, kind, record_id)
            return form_page(request, v, record, spec.form_values(v, record))

        return guarded(show, request, v)

    def save(request: Request, form: PostedForm, v: CurrentVisitor, record_id: int | None):
        def act():
            try:
                record = spec.save(v, form, record_id)
            except reporting.ValidationFailed as exc:
                v.db.rollback()
                current = None if record_id is None else records.load(v.db, kind, record_id)
                values = form_data(form, spec.module.FIELDS, ("themes", "actions"))
                return form_page(request, v, current, values, 422, exc.problems)
            return done(f"{base}/{record.id}", "saved")

        return guarded(act, request, v)

    def create(request: Request, form: PostedForm, v: CurrentVisitor):
        return save(request, form, v, None)

    def update(request: Request, record_id: int, form: PostedForm, v: CurrentVisitor):
        return save(request, form, v, record_id)

    def record_page(request: Request, record_id: int, v: CurrentVisitor):
        def show():
            record = records.get_record(v.db, v.actor, kind, record_id)
            lang = choose(request)[0]
            return page(
                request, v, spec.prefix + "page.html", record=record,
                country_name=country_names(v, lang, {record.country}).get(record.country),
                note=request.query_params.get("note", ""),
                **common(request, v), **spec.page_context(request, v, record),
            )  # fmt: skip

        return guarded(show, request, v)

    def transition(name: str):
        def move(request: Request, record_id: int, form: PostedForm, v: CurrentVisitor):
            def act():
                records.move(v.db, v.actor, kind, record_id, name, text(form, "note") or None)
                return done(f"{base}/{record_id}", name)

            return guarded(act, request, v)

        move.__name__ = f"{kind.name}_{name}"
        return move

    def delete(request: Request, record_id: int, form: PostedForm, v: CurrentVisitor):
        def act():
            records.delete_draft(v.db, v.actor, kind, record_id, spec.module.STORED)
            return done(base, "delete")

        return guarded(act, request, v)

    html = {"response_class": HTMLResponse}
    one = f"{base}/{{record_id:int}}"
    router.add_api_route(base, list_page, methods=["GET"], name=f"{kind.name}_list", **html)
    router.add_api_route(f"{base}/review", review_page, methods=["GET"], **html)
    router.add_api_route(f"{base}/new", new_form, methods=["GET"], **html)
    router.add_api_route(base, create, methods=["POST"], name=f"{kind.name}_create")
    router.add_api_route(one, record_page, methods=["GET"], name=f"{kind.name}_page", **html)
    router.add_api_route(f"{one}/edit", edit_form, methods=["GET"], **html)
    router.add_api_route(one, update, methods=["POST"], name=f"{kind.name}_update")
    for name in TRANSITIONS:
        router.add_api_route(f"{one}/{name}", transition(name), methods=["POST"])
    router.add_api_route(f"{one}/delete", delete, methods=["POST"], name=f"{kind.name}_delete")


def new_router() -> APIRouter:
    """A router whose every unsafe request passes ``guard`` (CSRF, origin, one write slot)."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(guard)])
