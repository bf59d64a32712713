"""The review cycle shared by good practices and directory entries, and their field checks.

A record is written as a draft by someone who may edit its country's national report
(``edit_report``: the country's focal point, an administrator), submitted (``submit``), then
either returned with a note (``review``: the secretariat, an administrator) and edited again,
or published (``publish``). Only a draft or a returned record can be edited; only a draft can
be deleted. The public reads published records only; unpublished ones are read by whoever may
read the country's unpublished work (``read_unpublished``). ``reporting.permissions`` decides
every one of these rights.

Every write is one transaction: the row, its stemmed ``index_title``/``index_text`` (in the
record's language), its row of the full-text index (``library.index``) and an audit event
(``reporting.audit``) commit together or not at all. The field checks (``record_fields``)
collect every problem of a form, each naming its field, and raise them together
(``ValidationFailed``): nothing is saved while one remains.

These records never hold personal data about victims or survivors: no field is meant for it,
and a contact is an organisation's (the forms say so in words; no check can prove it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.library.index import bump_generation, index_row, rebuild_index, unindex_row
from target87.library.stemming import index_terms
from target87.reporting.audit import record as audit
from target87.reporting.errors import (
    FieldProblem,
    Forbidden,
    NotFound,
    StateError,
    ValidationFailed,
)
from target87.reporting.locking import writing
from target87.reporting.models import utcnow
from target87.reporting.permissions import Actor, require, visible_countries

MAX_NOTE = 10_000
EDITABLE = ("draft", "returned")


@dataclass(frozen=True)
class RecordKind:
    """What differs between good practices and directory entries, for the shared cycle."""

    name: str  # the index kind and the audit prefix: "practice" | "service"
    model: type
    entity: str  # the audit event's entity type (the table's name)
    label: str  # how a message names one: "good practice"
    title_field: str
    text_fields: tuple[str, ...]  # indexed with the title, in this order

    def title_of(self, record: Any) -> str:
        return getattr(record, self.title_field)


@dataclass(frozen=True)
class Checked:
    """A form or a file's row once checked: the record's column values, and (for a good
    practice) the roadmap actions it informs."""

    values: dict[str, Any]
    actions: tuple[int, ...] = ()


@dataclass(frozen=True)
class RecordFilters:
    """Which records a list shows; empty means no filter on that field."""

    country: str = ""
    status: str = ""
    theme: str = ""  # a practice's theme
    service_type: str = ""  # a directory entry's type
    language: str = ""


def snapshot(kind: RecordKind, record: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The audited view of a record: its fields, dates as text."""
    out = {}
    for name in ("country", "language", "status", *fields):
        value = getattr(record, name)
        out[name] = value.isoformat() if isinstance(value, (date, datetime)) else value
    return out


def reindex_records(session: Session, kind: RecordKind) -> int:
    """Re-stem every record of ``kind`` and rebuild its index (after a change of the
    stemming rules); the caller commits. Returns the number of records."""
    records = session.scalars(select(kind.model)).all()
    for record in records:
        body = " ".join(str(getattr(record, f) or "") for f in kind.text_fields)
        record.index_title = index_terms(kind.title_of(record), record.language)
        record.index_text = index_terms(body, record.language)
    session.flush()
    rebuild_index(session.connection(), kind.name)
    return len(records)


def _reindex(session: Session, kind: RecordKind, record: Any) -> None:
    """The record's stemmed terms, stored and indexed in the caller's transaction."""
    body = " ".join(str(getattr(record, f) or "") for f in kind.text_fields)
    record.index_title = index_terms(kind.title_of(record), record.language)
    record.index_text = index_terms(body, record.language)
    session.flush()
    index_row(session.connection(), kind.name, record.id, record.index_title, record.index_text)


def load(session: Session, kind: RecordKind, record_id: int) -> Any:
    record = session.get(kind.model, record_id)
    if record is None:
        raise NotFound(f"no {kind.label} {record_id}")
    return record


