"""initial schema: area, series, observation, source, instrument, ratification, good_risk

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instrument",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_fr", sa.Text(), nullable=True),
        sa.Column("name_es", sa.Text(), nullable=True),
        sa.Column("body", sa.String(length=8), nullable=False),
        sa.Column("adopted_year", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_instrument")),
    )
    op.create_table(
        "load_record",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_load_record")),
    )
    op.create_table(
        "series",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("sdg_indicator", sa.String(length=16), nullable=True),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_fr", sa.Text(), nullable=True),
        sa.Column("name_es", sa.Text(), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("unit_mult", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=32), nullable=False),
        sa.Column("target_value", sa.Float(), nullable=True),
        sa.Column("target_year", sa.Integer(), nullable=True),
        sa.Column("definition_en", sa.Text(), nullable=True),
        sa.Column("standard", sa.Text(), nullable=True),
        sa.Column("topic", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_series")),
    )
    op.create_table(
        "source",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("publisher", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("edition", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("licence", sa.Text(), nullable=False),
        sa.Column("retrieved", sa.String(length=10), nullable=True),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
    )
    op.create_table(
        "area",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("grouping", sa.String(length=16), nullable=True),
        sa.Column("iso3", sa.String(length=3), nullable=True),
        sa.Column("iso2", sa.String(length=2), nullable=True),
        sa.Column("m49", sa.String(length=3), nullable=True),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_fr", sa.Text(), nullable=True),
        sa.Column("name_es", sa.Text(), nullable=True),
        sa.Column("m49_region", sa.String(length=32), nullable=True),
        sa.Column("m49_subregion", sa.String(length=32), nullable=True),
        sa.Column("m49_intermediate_region", sa.String(length=32), nullable=True),
        sa.Column("ilo_region", sa.String(length=32), nullable=True),
        sa.Column("wb_region", sa.Text(), nullable=True),
        sa.Column("wb_income_group", sa.String(length=32), nullable=True),
        sa.Column("un_member", sa.Boolean(), nullable=True),
        sa.Column("pathfinder", sa.Boolean(), nullable=False),
        sa.Column("pathfinder_year", sa.Integer(), nullable=True),
        sa.Column("pathfinder_source", sa.String(length=64), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pathfinder_source"], ["source.id"], name=op.f("fk_area_pathfinder_source_source")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_area")),
    )
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_m49"), ["m49"], unique=False)

    op.create_table(
        "good_risk",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("good", sa.Text(), nullable=False),
        sa.Column("sector", sa.Text(), nullable=True),
        sa.Column("child_labour", sa.Boolean(), nullable=False),
        sa.Column("forced_labour", sa.Boolean(), nullable=False),
        sa.Column("forced_child_labour", sa.Boolean(), nullable=False),
        sa.Column("derived_labour_exploitation", sa.Boolean(), nullable=True),
        sa.Column("derived_country", sa.String(length=3), nullable=True),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["area"], ["area.code"], name=op.f("fk_good_risk_area_area")),
        sa.ForeignKeyConstraint(["source"], ["source.id"], name=op.f("fk_good_risk_source_source")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_good_risk")),
        sa.UniqueConstraint("area", "good", "edition", "source", name="uq_good_risk_key"),
    )
    with op.batch_alter_table("good_risk", schema=None) as batch_op:
        batch_op.create_index("ix_good_risk_area", ["area"], unique=False)

    op.create_table(
        "observation",
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.Column("ref_area", sa.String(length=32), nullable=False),
        sa.Column("time_period", sa.String(length=16), nullable=False),
        sa.Column("year_from", sa.Integer(), nullable=True),
        sa.Column("year_to", sa.Integer(), nullable=True),
        sa.Column("sex", sa.String(length=4), nullable=False),
        sa.Column("age", sa.String(length=16), nullable=False),
        sa.Column("urbanisation", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("lower_bound", sa.Float(), nullable=True),
        sa.Column("upper_bound", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("unit_mult", sa.Integer(), nullable=False),
        sa.Column("obs_status", sa.String(length=4), nullable=False),
        sa.Column("nature", sa.String(length=4), nullable=True),
        sa.Column("reporting_type", sa.String(length=1), nullable=False),
        sa.Column("footnote", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["ref_area"], ["area.code"], name=op.f("fk_observation_ref_area_area")
        ),
        sa.ForeignKeyConstraint(
            ["series"], ["series.code"], name=op.f("fk_observation_series_series")
        ),
        sa.ForeignKeyConstraint(
            ["source"], ["source.id"], name=op.f("fk_observation_source_source")
        ),
        sa.PrimaryKeyConstraint(
            "series",
            "ref_area",
            "time_period",
            "sex",
            "age",
            "urbanisation",
            "source",
            name=op.f("pk_observation"),
        ),
        sqlite_with_rowid=False,
    )

    op.create_table(
        "ratification",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("instrument", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("minimum_age", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["area"], ["area.code"], name=op.f("fk_ratification_area_area")),
        sa.ForeignKeyConstraint(
            ["instrument"], ["instrument.code"], name=op.f("fk_ratification_instrument_instrument")
        ),
        sa.ForeignKeyConstraint(
            ["source"], ["source.id"], name=op.f("fk_ratification_source_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratification")),
        sa.UniqueConstraint("area", "instrument", "source", name="uq_ratification_key"),
    )
    with op.batch_alter_table("ratification", schema=None) as batch_op:
        batch_op.create_index("ix_ratification_area", ["area"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ratification", schema=None) as batch_op:
        batch_op.drop_index("ix_ratification_area")

    op.drop_table("ratification")

    op.drop_table("observation")
    with op.batch_alter_table("good_risk", schema=None) as batch_op:
        batch_op.drop_index("ix_good_risk_area")

    op.drop_table("good_risk")
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_m49"))

    op.drop_table("area")
    op.drop_table("source")
    op.drop_table("series")
    op.drop_table("load_record")
    op.drop_table("instrument")
