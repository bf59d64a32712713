"""Migration 0002 goes down and up again on both backends, triggers included."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from target87 import store
from target87.store.db import alembic_config

TABLES = {
    "user_account", "login_attempt", "audit_event", "agreed_indicator", "roadmap_commitment",
    "roadmap_action", "roadmap_target", "national_report", "report_value", "report_narrative",
    "review_comment", "report_attachment",
}  # fmt: skip


def test_down_to_0001_and_up_again(engine):
    store.migrate(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    command.downgrade(alembic_config(engine), "0001")
    assert store.current_revision(engine) == "0001"
    assert not set(inspect(engine).get_table_names()) & TABLES
    store.migrate(engine)
    assert store.current_revision(engine) == store.head_revision()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_event (at, actor, action, entity_type, entity_id) "
                "VALUES ('2026-01-01 00:00:00', 'test', 'x', 'y', 'z')"
            )
        )
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))
