"""Attachments: recognised by their bytes, size-limited, stored under their sha256, read back
only by those who may read the report, and always as a download."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from fpdf import FPDF
from openpyxl import Workbook

from target87 import reporting
from target87.reporting.attachments import MEDIA_TYPES, detect_kind, stored_path

from .conftest import CHLDEC_T, actor, audit, draft


def pdf_bytes() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text="Annual report annex: labour inspections 2024")
    return bytes(pdf.output())


def xlsx_bytes() -> bytes:
    wb = Workbook()
    wb.active["A1"] = "inspections"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def zipped(members: dict[str, str], stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            text = members[stored_first]
            archive.writestr(stored_first, text, compress_type=zipfile.ZIP_STORED)
        for name, text in members.items():
            if name != stored_first:
                archive.writestr(name, text)
    return buffer.getvalue()


def odt_bytes() -> bytes:
    """An OpenDocument text as the standard lays it out: ``mimetype`` first, uncompressed."""
    return zipped(
        {
            "mimetype": "application/vnd.oasis.opendocument.text",
            "META-INF/manifest.xml": '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
            'opendocument:xmlns:manifest:1.0"/>',
            "content.xml": "<office:document-content/>",
        },
        stored_first="mimetype",
    )


def test_kinds_come_from_the_bytes():
    assert detect_kind(pdf_bytes()) == "pdf"
    assert detect_kind(xlsx_bytes()) == "xlsx"
    assert detect_kind(odt_bytes()) == "odt"
    assert detect_kind(b"<html><script>alert(1)</script></html>") is None
    assert detect_kind(zipped({"a.txt": "just a zip"})) is None
    macro = zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>",
                    "word/vbaProject.bin": "macro"})  # fmt: skip
    assert detect_kind(macro) is None
    assert detect_kind(b"PK\x03\x04 broken zip") is None


def test_a_pdf_is_stored_under_its_checksum_and_read_back(db, tmp_path):
    fp = actor(db, "focal.npl")
    report = draft(db, {CHLDEC_T: "15.3"})
    data = pdf_bytes()
    row = reporting.add_attachment(db, fp, report.id, "C:\\docs\\annex 1.pdf", data, tmp_path)
    sha = hashlib.sha256(data).hexdigest()
    assert (row.filename, row.kind, row.size, row.sha256) == ("annex 1.pdf", "pdf", len(data), sha)
    assert row.media_type == MEDIA_TYPES["pdf"]
    assert stored_path(tmp_path, sha).read_bytes() == data
    got, back = reporting.read_attachment(db, actor(db, "secretariat"), row.id, tmp_path)
    assert back == data and got.id == row.id
    (event,) = audit(db, report_id=report.id, action="attachment.add")
    assert event.after_data["sha256"] == sha
    assert reporting.content_disposition("annex 1.pdf") == (
        "attachment; filename=\"annex 1.pdf\"; filename*=UTF-8''annex%201.pdf"
    )
    assert reporting.content_disposition('é".html').startswith('attachment; filename="__.html"')
    stored_path(tmp_path, sha).write_bytes(data + b"tampered")
    with pytest.raises(reporting.ReportingError, match="checksum"):
        reporting.read_attachment(db, fp, row.id, tmp_path)


def test_refused_files_leave_nothing_behind(db, tmp_path, monkeypatch):
    monkeypatch.setenv("TARGET87_MAX_ATTACHMENT_BYTES", "2000")  # the limit is configurable
    report = draft(db, {CHLDEC_T: "15.3"})
    fp = actor(db, "focal.npl")
    for name, data, words in (
        ("annex.pdf", b"<html><script>alert(1)</script></html>", "read from the content"),
        ("annex.docx", pdf_bytes(), "content is a PDF file"),
        ("annex.pdf", b"", "empty"),
        ("annex.odt", odt_bytes() + b"x" * 2000, "over the limit"),
    ):
        with pytest.raises(reporting.AttachmentRefused, match=words) as info:
            reporting.add_attachment(db, fp, report.id, name, data, tmp_path)
        assert info.value.problems[0].field == "file"
    assert reporting.attachments(db, fp, report.id) == []
    assert not (tmp_path / "attachments").exists()


def test_only_those_who_may_read_the_report_read_its_attachments(db, tmp_path):
    fp, sec = actor(db, "focal.npl"), actor(db, "secretariat")
    report = draft(db, {CHLDEC_T: "15.3"})
    workbook = xlsx_bytes()
    row = reporting.add_attachment(db, fp, report.id, "data.xlsx", workbook, tmp_path)
    for who in ("focal.uga", None):
        with pytest.raises(reporting.Forbidden):
            reporting.read_attachment(db, actor(db, who), row.id, tmp_path)
        with pytest.raises(reporting.Forbidden):
            reporting.attachments(db, actor(db, who), report.id)
    for who in ("focal.uga", "viewer.npl", "secretariat"):
        with pytest.raises(reporting.Forbidden):
            reporting.add_attachment(db, actor(db, who), report.id, "x.pdf", pdf_bytes(), tmp_path)
        with pytest.raises(reporting.Forbidden):
            reporting.delete_attachment(db, actor(db, who), row.id)
    report = reporting.submit(db, fp, report.id, report.version)
    report = reporting.approve(db, sec, report.id, report.version)
    reporting.publish(db, sec, report.id, report.version)
    _row, data = reporting.read_attachment(db, actor(db, None), row.id, tmp_path)
    assert data == workbook  # the public may read a published report's files
    with pytest.raises(reporting.StateError):  # a published report's files stay
        reporting.delete_attachment(db, fp, row.id)


def test_a_draft_attachment_can_be_removed_with_an_event(db, tmp_path):
    fp = actor(db, "focal.npl")
    report = draft(db, {CHLDEC_T: "15.3"})
    row = reporting.add_attachment(db, fp, report.id, "notes.odt", odt_bytes(), tmp_path)
    reporting.delete_attachment(db, fp, row.id)
    assert reporting.attachments(db, fp, report.id) == []
    (event,) = audit(db, report_id=report.id, action="attachment.delete")
    assert event.before_data["filename"] == "notes.odt" and event.after is None
