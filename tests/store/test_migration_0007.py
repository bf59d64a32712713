"""Migration 0007 (the evidence base): up from 0006 creates the four tables, down on an empty
evidence base drops them, down is refused while a study or an effect is stored. On SQLite
and, where a server is given, PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from target87 import store
from target87.evidence.io import import_evidence
from target87.evidence.models import Study
from target87.store.db import alembic_config

TABLES = {
    "evidence_study",
    "evidence_study_country",
    "evidence_effect",
    "evidence_intervention_type",
}


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) & TABLES


def test_up_from_0006_and_down_on_an_empty_evidence_base(engine):
    command.upgrade(alembic_config(engine), "0006")
    assert _tables(engine) == set()
    store.migrate(engine)
    assert store.current_revision(engine) >= "0007"
    assert _tables(engine) == TABLES
    command.downgrade(alembic_config(engine), "0006")
    assert _tables(engine) == set()
    assert store.current_revision(engine) == "0006"
    store.migrate(engine)
    assert _tables(engine) == TABLES


def test_down_is_refused_while_the_evidence_base_holds_a_study(engine, tmp_path):
    store.migrate(engine)
    with Session(engine) as s, s.begin():
        s.add(
            Study(
                id="s1",
                citation="A study",
                year=2010,
                design="rct",
                updated_at=datetime(2026, 1, 1),
            )
        )
    with pytest.raises(RuntimeError, match="1 study"):
        command.downgrade(alembic_config(engine), "0006")
    assert _tables(engine) == TABLES
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM evidence_study")).scalar() == 1


def test_down_is_refused_with_imported_effects(engine, tmp_path):
    store.migrate(engine)
    path = tmp_path / "e.csv"
    path.write_text(
        "study_id,citation,year,design,effect_id,intervention,outcome,measure,yi,vi\n"
        "s1,A study,2010,rct,1,cct,any_work,RD,-0.05,0.0004\n",
        encoding="utf-8",
    )
    import_evidence(engine, path)
    with pytest.raises(RuntimeError, match="1 effect"):
        command.downgrade(alembic_config(engine), "0006")
    assert _tables(engine) == TABLES
