"""load log (who, file sha256, mode, counts; before-images in load_change; observation.load_id),
and the observation table rebuilt with its key columns first

SQLite 3.40's ``PRAGMA integrity_check`` reports every NOT NULL column that follows a key
column as NULL ("NULL value in observation.value", 34,420 lines on the bundled snapshot) in a
WITHOUT ROWID table whose primary-key columns are not all placed before the other columns. No
such NULL exists, but a check that cries wolf hides real damage, so on SQLite the table is
rebuilt with the key first and the rows copied; ``load_change`` is created that way. On
PostgreSQL column order means nothing here: the column is added in place.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KEY = ["series", "ref_area", "time_period", "sex", "age", "urbanisation", "source"]
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
LOAD_RECORD_COLUMNS = [
    ("actor", sa.Text()),
    ("mode", sa.String(length=16)),
    ("sha256", sa.String(length=64)),
    ("added", sa.Integer()),
    ("changed", sa.Integer()),
    ("removed", sa.Integer()),
    ("unchanged", sa.Integer()),
    ("undoes", sa.Integer()),
    ("undone_by", sa.Integer()),
]


def _key_columns() -> list[sa.Column]:
    return [
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.Column("ref_area", sa.String(length=32), nullable=False),
        sa.Column("time_period", sa.String(length=16), nullable=False),
        sa.Column("sex", sa.String(length=4), nullable=False),
        sa.Column("age", sa.String(length=16), nullable=False),
        sa.Column("urbanisation", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
    ]


def _data_columns(required: bool) -> list[sa.Column]:
    """The observation's other columns; ``required``: NOT NULL where the observation has it."""
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
    ]


def _observation_table(name: str, columns: list[sa.Column]) -> None:
    op.create_table(
        name,
        *columns,
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
        sqlite_with_rowid=False,
    )


def _rebuild_observation(columns: list[sa.Column], copied: list[str]) -> None:
    """SQLite: a new table in the wanted column order, the rows copied, the old one dropped.

    Nothing refers to ``observation`` (it only refers to others), so dropping and renaming
    touch no other table. All of it runs in the migration's one transaction.
    """
    _observation_table("observation_0005", columns)
    names = ", ".join(copied)
    op.execute(f"INSERT INTO observation_0005 ({names}) SELECT {names} FROM observation")
    op.drop_table("observation")
    op.rename_table("observation_0005", "observation")


def upgrade() -> None:
    for name, type_ in LOAD_RECORD_COLUMNS:
        op.add_column("load_record", sa.Column(name, type_, nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        load_id = sa.Column("load_id", sa.Integer(), nullable=True)
        _rebuild_observation([*_key_columns(), *_data_columns(True), load_id], KEY + DATA)
    else:
        op.add_column("observation", sa.Column("load_id", sa.Integer(), nullable=True))
    op.create_table(
        "load_change",
        sa.Column("load_id", sa.Integer(), nullable=False),
        *_key_columns(),
        sa.Column("action", sa.String(length=8), nullable=False),
        *_data_columns(False),
        sa.Column("before_load_id", sa.Integer(), nullable=True),
        sa.Column("after_load_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["load_id"], ["load_record.id"], name=op.f("fk_load_change_load_id_load_record")
        ),
        sa.PrimaryKeyConstraint("load_id", *KEY, name=op.f("pk_load_change")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("load_change")
    if op.get_bind().dialect.name == "sqlite":
        # Back to revision 0004's layout (the key columns among the others).
        old_order = [
            *_key_columns()[:3],
            *_data_columns(True)[:2],
            *_key_columns()[3:6],
            *_data_columns(True)[2:],
            _key_columns()[6],
        ]
        _rebuild_observation(old_order, KEY + DATA)
    else:
        op.drop_column("observation", "load_id")
    with op.batch_alter_table("load_record") as batch:
        for name, _type in reversed(LOAD_RECORD_COLUMNS):
            batch.drop_column(name)
