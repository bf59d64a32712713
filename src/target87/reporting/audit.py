"""The audit trail: one append-only event per change, written in the change's transaction.

``record`` is the only writer. Nothing here updates or deletes an event, and the session
events below refuse it for any code that tries through SQLAlchemy (a changed or deleted
``AuditEvent`` at flush, or an ORM ``update()``/``delete()`` statement on it); the database
refuses it too (triggers of migration 0002), for anything that goes around the application.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session

from target87.reporting.errors import AuditImmutable
from target87.reporting.models import AuditEvent, Report, as_json, load_report, utcnow
from target87.reporting.permissions import Actor, require

REFUSAL = "audit events are append-only: they cannot be changed or deleted"


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: object,
    *,
    country: str | None = None,
    report_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Add one event to ``session``; it commits (or not) with the change it describes."""
    item = AuditEvent(
        at=utcnow(),
        user_id=actor.user.id if actor.user is not None else None,
        actor=actor.label,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        country=country,
        report_id=report_id,
        before=as_json(before),
        after=as_json(after),
        ip=actor.ip,
    )
    session.add(item)
    return item


def record_on_report(
    session: Session,
    actor: Actor,
    report: Report,
    action: str,
    entity: tuple[str, object] | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """An event about ``report`` or, with ``entity`` = (type, id), about a part of it."""
    entity_type, entity_id = entity or ("report", report.id)
    return record(
        session,
        actor,
        action,
        entity_type,
        entity_id,
        country=report.country,
        report_id=report.id,
        before=before,
        after=after,
    )


def events_for_report(session: Session, actor: Actor, report_id: int) -> list[AuditEvent]:
    """Every event about a report (its state, values, narratives, comments, attachments)."""
    report = load_report(session, report_id)
    require(actor, "read_audit", report.country)
    stmt = select(AuditEvent).where(AuditEvent.report_id == report_id).order_by(AuditEvent.id)
    return list(session.execute(stmt).scalars())


def events_for_country(session: Session, actor: Actor, country: str) -> list[AuditEvent]:
    """Every event about a country: its reports, roadmap, agreed indicators and users."""
    require(actor, "read_audit", country)
    stmt = select(AuditEvent).where(AuditEvent.country == country).order_by(AuditEvent.id)
    return list(session.execute(stmt).scalars())


@event.listens_for(Session, "before_flush")
def _refuse_changed_events(session: Session, _context, _instances) -> None:
    if any(isinstance(obj, AuditEvent) for obj in session.deleted):
        raise AuditImmutable(REFUSAL)
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj):
            raise AuditImmutable(REFUSAL)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_statements(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        m.class_ is AuditEvent for m in state.all_mappers
    ):
        raise AuditImmutable(REFUSAL)
