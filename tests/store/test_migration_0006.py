"""Migration 0006 (breakdowns, source detail, subnational areas) on the bundled snapshot:
down to 0005 and up again keeps every row, as ``_T``; down is refused while a row has a
breakdown, since dropping the column would merge rows. SQLite here; the same migration runs
on PostgreSQL in tests/store/test_migrations.py when a server is available."""

from __future__ import annotations

import sqlite3

import pytest
from alembic import command
from sqlalchemy import text

from target87 import store
from target87.ingest import init_database
from target87.store.db import alembic_config


def _counts(engine) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(text("SELECT count(*), sum(value) FROM observation")).one())


def test_down_and_up_keeps_every_row_as_no_breakdown(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    init_database(engine)
    before = _counts(engine)
    command.downgrade(alembic_config(engine), "0005")
    assert _counts(engine) == before
    store.migrate(engine)
    assert _counts(engine) == before
    with engine.connect() as conn:
        kinds = conn.execute(text("SELECT DISTINCT breakdown FROM observation")).scalars().all()
    assert kinds == ["_T"]
    with sqlite3.connect(tmp_path / "w.sqlite") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    engine.dispose()


def test_down_is_refused_while_a_row_has_a_breakdown(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    init_database(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO observation (series, ref_area, time_period, sex, age, urbanisation,"
                " breakdown, source, value, unit, unit_mult, obs_status, reporting_type)"
                " VALUES ('SL_TLF_CHLDEC', 'BRA', '2019', '_T', 'Y5T17', '_T',"
                " 'INCOME_WEALTH_QUANTILE=Q1', 'un_sdg_871', 9.5, 'PT', 0, 'A', 'N')"
            )
        )
    before = _counts(engine)
    with pytest.raises(RuntimeError, match="1 observation\\(s\\) have a breakdown"):
        command.downgrade(alembic_config(engine), "0005")
    assert _counts(engine) == before
    engine.dispose()
