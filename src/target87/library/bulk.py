"""Add many documents at once: ``add_document``'s steps, one transaction per batch.

For a collection (a publisher's archive, the benchmark's ten thousand texts) two costs of
``add_document`` dominate: a commit per document, and stemming every word of every text
(``stemming.index_terms``: Snowball in pure Python, about half a millisecond a word without
PyStemmer). Here a batch of documents is one transaction, and each distinct word's terms are
computed once (``word_terms``, the same ``index_terms`` applied to one word and memoised;
``index_terms`` of a text is its words' terms joined by spaces, so the result is the same
string). Everything else is ``add_document``'s: the same checks (``check_meta``, size limit),
extraction, language, file layout under the sha256, and dedupe (also within a batch).

A batch is all or nothing: on an error the batch's rows and index rows roll back and the
files it placed are removed; batches committed before stay (each returned ``Added`` is in
the library). ``BulkLoad.failed`` is the file that stopped the run, with its error.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select

from target87.library.documents import (
    MAX_BYTES,
    SUFFIX,
    Added,
    DocumentMeta,
    check_meta,
    default_data_dir,
)
from target87.library.errors import LibraryError
from target87.library.extract import extract
from target87.library.index import index_row
from target87.library.language import detect_language
from target87.library.models import LibraryDocument
from target87.library.stemming import index_terms, words

DEFAULT_BATCH = 200


@lru_cache(maxsize=500_000)
def word_terms(word: str, language: str | None) -> str:
    """``index_terms`` of one word, memoised (a corpus repeats its vocabulary endlessly)."""
    return index_terms(word, language)


def text_terms(text: str, language: str | None) -> str:
    """``index_terms(text, language)``, computed word by word through ``word_terms``."""
    return " ".join(word_terms(w, language) for w in words(text))


@dataclass
class BulkLoad:
    added: list[Added] = field(default_factory=list)
    failed: tuple[Path, str] | None = None  # the file that stopped the run, and why

    @property
    def created(self) -> int:
        return sum(a.created for a in self.added)


@dataclass
class _Prepared:
    path: Path
    meta: DocumentMeta
    sha: str
    size: int
    data: bytes


def _prepare(path: Path, meta: DocumentMeta, max_bytes: int) -> _Prepared:
    check_meta(meta, path)
    size = path.stat().st_size
    if size > max_bytes:
        raise LibraryError(
            f"{size / 1024**2:,.0f} MB is over the {max_bytes / 1024**2:,.0f} MB limit", path
        )
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    return _Prepared(path, meta, sha, size, data)


def _insert(conn: Connection, item: _Prepared, data_dir: Path, placed: list[Path]) -> Added:
    got = extract(item.path, item.data)
    detected = detect_language(got.text)
    meta = item.meta
    language = meta.language or detected
    title = meta.title or got.title or item.path.stem
    relative = Path("library") / item.sha[:2] / f"{item.sha}{SUFFIX[got.media_type]}"
    title_terms, body_terms = text_terms(title, language), text_terms(got.text, language)
    doc_id = conn.execute(
        insert(LibraryDocument).values(
            sha256=item.sha,
            filename=item.path.name,
            stored_path=relative.as_posix(),
            media_type=got.media_type,
            size=item.size,
            title=title,
            authors=meta.authors,
            publisher=meta.publisher,
            year=meta.year,
            language=language,
            language_detected=detected,
            doc_type=meta.doc_type,
            themes=";".join(meta.themes),
            countries=";".join(meta.countries),
            sdg_targets=";".join(meta.sdg_targets),
            licence=meta.licence,
            source_url=meta.source_url,
            text=got.text,
            index_title=title_terms,
            index_text=body_terms,
            extraction_note=got.note,
            added_at=datetime.now(UTC).replace(tzinfo=None),
        )
    ).inserted_primary_key[0]
    index_row(conn, "document", doc_id, title_terms, body_terms)
    final = data_dir / relative
    if not final.exists():
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary = final.with_name(final.name + ".part")
        temporary.write_bytes(item.data)
        os.replace(temporary, final)
        placed.append(final)
    return Added(doc_id, title, got.media_type, language, got.note)


def _batch(engine: Engine, items: list[_Prepared], data_dir: Path) -> list[Added]:
    placed: list[Path] = []
    out: list[Added] = []
    same = "already in the library (same sha256): nothing changed"
    try:
        with engine.begin() as conn:
            stored = conn.execute(
                select(
                    LibraryDocument.sha256,
                    LibraryDocument.id,
                    LibraryDocument.title,
                    LibraryDocument.media_type,
                    LibraryDocument.language,
                ).where(LibraryDocument.sha256.in_([i.sha for i in items]))
            )
            known = {r.sha256: Added(*r[1:], note=same, created=False) for r in stored}
            for item in items:
                if item.sha in known:
                    out.append(known[item.sha])
                    continue
                added = _insert(conn, item, data_dir, placed)
                known[item.sha] = Added(
                    added.id, added.title, added.media_type, added.language, same, False
                )
                out.append(added)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise
    return out


def add_documents(
    engine: Engine,
    files: Iterable[tuple[Path, DocumentMeta | None]],
    *,
    data_dir: Path | None = None,
    batch_size: int = DEFAULT_BATCH,
    max_bytes: int = MAX_BYTES,
) -> BulkLoad:
    """Add ``files`` (each with its metadata, or None) in transactions of ``batch_size``
    documents; stop at the first refused file (its batch saved nothing)."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    result = BulkLoad()
    pending: list[_Prepared] = []
    current: Path | None = None
    try:
        for path, meta in files:
            current = Path(path)
            pending.append(_prepare(current, meta or DocumentMeta(), max_bytes))
            if len(pending) >= batch_size:
                result.added += _batch(engine, pending, data_dir)
                pending = []
        if pending:
            result.added += _batch(engine, pending, data_dir)
    except LibraryError as exc:
        result.failed = (Path(exc.file) if exc.file else current or Path(), str(exc))
    return result
