"""National reports' texts in the library: the narratives and each attachment become
documents found by the search, kept in step with the report (attachment deleted, narrative
edited), replaced rather than duplicated, on SQLite and PostgreSQL, and through the web door."""

from __future__ import annotations

import io
import logging

import pytest
from docx import Document
from fpdf import FPDF
from openpyxl import Workbook
from sqlalchemy import select, text

from target87 import reporting
from target87.library import search
from target87.library.models import LibraryDocument
from target87.library.reports import index_report, index_reports, refresh_report, unindex_report
from tests.reporting import conftest as reporting_support
from tests.reporting.conftest import actor, draft
from tests.web import test_reporting_support as support
from tests.web.test_reporting_support import csrf_of, open_report, version_of

demo_db, site = support.demo_db, support.site  # fixtures
_sqlite_template = reporting_support._sqlite_template
_postgres_template = reporting_support._postgres_template
rep_url, rep_engine, db = (
    reporting_support.rep_url,
    reporting_support.rep_engine,
    reporting_support.db,
)


def pdf_bytes(body: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 6, body)
    return bytes(pdf.output())


def image_only_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")
    return bytes(pdf.output())


def docx_bytes(body: str) -> bytes:
    doc = Document()
    doc.add_paragraph(body)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    wb = Workbook()
    wb.active["A1"] = "inspections"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def report_docs(engine, report_id: int) -> list:
    with engine.connect() as conn:
        stmt = select(LibraryDocument).where(LibraryDocument.report_id == report_id)
        return list(conn.execute(stmt.order_by(LibraryDocument.id)))


def found(engine, words: str, lang: str | None = "en") -> set[tuple]:
    """(report id, attachment id) of the documents the search finds for ``words``."""
    ids = {h.id for h in search(engine, words, lang=lang, limit=100).hits}
    with engine.connect() as conn:
        rows = conn.execute(
            select(LibraryDocument.report_id, LibraryDocument.attachment_id).where(
                LibraryDocument.id.in_(ids)
            )
        )
        return {tuple(r) for r in rows}


@pytest.fixture
def report(db, tmp_path):
    """Nepal's draft with a narrative, a PDF and a DOCX annex, an image-only PDF and a
    spreadsheet; returns (report id, attachments by name, data dir, first commitment)."""
    fp = actor(db, "focal.npl")
    rep = draft(db)
    first = reporting.roadmap(db, reporting.Actor.command_line(), "NPL")[0].id
    reporting.save_narrative(
        db, fp, rep.id, first, "Brick kiln owners signed a pledge with the inspectors.", None
    )
    data_dir = tmp_path / "data"
    files = {
        "annex.pdf": pdf_bytes("Annex: sawmills visited by the mobile inspection teams."),
        "plan.docx": docx_bytes("The district plan trains teachers in carpet weaving areas."),
        "scan.pdf": image_only_pdf(),
        "table.xlsx": xlsx_bytes(),
    }
    attached = {
        name: reporting.add_attachment(db, fp, rep.id, name, data, data_dir).id
        for name, data in files.items()
    }
    return rep.id, attached, data_dir, first


def test_a_reports_narrative_and_attachments_become_searchable(rep_engine, report):
    report_id, attached, data_dir, _ = report
    assert found(rep_engine, "pledge") == set()  # nothing until indexed
    assert index_report(rep_engine, report_id, data_dir) == 5
    assert found(rep_engine, "kilns pledge") == {(report_id, None)}
    assert found(rep_engine, "sawmill") == {(report_id, attached["annex.pdf"])}
    assert found(rep_engine, "weaving teacher") == {(report_id, attached["plan.docx"])}
    docs = {d.attachment_id: d for d in report_docs(rep_engine, report_id)}
    narrative = docs[None]
    assert narrative.title == "Nepal national report 2024" and narrative.origin == "report"
    assert narrative.countries == "NPL" and narrative.year == 2024
    assert "End child labour in brick kilns" in narrative.text  # the commitment's title
    assert docs[attached["annex.pdf"]].title == "annex.pdf"
    assert docs[attached["annex.pdf"]].media_type == "pdf"
    # an image-only or unreadable file is kept, empty, with the reason
    assert docs[attached["scan.pdf"]].text == ""
    assert "no text layer" in docs[attached["scan.pdf"]].extraction_note
    assert "not a DOCX" in docs[attached["table.xlsx"]].extraction_note


