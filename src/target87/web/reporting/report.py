"""The annual report page: the values form for the agreed indicators (each problem next to
its field), the Excel template down and up, a narrative per roadmap commitment, and the
attachments (always served as downloads)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from target87 import reporting
from target87.library.reports import refresh_report
from target87.presentation import translator
from target87.reporting.attachments import max_attachment_bytes
from target87.reporting.cells import report_cells, series_info
from target87.reporting.output import age_text, unit_text
from target87.reporting.reports import EDITABLE
from target87.web.reporting.forms import value_entries
from target87.web.reporting.render import area_name, by_field, done, guarded, may, page, text
from target87.web.reporting.render import version as form_version
from target87.web.site.forms import PostedForm, guard
from target87.web.site.language import choose
from target87.web.site.visitors import CurrentVisitor, Visitor, data_dir

router = APIRouter(include_in_schema=False, dependencies=[Depends(guard)])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def value_rows(v: Visitor, report: reporting.Report, lang: str) -> list[dict]:
    """One row per cell of the form: every agreed cell, and any other the report holds."""
    agreed = reporting.agreed_indicators(v.db, report.country)
    current = {reporting.Cell.of(x): x for x in report.values}
    order = {"_T": 0, "F": 1, "M": 2}  # totals first, as tables of the field are read
    cells = sorted(
        set(report_cells(agreed, report.year)) | set(current),
        key=lambda c: (c.series, c.time_period, c.age != "_T", c.age, order.get(c.sex, 3)),
    )
    info = series_info(v.db, {c.series for c in cells})
    rows = []
    for cell in cells:
        stored = current.get(cell)
        series = info.get(cell.series)
        rows.append(
            {
                "field": cell.field,
                "series": cell.series,
                "name": series.name(lang) if series else cell.series,
                "unit": unit_text(series.unit) if series else "",
                "sex": cell.sex,
                "age": cell.age,
                "value": "" if stored is None else f"{stored.value:.15g}",
                "footnote": (stored.footnote or "") if stored else "",
            }
        )
    return rows


def _roadmap_part(v: Visitor, report: reporting.Report) -> list[dict]:
    """The commitments with the report's narrative on each; a published report shows the
    roadmap as it stood when published (public readers see nothing else of it)."""
    if report.state == "published" and report.roadmap_snapshot:
        snapshot = json.loads(report.roadmap_snapshot)
        return [
            {"id": c["id"], "title": c["title"], "narrative": c.get("narrative") or ""}
            for c in snapshot["commitments"]
        ]
    texts = reporting.narratives(v.db, v.actor, report.id)
    return [
        {"id": c.id, "title": c.title, "narrative": texts.get(c.id, "")}
        for c in reporting.roadmap(v.db, v.actor, report.country)
    ]


def report_page(request: Request, v: Visitor, report_id: int, status: int = 200, **extra):
    report = reporting.get_report(v.db, v.actor, report_id)
    lang = choose(request)[0]
    rows = value_rows(v, report, lang)
    entries = extra.pop("entries", None)
    if entries:  # a refused form shows what was typed, not what is stored
        for row in rows:
            row["value"], row["footnote"] = entries.get(
                row["field"], (row["value"], row["footnote"])
            )
    problems = extra.pop("problems", {})
    known = {row["field"] for row in rows}
    loose = [
        p
        for field, found in problems.items()
        if field not in known and not (field or "").startswith("narrative.")
        for p in found
    ]
    narratives = _roadmap_part(v, report)
    for item in narratives:
        item["narrative"] = extra.get("narrative_texts", {}).get(item["id"], item["narrative"])
    country = report.country
    return page(
        request,
        v,
        "reporting/report.html",
        status,
        report=report,
        country_name=area_name(v, request, country),
        rows=rows,
        narratives=narratives,
        comments=reporting.comments(v.db, v.actor, report.id)
        if may(v.user, "read_unpublished", country)
        else [],  # the review's exchanges are not published with the report
        files=reporting.attachments(v.db, v.actor, report.id),
        editable=report.state in EDITABLE and may(v.user, "edit_report", country),
        max_bytes=max_attachment_bytes(),
        problems=problems,
        loose_problems=loose,
        values_refused=bool(entries),
        age=lambda code: age_text(code, translator(lang)),
        **extra,
    )


@router.get("/reporting/reports/{report_id}", response_class=HTMLResponse)
def report(request: Request, report_id: int, v: CurrentVisitor):
    return guarded(lambda: report_page(request, v, report_id), request, v)


@router.post("/reporting/reports/{report_id}/values")
def save_values(request: Request, report_id: int, form: PostedForm, v: CurrentVisitor):
    entries = value_entries(form)

    def act():
        try:
            reporting.save_values(v.db, v.actor, report_id, entries, form_version(form))
        except reporting.ValidationFailed as exc:
            v.db.rollback()
            typed = {f: (e["value"], e["footnote"]) for f, e in entries.items()}
            return report_page(
                request, v, report_id, 422, problems=by_field(exc.problems), entries=typed
            )
        except reporting.ConflictError as exc:
            v.db.rollback()
            unsaved = {f: e["value"] for f, e in entries.items() if e["value"]}
            return report_page(request, v, report_id, 409, conflict=str(exc), unsaved=unsaved)
        return done(f"/reporting/reports/{report_id}", "saved", "#values")

    return guarded(act, request, v)


@router.post("/reporting/reports/{report_id}/narratives/{commitment_id}")
def save_narrative(
    request: Request,
    report_id: int,
    commitment_id: int,
    form: PostedForm,
    v: CurrentVisitor,
):
    typed = text(form, "text")

    def act():
        try:
            saved = reporting.save_narrative(
                v.db, v.actor, report_id, commitment_id, typed, form_version(form)
            )
        except reporting.ValidationFailed as exc:
            v.db.rollback()
            problems = by_field(exc.problems)
            return report_page(
                request, v, report_id, 422, problems=problems,
                narrative_texts={commitment_id: typed},
            )  # fmt: skip
        except reporting.ConflictError as exc:
            v.db.rollback()
            unsaved = {f"narrative.{commitment_id}": typed}
            return report_page(request, v, report_id, 409, conflict=str(exc), unsaved=unsaved)
        if saved.changed:  # committed: now the library's copy of the report's texts
            refresh_report(request.app.state.engine, report_id, data_dir(request.app))
        return done(f"/reporting/reports/{report_id}", "saved", f"#n{commitment_id}")

    return guarded(act, request, v)


@router.get("/reporting/reports/{report_id}/template.xlsx")
def template(request: Request, report_id: int, v: CurrentVisitor):
    lang = choose(request)[0]

    def send():
        report = reporting.get_report(v.db, v.actor, report_id)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "template.xlsx"
            reporting.write_report_template(v.db, v.actor, report.id, path, lang)
            body = path.read_bytes()
        name = f"target87-report-{report.country}-{report.year}.xlsx"
        disposition = reporting.content_disposition(name)
        return Response(body, media_type=XLSX, headers={"Content-Disposition": disposition})

    return guarded(send, request, v)


def _upload(form: FormData, limit: int) -> tuple[str, bytes] | None:
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return None
    return upload.filename or "", upload.file.read(limit + 1)


@router.post("/reporting/reports/{report_id}/template")
def upload_template(request: Request, report_id: int, form: PostedForm, v: CurrentVisitor):
    def act():
        limit = max_attachment_bytes()
        sent = _upload(form, limit)
        try:
            if sent is None or not sent[1]:
                no_file = reporting.FieldProblem("file", "choose a filled template to upload")
                raise reporting.ValidationFailed([no_file])
            if len(sent[1]) > limit:  # read one byte past the limit: say so, parse nothing
                too_big = reporting.FieldProblem(
                    "file",
                    f"{sent[0] or 'the file'} is larger than the upload limit of "
                    f"{limit:,} bytes (TARGET87_MAX_ATTACHMENT_BYTES); nothing was loaded",
                )
                raise reporting.ValidationFailed([too_big])
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "upload.xlsx"
                path.write_bytes(sent[1])
                reporting.upload_template(
                    v.db, v.actor, report_id, path, form_version(form),
                    filename=sent[0] or "upload.xlsx", replace=text(form, "replace") == "yes",
                )  # fmt: skip
        except reporting.ValidationFailed as exc:
            v.db.rollback()
            return report_page(request, v, report_id, 422, upload_problems=exc.problems)
        except reporting.ConflictError as exc:
            v.db.rollback()
            return report_page(request, v, report_id, 409, conflict=str(exc))
        return done(f"/reporting/reports/{report_id}", "uploaded", "#values")

    return guarded(act, request, v)


@router.post("/reporting/reports/{report_id}/attachments")
def add_attachment(request: Request, report_id: int, form: PostedForm, v: CurrentVisitor):
    def act():
        limit = max_attachment_bytes()
        name, data = _upload(form, limit) or ("", b"")
        try:
            reporting.add_attachment(
                v.db, v.actor, report_id, name, data, data_dir(request.app), limit
            )
        except reporting.ValidationFailed as exc:
            v.db.rollback()
            return report_page(request, v, report_id, 422, attach_problems=exc.problems)
        refresh_report(request.app.state.engine, report_id, data_dir(request.app))
        return done(f"/reporting/reports/{report_id}", "attached", "#attachments")

    return guarded(act, request, v)


# A file is a download, never a page: no sniffing, no inline display, and were a browser to
# show it anyway, a sandbox without scripts.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


@router.get("/reporting/attachments/{attachment_id}")
def attachment(request: Request, attachment_id: int, v: CurrentVisitor):
    def send():
        row, data = reporting.read_attachment(v.db, v.actor, attachment_id, data_dir(request.app))
        headers = {"Content-Disposition": reporting.content_disposition(row.filename)}
        return Response(data, media_type=row.media_type, headers=headers | DOWNLOAD_HEADERS)

    return guarded(send, request, v)


@router.post("/reporting/attachments/{attachment_id}/delete")
def remove_attachment(
    request: Request,
    attachment_id: int,
    form: PostedForm,
    v: CurrentVisitor,
):
    def act():
        row = v.db.get(reporting.Attachment, attachment_id)
        report_id = row.report_id if row is not None else None
        reporting.delete_attachment(v.db, v.actor, attachment_id)
        refresh_report(request.app.state.engine, report_id, data_dir(request.app))
        return done(f"/reporting/reports/{report_id}", "removed", "#attachments")

    return guarded(act, request, v)
