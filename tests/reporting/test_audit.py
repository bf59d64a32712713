"""The audit trail is append-only: the application layer refuses to change or delete an
event, and so does the database itself (triggers) when the application is bypassed."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from target87 import reporting
from target87.reporting.models import AuditEvent

from .conftest import CHLDEC_T, actor, audit, draft


def trail(engine) -> list[tuple]:
    with Session(engine) as s:
        return [(e.id, e.action, e.entity_id, e.before, e.after) for e in audit(s)]


def test_no_event_can_be_changed_or_deleted_through_the_application(rep_engine):
    before = trail(rep_engine)
    assert before  # the demo set-up wrote events
    attempts = [
        lambda s, e: setattr(e, "action", "nothing.happened"),
        lambda s, e: setattr(e, "after", None),
        lambda s, e: s.delete(e),
    ]
    for attempt in attempts:
        with Session(rep_engine) as s:
            event = s.get(AuditEvent, before[0][0])
            attempt(s, event)
            with pytest.raises(reporting.AuditImmutable, match="append-only"):
                s.commit()
    for statement in (
        update(AuditEvent).values(actor="someone else"),
        delete(AuditEvent).where(AuditEvent.id == before[0][0]),
    ):
        with Session(rep_engine) as s, pytest.raises(reporting.AuditImmutable):
            s.execute(statement)
    assert trail(rep_engine) == before
    assert not hasattr(reporting, "delete_event") and not hasattr(reporting.audit, "update")


def test_the_database_refuses_it_too(rep_engine):
    before = trail(rep_engine)
    for sql in (
        "UPDATE audit_event SET action = 'rewritten'",
        "UPDATE audit_event SET after = NULL WHERE id = 1",
        "DELETE FROM audit_event WHERE id = 1",
        "DELETE FROM audit_event",
    ):
        with pytest.raises(DBAPIError, match="append-only"), rep_engine.begin() as conn:
            conn.execute(text(sql))
    assert trail(rep_engine) == before


def test_postgresql_refuses_truncate(rep_engine):
    if rep_engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite has none)")
    before = trail(rep_engine)
    with pytest.raises(DBAPIError, match="append-only"), rep_engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_event"))
    assert trail(rep_engine) == before


def test_events_per_report_and_per_country_with_who_when_and_ip(db):
    fp = actor(db, "focal.npl", ip="198.51.100.23")
    report = reporting.open_report(db, fp, "NPL", 2024)
    reporting.save_values(db, fp, report.id, {CHLDEC_T: "15.3"}, report.version)
    uga = reporting.open_report(db, actor(db, "focal.uga"), "UGA", 2024)
    events = reporting.events_for_report(db, actor(db, "secretariat"), report.id)
    assert [e.action for e in events] == ["report.create", "value.add"]
    assert {(e.actor, e.ip, e.user_id) for e in events} == {(fp.label, "198.51.100.23", fp.user.id)}
    assert all(e.at is not None and e.report_id == report.id for e in events)
    nepal = reporting.events_for_country(db, fp, "NPL")
    assert {e.country for e in nepal} == {"NPL"} and uga.id not in {e.report_id for e in nepal}
    assert {"indicators.set", "commitment.add", "report.create", "value.add"} <= {
        e.action for e in nepal
    }


def test_reading_the_trail_needs_the_right(db):
    report = draft(db)
    for who in ("viewer.npl", "focal.uga", None):
        with pytest.raises(reporting.Forbidden):
            reporting.events_for_report(db, actor(db, who), report.id)
        with pytest.raises(reporting.Forbidden):
            reporting.events_for_country(db, actor(db, who), "NPL")
