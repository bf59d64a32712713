"""Adding documents: the original kept under its sha256, the same file twice is one document,
a refused or failed add leaves no row, no index row and no file."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from target87.library import DocumentMeta, LibraryError, add_document, search
from target87.library.models import LibraryDocument

from .conftest import encrypt_pdf, make_docx, make_pdf, make_zip_bomb
from .test_extract import EN, FR


def counts(engine):
    """(documents, index rows); PostgreSQL indexes the document rows themselves."""
    with engine.connect() as conn:
        docs = conn.execute(select(func.count()).select_from(LibraryDocument)).scalar()
        if engine.dialect.name != "sqlite":
            return docs, docs
        has_fts = conn.execute(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'library_fts'")
        ).scalar()
        fts = conn.execute(text("SELECT count(*) FROM library_fts")).scalar() if has_fts else 0
    return docs, fts


def files(data_dir):
    return sorted(p.name for p in data_dir.rglob("*") if p.is_file())


def test_add_keeps_the_original_under_its_hash(lib_engine, data_dir, tmp_path):
    path = make_docx(tmp_path / "plan.docx", [FR])
    meta = DocumentMeta(
        title="Plan national",
        publisher="Ministère du Travail",
        year=2021,
        doc_type="action_plan",
        themes=("child_labour", "education"),
        countries=("CIV",),
        sdg_targets=("8.7",),
        licence="CC BY 4.0",
        source_url="https://example.org/plan",
    )
    added = add_document(lib_engine, path, meta, data_dir=data_dir)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert added.created and added.language == "fr" and added.media_type == "docx"
    stored = data_dir / "library" / sha[:2] / f"{sha}.docx"
    assert stored.read_bytes() == path.read_bytes()
    with Session(lib_engine) as session:
        doc = session.execute(select(LibraryDocument)).scalar_one()
    assert (doc.title, doc.publisher, doc.year, doc.doc_type) == (
        "Plan national",
        "Ministère du Travail",
        2021,
        "action_plan",
    )
    assert doc.themes == "child_labour;education" and doc.countries == "CIV"
    assert doc.language == doc.language_detected == "fr" and doc.sha256 == sha
    assert counts(lib_engine) == (1, 1)


def test_the_same_file_twice_is_one_document(lib_engine, data_dir, tmp_path):
    first = make_pdf(tmp_path / "a.pdf", EN)
    copy = tmp_path / "renamed copy.pdf"
    copy.write_bytes(first.read_bytes())
    one = add_document(lib_engine, first, data_dir=data_dir)
    two = add_document(lib_engine, copy, data_dir=data_dir)
    assert one.created and not two.created and one.id == two.id
    assert "already in the library" in two.note
    assert counts(lib_engine) == (1, 1) and len(files(data_dir)) == 1


def test_encrypted_pdf_is_saved_with_its_note(lib_engine, data_dir, tmp_path):
    locked = encrypt_pdf(make_pdf(tmp_path / "p.pdf", EN), tmp_path / "locked.pdf")
    added = add_document(lib_engine, locked, data_dir=data_dir)
    assert added.created and "encrypted" in added.note
    assert counts(lib_engine) == (1, 1)
    assert search(lib_engine, "").hits[0].note == added.note


@pytest.mark.parametrize(
    "refusal",
    ["bomb", "too_big", "unknown_type", "bad_meta"],
)
def test_a_refused_add_leaves_nothing(lib_engine, data_dir, tmp_path, refusal):
    if refusal == "bomb":
        path, meta, match = make_zip_bomb(tmp_path / "b.docx"), None, "zip bomb"
    elif refusal == "too_big":
        path = tmp_path / "huge.pdf"
        with path.open("wb") as f:  # a sparse 500 MB file: no disk used
            f.write(b"%PDF-1.7\n")
            f.truncate(500 * 1024 * 1024)
        meta, match = None, "500 MB is over the 100 MB limit"
    elif refusal == "unknown_type":
        path = tmp_path / "x.txt"
        path.write_bytes(b"\x00\x01\x02binary")
        meta, match = None, "binary content"
    else:
        path = make_pdf(tmp_path / "ok.pdf", EN)
        meta, match = DocumentMeta(doc_type="novel"), "unknown document type 'novel'"
    with pytest.raises(LibraryError, match=match) as caught:
        add_document(lib_engine, path, meta, data_dir=data_dir)
    assert caught.value.file == str(path)
    assert counts(lib_engine) == (0, 0) and files(data_dir) == []


@pytest.mark.parametrize("where", ["index", "commit"])
def test_a_failure_inside_the_transaction_leaves_no_row_and_no_file(
    lib_engine, data_dir, tmp_path, where
):
    """The database fails on the index write (after the row is inserted; SQLite's FTS5) or
    at the commit (after the file was moved into place): the row is rolled back and the
    file removed."""
    if where == "index" and lib_engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no separate index table")
    add_document(lib_engine, make_pdf(tmp_path / "first.pdf", EN), data_dir=data_dir)

    def fail_index(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO library_fts"):
            raise RuntimeError("disk full")

    def fail_commit(conn):
        raise RuntimeError("disk full")

    event_name, fail = (
        ("before_cursor_execute", fail_index) if where == "index" else ("commit", fail_commit)
    )
    event.listen(lib_engine, event_name, fail)
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            add_document(lib_engine, make_docx(tmp_path / "d.docx", [FR]), data_dir=data_dir)
    finally:
        event.remove(lib_engine, event_name, fail)
    assert counts(lib_engine) == (1, 1)
    first_sha = hashlib.sha256((tmp_path / "first.pdf").read_bytes()).hexdigest()
    assert files(data_dir) == [f"{first_sha}.pdf"]
