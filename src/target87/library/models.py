"""The library's table: one row per document (one original file, keyed by its sha256).

Lists (themes, countries, SDG targets) are kept as ``;``-joined codes: the facets count them
in Python over the matching rows, which is enough at the size of a documentary catalogue.
``text`` is the extracted text as read; ``index_title`` and ``index_text`` are what the
search indexes (folded, stemmed in the document's language, see ``library.stemming``):
PostgreSQL searches them with ``to_tsvector('simple', ...)``. The SQLite full-text index
(``library_fts``) is derived from these rows and rebuilt by ``reindex``; it is not in the
metadata because Alembic cannot describe an FTS5 virtual table (see ``library.index``).
Times are naive UTC, like ``LoadRecord.loaded_at``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from target87.store.models import Base

# The document types and themes of issue 21 (the catalogue's controlled vocabularies).
DOCUMENT_TYPES = (
    "report",
    "law",
    "action_plan",
    "good_practice",
    "evaluation",
    "statistics",
    "training",
    "news",
)
THEMES = (
    "child_labour",
    "forced_labour",
    "trafficking",
    "supply_chains",
    "education",
    "social_protection",
    "migration",
    "climate",
    "indigenous_peoples",
    "gender",
    "crisis",
)
LANGUAGES = ("en", "fr", "es")


class LibraryDocument(Base):
    __tablename__ = "library_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(Text)  # the name it was added under
    stored_path: Mapped[str] = mapped_column(Text)  # relative to the data dir
    media_type: Mapped[str] = mapped_column(String(16))  # pdf | docx | html | markdown | text
    size: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    authors: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(2))
    language_detected: Mapped[str | None] = mapped_column(String(2))  # what the text says
    doc_type: Mapped[str | None] = mapped_column(String(32))
    themes: Mapped[str] = mapped_column(Text, default="")
    countries: Mapped[str] = mapped_column(Text, default="")
    sdg_targets: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    index_title: Mapped[str] = mapped_column(Text, default="")
    index_text: Mapped[str] = mapped_column(Text, default="")
    extraction_note: Mapped[str | None] = mapped_column(Text)  # why no text could be read
    added_at: Mapped[datetime] = mapped_column(DateTime)

    @staticmethod
    def split(value: str | None) -> list[str]:
        return [v for v in (value or "").split(";") if v]
