"""The "Load national data" pages: one Open SDG indicator CSV or one SDMX-ML/SDMX-CSV file,
walked through what ``target87 map`` then ``target87 load --mapping`` do on the command line.

1. ``GET /reporting/upload``: the form (file, and what the file may leave implicit: its area,
   series and source). ``POST`` keeps the file in a private folder under a random token tied
   to the session (``upload_files``) and sends the visitor to its proposed mapping.
2. ``GET /reporting/upload/{token}``: the proposed mapping (columns to fields, labels to
   codes, what stays unknown) and its YAML to edit; ``.../mapping.yaml`` downloads it.
3. ``POST .../preview``: the file read with the edited mapping and checked; the counts, the
   first rows as they would be stored, every problem, the sources and areas a load would
   create. Nothing is written. The mapping previewed is kept beside the file.
4. ``POST .../load``: only the mapping whose preview passed, loaded all or nothing, logged
   under the account (``target87 history undo N`` undoes it); the file is then deleted.

Every request asks ``upload_rights`` first: who may map and preview a file (a focal point,
for its own country) and who may load it (the rights to edit and to publish) is decided there.
"""

from __future__ import annotations

import hmac
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from target87 import reporting, store
from target87.ingest import LoadError
from target87.interop.formats import format_named
from target87.interop.limits import max_bytes
from target87.interop.mapping import Mapping
from target87.interop.subnational import parent_of
from target87.presentation import format_number, translator
from target87.reporting.attachments import max_attachment_bytes
from target87.web.reporting import upload_files as files
from target87.web.reporting import upload_steps as steps
from target87.web.reporting.render import guarded, page, text
from target87.web.reporting.report import DOWNLOAD_HEADERS
from target87.web.reporting.upload_rights import (
    may_load_these,
    require_load,
    require_walk,
    walk_scope,
)
from target87.web.site.forms import PostedForm, guard
from target87.web.site.language import choose
from target87.web.site.visitors import CurrentVisitor, Visitor, data_dir

router = APIRouter(include_in_schema=False, dependencies=[Depends(guard)])
BASE = "/reporting/upload"


def upload_limit() -> int:
    """Bytes an uploaded file may hold: the smaller of the attachment and the reader limits."""
    return min(max_attachment_bytes(), max_bytes())


def _t(request: Request):
    return translator(choose(request)[0])


def _number(request: Request, value: int) -> str:
    return format_number(value, choose(request)[0], 0)


def _owner(v: Visitor) -> str:
    return files.owner_of(v.user.id, v.session.sid)


def _form_page(request: Request, v: Visitor, status: int = 200, **extra) -> HTMLResponse:
    return page(
        request,
        v,
        "reporting/upload.html",
        status,
        sources=store.sources(v.db),
        max_bytes=upload_limit(),
        problems=extra.pop("problems", []),
        file_problems=extra.pop("file_problems", []),
        typed=extra.pop("typed", {}),
        **extra,
    )


def _pending(request: Request, v: Visitor, token: str, need_file: bool = True) -> files.Pending:
    """The visitor's upload of ``token``, after the right to map files is checked."""
    require_walk(v.user, [walk_scope(v.user)])
    pending = files.find(data_dir(request.app), token, _owner(v))
    if pending is None or (need_file and not pending.has_file):
        raise reporting.NotFound(_t(request)("upload_expired"))
    return pending


def _mapping_page(
    request: Request,
    v: Visitor,
    pending: files.Pending,
    yaml_text: str,
    status: int = 200,
    **extra,
) -> HTMLResponse:
    mapping = extra.pop("mapping", None)
    if mapping is None:
        mapping = Mapping.from_yaml(pending.mapping_text())
    spec = format_named(pending.fmt)
    for name in ("preview", "yaml_error", "checked"):
        extra.setdefault(name, None)
    found = extra["preview"]
    extra["can_load"] = may_load_these(v.user, found.countries if found else [])
    return page(
        request,
        v,
        "reporting/upload_mapping.html",
        status,
        pending=pending,
        token=pending.token,
        format_label=spec.label if spec else pending.fmt,
        mapping=mapping,
        lines=steps.mapping_lines(mapping),
        yaml_text=yaml_text,
        columns=steps.SAMPLE_COLUMNS,
        **extra,
    )


@router.get(BASE, response_class=HTMLResponse)
def upload_form(request: Request, v: CurrentVisitor):
    def show():
        require_walk(v.user, [walk_scope(v.user)])
        return _form_page(request, v)

    return guarded(show, request, v)


def _sent(form: FormData, limit: int) -> tuple[str, bytes] | None:
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return None
    return upload.filename or "", upload.file.read(limit + 1)


def _codes(v: Visitor, typed: dict[str, str], t) -> tuple[dict[str, str | None], list[str]]:
    """The area, series and source typed, as the store knows them; and what is wrong."""
    found: dict[str, str | None] = {"area": None, "series": None, "source": None}
    problems = []
    for what, resolve in (("area", store.resolve_area), ("series", store.resolve_series)):
        if typed[what]:
            try:
                found[what] = resolve(v.db, typed[what]).code
            except store.UnknownCode as exc:
                near = ", ".join(exc.suggestions) or "—"
                problems.append(t(f"upload_unknown_{what}").format(code=typed[what], near=near))
    if typed["source"]:
        if typed["source"] in {s.id for s in store.sources(v.db)}:
            found["source"] = typed["source"]
        else:
            problems.append(t("upload_unknown_source").format(code=typed["source"]))
    return found, problems


