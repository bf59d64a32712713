"""breakdowns beyond sex, age and urbanisation; SOURCE_DETAIL text; subnational areas

``observation.breakdown`` joins the key (canonical ``DIM=CODE;DIM=CODE``, ``_T`` for none,
which every existing row gets), ``observation.source_detail`` keeps SDMX SOURCE_DETAIL text,
``load_change`` follows both; ``breakdown_dimension`` and ``breakdown_code`` hold the words of
the dimensions and codes a breakdown names; ``area.parent`` ties a subnational area to its
country. On SQLite the two keyed tables are rebuilt with the key first (see 0005); on
PostgreSQL the columns are added in place and the primary keys recreated.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD_KEY = ["series", "ref_area", "time_period", "sex", "age", "urbanisation", "source"]
KEY = ["series", "ref_area", "time_period", "sex", "age", "urbanisation", "breakdown", "source"]
DATA = [
    "year_from",
    "year_to",
    "value",
    "lower_bound",
    "upper_bound",
    "unit",
    "unit_mult",
    "obs_status",
    "nature",
    "reporting_type",
    "footnote",
]


def _key_columns(observation: bool = True) -> list[sa.Column]:
    """The key; ``observation``: its breakdown defaults to ``_T`` (writers of the first
    round's shape, such as report publishing, name no breakdown)."""
    default = {"server_default": "_T"} if observation else {}
    return [
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.Column("ref_area", sa.String(length=32), nullable=False),
        sa.Column("time_period", sa.String(length=16), nullable=False),
        sa.Column("sex", sa.String(length=4), nullable=False),
        sa.Column("age", sa.String(length=16), nullable=False),
        sa.Column("urbanisation", sa.String(length=8), nullable=False),
        sa.Column("breakdown", sa.String(length=255), nullable=False, **default),
        sa.Column("source", sa.String(length=64), nullable=False),
    ]


def _data_columns(required: bool) -> list[sa.Column]:
    return [
        sa.Column("year_from", sa.Integer(), nullable=True),
        sa.Column("year_to", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), nullable=not required),
        sa.Column("lower_bound", sa.Float(), nullable=True),
        sa.Column("upper_bound", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=not required),
        sa.Column("unit_mult", sa.Integer(), nullable=not required),
        sa.Column("obs_status", sa.String(length=4), nullable=not required),
        sa.Column("nature", sa.String(length=4), nullable=True),
        sa.Column("reporting_type", sa.String(length=1), nullable=not required),
        sa.Column("footnote", sa.Text(), nullable=True),
        sa.Column("source_detail", sa.Text(), nullable=True),
    ]


def _rebuild(name: str, columns: list, copied: list[str], constraints: list) -> None:
    """SQLite: the table anew in the wanted order, rows copied (``breakdown`` as ``_T``)."""
    op.create_table(f"{name}_0006", *columns, *constraints, sqlite_with_rowid=False)
    names = ", ".join(copied)
    op.execute(f"INSERT INTO {name}_0006 ({names}, breakdown) SELECT {names}, '_T' FROM {name}")
    op.drop_table(name)
    op.rename_table(f"{name}_0006", name)


def _observation_constraints() -> list:
    return [
        sa.ForeignKeyConstraint(
            ["ref_area"], ["area.code"], name=op.f("fk_observation_ref_area_area")
        ),
        sa.ForeignKeyConstraint(
            ["series"], ["series.code"], name=op.f("fk_observation_series_series")
        ),
        sa.ForeignKeyConstraint(
            ["source"], ["source.id"], name=op.f("fk_observation_source_source")
        ),
        sa.PrimaryKeyConstraint(*KEY, name=op.f("pk_observation")),
    ]


def _load_change_constraints() -> list:
    return [
        sa.ForeignKeyConstraint(
            ["load_id"], ["load_record.id"], name=op.f("fk_load_change_load_id_load_record")
        ),
        sa.PrimaryKeyConstraint("load_id", *KEY, name=op.f("pk_load_change")),
    ]


def upgrade() -> None:
    op.create_table(
        "breakdown_dimension",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_fr", sa.Text(), nullable=True),
        sa.Column("name_es", sa.Text(), nullable=True),
        sa.Column("national", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breakdown_dimension")),
    )
    op.create_table(
        "breakdown_code",
        sa.Column("dimension", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("name_fr", sa.Text(), nullable=True),
        sa.Column("name_es", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dimension"],
            ["breakdown_dimension.id"],
            name=op.f("fk_breakdown_code_dimension_breakdown_dimension"),
        ),
        sa.PrimaryKeyConstraint("dimension", "code", name=op.f("pk_breakdown_code")),
    )
    op.add_column("area", sa.Column("parent", sa.String(length=32), nullable=True))
    old = OLD_KEY + DATA
    if op.get_bind().dialect.name == "sqlite":
        load_id = sa.Column("load_id", sa.Integer(), nullable=True)
        _rebuild(
            "observation",
            [*_key_columns(), *_data_columns(True), load_id],
            [*old, "load_id"],
            _observation_constraints(),
        )
        _rebuild(
            "load_change",
            [
                sa.Column("load_id", sa.Integer(), nullable=False),
                *_key_columns(observation=False),
                sa.Column("action", sa.String(length=8), nullable=False),
                *_data_columns(False),
                sa.Column("before_load_id", sa.Integer(), nullable=True),
                sa.Column("after_load_id", sa.Integer(), nullable=True),
            ],
            ["load_id", *old, "action", "before_load_id", "after_load_id"],
            _load_change_constraints(),
        )
        return
    for table in ("observation", "load_change"):
        op.add_column(
            table,
            sa.Column("breakdown", sa.String(length=255), nullable=False, server_default="_T"),
        )
        if table == "load_change":
            op.alter_column(table, "breakdown", server_default=None)
        op.add_column(table, sa.Column("source_detail", sa.Text(), nullable=True))
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        key = KEY if table == "observation" else ["load_id", *KEY]
        op.create_primary_key(f"pk_{table}", table, key)


def downgrade() -> None:
    """Refused when any row has a breakdown: dropping the column would merge rows."""
    bind = op.get_bind()
    broken = bind.execute(
        sa.text("SELECT count(*) FROM observation WHERE breakdown <> '_T'")
    ).scalar()
    if broken:
        raise RuntimeError(
            f"{broken} observation(s) have a breakdown; remove them before downgrading past 0006"
        )
    # The load log's lines for such rows go with them: no row they could restore is left.
    op.execute("DELETE FROM load_change WHERE breakdown <> '_T'")
    for table, key in (("observation", OLD_KEY), ("load_change", ["load_id", *OLD_KEY])):
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.drop_column("breakdown")
            batch.drop_column("source_detail")
            batch.create_primary_key(f"pk_{table}", key)
    op.drop_column("area", "parent")
    op.drop_table("breakdown_code")
    op.drop_table("breakdown_dimension")
