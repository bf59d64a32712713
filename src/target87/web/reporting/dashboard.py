"""National reporting in the browser: the "my countries" dashboard and each country's page."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from target87 import reporting
from target87.presentation import collation_key
from target87.reporting.action_fields import overdue
from target87.reporting.models import AgreedIndicator, Commitment, Report
from target87.reporting.reports import FIRST_YEAR
from target87.store import models as M
from target87.web.reporting.render import (
    country_or_none,
    guarded,
    page,
    text,
)
from target87.web.reporting.upload_rights import may_walk_somewhere
from target87.web.site.auth import to_sign_in
from target87.web.site.forms import PostedForm, guard
from target87.web.site.language import choose
from target87.web.site.visitors import CurrentVisitor, Visitor

router = APIRouter(include_in_schema=False, dependencies=[Depends(guard)])
REVIEW_STATES = ("submitted", "approved")


def _countries_with_work(v: Visitor) -> list[str]:
    """Countries anything is set up for: agreed indicators, a roadmap, a report, an account."""
    codes = set(v.db.execute(select(AgreedIndicator.country)).scalars())
    codes |= set(v.db.execute(select(Commitment.country)).scalars())
    codes |= set(v.db.execute(select(Report.country)).scalars())
    codes |= set(v.db.execute(select(reporting.User.country)).scalars())
    return sorted(c for c in codes if c)


def _summary(v: Visitor, code: str, lang: str) -> dict:
    area = v.db.get(M.Area, code)
    actions = [a for c in reporting.roadmap(v.db, v.actor, code) for a in c.actions]
    return {
        "code": code,
        "name": area.name(lang) if area else code,
        "reports": reporting.list_reports(v.db, v.actor, code),
        "actions": len(actions),
        "overdue": len(overdue(actions, date.today())),
    }


@router.get("/reporting", response_class=HTMLResponse)
def dashboard(request: Request, v: CurrentVisitor):
    if v.user is None:
        return to_sign_in(request)
    lang = choose(request)[0]

    def show():
        visible = reporting.visible_countries(v.user)
        codes = _countries_with_work(v) if visible is None else sorted(visible)
        countries = [_summary(v, code, lang) for code in codes]
        countries.sort(key=lambda c: collation_key(c["name"]))
        queue, every = [], []
        if visible is None:  # for those who work on every country: what waits, and a chooser
            queue = [r for r in reporting.list_reports(v.db, v.actor) if r.state in REVIEW_STATES]
            stmt = select(M.Area).where(M.Area.kind == "country")
            every = sorted(v.db.execute(stmt).scalars(), key=lambda a: collation_key(a.name(lang)))
        names = {c["code"]: c["name"] for c in countries}
        return page(
            request,
            v,
            "reporting/dashboard.html",
            countries=countries,
            queue=queue,
            names=names,
            every=every,
            may_load=may_walk_somewhere(v.user),
        )

    return guarded(show, request, v)


@router.get("/reporting/country")
def go_to_country(request: Request, v: CurrentVisitor, code: str = ""):
    """The dashboard's country chooser (a GET form cannot put the code in the path)."""
    if v.user is None:
        return to_sign_in(request)
    area = country_or_none(v, code)
    target = f"/reporting/countries/{area.code}" if area else "/reporting"
    return RedirectResponse(target, status_code=303)


def _country_page(request: Request, v: Visitor, code: str, status: int = 200, **extra):
    lang = choose(request)[0]
    area = country_or_none(v, code)
    if area is None:
        raise reporting.NotFound(f"no country {code!r}")
    summary = _summary(v, area.code, lang)  # reads the roadmap: refused unless allowed
    agreed = reporting.agreed_indicators(v.db, area.code)
    years = list(range(date.today().year, FIRST_YEAR - 1, -1))
    return page(
        request,
        v,
        "reporting/country.html",
        status,
        area=area,
        country=summary,
        agreed=agreed,
        years=years,
        **extra,
    )


@router.get("/reporting/countries/{code}", response_class=HTMLResponse)
def country(request: Request, code: str, v: CurrentVisitor):
    return guarded(lambda: _country_page(request, v, code), request, v)


@router.post("/reporting/countries/{code}/reports")
def open_report(request: Request, code: str, form: PostedForm, v: CurrentVisitor):
    year = text(form, "year")

    def act():
        try:
            report = reporting.open_report(
                v.db, v.actor, code.upper(), int(year) if year.isdigit() else -1
            )
        except reporting.ValidationFailed as exc:
            return _country_page(request, v, code, 422, problems=exc.problems)
        return RedirectResponse(f"/reporting/reports/{report.id}", status_code=303)

    return guarded(act, request, v)


__all__ = ["router"]
