"""Review and output: the workflow buttons (submit, return with comments, approve, publish),
the audit pages per report and per country, and the report as print page, PDF and SDMX-CSV."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from target87 import reporting
from target87.library.reports import refresh_report
from target87.presentation import translator
from target87.reporting import output
from target87.reporting.pdf import report_pdf
from target87.web.reporting.render import (
    country_or_none,
    done,
    guarded,
    page,
    text,
    version,
)
from target87.web.reporting.report import report_page
from target87.web.site.forms import PostedForm, guard
from target87.web.site.language import choose
from target87.web.site.visitors import CurrentVisitor, Visitor, data_dir

router = APIRouter(include_in_schema=False, dependencies=[Depends(guard)])


def _transition(name: str, v: Visitor, report_id: int, form: FormData) -> None:
    expected = version(form)
    if name == "submit":
        reporting.submit(v.db, v.actor, report_id, expected)
    elif name == "return":
        reporting.return_report(v.db, v.actor, report_id, text(form, "comment"), expected)
    elif name == "approve":
        reporting.approve(v.db, v.actor, report_id, expected, text(form, "comment") or None)
    else:
        reporting.publish(v.db, v.actor, report_id, expected)


def _workflow_route(name: str):
    def move(
        request: Request,
        report_id: int,
        form: PostedForm,
        v: CurrentVisitor,
    ):
        def act():
            try:
                _transition(name, v, report_id, form)
            except (reporting.ValidationFailed, reporting.ConflictError) as exc:
                v.db.rollback()
                problems = getattr(exc, "problems", [])
                return report_page(
                    request, v, report_id, 422 if problems else 409,
                    workflow_problems=problems, conflict=None if problems else str(exc),
                    comment=text(form, "comment"),
                )  # fmt: skip
            # The texts are the same, but a transition is a checkpoint: a refresh that
            # failed earlier is mended before the report moves on (and is published).
            refresh_report(request.app.state.engine, report_id, data_dir(request.app))
            return done(f"/reporting/reports/{report_id}", name, "#workflow")

        return guarded(act, request, v)

    move.__name__ = f"{name}_report"
    return move


for _name in ("submit", "return", "approve", "publish"):
    router.add_api_route(
        f"/reporting/reports/{{report_id}}/{_name}", _workflow_route(_name), methods=["POST"]
    )


def _events_page(request: Request, v: Visitor, events, heading: str, back: str) -> HTMLResponse:
    return page(request, v, "reporting/audit.html", events=events, heading=heading, back=back)


@router.get("/reporting/reports/{report_id}/audit", response_class=HTMLResponse)
def report_audit(request: Request, report_id: int, v: CurrentVisitor):
    def show():
        events = reporting.events_for_report(v.db, v.actor, report_id)
        report = reporting.get_report(v.db, v.actor, report_id)
        t = translator(choose(request)[0])
        heading = t("audit_report").format(country=report.country, year=report.year)
        return _events_page(request, v, events, heading, f"/reporting/reports/{report_id}")

    return guarded(show, request, v)


@router.get("/reporting/countries/{code}/audit", response_class=HTMLResponse)
def country_audit(request: Request, code: str, v: CurrentVisitor):
    def show():
        area = country_or_none(v, code)
        if area is None:
            raise reporting.NotFound(f"no country {code!r}")
        events = reporting.events_for_country(v.db, v.actor, area.code)
        t = translator(choose(request)[0])
        heading = t("audit_country").format(country=area.name(choose(request)[0]))
        return _events_page(request, v, events, heading, f"/reporting/countries/{area.code}")

    return guarded(show, request, v)


def _document(request: Request, v: Visitor, report_id: int):
    lang = choose(request)[0]
    doc = output.report_document(v.db, v.actor, report_id, lang)
    return doc, output.report_charts(v.db, doc, translator(lang)), lang


@router.get("/reporting/reports/{report_id}/print", response_class=HTMLResponse)
def print_page(request: Request, report_id: int, v: CurrentVisitor):
    def show():
        doc, charts, lang = _document(request, v, report_id)
        return HTMLResponse(output.print_html(doc, charts, lang))

    return guarded(show, request, v)


def _download(body: bytes, name: str, media_type: str) -> Response:
    headers = {"Content-Disposition": reporting.content_disposition(name)}
    return Response(body, media_type=media_type, headers=headers)


@router.get("/reporting/reports/{report_id}/report.pdf")
def pdf(request: Request, report_id: int, v: CurrentVisitor):
    def send():
        doc, charts, lang = _document(request, v, report_id)
        name = f"target87-report-{doc.country}-{doc.year}-{lang}.pdf"
        return _download(report_pdf(doc, charts, lang), name, "application/pdf")

    return guarded(send, request, v)


@router.get("/reporting/reports/{report_id}/sdmx.csv")
def sdmx(request: Request, report_id: int, v: CurrentVisitor):
    def send():
        body, _ = output.sdmx_csv(v.db, v.actor, report_id)
        report = reporting.get_report(v.db, v.actor, report_id)
        name = f"target87-report-{report.country}-{report.year}.sdmx.csv"
        return _download(body, name, "text/csv; charset=utf-8")

    return guarded(send, request, v)
