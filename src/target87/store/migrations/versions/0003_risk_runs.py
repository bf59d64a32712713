"""published CLRISK runs (disclosure-controlled tables, provenance, synthetic flag)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=32), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["country"], ["area.code"], name=op.f("fk_risk_run_country_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_run")),
        sa.UniqueConstraint("sha256", name=op.f("uq_risk_run_sha256")),
    )


def downgrade() -> None:
    op.drop_table("risk_run")