def add_record(
    session: Session,
    actor: Actor,
    kind: RecordKind,
    values: Mapping[str, Any],
    *,
    status: str = "draft",
) -> Any:
    """Insert a checked record (``values``: column -> value) in the open transaction, with its
    index row and audit event; the caller commits. ``status`` draft, or submitted when the
    actor may also submit for the country; never published directly."""
    if status not in ("draft", "submitted"):
        raise StateError(f"a new {kind.label} is a draft or submitted, not {status}")
    require(actor, "edit_report", values["country"])
    if status == "submitted":
        require(actor, "submit", values["country"])
    now = utcnow()
    record = kind.model(
        **values,
        status=status,
        created_by=actor.user.id if actor.user is not None else None,
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    _reindex(session, kind, record)
    after = snapshot(kind, record, values)
    audit(
        session,
        actor,
        f"{kind.name}.create",
        kind.entity,
        record.id,
        country=record.country,
        after=after,
    )
    return record


def create(
    session: Session,
    actor: Actor,
    kind: RecordKind,
    values: Mapping[str, Any],
    after_insert: Callable[[Any], None] | None = None,
) -> Any:
    """A new draft, committed; ``after_insert(record)`` runs in the same transaction."""
    with writing(session):
        record = add_record(session, actor, kind, values)
        if after_insert is not None:
            after_insert(record)
    return record


def editable(session: Session, actor: Actor, kind: RecordKind, record_id: int) -> Any:
    """The record, once the actor may edit it and its state allows it."""
    record = load(session, kind, record_id)
    require(actor, "edit_report", record.country)
    if record.status not in EDITABLE:
        raise StateError(
            f"a {record.status} {kind.label} cannot be edited (only a draft or a returned one)"
        )
    return record


def edit(
    session: Session,
    actor: Actor,
    kind: RecordKind,
    record_id: int,
    values: Mapping[str, Any],
    after_update: Callable[[Any], None] | None = None,
) -> Any:
    """Save a draft or returned record's new values (a returned one becomes a draft again);
    moving it to another country needs the right there too."""
    try:
        record = editable(session, actor, kind, record_id)
        require(actor, "edit_report", values["country"])
    except BaseException:
        session.rollback()
        raise
    with writing(session):
        before = snapshot(kind, record, values)
        for name, value in values.items():
            setattr(record, name, value)
        record.status = "draft"
        record.updated_at = utcnow()
        _reindex(session, kind, record)
        if after_update is not None:
            after_update(record)
        audit(
            session,
            actor,
            f"{kind.name}.edit",
            kind.entity,
            record.id,
            country=record.country,
            before=before,
            after=snapshot(kind, record, values),
        )
    return record


# transition -> (states it leaves from, state it leads to, right it needs)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "submit": (EDITABLE, "submitted", "submit"),
    "return": (("submitted",), "returned", "review"),
    "publish": (("submitted",), "published", "publish"),
}


PAST = {"submit": "submitted", "return": "returned", "publish": "published"}


def move(
    session: Session,
    actor: Actor,
    kind: RecordKind,
    record_id: int,
    transition: str,
    note: str | None = None,
) -> Any:
    """Submit, return (``note`` required: what must change) or publish a record."""
    sources, target, right = TRANSITIONS[transition]
    try:
        record = load(session, kind, record_id)
        require(actor, right, record.country)
        if record.status not in sources:
            raise StateError(
                f"a {record.status} {kind.label} cannot be {PAST[transition]}"
                f" (only a {' or a '.join(sources)} one)"
            )
        note = (note or "").strip() or None
        if transition == "return" and not note:
            raise ValidationFailed([FieldProblem("note", "say what must change", "required")])
        if note and len(note) > MAX_NOTE:
            raise ValidationFailed([FieldProblem("note", f"over {MAX_NOTE:,} characters")])
    except BaseException:
        session.rollback()
        raise
    with writing(session):
        before = record.status
        now = utcnow()
        record.status, record.updated_at = target, now
        bump_generation(session.connection())  # who may find it changed
        if transition == "submit":
            record.review_note = None  # the note answered; it stays in the audit trail
        else:
            record.reviewed_by = actor.user.id if actor.user is not None else None
        if transition == "return":
            record.review_note = note
        if transition == "publish":
            record.published_at = now
        after = {"status": target, **({"note": note} if note else {})}
        audit(
            session,
            actor,
            f"{kind.name}.{transition}",
            kind.entity,
            record.id,
            country=record.country,
            before={"status": before},
            after=after,
        )
    return record


