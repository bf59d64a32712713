"""The library's table: one row per document (one original file, keyed by its sha256).

Lists (themes, countries, SDG targets) are kept as ``;``-joined codes: the facets count them
in Python over the matching rows, which is enough at the size of a documentary catalogue.
``text`` is the extracted text as read; ``index_title`` and ``index_text`` are what the
search indexes (folded, stemmed in the document's language, see ``library.stemming``):
PostgreSQL searches them with ``to_tsvector('simple', ...)``. The SQLite full-text index
(``library_fts``) is derived from these rows and rebuilt by ``reindex``; it is not in the
metadata because Alembic cannot describe an FTS5 virtual table (see ``library.index``).
Times are naive UTC, like ``LoadRecord.loaded_at``.

Migration 0010 widened the table to records without an original file: the bundled starter
catalogue (``origin`` "catalogue": metadata, a link and a summary we wrote; ``catalogue_id``
makes loading it again a no-op) and the texts of national reports (``origin`` "report":
``report_id`` names the report, whose status and rights decide who may find it, and
``attachment_id`` the attachment when the text is one). It added the good practices
(``good_practice``, linked to roadmap actions by ``good_practice_action``) and the directory of
services (``service_entry``): structured records entered, reviewed and published like
national reports, each with its own stemmed ``index_title``/``index_text`` for the search.
Neither holds personal data about victims: a service's contact is the organisation's.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
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
# Where a document row comes from.
ORIGINS = ("upload", "catalogue", "report")
# The review cycle of good practices and directory entries (as national reports'): a draft is
# its author's, a submitted record waits for a reviewer, returned goes back with a note,
# published is public.
RECORD_STATUSES = ("draft", "submitted", "returned", "published")
SERVICE_TYPES = (
    "national_rapporteur",
    "coordination_body",
    "labour_inspectorate",
    "hotline",
    "shelter",
    "referral_mechanism",
    "child_protection",
    "other",
)


class LibraryDocument(Base):
    __tablename__ = "library_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The original file; all None for a catalogue entry (no file, a link).
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    filename: Mapped[str | None] = mapped_column(Text)  # the name it was added under
    stored_path: Mapped[str | None] = mapped_column(Text)  # relative to the data dir
    media_type: Mapped[str | None] = mapped_column(String(16))  # pdf|docx|html|markdown|text
    size: Mapped[int] = mapped_column(Integer)  # 0 without a file
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
    summary: Mapped[str | None] = mapped_column(Text)  # written by the cataloguer
    regions: Mapped[str] = mapped_column(Text, default="")  # region names, ;-joined
    origin: Mapped[str] = mapped_column(String(16), default="upload")  # ORIGINS
    catalogue_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    report_id: Mapped[int | None] = mapped_column(Integer, index=True)
    attachment_id: Mapped[int | None] = mapped_column(Integer)

    @staticmethod
    def split(value: str | None) -> list[str]:
        return [v for v in (value or "").split(";") if v]


class _ReviewedRecord:
    """Columns shared by the records entered through a form and reviewed before publication."""

    country: Mapped[str] = mapped_column(String(16), index=True)  # an area code
    language: Mapped[str] = mapped_column(String(2))  # the language it is written in
    source_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    review_note: Mapped[str | None] = mapped_column(Text)  # why it was returned
    created_by: Mapped[int | None] = mapped_column(Integer)  # user_account.id
    reviewed_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    index_title: Mapped[str] = mapped_column(Text, default="")
    index_text: Mapped[str] = mapped_column(Text, default="")


class GoodPractice(_ReviewedRecord, Base):
    """A good practice in the form the Alliance and the regional initiative use."""

    __tablename__ = "good_practice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(Text)
    intervention: Mapped[str] = mapped_column(Text)  # what kind of action, in words
    intervention_type: Mapped[str | None] = mapped_column(String(32))  # evidence taxonomy code
    target_group: Mapped[str] = mapped_column(Text)
    what_was_done: Mapped[str] = mapped_column(Text)
    results: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)  # how the results are known
    lessons: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)  # an organisation's, never a victim's
    themes: Mapped[str] = mapped_column(Text, default="")


class GoodPracticeAction(Base):
    """A roadmap action a good practice informs."""

    __tablename__ = "good_practice_action"

    practice_id: Mapped[int] = mapped_column(
        ForeignKey("good_practice.id", ondelete="CASCADE"), primary_key=True
    )
    action_id: Mapped[int] = mapped_column(
        ForeignKey("roadmap_action.id", ondelete="CASCADE"), primary_key=True
    )


class ServiceEntry(_ReviewedRecord, Base):
    """An organisation or service a person or a ministry looks for, in one country."""

    __tablename__ = "service_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text)
    service_type: Mapped[str] = mapped_column(String(32))  # SERVICE_TYPES
    description: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    languages: Mapped[str] = mapped_column(Text, default="")  # ISO 639-1, ;-joined
    source: Mapped[str] = mapped_column(Text)  # where the entry was read
    checked_on: Mapped[date] = mapped_column(Date)  # when it was last checked


class LibraryGeneration(Base):
    """One row counting the library's changes: every write that changes what a search may
    answer (a record indexed or removed, a status changed) adds one in its own transaction,
    so a search's results can be kept until the next change (``library.find``)."""

    __tablename__ = "library_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    value: Mapped[int] = mapped_column(Integer, default=0)