@router.post(BASE)
def upload(request: Request, form: PostedForm, v: CurrentVisitor):
    def act():
        require_walk(v.user, [walk_scope(v.user)])
        t = _t(request)
        typed = {k: text(form, k)[:200] for k in ("area", "series", "source")}
        found, problems = _codes(v, typed, t)
        if found["area"]:
            require_walk(v.user, [parent_of(found["area"]) or found["area"]])
        limit = upload_limit()
        sent = _sent(form, limit)
        if sent is None or not sent[1]:
            problems.append(t("upload_no_file"))
        elif len(sent[1]) > limit:  # read one byte past the limit: say so, keep nothing
            name = sent[0] or "—"
            limit_text = _number(request, limit)
            problems.append(t("upload_too_big").format(name=name, limit=limit_text))
        if problems:
            return _form_page(request, v, 422, problems=problems, typed=typed)
        pending = files.keep(data_dir(request.app), _owner(v), *sent)
        try:
            fmt = steps.file_format(pending.path)
            if fmt is None:
                pending.drop()
                wrong = t("upload_wrong_format").format(name=sent[0] or pending.filename)
                return _form_page(request, v, 422, problems=[wrong], typed=typed)
            mapping = steps.propose_mapping(
                v.db, pending.path, fmt, found["area"], found["series"], found["source"]
            )
        except LoadError as exc:
            pending.drop()
            unread = t("upload_unreadable").format(name=sent[0] or pending.filename)
            return _form_page(
                request, v, 422, problems=[unread], file_problems=exc.problems, typed=typed
            )
        pending.fmt, pending.area = fmt, found["area"]
        pending.series, pending.source = found["series"], found["source"]
        pending.save_mapping(mapping.to_yaml())
        pending.save(_owner(v))
        return RedirectResponse(f"{BASE}/{pending.token}", status_code=303)

    return guarded(act, request, v)


@router.get(BASE + "/{token}", response_class=HTMLResponse)
def proposal(request: Request, token: str, v: CurrentVisitor):
    def show():
        pending = _pending(request, v, token)
        return _mapping_page(request, v, pending, pending.mapping_text())

    return guarded(show, request, v)


@router.get(BASE + "/{token}/mapping.yaml")
def download_mapping(request: Request, token: str, v: CurrentVisitor):
    def send():
        pending = _pending(request, v, token, need_file=False)
        name = f"{Path(pending.filename).stem}.mapping.yaml"
        headers = {"Content-Disposition": reporting.content_disposition(name)}
        return Response(
            pending.mapping_text(),
            media_type="application/yaml; charset=utf-8",
            headers=headers | DOWNLOAD_HEADERS,
        )

    return guarded(send, request, v)


def _posted_yaml(form: FormData) -> str:
    value = form.get("mapping")
    return value.replace("\r\n", "\n") if isinstance(value, str) else ""


@router.post(BASE + "/{token}/preview")
def preview(request: Request, token: str, form: PostedForm, v: CurrentVisitor):
    def act():
        pending = _pending(request, v, token)
        typed = _posted_yaml(form)
        try:
            mapping = steps.read_mapping(typed)
        except ValueError as exc:
            return _mapping_page(request, v, pending, typed, 422, yaml_error=str(exc))
        v.db.commit()  # no read left open on the store while the file is checked
        found = steps.preview(request.app.state.engine, pending.path, pending.fmt, mapping)
        require_walk(v.user, found.countries)
        pending.save_mapping(typed)
        pending.checked = files.digest(typed) if found.ok else None
        pending.save(_owner(v))
        return _mapping_page(
            request, v, pending, typed, mapping=mapping, preview=found, checked=pending.checked
        )

    return guarded(act, request, v)


@router.post(BASE + "/{token}/load")
def load(request: Request, token: str, form: PostedForm, v: CurrentVisitor):
    def act():
        require_load(v.user, [walk_scope(v.user)])
        pending = _pending(request, v, token)
        asked = text(form, "mapping_digest")
        yaml_text = pending.mapping_text()
        if not pending.checked or not hmac.compare_digest(asked, pending.checked):
            again = _t(request)("upload_preview_first")
            return _mapping_page(request, v, pending, yaml_text, 409, yaml_error=again)
        mapping = Mapping.from_yaml(yaml_text)
        v.db.commit()
        engine = request.app.state.engine
        try:
            loaded = steps.load(engine, pending.path, pending.fmt, mapping, v.user)
        except LoadError:  # the store changed since the preview: show why, as a preview
            found = steps.preview(engine, pending.path, pending.fmt, mapping)
            pending.checked = None
            pending.save(_owner(v))
            return _mapping_page(request, v, pending, yaml_text, 422, preview=found)
        pending.forget_file()
        return page(
            request,
            v,
            "reporting/upload_done.html",
            pending=pending,
            token=pending.token,
            loaded=loaded,
            summary=loaded.summary,
        )

    return guarded(act, request, v)


@router.post(BASE + "/{token}/discard")
def discard(request: Request, token: str, form: PostedForm, v: CurrentVisitor):
    def act():
        _pending(request, v, token, need_file=False).drop()
        return RedirectResponse(BASE, status_code=303)

    return guarded(act, request, v)


__all__ = ["router"]
