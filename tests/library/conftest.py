"""Real files in real formats, made on the fly: PDF (fpdf2), DOCX (python-docx), HTML."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from target87 import store


@pytest.fixture
def lib_engine(db_url):
    """An empty migrated database on each backend (PostgreSQL when the tests have one)."""
    eng = store.make_engine(db_url)
    store.migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "data"
    path.mkdir()
    return path


def make_pdf(path, text: str, title: str | None = None):
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


def make_image_only_pdf(path):
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")  # drawn, no text layer
    pdf.output(str(path))
    return path


def encrypt_pdf(source, path, password="secret", owner_password=None):
    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=owner_password, algorithm="RC4-128")
    with open(path, "wb") as out:
        writer.write(out)
    return path


def make_docx(path, paragraphs: list[str], title: str | None = None):
    doc = Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    if title:
        doc.core_properties.title = title
    doc.save(str(path))
    return path


def make_zip_bomb(path, expanded: int = 20 * 1024 * 1024):
    """A DOCX-shaped zip whose one member expands ~1000x (zeros compress that well)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(expanded // len(chunk)):
                member.write(chunk)
    path.write_bytes(buffer.getvalue())
    return path
