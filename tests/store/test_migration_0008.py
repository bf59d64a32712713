"""Migration 0008 (a roadmap action's intervention type): up from 0007 adds the nullable
column and keeps every action, down on actions without a link drops it and keeps them, down
is refused while an action holds a link. On SQLite and, where a server is given,
PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from target87 import store
from target87.store.db import alembic_config


def _columns(engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("roadmap_action")}


def _add_action(engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO area (code, name_en, kind, pathfinder)"
                " VALUES ('NPL', 'Nepal', 'country', false)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO roadmap_commitment (id, country, title, created_at, updated_at,"
                " updated_by, version) VALUES (1, 'NPL', 'Kilns', '2026-01-01', '2026-01-01',"
                " 'test', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO roadmap_action (id, commitment_id, title, owner_institution,"
                " status, created_at, updated_at, updated_by, version) VALUES (1, 1,"
                " 'Cash grants', 'Ministry', 'planned', '2026-01-01', '2026-01-01', 'test', 1)"
            )
        )


def _actions(engine) -> list[tuple]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT id, title, status FROM roadmap_action")))


def test_up_keeps_actions_and_down_without_links_drops_the_column(engine):
    command.upgrade(alembic_config(engine), "0007")
    _add_action(engine)
    assert "intervention" not in _columns(engine)
    store.migrate(engine)
    assert store.current_revision(engine) >= "0008"
    assert "intervention" in _columns(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT intervention FROM roadmap_action")).scalar() is None
    command.downgrade(alembic_config(engine), "0007")
    assert "intervention" not in _columns(engine)
    assert _actions(engine) == [(1, "Cash grants", "planned")]
    store.migrate(engine)
    assert _actions(engine) == [(1, "Cash grants", "planned")]


def test_down_is_refused_while_an_action_is_linked(engine):
    command.upgrade(alembic_config(engine), "0007")
    _add_action(engine)
    store.migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE roadmap_action SET intervention = 'cct'"))
    with pytest.raises(RuntimeError, match="1 roadmap action\\(s\\) are linked"):
        command.downgrade(alembic_config(engine), "0007")
    assert "intervention" in _columns(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT intervention FROM roadmap_action")).scalar() == "cct"