def delete_draft(
    session: Session, actor: Actor, kind: RecordKind, record_id: int, fields: Iterable[str]
) -> None:
    """Delete a draft (never a submitted, returned or published record), and its index row."""
    try:
        record = load(session, kind, record_id)
        require(actor, "edit_report", record.country)
        if record.status != "draft":
            raise StateError(f"a {record.status} {kind.label} cannot be deleted (only a draft)")
    except BaseException:
        session.rollback()
        raise
    with writing(session):
        before = snapshot(kind, record, fields)
        unindex_row(session.connection(), kind.name, record.id)
        session.delete(record)
        audit(
            session,
            actor,
            f"{kind.name}.delete",
            kind.entity,
            record_id,
            country=record.country,
            before=before,
        )


def can_read(actor: Actor, record: Any) -> bool:
    if record.status == "published" or actor.system:
        return True
    countries = visible_countries(actor.user)
    return countries is None or record.country in countries


def get_record(session: Session, actor: Actor, kind: RecordKind, record_id: int) -> Any:
    """A record the actor may read: a published one for anyone, an unpublished one for who may
    read its country's unpublished work; ``NotFound`` or ``Forbidden`` otherwise."""
    record = load(session, kind, record_id)
    if not can_read(actor, record):
        raise Forbidden(f"{actor.label} may not read this unpublished {kind.label}")
    return record


def list_records(
    session: Session, actor: Actor, kind: RecordKind, filters: RecordFilters | None = None
) -> list[Any]:
    """The records the actor may read, by country then title, filtered."""
    filters = filters or RecordFilters()
    model = kind.model
    stmt = select(model).order_by(model.country, getattr(model, kind.title_field), model.id)
    if filters.country:
        stmt = stmt.where(model.country == filters.country.upper())
    if filters.status:
        stmt = stmt.where(model.status == filters.status)
    if filters.language:
        stmt = stmt.where(model.language == filters.language)
    if filters.service_type and hasattr(model, "service_type"):
        stmt = stmt.where(model.service_type == filters.service_type)
    if filters.theme and hasattr(model, "themes"):
        # ;-joined codes: match a whole code, not a part of one
        stmt = stmt.where((";" + model.themes + ";").contains(f";{filters.theme};"))
    countries = None if actor.system else visible_countries(actor.user)
    if countries is not None:
        readable = model.status == "published"
        if countries:
            readable = readable | model.country.in_(sorted(countries))
        stmt = stmt.where(readable)
    return list(session.execute(stmt).scalars())


def review_queue(session: Session, actor: Actor, kind: RecordKind) -> list[Any]:
    """Submitted records waiting for the actor's review (all countries for the secretariat)."""
    if not (actor.system or _reviews_anywhere(actor)):
        raise Forbidden(f"{actor.label} may not review {kind.label}s")
    waiting = list_records(session, actor, kind, RecordFilters(status="submitted"))
    return [r for r in waiting if actor.system or _may(actor, "review", r.country)]


def _may(actor: Actor, action: str, country: str | None) -> bool:
    try:
        require(actor, action, country)
    except Forbidden:
        return False
    return True


def _reviews_anywhere(actor: Actor) -> bool:
    user = actor.user
    return _may(actor, "review", None) or (
        user is not None and user.country is not None and _may(actor, "review", user.country)
    )
