"""Add a document to the library: all of it (row, index, original file) or nothing.

The original file is kept under ``<data dir>/library/<sha[:2]>/<sha256><ext>`` (ext of its
real type); the same bytes added twice are one document (the second add changes nothing and
says so). A file over the size limit (default 100 MB) is refused before it is read.

Order of a save, so that a failure leaves nothing: read and extract (refusals here touch
nothing), write the bytes to a temporary file beside their place, then in one database
transaction insert the row and its index row, move the file into place, and commit; on any
error the transaction is rolled back and the file removed.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from target87.library.errors import LibraryError
from target87.library.extract import extract
from target87.library.index import drop_index, ensure_index, index_row
from target87.library.language import detect_language
from target87.library.models import DOCUMENT_TYPES, LANGUAGES, THEMES, LibraryDocument
from target87.library.stemming import index_terms

MAX_BYTES = 100 * 1024 * 1024
SUFFIX = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "markdown": ".md", "text": ".txt"}
_AREA = re.compile(r"^[A-Z0-9_]{2,16}$")
_TARGET = re.compile(r"^\d{1,2}\.[0-9a-z]{1,2}$")
_URL = re.compile(r"^https?://[^\s<>\"']+$")
# Licences under which anyone may share a copy: the original is then offered for download.
_OPEN_LICENCE = re.compile(
    r"^\s*(cc[ -]?by|cc0|creative commons|public domain|domaine public|dominio p[uú]blico|"
    r"ogl|open government licence|etalab|licence ouverte|odc-by|odbl)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DocumentMeta:
    """What a cataloguer says about a document; what is left out is read from the file."""

    title: str | None = None
    authors: str | None = None
    publisher: str | None = None
    year: int | None = None
    language: str | None = None
    doc_type: str | None = None
    themes: tuple[str, ...] = field(default_factory=tuple)
    countries: tuple[str, ...] = field(default_factory=tuple)  # ISO 3166 alpha-3 or regions
    sdg_targets: tuple[str, ...] = field(default_factory=tuple)  # "8.7", "16.2"
    licence: str | None = None
    source_url: str | None = None
    summary: str | None = None  # the cataloguer's own words
    regions: tuple[str, ...] = field(default_factory=tuple)  # region names


@dataclass(frozen=True)
class Added:
    id: int
    title: str
    media_type: str
    language: str | None
    note: str | None
    created: bool = True  # False: the same file was already in the library


def default_data_dir() -> Path:
    """``$TARGET87_DATA_DIR``, else the platform's user data folder (as ``store.doctor``)."""
    from platformdirs import user_data_path

    return Path(os.environ.get("TARGET87_DATA_DIR") or user_data_path("target87", appauthor=False))


def check_meta(meta: DocumentMeta, file: Path | str | None = None) -> None:
    """Refuse a value outside the catalogue's vocabularies, naming it and what is allowed."""
    if meta.doc_type is not None and meta.doc_type not in DOCUMENT_TYPES:
        raise LibraryError(
            f"unknown document type {meta.doc_type!r} (one of {', '.join(DOCUMENT_TYPES)})", file
        )
    if meta.language is not None and meta.language not in LANGUAGES:
        raise LibraryError(f"unknown language {meta.language!r} (one of en, fr, es)", file)
    for theme in meta.themes:
        if theme not in THEMES:
            raise LibraryError(f"unknown theme {theme!r} (one of {', '.join(THEMES)})", file)
    for area in meta.countries:
        if not _AREA.match(area):
            raise LibraryError(f"country or region {area!r} is not a code such as NPL", file)
    for target in meta.sdg_targets:
        if not _TARGET.match(target):
            raise LibraryError(f"SDG target {target!r} is not a target such as 8.7", file)
    if meta.year is not None and not 1800 <= meta.year <= 2100:
        raise LibraryError(f"year {meta.year} is out of range", file)
    if meta.source_url is not None and not _URL.match(meta.source_url):
        raise LibraryError(f"source link {meta.source_url!r} is not an http(s) address", file)
    for region in meta.regions:
        if ";" in region or not region.strip():
            raise LibraryError(f"region {region!r} is empty or holds a ';'", file)


