"""the evidence base: studies, their countries, effects, intervention taxonomy

``evidence_study`` (keyed by the id its file gives it; ``worked_example`` marks the classic
public data sets shipped as examples), ``evidence_study_country``, ``evidence_effect`` (one
estimate with its variance or SE, or its raw counts or means; keyed by study and effect id)
and ``evidence_intervention_type`` (the documented taxonomy, written by every import from
``evidence/data/interventions.yaml``). Tables of the ``evidence`` room (``evidence/models.py``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_intervention_type",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_fr", sa.Text(), nullable=True),
        sa.Column("name_es", sa.Text(), nullable=True),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_evidence_intervention_type")),
    )
    op.create_table(
        "evidence_study",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("doi", sa.String(length=255), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("design", sa.String(length=32), nullable=False),
        sa.Column("quality", sa.String(length=16), nullable=True),
        sa.Column("programme", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("worked_example", sa.Boolean(), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_study")),
    )
    op.create_index(op.f("ix_evidence_study_worked_example"), "evidence_study", ["worked_example"])
    op.create_table(
        "evidence_study_country",
        sa.Column("study_id", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["country"], ["area.code"], name=op.f("fk_evidence_study_country_country_area")
        ),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["evidence_study.id"],
            name=op.f("fk_evidence_study_country_study_id_evidence_study"),
        ),
        sa.PrimaryKeyConstraint("study_id", "country", name=op.f("pk_evidence_study_country")),
    )
    numbers = ("yi", "vi", "sei", "ai", "bi", "ci", "di", "n1i", "n2i")
    numbers += ("m1i", "m2i", "sd1i", "sd2i")
    op.create_table(
        "evidence_effect",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("study_id", sa.String(length=64), nullable=False),
        sa.Column("effect_id", sa.String(length=64), nullable=False),
        sa.Column("intervention", sa.String(length=32), nullable=False),
        sa.Column("intervention_label", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("outcome_label", sa.Text(), nullable=True),
        sa.Column("measure", sa.String(length=16), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=True) for name in numbers),
        sa.Column("age_band", sa.String(length=16), nullable=True),
        sa.Column("sex", sa.String(length=4), nullable=False),
        sa.Column("follow_up_months", sa.Float(), nullable=True),
        sa.Column("moderators", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["intervention"],
            ["evidence_intervention_type.code"],
            name=op.f("fk_evidence_effect_intervention_evidence_intervention_type"),
        ),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["evidence_study.id"],
            name=op.f("fk_evidence_effect_study_id_evidence_study"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_effect")),
        sa.UniqueConstraint("study_id", "effect_id", name="uq_evidence_effect_key"),
    )
    op.create_index(op.f("ix_evidence_effect_study_id"), "evidence_effect", ["study_id"])


def downgrade() -> None:
    """Refused while the evidence base holds a study or an effect (worked examples count):
    dropping the tables would lose them. The taxonomy's rows go with their table."""
    bind = op.get_bind()
    studies = bind.execute(sa.text("SELECT count(*) FROM evidence_study")).scalar()
    effects = bind.execute(sa.text("SELECT count(*) FROM evidence_effect")).scalar()
    if studies or effects:
        raise RuntimeError(
            f"the evidence base holds {studies} study(ies) and {effects} effect(s); export "
            "them (`target87 evidence export FILE`) and remove them before downgrading past "
            "0007"
        )
    op.drop_index(op.f("ix_evidence_effect_study_id"), table_name="evidence_effect")
    op.drop_table("evidence_effect")
    op.drop_table("evidence_study_country")
    op.drop_index(op.f("ix_evidence_study_worked_example"), table_name="evidence_study")
    op.drop_table("evidence_study")
    op.drop_table("evidence_intervention_type")