def test_indexing_again_replaces_rather_than_duplicates(rep_engine, report):
    report_id, _, data_dir, _ = report
    index_report(rep_engine, report_id, data_dir)
    first = {(d.attachment_id, d.title, d.text) for d in report_docs(rep_engine, report_id)}
    assert index_report(rep_engine, report_id, data_dir) == 5
    again = report_docs(rep_engine, report_id)
    assert len(again) == 5 and {(d.attachment_id, d.title, d.text) for d in again} == first
    assert len(search(rep_engine, "sawmill", lang="en").hits) == 1


def test_deleting_an_attachment_removes_it_from_the_search(db, rep_engine, report):
    report_id, attached, data_dir, _ = report
    index_report(rep_engine, report_id, data_dir)
    reporting.delete_attachment(db, actor(db, "focal.npl"), attached["annex.pdf"])
    assert index_report(rep_engine, report_id, data_dir) == 4
    assert found(rep_engine, "sawmill") == set()
    assert found(rep_engine, "weaving") == {(report_id, attached["plan.docx"])}


def test_editing_the_narrative_updates_it(db, rep_engine, report):
    report_id, _, data_dir, first = report
    index_report(rep_engine, report_id, data_dir)
    fp = actor(db, "focal.npl")
    reporting.save_narrative(db, fp, report_id, first, "Tanneries were closed in March.", None)
    index_report(rep_engine, report_id, data_dir)
    assert found(rep_engine, "pledge") == set()
    assert found(rep_engine, "tannery") == {(report_id, None)}
    reporting.save_narrative(db, fp, report_id, first, "", None)  # blank: removed
    assert index_report(rep_engine, report_id, data_dir) == 4
    assert found(rep_engine, "tannery") == set()


def test_unindex_and_index_every_report(rep_engine, report):
    report_id, _, data_dir, _ = report
    index_report(rep_engine, report_id, data_dir)
    assert unindex_report(rep_engine, report_id) == 5
    assert found(rep_engine, "sawmill") == set() and report_docs(rep_engine, report_id) == []
    assert index_reports(rep_engine, data_dir) == 5
    assert found(rep_engine, "sawmill") != set()


def test_a_failed_refresh_is_logged_and_the_write_stays(db, rep_engine, report, caplog):
    report_id, _, data_dir, first = report
    if rep_engine.dialect.name != "sqlite":
        pytest.skip("breaks the SQLite full-text table on purpose")
    with rep_engine.begin() as conn:  # a table in the index's place: every index write fails
        conn.execute(text("CREATE TABLE library_fts (unrelated INTEGER)"))
    fp = actor(db, "focal.npl")
    reporting.save_narrative(db, fp, report_id, first, "Quarries inspected twice.", None)
    with caplog.at_level(logging.ERROR, logger="target87.library.reports"):
        assert refresh_report(rep_engine, report_id, data_dir) is False
    assert f"report {report_id} was saved" in caplog.text
    assert reporting.narratives(db, fp, report_id) == {first: "Quarries inspected twice."}
    assert report_docs(rep_engine, report_id) == []  # the failed transaction wrote nothing


def test_the_web_door_refreshes_the_library_after_each_change(site):
    engine = site.app.state.engine
    client = site.client("focal.npl")
    report_id = open_report(site, client)
    with site.db() as s:
        first = reporting.roadmap(s, reporting.Actor.command_line(), "NPL")[0].id
    page = client.get(f"/reporting/reports/{report_id}").text
    url = f"/reporting/reports/{report_id}/narratives/{first}"
    data = {"csrf": csrf_of(page), "version": version_of(page), "text": "Glassworks pledge."}
    assert client.post(url, data=data).status_code == 303
    assert found(engine, "glassworks") == {(report_id, None)}
    annex = pdf_bytes("Annex: fisheries boats inspected at dawn.")
    sent = client.post(
        f"/reporting/reports/{report_id}/attachments",
        data={"csrf": csrf_of(page)},
        files={"file": ("annex.pdf", annex, "application/pdf")},
    )
    assert sent.status_code == 303
    ((_, attachment_id),) = found(engine, "fisheries")
    assert attachment_id is not None
    removed = client.post(
        f"/reporting/attachments/{attachment_id}/delete", data={"csrf": csrf_of(page)}
    )
    assert removed.status_code == 303
    assert found(engine, "fisheries") == set()
    assert found(engine, "glassworks") == {(report_id, None)}
