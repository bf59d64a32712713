"""The sourcing screen's page, ``/supply/screen``: a form to upload a supplier list and its
answer, the ranked lines as a table or as a file (Excel, PDF, CSV).

Open to the public and to signed-in readers alike, and nothing is kept: the body is read into
memory (never spooled to a temporary file), refused once it passes the limit (the declared
``Content-Length`` first, then the bytes as they arrive), screened by
``supply.screen_facts.screen_suppliers`` (which only reads the store) and dropped with the
request. The form is protected as the site's other forms are (``web.site.forms``): the request
must come from this site (``same_origin``) and carry a token, here tied to the visitor's random
pre-session cookie (as the sign-in form's), since a member of the public has no session.
"""

from __future__ import annotations

import io
import os
import secrets
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from target87 import reporting
from target87.presentation import format_number, translator
from target87.supply.demo import shown_system
from target87.supply.errors import SupplyError
from target87.supply.screen_facts import screen_suppliers
from target87.supply.screen_io import (
    DEFAULT_MAX_BYTES,
    ROW_KEYS,
    flag_text,
    method_text,
    note_text,
    parse_suppliers,
    pdf_bytes,
    result_rows,
    source_text,
    word,
    write_csv,
    write_excel,
)
from target87.web.site.forms import FORM_MARGIN, PRE_COOKIE, Refused, same_origin
from target87.web.site.language import choose
from target87.web.site.render import render, session
from target87.web.site.uploads import TooLarge, form_parts, read_body
from target87.web.site.visitors import app_secret

router = APIRouter(include_in_schema=False)
SCREEN = "/supply/screen"
OUTPUTS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}
LIMIT = DEFAULT_MAX_BYTES


def limit_text(limit: int, lang: str) -> str:
    return f"{format_number(limit / (1024 * 1024), lang, 0)} MB"


def pre_id(request: Request) -> str | None:
    value = request.cookies.get(PRE_COOKIE)
    return value if value and len(value) >= 16 else None


def screen_token(request: Request, pre: str) -> str:
    return reporting.csrf_token(app_secret(request.app), "supply-screen:" + pre)


def _page(request: Request, status: int = 200, **extra) -> HTMLResponse:
    lang, _ = choose(request)
    pre = pre_id(request) or secrets.token_urlsafe(24)
    response = render(
        request,
        "supply_screen.html",
        status_code=status,
        screen_csrf=screen_token(request, pre),
        limit=limit_text(LIMIT, lang),
        outputs=("html", *OUTPUTS),
        **{"result": None, "error": None, "output": "html", **extra},
    )
    if request.cookies.get(PRE_COOKIE) != pre:
        response.set_cookie(
            PRE_COOKIE, pre, httponly=True, samesite="strict",
            secure=request.url.scheme == "https", path="/",
        )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(SCREEN, response_class=HTMLResponse)
def screen_form(request: Request):
    return _page(request)


def result_table(result, lang: str) -> list[dict]:
    """The ranked lines for the page: each with its flags' reasons and sources, its notes."""
    rows = []
    for s, row in zip(result.lines, result_rows(result, lang), strict=True):
        rows.append(
            {
                **row,
                "priority_code": s.priority,
                "reasons": [
                    (flag_text(f, result, lang), source_text(result, f.source)) for f in s.flags
                ],  # fmt: skip
                "remarks": [note_text(n, result, lang) for n in s.notes],
            }
        )
    return rows


@router.post(SCREEN, response_class=HTMLResponse)
async def screen_post(request: Request):
    lang, _ = choose(request)
    t = translator(lang)
    same_origin(request)
    try:
        body = await read_body(request, LIMIT + FORM_MARGIN)
    except TooLarge:
        return _page(request, 413, error=t("sc_too_large").format(limit=limit_text(LIMIT, lang)))
    fields, upload = form_parts(body, request.headers.get("content-type", ""))
    pre = pre_id(request)
    if pre is None or not reporting.check_csrf(
        app_secret(request.app), "supply-screen:" + pre, fields.get("csrf")
    ):
        raise Refused(403, "csrf_failed")
    output = fields.get("output", "html")
    output = output if output in ("html", *OUTPUTS) else "html"
    if upload is None:
        return _page(request, 400, error=t("sc_no_file"), output=output)
    name, data = upload
    if len(data) > LIMIT:
        return _page(request, 413, error=t("sc_too_large").format(limit=limit_text(LIMIT, lang)))
    try:
        lines = parse_suppliers(data, name or "suppliers.csv", limit=LIMIT)
    except SupplyError as exc:
        return _page(request, 400, error=f"{t('sc_refused')} {exc}", output=output)
    result = await run_in_threadpool(_screen, request, lines)
    if output == "html":
        return _page(
            request,
            result=result,
            rows=result_table(result, lang),
            method=method_text(result, lang),
            columns={k: word(f"col_{k}", lang) for k in ROW_KEYS},
            output=output,
        )
    body = await run_in_threadpool(file_bytes, result, output, lang)
    disposition = f'attachment; filename="supplier-screen.{output}"'
    return Response(
        body,
        media_type=OUTPUTS[output],
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


def _screen(request: Request, lines):
    """The screen of ``lines``, with the embodied intensity of the table the site shows when
    it is a real one (``ShownSystem.intensity``)."""
    given = shown_system(request.app.state).intensity()
    intensity, source = given if given else (None, "")
    with session(request) as s:
        return screen_suppliers(s, lines, intensity, intensity_source=source or "input-output")


def file_bytes(result, output: str, lang: str) -> bytes:
    """The screen as an Excel workbook, a PDF or CSV (UTF-8 with a BOM), in memory."""
    if output == "pdf":
        return pdf_bytes(result, lang)
    if output == "csv":
        out = io.StringIO()
        write_csv(result, out, lang)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    return excel_bytes(result, lang)


def excel_bytes(result, lang: str) -> bytes:
    """The workbook ``write_excel`` writes to a path, kept in memory: a memory file
    (``memfd``, Linux) named by its ``/proc`` path, never a file on a disk; elsewhere a
    temporary folder removed at once."""
    if hasattr(os, "memfd_create") and Path("/proc/self/fd").is_dir():
        fd = os.memfd_create("supplier-screen.xlsx")
        try:
            write_excel(result, f"/proc/self/fd/{fd}", lang)
            with os.fdopen(os.dup(fd), "rb") as f:
                f.seek(0)
                return f.read()
        finally:
            os.close(fd)
    with tempfile.TemporaryDirectory() as folder:
        return write_excel(result, Path(folder) / "screen.xlsx", lang).read_bytes()
