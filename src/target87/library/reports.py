"""National reports' texts in the library: one document for a report's narratives, one per
attachment, rewritten whenever the report's texts change.

Rows have ``origin`` "report" and ``report_id`` (and ``attachment_id`` for an attachment's
text). Who may find them is decided at query time from the report's state and the viewer's
rights (a draft's texts only by those who may read the draft; a published report's by all):
nothing about visibility is copied here, so a workflow transition needs no rewrite of rights.

Why after the report's write and not inside it: the reporting functions commit their own
transaction (``reporting.locking.writing``, with the audit event) and take a ``Session``,
not a connection. So the doors call ``refresh_report`` just after a reporting write has
committed: the user's write is never lost to an indexing failure, which is logged and mended
at the report's next change (or by ``index_reports``).

``index_report`` itself is one transaction: lock the report (PostgreSQL ``FOR UPDATE``; on
SQLite the first ``DELETE`` takes the database's write lock), delete the report's previous
documents and their index rows, read the report as it is now and write its documents. Two
refreshes of one report thus run one after the other, and the later reads the later texts.
Attachments are read from the reporting room's store and extracted with ``library.extract``
*before* the transaction (a PDF can take seconds; the write lock is not held meanwhile), and
an attachment already indexed keeps its text (attachments are never edited: same id, name and
size is the same file), so saving a narrative does not read every PDF again.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, insert, select

from target87.library.errors import LibraryError
from target87.library.extract import extract
from target87.library.index import index_row, unindex_row
from target87.library.language import detect_language
from target87.library.models import LibraryDocument
from target87.library.stemming import index_terms
from target87.reporting.attachments import default_data_dir, stored_path
from target87.reporting.models import Attachment, Commitment, Narrative, Report
from target87.store.models import Area

log = logging.getLogger(__name__)
DOCS = LibraryDocument.__table__


@dataclass(frozen=True)
class AttachmentText:
    """What could be read of one attachment."""

    media_type: str | None  # the library's type (pdf, docx, ...) or None when unreadable
    text: str
    note: str | None  # why there is no text (image-only PDF, not a DOCX, missing file)


def attachment_text(data_dir: Path, filename: str, sha256: str) -> AttachmentText:
    """The text of a stored attachment, or an empty text with the reason."""
    try:
        data = stored_path(data_dir, sha256).read_bytes()
    except OSError as exc:
        return AttachmentText(None, "", f"no text could be extracted: the file is missing ({exc})")
    if hashlib.sha256(data).hexdigest() != sha256:
        return AttachmentText(None, "", "no text could be extracted: the file fails its checksum")
    try:
        got = extract(Path(filename), data)
    except LibraryError as exc:
        return AttachmentText(None, "", f"no text could be extracted: {exc}")
    return AttachmentText(got.media_type, got.text, got.note)


def _attachments(conn: Connection, report_id: int) -> list:
    a = Attachment.__table__
    stmt = select(a.c.id, a.c.filename, a.c.size, a.c.sha256).where(a.c.report_id == report_id)
    return list(conn.execute(stmt.order_by(a.c.id)))


def _known_texts(conn: Connection, report_id: int) -> dict[tuple, AttachmentText]:
    """Texts already indexed, by (attachment id, file name, size)."""
    rows = conn.execute(
        select(DOCS.c.attachment_id, DOCS.c.filename, DOCS.c.size, DOCS.c.media_type)
        .add_columns(DOCS.c.text, DOCS.c.extraction_note)
        .where(DOCS.c.report_id == report_id, DOCS.c.attachment_id.is_not(None))
    )
    known = {}
    for r in rows:
        known[r.attachment_id, r.filename, r.size] = AttachmentText(
            r.media_type, r.text, r.extraction_note
        )
    return known


def _read_texts(engine: Engine, report_id: int, data_dir: Path) -> dict[tuple, AttachmentText]:
    """Every current attachment's text, by (id, name, size): reused or read now."""
    with engine.connect() as conn:
        known = _known_texts(conn, report_id)
        current = _attachments(conn, report_id)
    texts = {}
    for a in current:
        key = (a.id, a.filename, a.size)
        texts[key] = known.get(key) or attachment_text(data_dir, a.filename, a.sha256)
    return texts


