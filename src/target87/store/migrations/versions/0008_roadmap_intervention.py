"""a roadmap action may name the intervention type the evidence base knows it by

``roadmap_action.intervention`` holds a code of the evidence room's taxonomy
(``evidence/data/interventions.yaml``: ``cct``, ``school_feeding``...), or nothing. It is a
plain code, not a foreign key: the taxonomy's table is written by the first evidence import
and the reporting room does not depend on the evidence room (docs/architecture.md); the web
door checks the code against the taxonomy. Down is refused while an action holds a link,
since dropping the column would lose it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Adding a nullable column is an ALTER both SQLite and PostgreSQL do in place.
    op.add_column("roadmap_action", sa.Column("intervention", sa.String(length=32), nullable=True))


def downgrade() -> None:
    bind = op.get_bind()
    linked = bind.execute(
        sa.text("SELECT count(*) FROM roadmap_action WHERE intervention IS NOT NULL")
    ).scalar()
    if linked:
        raise RuntimeError(
            f"{linked} roadmap action(s) are linked to an intervention type; clear the links "
            "(edit the actions) before downgrading past 0008"
        )
    # SQLite rebuilds the table (batch mode); PostgreSQL drops the column in place.
    with op.batch_alter_table("roadmap_action") as batch:
        batch.drop_column("intervention")
