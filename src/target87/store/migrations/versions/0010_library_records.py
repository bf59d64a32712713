"""the library's catalogue, national reports' texts, good practices and the directory

``library_document`` may now hold a record without an original file (the bundled catalogue:
``origin`` "catalogue", ``catalogue_id``; a national report's text: ``origin`` "report",
``report_id``, ``attachment_id``), with a written ``summary`` and ``regions``. New tables:
``good_practice`` (+ ``good_practice_action``, the roadmap actions it informs) and
``service_entry`` (the directory of organisations and services), both reviewed before
publication; ``library_generation``, one row counting the library's changes (what a kept search
result is checked against). On PostgreSQL the stemmed text of each searchable table gets a GIN
index on the very tsvector expression the search uses (``library.find``), so that a search
reads the index instead of computing every row's vector. Tables of the ``library`` room
(``library/models.py``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-11
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The search's tsvector (library.search.PG_VECTOR without the table alias): PostgreSQL uses an
# expression index only for the same expression.
SEARCHED = ("library_document", "good_practice", "service_entry")
VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, index_title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, index_text), 'D'))"
)


def _reviewed_columns() -> list[sa.Column]:
    return [
        sa.Column("country", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("index_title", sa.Text(), nullable=False),
        sa.Column("index_text", sa.Text(), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("library_document") as batch:
        for column, kind in (
            ("sha256", sa.String(length=64)),
            ("filename", sa.Text()),
            ("stored_path", sa.Text()),
            ("media_type", sa.String(length=16)),
        ):
            batch.alter_column(column, existing_type=kind, nullable=True)
        batch.add_column(sa.Column("summary", sa.Text(), nullable=True))
        batch.add_column(sa.Column("regions", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("origin", sa.String(length=16), nullable=False, server_default="upload")
        )
        batch.add_column(sa.Column("catalogue_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("report_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("attachment_id", sa.Integer(), nullable=True))
        batch.create_unique_constraint(op.f("uq_library_document_catalogue_id"), ["catalogue_id"])
        batch.create_index(op.f("ix_library_document_report_id"), ["report_id"])
    op.create_table(
        "good_practice",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("intervention", sa.Text(), nullable=False),
        sa.Column("intervention_type", sa.String(length=32), nullable=True),
        sa.Column("target_group", sa.Text(), nullable=False),
        sa.Column("what_was_done", sa.Text(), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("themes", sa.Text(), nullable=False),
        *_reviewed_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_good_practice")),
    )
    op.create_index(op.f("ix_good_practice_country"), "good_practice", ["country"])
    op.create_index(op.f("ix_good_practice_status"), "good_practice", ["status"])
    op.create_table(
        "good_practice_action",
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["good_practice.id"],
            name=op.f("fk_good_practice_action_practice_id_good_practice"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["roadmap_action.id"],
            name=op.f("fk_good_practice_action_action_id_roadmap_action"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("practice_id", "action_id", name=op.f("pk_good_practice_action")),
    )
    op.create_table(
        "service_entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("service_type", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("website", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("languages", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        *_reviewed_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_entry")),
    )
    op.create_index(op.f("ix_service_entry_country"), "service_entry", ["country"])
    op.create_index(op.f("ix_service_entry_status"), "service_entry", ["status"])
    generation = op.create_table(
        "library_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_generation")),
    )
    op.bulk_insert(generation, [{"id": 1, "value": 0}])
    if op.get_bind().dialect.name == "postgresql":
        for table in SEARCHED:
            op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin ({VECTOR})")


def downgrade() -> None:
    """Refused while any new record exists: dropping it would lose it."""
    bind = op.get_bind()
    held = {
        "catalogue or report texts": "SELECT count(*) FROM library_document WHERE sha256 IS NULL"
        " OR origin <> 'upload'",
        "good practices": "SELECT count(*) FROM good_practice",
        "directory entries": "SELECT count(*) FROM service_entry",
    }
    for what, query in held.items():
        count = bind.execute(sa.text(query)).scalar()
        if count:
            raise RuntimeError(
                f"the library holds {count} {what}; remove them before downgrading past 0010"
            )
    if bind.dialect.name == "postgresql":
        for table in SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
    op.drop_table("library_generation")
    op.drop_table("service_entry")
    op.drop_table("good_practice_action")
    op.drop_table("good_practice")
    with op.batch_alter_table("library_document") as batch:
        batch.drop_index(op.f("ix_library_document_report_id"))
        batch.drop_constraint(op.f("uq_library_document_catalogue_id"), type_="unique")
        for column in (
            "attachment_id",
            "report_id",
            "catalogue_id",
            "origin",
            "regions",
            "summary",
        ):
            batch.drop_column(column)
        for column, kind in (
            ("sha256", sa.String(length=64)),
            ("filename", sa.Text()),
            ("stored_path", sa.Text()),
            ("media_type", sa.String(length=16)),
        ):
            batch.alter_column(column, existing_type=kind, nullable=False)