def add_document(
    engine: Engine,
    path: Path,
    meta: DocumentMeta | None = None,
    *,
    data_dir: Path | None = None,
    max_bytes: int = MAX_BYTES,
) -> Added:
    """Add the file ``path`` with its metadata; refuse (raising LibraryError) with nothing
    saved, or return the new document (or the one already holding these bytes)."""
    path = Path(path)
    meta = meta or DocumentMeta()
    check_meta(meta, path)
    size = path.stat().st_size
    if size > max_bytes:
        raise LibraryError(
            f"{size / 1024**2:,.0f} MB is over the {max_bytes / 1024**2:,.0f} MB limit", path
        )
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    with engine.connect() as conn:
        known = conn.execute(
            select(
                LibraryDocument.id,
                LibraryDocument.title,
                LibraryDocument.media_type,
                LibraryDocument.language,
            ).where(LibraryDocument.sha256 == sha)
        ).first()
    if known is not None:
        return Added(
            *known, note="already in the library (same sha256): nothing changed", created=False
        )
    got = extract(path, data)
    detected = detect_language(got.text)
    language = meta.language or detected
    title = meta.title or got.title or path.stem
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    relative = Path("library") / sha[:2] / f"{sha}{SUFFIX[got.media_type]}"
    final = data_dir / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(final.name + ".part")
    temporary.write_bytes(data)
    placed = False
    try:
        body_terms = index_terms(got.text, language)
        with engine.begin() as conn:
            doc_id = conn.execute(
                insert(LibraryDocument).values(
                    sha256=sha,
                    filename=path.name,
                    stored_path=relative.as_posix(),
                    media_type=got.media_type,
                    size=size,
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
                    summary=meta.summary,
                    regions=";".join(meta.regions),
                    text=got.text,
                    index_title=index_terms(title, language),
                    index_text=body_terms,
                    extraction_note=got.note,
                    added_at=datetime.now(UTC).replace(tzinfo=None),
                )
            ).inserted_primary_key[0]
            index_row(conn, "document", doc_id, index_terms(title, language), body_terms)
            if not final.exists():
                os.replace(temporary, final)
                placed = True
    except BaseException:
        if placed:
            final.unlink(missing_ok=True)
        raise
    finally:
        temporary.unlink(missing_ok=True)
    return Added(doc_id, title, got.media_type, language, got.note)


def reindex(engine: Engine) -> int:
    """Rebuild the index from the documents' stored text (after a change of the stemming
    rules); returns the number of documents indexed. One transaction."""
    with engine.begin() as conn:
        drop_index(conn)
        ensure_index(conn)
        rows = conn.execute(
            select(
                LibraryDocument.id,
                LibraryDocument.title,
                LibraryDocument.text,
                LibraryDocument.language,
            )
        ).all()
        for doc_id, title, body, language in rows:
            terms = index_terms(body, language)
            conn.execute(
                update(LibraryDocument)
                .where(LibraryDocument.id == doc_id)
                .values(index_title=index_terms(title, language), index_text=terms)
            )
            index_row(conn, "document", doc_id, index_terms(title, language), terms)
    return len(rows)


def allows_download(licence: str | None) -> bool:
    """Whether the original may be offered to anyone: only under an open licence (Creative
    Commons, public domain, open government licences). Without a licence, the link to the
    source is offered instead: we may keep a copy to index, not hand it out."""
    return bool(licence and _OPEN_LICENCE.match(licence))


def get_document(engine: Engine, doc_id: int) -> LibraryDocument | None:
    """One document's row (detached), or None."""
    with Session(engine, expire_on_commit=False) as s:
        doc = s.get(LibraryDocument, doc_id)
        if doc is not None:
            s.expunge(doc)
        return doc


def original_path(doc: LibraryDocument, data_dir: Path | None = None) -> Path | None:
    """Where a document's original file is kept, or None (a catalogue entry has none)."""
    if not doc.stored_path:
        return None
    path = (Path(data_dir) if data_dir else default_data_dir()) / doc.stored_path
    return path if path.is_file() else None
