"""A library document's page, its original file, and the editors' upload form.

The page shows the metadata, the summary, the note when no text could be read, a download of
the original only where its licence allows (``library.allows_download``), and related
documents and indicators (same themes). A national report's text is shown only to who may
read that report. Originals are always sent as downloads (``Content-Disposition:
attachment``, ``application/octet-stream`` for HTML, a sandboxing CSP): an HTML file with
scripts is never run on this site. Uploads: signed-in editors only (the secretariat and
admins for any document; a country's focal point for documents about that country alone),
CSRF-checked by ``site.forms.guard``, refused past the attachment size limit, saved all or
nothing by ``library.add_document``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from target87 import library
from target87.library import DocumentMeta, FindFilters, LibraryError, find
from target87.library.models import DOCUMENT_TYPES, LANGUAGES, THEMES, LibraryDocument
from target87.presentation import translator
from target87.reporting.attachments import max_attachment_bytes
from target87.reporting.models import Report
from target87.reporting.permissions import allowed, visible_countries
from target87.web.library.rights import may_upload
from target87.web.library.search import area_names, hit_url, value_names
from target87.web.site.auth import to_sign_in
from target87.web.site.forms import PostedForm, Refused, guard
from target87.web.site.language import choose
from target87.web.site.render import render, session
from target87.web.site.visitors import CurrentVisitor, data_dir, signed_in

router = APIRouter()
upload_router = APIRouter(dependencies=[Depends(guard)])
RELATED = 5


def readable(request: Request, doc: LibraryDocument) -> bool:
    """A document is public unless it is an unpublished national report's text."""
    if doc.report_id is None:
        return True
    with session(request) as s:
        report = s.get(Report, doc.report_id)
        if report is None:
            return False
        if report.state == "published":
            return True
        country = report.country
    user, _ = signed_in(request)
    countries = visible_countries(user)
    return countries is None or country in countries


def _shown(request: Request, doc_id: int) -> LibraryDocument | None:
    doc = library.get_document(request.app.state.engine, doc_id)
    return doc if doc is not None and readable(request, doc) else None


@router.get("/library/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: int):
    lang, _ = choose(request)
    doc = _shown(request, doc_id)
    if doc is None:
        return render(request, "not_found.html", status_code=404, what=str(doc_id))
    engine = request.app.state.engine
    themes = tuple(doc.split(doc.themes))
    related = []
    indicators = []
    if themes:
        near = find(engine, "", filters=FindFilters(kind=("document",), theme=themes), limit=20)
        related = [h for h in near.hits if h.id != doc.id][:RELATED]
        indicators = find(
            engine,
            "",
            filters=FindFilters(kind=("indicator",), theme=themes),
            limit=RELATED,
            label_lang=lang,
        ).hits
    countries = doc.split(doc.countries)
    return render(
        request,
        "library/document.html",
        doc=doc,
        themes=themes,
        countries=countries,
        regions=doc.split(doc.regions),
        targets=doc.split(doc.sdg_targets),
        areas=area_names(request, set(countries), lang),
        names=value_names(lang),
        downloadable=doc.stored_path is not None
        and doc.report_id is None
        and library.allows_download(doc.licence),
        related=related,
        indicators=indicators,
        hit_url=hit_url,
    )


@router.get("/library/documents/{doc_id}/original")
def document_original(request: Request, doc_id: int):
    doc = _shown(request, doc_id)
    if doc is None or doc.report_id is not None or not library.allows_download(doc.licence):
        return render(request, "not_found.html", status_code=404, what=str(doc_id))
    path = library.original_path(doc, data_dir(request.app))
    if path is None:
        return render(request, "not_found.html", status_code=404, what=str(doc_id))
    media = {"pdf": "application/pdf"}.get(doc.media_type or "", "application/octet-stream")
    name = f"document-{doc.id}{path.suffix}"
    return Response(
        path.read_bytes(),
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- upload (editors) -----------------------------------------------------------------


def _form(request: Request, status: int = 200, error: str | None = None, values=None):
    lang, _ = choose(request)
    return render(
        request,
        "library/upload.html",
        status_code=status,
        error=error,
        values=values or {},
        types=DOCUMENT_TYPES,
        themes=THEMES,
        languages=LANGUAGES,
        names=value_names(lang),
        limit_mb=max_attachment_bytes() // (1024 * 1024),
    )


@upload_router.get("/library/upload", response_class=HTMLResponse)
def upload_form(request: Request, v: CurrentVisitor):
    if v.user is None:
        return to_sign_in(request)
    if not may_upload(v.user):
        raise Refused(403, "lib_forbidden")
    return _form(request)


def _codes(text: str) -> tuple[str, ...]:
    return tuple(
        dict.fromkeys(c.strip().upper() for c in text.replace(",", ";").split(";") if c.strip())
    )


def meta_from_form(form, user) -> tuple[DocumentMeta, dict]:
    """The form's metadata, checked; raises ``LibraryError`` naming the field."""
    values = {k: (form.get(k) or "").strip() for k in (
        "title", "authors", "publisher", "year", "language", "doc_type", "countries",
        "sdg_targets", "licence", "source_url", "summary",
    )}  # fmt: skip
    themes = tuple(t for t in form.getlist("themes") if isinstance(t, str))
    values["themes"] = themes
    year = values["year"]
    if year and not (year.isdigit() and len(year) == 4):
        raise LibraryError(f"year: {year!r} is not a year such as 2021")
    countries = _codes(values["countries"])
    # A focal point adds documents about its own country only.
    if not allowed(user.role, user.country, "publish", None) and countries != (user.country,):
        raise LibraryError(f"countries: a focal point adds documents about {user.country} only")
    meta = DocumentMeta(
        title=values["title"] or None,
        authors=values["authors"] or None,
        publisher=values["publisher"] or None,
        year=int(year) if year else None,
        language=values["language"] or None,
        doc_type=values["doc_type"] or None,
        themes=themes,
        countries=countries,
        sdg_targets=tuple(t.strip() for t in values["sdg_targets"].split(";") if t.strip()),
        licence=values["licence"] or None,
        source_url=values["source_url"] or None,
        summary=values["summary"] or None,
    )
    library.documents.check_meta(meta)
    return meta, values


@upload_router.post("/library/upload", response_class=HTMLResponse)
def upload_post(request: Request, form: PostedForm, v: CurrentVisitor):
    lang, _ = choose(request)
    t = translator(lang)
    if v.user is None:
        return to_sign_in(request)
    if not may_upload(v.user):
        raise Refused(403, "lib_forbidden")
    upload = form.get("file")
    filename = getattr(upload, "filename", None)
    if upload is None or isinstance(upload, str) or not filename:
        return _form(request, 400, t("lib_no_file"), dict(form))
    try:
        meta, values = meta_from_form(form, v.user)
    except LibraryError as exc:
        return _form(request, 400, f"{t('lib_refused')} {exc}", dict(form))
    data = upload.file.read(max_attachment_bytes() + 1)
    if len(data) > max_attachment_bytes():
        return _form(request, 413, t("lib_too_large").format(limit=max_attachment_bytes() // 2**20))
    folder = data_dir(request.app)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        path = Path(scratch) / Path(filename).name
        path.write_bytes(data)
        try:
            added = library.add_document(request.app.state.engine, path, meta, data_dir=folder)
        except LibraryError as exc:
            return _form(request, 400, f"{t('lib_refused')} {exc.reason}", values)
    return RedirectResponse(f"/library/documents/{added.id}", status_code=303)
