"""Bulk adding: the same rows and index as ``add_document``, a batch all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from target87.library import DocumentMeta, add_document, search
from target87.library.bulk import add_documents, text_terms
from target87.library.models import LibraryDocument
from target87.library.stemming import index_terms

TEXTS = {
    "en": "Children working in the brick kilns were counted by the labour inspectors.",
    "fr": "Les enfants travaillant dans les mines artisanales quittent l'école très tôt.",
    "es": "La minería artesanal emplea a niños trabajadores en condiciones peligrosas.",
}


@pytest.mark.parametrize("language", ["en", "fr", "es", None])
def test_text_terms_equal_index_terms(language):
    for text in [*TEXTS.values(), "Él œuvre 8.7 — naïve_word ÀÉÎ", ""]:
        assert text_terms(text, language) == index_terms(text, language)


def columns(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(select(LibraryDocument).order_by(LibraryDocument.sha256))
        return [
            (r.sha256, r.title, r.language, r.text, r.index_title, r.index_text, r.stored_path)
            for r in rows
        ]


def write_texts(folder, count: int = 6):
    folder.mkdir(exist_ok=True)
    files = []
    for i in range(count):
        language = ("en", "fr", "es")[i % 3]
        path = folder / f"doc{i}.txt"
        path.write_text(f"{TEXTS[language]} Numéro {i}.", encoding="utf-8")
        files.append((path, DocumentMeta(language=language, doc_type="report")))
    return files


def test_bulk_rows_equal_add_document_rows(lib_engine, tmp_path):
    files = write_texts(tmp_path / "in")
    done = add_documents(lib_engine, files, data_dir=tmp_path / "bulk", batch_size=4)
    assert done.failed is None and done.created == 6
    bulk = columns(lib_engine)
    with lib_engine.begin() as conn:
        conn.execute(LibraryDocument.__table__.delete())
    for path, meta in files:
        add_document(lib_engine, path, meta, data_dir=tmp_path / "one")
    assert columns(lib_engine) == bulk
    assert sorted(p.name for p in (tmp_path / "bulk").rglob("*.txt")) == sorted(
        p.name for p in (tmp_path / "one").rglob("*.txt")
    )


def test_bulk_documents_are_searchable_and_deduplicated(lib_engine, tmp_path):
    files = write_texts(tmp_path / "in")
    first = add_documents(lib_engine, files, data_dir=tmp_path / "data", batch_size=4)
    twice = add_documents(lib_engine, files + files[:1], data_dir=tmp_path / "data")
    assert first.created == 6 and twice.created == 0 and len(twice.added) == 7
    assert [a.id for a in twice.added] == [a.id for a in first.added] + [first.added[0].id]
    found = search(lib_engine, "enfants travail", lang="fr")
    assert {h.id for h in found.hits} == {first.added[1].id, first.added[4].id}


def test_a_refused_file_stops_the_run_and_its_batch_saves_nothing(lib_engine, tmp_path):
    files = write_texts(tmp_path / "in", 5)
    bad = tmp_path / "in" / "bad.bin"
    bad.write_bytes(b"\x00\x01binary")
    files.insert(3, (bad, None))  # the second batch of 3: doc3 (bad), doc4 is not tried
    done = add_documents(lib_engine, files, data_dir=tmp_path / "data", batch_size=3)
    assert done.failed is not None and done.failed[0] == bad
    assert "binary" in done.failed[1]
    assert len(done.added) == 3  # the first batch only
    with lib_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(LibraryDocument)).scalar() == 3
    stored = list((tmp_path / "data").rglob("*.txt"))
    assert len(stored) == 3  # the failed batch's files were removed
