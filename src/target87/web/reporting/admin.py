"""Configuration pages: the agreed indicators of a country and the national series
(secretariat), and the accounts (administrator)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from starlette.datastructures import FormData

from target87 import reporting
from target87.presentation import collation_key
from target87.reporting.indicators import DIRECTIONS, NATIONAL_TOPIC, allowed_units
from target87.reporting.models import COUNTRY_ROLES, ROLES
from target87.store.models import Area, Series
from target87.web.reporting.render import (
    by_field,
    country_or_none,
    done,
    guarded,
    page,
    text,
)
from target87.web.site.forms import PostedForm, guard
from target87.web.site.language import choose
from target87.web.site.visitors import CurrentVisitor, Visitor

router = APIRouter(include_in_schema=False, dependencies=[Depends(guard)])


def config_lines(agreed: list[reporting.AgreedIndicator]) -> str:
    """The agreed set as the form's text: one series a line, with its sex/age cells."""
    return "\n".join(f"{a.series}: {' '.join(json.loads(a.breakdowns))}" for a in agreed)


def parse_config(text_: str) -> tuple[list[str], dict[str, list[tuple[str, str]]]]:
    """``SERIES`` or ``SERIES: sex/age sex/age`` lines (``PREFIX*`` allowed) -> the series
    and the cells given for some of them (the others get the default cells)."""
    series, cells = [], {}
    for line in text_.splitlines():
        code, _, rest = line.partition(":")
        code = code.strip().upper()
        if not code:
            continue
        series.append(code)
        pairs = [tuple(p.split("/", 1)) for p in rest.split() if "/" in p]
        if pairs and not code.endswith("*"):
            cells[code] = pairs
    return series, cells


def _indicators_page(request: Request, v: Visitor, code: str, status: int = 200, **extra):
    area = country_or_none(v, code)
    if area is None:
        raise reporting.NotFound(f"no country {code!r}")
    reporting.authorize(v.user, "read_unpublished", area.code)
    agreed = reporting.agreed_indicators(v.db, area.code)
    names = {s.code: s for s in v.db.execute(select(Series)).scalars()}
    national = [s for s in names.values() if s.topic == NATIONAL_TOPIC]
    return page(
        request,
        v,
        "reporting/indicators.html",
        status,
        area=area,
        agreed=[
            {"code": a.series, "series": names.get(a.series), "cells": a.cells} for a in agreed
        ],
        config=extra.pop("config", None) or config_lines(agreed),
        national=sorted(national, key=lambda s: s.code),
        units=allowed_units(),
        directions=DIRECTIONS,
        config_problems=[p for found in extra.pop("problems", {}).values() for p in found],
        **extra,
    )


@router.get("/reporting/countries/{code}/indicators", response_class=HTMLResponse)
def indicators(request: Request, code: str, v: CurrentVisitor):
    return guarded(lambda: _indicators_page(request, v, code), request, v)


@router.post("/reporting/countries/{code}/indicators")
def set_indicators(request: Request, code: str, form: PostedForm, v: CurrentVisitor):
    typed = text(form, "config")

    def act():
        series, cells = parse_config(typed)
        try:
            reporting.set_agreed_indicators(v.db, v.actor, code.upper(), series, cells)
        except reporting.ValidationFailed as exc:
            v.db.rollback()
            problems = by_field(exc.problems)
            return _indicators_page(request, v, code, 422, problems=problems, config=typed)
        return done(f"/reporting/countries/{code.upper()}/indicators", "saved")

    return guarded(act, request, v)


@router.post("/reporting/series")
def define_series(request: Request, form: PostedForm, v: CurrentVisitor):
    back = country_or_none(v, text(form, "country"))

    def act():
        names = {lang: text(form, f"name_{lang}") for lang in ("en", "fr", "es")}
        try:
            reporting.define_national_series(
                v.db, v.actor, text(form, "code"), names, text(form, "unit"),
                text(form, "direction"), definition=text(form, "definition") or None,
            )  # fmt: skip
        except reporting.ValidationFailed as exc:
            v.db.rollback()
            if back is None:
                raise
            return _indicators_page(
                request, v, back.code, 422, series_problems=by_field(exc.problems), series_form=form
            )
        target = f"/reporting/countries/{back.code}/indicators" if back else "/reporting"
        return done(target, "created")

    return guarded(act, request, v)


def _users_page(request: Request, v: Visitor, status: int = 200, **extra):
    users = reporting.list_users(v.db, v.actor)
    lang = choose(request)[0]
    stmt = select(Area).where(Area.kind == "country")
    countries = sorted(v.db.execute(stmt).scalars(), key=lambda a: collation_key(a.name(lang)))
    return page(
        request,
        v,
        "reporting/users.html",
        status,
        users=users,
        roles=ROLES,
        country_roles=COUNTRY_ROLES,
        countries=countries,
        problems=extra.pop("problems", {}),
        **extra,
    )


@router.get("/reporting/users", response_class=HTMLResponse)
def users(request: Request, v: CurrentVisitor):
    return guarded(lambda: _users_page(request, v), request, v)


def _user_write(request: Request, v: Visitor, form: FormData, write, target: int | None = None):
    def act():
        try:
            write()
        except reporting.ValidationFailed as exc:
            v.db.rollback()
            return _users_page(
                request, v, 422, problems=by_field(exc.problems), target=target, form=form
            )
        return done("/reporting/users", "user")

    return guarded(act, request, v)


@router.post("/reporting/users")
def add_user(request: Request, form: PostedForm, v: CurrentVisitor):
    return _user_write(
        request,
        v,
        form,
        lambda: reporting.create_user(
            v.db,
            v.actor,
            text(form, "email"),
            text(form, "display_name"),
            str(form.get("password") or ""),
            text(form, "role"),
            text(form, "country") or None,
        ),  # fmt: skip
    )


@router.post("/reporting/users/{user_id}/role")
def user_role(request: Request, user_id: int, form: PostedForm, v: CurrentVisitor):
    role, country = text(form, "role"), text(form, "country") or None
    write = lambda: reporting.set_role(v.db, v.actor, user_id, role, country)  # noqa: E731
    return _user_write(request, v, form, write, user_id)


@router.post("/reporting/users/{user_id}/active")
def user_active(request: Request, user_id: int, form: PostedForm, v: CurrentVisitor):
    active = text(form, "active") == "yes"
    write = lambda: reporting.set_active(v.db, v.actor, user_id, active)  # noqa: E731
    return _user_write(request, v, form, write, user_id)


@router.post("/reporting/users/{user_id}/password")
def user_password(request: Request, user_id: int, form: PostedForm, v: CurrentVisitor):
    password, current = str(form.get("password") or ""), str(form.get("current_password") or "")
    write = lambda: reporting.set_password(v.db, v.actor, user_id, password, current)  # noqa: E731
    return _user_write(request, v, form, write, user_id)


@router.post("/reporting/users/{user_id}/sessions")
def user_sessions(request: Request, user_id: int, form: PostedForm, v: CurrentVisitor):
    """End every session of the account (an administrator, e.g. after a lost laptop)."""
    write = lambda: reporting.sign_out_everywhere(v.db, v.actor, user_id)  # noqa: E731
    return _user_write(request, v, form, write, user_id)
