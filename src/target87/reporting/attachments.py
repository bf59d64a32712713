"""Files attached to a report: PDF and office documents, recognised by their bytes.

The type comes from the content (PDF header; the parts inside an OOXML or OpenDocument zip),
never from the name or the browser's word, and the name's extension must agree with it.
Macro-carrying office files are refused; the size limit is ``TARGET87_MAX_ATTACHMENT_BYTES``.
Bytes are stored once under their sha256 in ``<data dir>/attachments/ab/abcdef...`` (data
dir: ``TARGET87_DATA_DIR``, else the user data folder); the database row names the file and
the checksum, which is verified again on every read. Pages serve them with
``content_disposition`` (always ``attachment``, never inline) and the stored media type.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.interop.limits import MAX_ZIP_RATIO, MAX_ZIP_UNCOMPRESSED
from target87.reporting.audit import record_on_report
from target87.reporting.errors import AttachmentRefused, FieldProblem, NotFound, ReportingError
from target87.reporting.locking import writing
from target87.reporting.models import Attachment, load_report, utcnow
from target87.reporting.permissions import Actor
from target87.reporting.reports import editable, get_report

ENV_DATA_DIR = "TARGET87_DATA_DIR"
ENV_MAX_BYTES = "TARGET87_MAX_ATTACHMENT_BYTES"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
OOXML = "application/vnd.openxmlformats-officedocument."
ODF = "application/vnd.oasis.opendocument."
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": OOXML + "wordprocessingml.document",
    "xlsx": OOXML + "spreadsheetml.sheet",
    "pptx": OOXML + "presentationml.presentation",
    "odt": ODF + "text",
    "ods": ODF + "spreadsheet",
    "odp": ODF + "presentation",
}
OOXML_MAIN_PART = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx"}
OOXML_MAIN_PART["ppt/presentation.xml"] = "pptx"
MACROS = re.compile(r"(^|/)vbaProject\.bin$|^Basic/|(^|/)macros?/", re.IGNORECASE)


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return Path(os.environ.get(ENV_DATA_DIR) or user_data_path("target87", appauthor=False))


def max_attachment_bytes() -> int:
    """The configured size limit (``TARGET87_MAX_ATTACHMENT_BYTES``, default 20 MB)."""
    text = os.environ.get(ENV_MAX_BYTES)
    return int(text) if text else DEFAULT_MAX_BYTES


def detect_kind(data: bytes) -> str | None:
    """``pdf``, ``docx``, ``xlsx``, ``pptx``, ``odt``, ``ods``, ``odp`` from the bytes, or
    None for anything else (including office files carrying macros)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if any(MACROS.search(n) for n in names):
                return None
            if names and names[0] == "mimetype":  # ODF: stored first, uncompressed
                with archive.open("mimetype") as f:
                    mimetype = f.read(100).decode("ascii", "replace").strip()
                kinds = {v: k for k, v in MEDIA_TYPES.items() if v.startswith(ODF)}
                return kinds.get(mimetype)
            if "[Content_Types].xml" in names:
                found = [kind for part, kind in OOXML_MAIN_PART.items() if part in names]
                return found[0] if len(found) == 1 else None
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, EOFError):
        return None
    return None


def inflated_size(data: bytes) -> int:
    """What an office file's (zip) members declare they hold once inflated, in bytes."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return 0


def clean_filename(name: str) -> str:
    """The file's own name, without folders or control characters, at most 200 chars."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if ch.isprintable())
    return base.strip().strip(".")[:200]


def content_disposition(filename: str) -> str:
    """A header value that makes browsers download, never display, with the name kept."""
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", filename) or "attachment"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def stored_path(data_dir: Path, sha256: str) -> Path:
    return Path(data_dir) / "attachments" / sha256[:2] / sha256


def _refuse(message: str, rule: str = "file") -> AttachmentRefused:
    return AttachmentRefused([FieldProblem("file", message, rule)])


def add_attachment(
    session: Session,
    actor: Actor,
    report_id: int,
    filename: str,
    data: bytes,
    data_dir: Path,
    max_bytes: int | None = None,
) -> Attachment:
    """Attach a file to a draft report; ``AttachmentRefused`` says why not. ``max_bytes``
    defaults to ``max_attachment_bytes()``. Attachments leave the report's version alone: a
    file added beside a colleague's value edits is no conflict."""
    report = editable(session, actor, report_id, None)
    max_bytes = max_attachment_bytes() if max_bytes is None else max_bytes
    name = clean_filename(filename)
    if not data:
        raise _refuse("the file is empty")
    if len(data) > max_bytes:
        raise _refuse(f"the file is {len(data):,} bytes, over the limit of {max_bytes:,}", "size")
    kind = detect_kind(data)
    if kind is None:
        raise _refuse(
            "only PDF and office documents (docx, xlsx, pptx, odt, ods, odp) without macros "
            "are accepted; the type is read from the content, not the name",
            "type",
        )
    if not name.lower().endswith("." + kind):
        raise _refuse(f"the content is a {kind.upper()} file but the name is {name!r}", "type")
    inflated = inflated_size(data) if kind != "pdf" else 0
    if inflated > MAX_ZIP_UNCOMPRESSED or inflated > MAX_ZIP_RATIO * len(data):
        # never inflated here, but a reviewer's office software would: the same rule as loads
        raise _refuse(
            f"the archive would expand to {inflated:,} bytes from {len(data):,}: refused as a "
            "possible zip bomb",
            "size",
        )
    sha = hashlib.sha256(data).hexdigest()
    target = stored_path(data_dir, sha)
    created = not target.exists()
    if created:
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + f".{os.getpid()}.part")
        part.write_bytes(data)
        os.replace(part, target)
    row = Attachment(
        report_id=report.id,
        filename=name,
        kind=kind,
        media_type=MEDIA_TYPES[kind],
        size=len(data),
        sha256=sha,
        uploaded_at=utcnow(),
        uploaded_by=actor.label,
    )
    try:
        with writing(session):
            session.add(row)
            session.flush()
            after = {"filename": name, "kind": kind, "size": len(data), "sha256": sha}
            entity = ("attachment", row.id)
            record_on_report(session, actor, report, "attachment.add", entity, None, after)
    except BaseException:
        if created:
            target.unlink(missing_ok=True)
        raise
    return row


def attachments(session: Session, actor: Actor, report_id: int) -> list[Attachment]:
    report = get_report(session, actor, report_id)
    stmt = select(Attachment).where(Attachment.report_id == report.id).order_by(Attachment.id)
    return list(session.execute(stmt).scalars())


def _attachment(session: Session, attachment_id: int) -> Attachment:
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound(f"no attachment {attachment_id}")
    return row


def read_attachment(
    session: Session, actor: Actor, attachment_id: int, data_dir: Path
) -> tuple[Attachment, bytes]:
    """The row and the bytes, if the actor may read the report; the checksum is verified."""
    row = _attachment(session, attachment_id)
    get_report(session, actor, row.report_id)
    data = stored_path(data_dir, row.sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise ReportingError(f"attachment {row.id} ({row.filename}) fails its checksum on disk")
    return row, data


def delete_attachment(session: Session, actor: Actor, attachment_id: int) -> None:
    """Remove an attachment from a draft (the bytes stay: other rows may share them)."""
    row = _attachment(session, attachment_id)
    report = editable(session, actor, load_report(session, row.report_id).id, None)
    before = {"filename": row.filename, "kind": row.kind, "size": row.size, "sha256": row.sha256}
    with writing(session):
        session.delete(row)
        entity = ("attachment", attachment_id)
        record_on_report(session, actor, report, "attachment.delete", entity, before, None)