def _remove(conn: Connection, report_id: int) -> int:
    gone = conn.execute(
        delete(DOCS).where(DOCS.c.report_id == report_id).returning(DOCS.c.id)
    ).scalars()
    ids = list(gone)
    for doc_id in ids:
        unindex_row(conn, "document", doc_id)
    return len(ids)


def narrative_text(conn: Connection, report_id: int) -> str:
    """The report's narratives, each under its commitment's title, in the roadmap's order."""
    n, c = Narrative.__table__, Commitment.__table__
    rows = conn.execute(
        select(c.c.title, n.c.text)
        .join(c, c.c.id == n.c.commitment_id)
        .where(n.c.report_id == report_id)
        .order_by(c.c.id)
    )
    return "\n\n".join(f"{title}\n{body}" for title, body in rows if body and body.strip())


def _insert(conn: Connection, report, *, title: str, body: str, **columns) -> None:
    language = detect_language(body)
    title_terms, body_terms = index_terms(title, language), index_terms(body, language)
    doc_id = conn.execute(
        insert(DOCS).values(
            origin="report",
            report_id=report.id,
            title=title,
            text=body,
            index_title=title_terms,
            index_text=body_terms,
            language=language,
            language_detected=language,
            publisher=report.ministry,
            year=report.year,
            doc_type="report",
            countries=report.country,
            sdg_targets="8.7",
            added_at=datetime.now(UTC).replace(tzinfo=None),
            **columns,
        )
    ).inserted_primary_key[0]
    index_row(conn, "document", doc_id, title_terms, body_terms)


def index_report(engine: Engine, report_id: int, data_dir: Path | None = None) -> int:
    """Replace the report's documents by its current texts (one transaction); returns how
    many documents it now has (0 for a report without narrative nor attachment, or gone).
    ``data_dir`` is where the reporting room keeps attachments (default: its default)."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    texts = _read_texts(engine, report_id, data_dir)
    r = Report.__table__
    with engine.begin() as conn:
        conn.execute(select(r.c.id).where(r.c.id == report_id).with_for_update())
        _remove(conn, report_id)
        report = conn.execute(select(r).where(r.c.id == report_id)).first()
        if report is None:
            return 0
        written = 0
        body = narrative_text(conn, report_id)
        if body:
            area = conn.execute(select(Area.name_en).where(Area.code == report.country))
            name = area.scalar_one_or_none() or report.country
            title = f"{name} national report {report.year}"
            _insert(conn, report, title=title, body=body, size=0)
            written += 1
        for a in _attachments(conn, report_id):
            got = texts.get((a.id, a.filename, a.size))
            if got is None:  # added after the texts were read: read it now
                got = attachment_text(data_dir, a.filename, a.sha256)
            _insert(
                conn,
                report,
                title=a.filename,
                body=got.text,
                attachment_id=a.id,
                filename=a.filename,
                size=a.size,
                media_type=got.media_type,
                extraction_note=got.note,
            )
            written += 1
    return written


def unindex_report(engine: Engine, report_id: int) -> int:
    """Remove the report's documents from the library; returns how many there were."""
    with engine.begin() as conn:
        return _remove(conn, report_id)


def refresh_report(engine: Engine, report_id: int, data_dir: Path | None = None) -> bool:
    """``index_report`` for the doors, after a reporting write has committed: an indexing
    failure is logged (the write stays saved) and returns False."""
    try:
        index_report(engine, report_id, data_dir)
    except Exception:
        log.exception(
            "report %s was saved, but its texts could not be refreshed in the library search "
            "(they will be at the report's next change, or by library.reports.index_reports)",
            report_id,
        )
        return False
    return True


def index_reports(engine: Engine, data_dir: Path | None = None) -> int:
    """Index every report (after an upgrade, or to mend a failed refresh); returns the number
    of documents written. One transaction per report."""
    with engine.connect() as conn:
        ids = list(conn.execute(select(Report.id).order_by(Report.id)).scalars())
    return sum(index_report(engine, report_id, data_dir) for report_id in ids)
