"""Annual reports: open one, read it, and edit its values and narratives while it is a draft.

Every edit names the version of the report the user saw (``expected_version``): a stale one
raises ``ConflictError`` saying who saved in between and when. Values are checked by the
validation rules (``cells.check``) before anything is written; on any error nothing is, and
the problems come back located by field. Each changed value writes one audit event, in the
same transaction as the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.reporting.audit import record_on_report
from target87.reporting.cells import (
    STORED_COLUMNS,
    Cell,
    ReportTable,
    check,
    form_table,
    stored_rows,
)
from target87.reporting.errors import FieldProblem, StateError, ValidationFailed
from target87.reporting.locking import check_version, conflict_on, writing
from target87.reporting.models import (
    Commitment,
    Narrative,
    Report,
    ReportValue,
    ReviewComment,
    load_report,
    utcnow,
)
from target87.reporting.permissions import Actor, require, visible_countries
from target87.store.models import Area

EDITABLE = ("draft", "returned")
MAX_NARRATIVE = 20_000
FIRST_YEAR = 2000


@dataclass
class SaveResult:
    changed: int
    version: int
    warnings: list[FieldProblem] = field(default_factory=list)


def get_report(session: Session, actor: Actor, report_id: int) -> Report:
    """A report the actor may read: a published one for anyone, else per role and country."""
    report = load_report(session, report_id)
    published = report.state == "published"
    require(actor, "read_published" if published else "read_unpublished", report.country)
    return report


def list_reports(session: Session, actor: Actor, country: str | None = None) -> list[Report]:
    """Published reports, and the unpublished ones of the countries the actor may read."""
    stmt = select(Report).order_by(Report.country, Report.year)
    if country:
        stmt = stmt.where(Report.country == country)
    reports = session.execute(stmt).scalars()
    countries = None if actor.system else visible_countries(actor.user)
    return [
        r for r in reports if r.state == "published" or countries is None or r.country in countries
    ]


def open_report(
    session: Session, actor: Actor, country: str, year: int, ministry: str | None = None
) -> Report:
    """The report of ``country`` for ``year``, created as a draft if there is none."""
    require(actor, "edit_report", country)
    existing = session.execute(
        select(Report).where(Report.country == country, Report.year == year)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    area = session.get(Area, country)
    problems = []
    if area is None or area.kind != "country":
        problems.append(FieldProblem("country", f"{country!r} is not a country code"))
    if not isinstance(year, int) or not FIRST_YEAR <= year <= date.today().year:
        problems.append(FieldProblem("year", f"{year!r}: a year from {FIRST_YEAR} to this one"))
    if problems:
        raise ValidationFailed(problems)
    now = utcnow()
    report = Report(
        country=country,
        year=year,
        state="draft",
        ministry=(ministry or "").strip() or f"Government of {area.name_en}",
        created_at=now,
        updated_at=now,
        updated_by=actor.label,
    )
    with writing(session):
        session.add(report)
        session.flush()
        after = {"state": "draft", "ministry": report.ministry}
        record_on_report(session, actor, report, "report.create", after=after)
    return report


def editable(session: Session, actor: Actor, report_id: int, expected: int | None) -> Report:
    """The report, if the actor may edit it, it is a draft (or returned), and not stale."""
    report = load_report(session, report_id)
    require(actor, "edit_report", report.country)
    if report.state not in EDITABLE:
        raise StateError(
            f"{report.title} is {report.state}: it can be edited only as a draft or after the "
            "secretariat returns it"
        )
    check_version(report.title, report, expected)
    return report


def touch(session: Session, actor: Actor, report: Report) -> None:
    """Mark the report changed by ``actor``; editing a returned report makes it a draft."""
    report.updated_at, report.updated_by = utcnow(), actor.label
    if report.state == "returned":
        report.state = "draft"
        before, after = {"state": "returned"}, {"state": "draft"}
        record_on_report(session, actor, report, "report.reopen", before=before, after=after)


def _conflict(session: Session, report: Report, expected: int | None):
    return conflict_on(session, report.title, Report, report.id, expected or report.version)


def save_values(
    session: Session,
    actor: Actor,
    report_id: int,
    entries: Mapping[str, Mapping[str, object] | object],
    expected_version: int | None,
) -> SaveResult:
    """Save form entries (``{Cell.field: {"value": ..., "footnote": ...}}``); blank entries
    clear a cell, cells not in ``entries`` stay as they are."""
    report = editable(session, actor, report_id, expected_version)
    table = form_table(session, report, entries)
    return apply_table(session, actor, report, table, expected_version, replace=False)


def apply_table(
    session: Session,
    actor: Actor,
    report: Report,
    table: ReportTable,
    expected: int | None,
    *,
    replace: bool,
) -> SaveResult:
    """Check ``table`` and write it: raise ``ValidationFailed`` (nothing written) on an error.
    ``replace``: the table is the whole of the report's values (cells not in it go)."""
    problems = check(session, report, table)
    if any(p.severity == "error" for p in problems):
        session.rollback()
        raise ValidationFailed(problems)
    rows = stored_rows(table)
    current = {Cell.of(v): v for v in report.values}
    gone = [c for c in current if c not in rows] if replace else table.cleared
    changed = 0
    with writing(session, _conflict(session, report, expected)):
        for cell in gone:
            if cell in current:
                before = _value_dict(current[cell])
                session.delete(current[cell])
                _audit_value(session, actor, report, cell, before, None)
                changed += 1
        for cell, row in rows.items():
            old = current.get(cell)
            before = _value_dict(old) if old is not None else None
            if before == row:
                continue
            if old is None:
                session.add(ReportValue(report_id=report.id, **row))
            else:
                for key, value in row.items():
                    setattr(old, key, value)
            _audit_value(session, actor, report, cell, before, row)
            changed += 1
        if changed:
            touch(session, actor, report)
    warnings = [p for p in problems if p.severity != "error"]
    return SaveResult(changed, report.version, warnings)


