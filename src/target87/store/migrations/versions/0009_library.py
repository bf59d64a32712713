"""the knowledge library: one row per document

``library_document`` (keyed by an integer id, unique by the sha256 of the original file;
metadata, the extracted text and the stemmed text the search indexes). The SQLite FTS5
index over it is derived data, created and filled by the library itself in the transaction
that saves a document (Alembic cannot describe a virtual table). Table of the ``library``
room (``library/models.py``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "library_document",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("stored_path", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("authors", sa.Text(), nullable=True),
        sa.Column("publisher", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("language_detected", sa.String(length=2), nullable=True),
        sa.Column("doc_type", sa.String(length=32), nullable=True),
        sa.Column("themes", sa.Text(), nullable=False),
        sa.Column("countries", sa.Text(), nullable=False),
        sa.Column("sdg_targets", sa.Text(), nullable=False),
        sa.Column("licence", sa.Text(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("index_title", sa.Text(), nullable=False),
        sa.Column("index_text", sa.Text(), nullable=False),
        sa.Column("extraction_note", sa.Text(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_document")),
        sa.UniqueConstraint("sha256", name=op.f("uq_library_document_sha256")),
    )


def downgrade() -> None:
    """Refused while the library holds a document: dropping the table would lose it."""
    bind = op.get_bind()
    documents = bind.execute(sa.text("SELECT count(*) FROM library_document")).scalar()
    if documents:
        raise RuntimeError(
            f"the library holds {documents} document(s); remove them before downgrading past 0009"
        )
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS library_fts")
    op.drop_table("library_document")