def _value_dict(value: ReportValue) -> dict:
    return {k: getattr(value, k) for k in STORED_COLUMNS}


def _audit_value(
    session: Session,
    actor: Actor,
    report: Report,
    cell: Cell,
    before: dict | None,
    after: dict | None,
) -> None:
    action = "value.delete" if after is None else "value.add" if before is None else "value.edit"
    entity = ("report_value", f"{report.id}:{cell.field}")
    record_on_report(session, actor, report, action, entity, before, after)


def report_values(session: Session, actor: Actor, report_id: int) -> list[ReportValue]:
    return list(get_report(session, actor, report_id).values)


def save_narrative(
    session: Session,
    actor: Actor,
    report_id: int,
    commitment_id: int,
    text: str,
    expected_version: int | None,
) -> SaveResult:
    """The report's narrative on one roadmap commitment of its country (blank: removed)."""
    report = editable(session, actor, report_id, expected_version)
    commitment = session.get(Commitment, commitment_id)
    if commitment is None or commitment.country != report.country:
        raise ValidationFailed([FieldProblem("commitment", "not a commitment of this country")])
    text = (text or "").strip()
    if len(text) > MAX_NARRATIVE:
        raise ValidationFailed(
            [FieldProblem(f"narrative.{commitment_id}", f"over {MAX_NARRATIVE} characters")]
        )
    row = session.execute(
        select(Narrative).where(
            Narrative.report_id == report.id, Narrative.commitment_id == commitment_id
        )
    ).scalar_one_or_none()
    before = row.text if row is not None else None
    if before == (text or None):
        return SaveResult(0, report.version)
    with writing(session, _conflict(session, report, expected_version)):
        if not text:
            session.delete(row)
        else:
            if row is None:
                row = Narrative(report_id=report.id, commitment_id=commitment_id)
                session.add(row)
            row.text, row.updated_at, row.updated_by = text, utcnow(), actor.label
        touch(session, actor, report)
        entity = ("report_narrative", f"{report.id}:{commitment_id}")
        change = ({"text": before}, {"text": text or None})
        record_on_report(session, actor, report, "narrative.edit", entity, *change)
    return SaveResult(1, report.version)


def narratives(session: Session, actor: Actor, report_id: int) -> dict[int, str]:
    report = get_report(session, actor, report_id)
    stmt = select(Narrative).where(Narrative.report_id == report.id)
    return {n.commitment_id: n.text for n in session.execute(stmt).scalars()}


def comments(session: Session, actor: Actor, report_id: int) -> list[ReviewComment]:
    report = get_report(session, actor, report_id)
    stmt = select(ReviewComment).where(ReviewComment.report_id == report.id)
    return list(session.execute(stmt.order_by(ReviewComment.id)).scalars())
