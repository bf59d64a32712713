"""The review workflow: draft -> submitted -> returned (with comments) | approved -> published.

A returned report is edited again (its first edit makes it a draft) and submitted again. Each
transition checks the actor's right for the report's country, the report's state and its
version, then writes the new state, any reviewer comment and an audit event in one
transaction: a failure anywhere leaves the previous state. Approving changes nothing but the
state. Publishing is in ``publish.py``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from target87.reporting.audit import record_on_report
from target87.reporting.errors import FieldProblem, StateError, ValidationFailed
from target87.reporting.locking import check_version, conflict_on, writing
from target87.reporting.models import Report, ReviewComment, load_report, utcnow
from target87.reporting.permissions import Actor, require

# transition -> (states it leaves from, state it leads to, right it needs)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "submit": (("draft", "returned"), "submitted", "submit"),
    "return": (("submitted",), "returned", "review"),
    "approve": (("submitted",), "approved", "review"),
    "publish": (("approved",), "published", "publish"),
}
STAMPS = {"submitted": "submitted_at", "approved": "approved_at", "published": "published_at"}
MAX_COMMENT = 10_000


def next_state(state: str, transition: str) -> str:
    """The state ``transition`` leads to from ``state``; ``StateError`` if it cannot."""
    sources, target, _right = TRANSITIONS[transition]
    if state not in sources:
        raise StateError(
            f"a {state} report cannot be {transition}ed"
            if transition != "return"
            else f"a {state} report cannot be returned (only a submitted one)"
        )
    return target


def begin(
    session: Session, actor: Actor, report_id: int, transition: str, expected: int | None
) -> Report:
    """The report, once the actor's right, its state and its version allow ``transition``."""
    report = load_report(session, report_id)
    require(actor, TRANSITIONS[transition][2], report.country)
    next_state(report.state, transition)
    check_version(report.title, report, expected)
    return report


def apply(
    session: Session, actor: Actor, report: Report, transition: str, comment: str | None = None
) -> None:
    """Write the transition (call inside ``writing``): state, time stamp, comment, event."""
    before = report.state
    report.state = next_state(before, transition)
    now = utcnow()
    if stamp := STAMPS.get(report.state):
        setattr(report, stamp, now)
    report.updated_at, report.updated_by = now, actor.label
    if comment:
        session.add(
            ReviewComment(
                report_id=report.id,
                at=now,
                user_id=actor.user.id if actor.user is not None else None,
                author=actor.label,
                transition=transition,
                text=comment,
            )
        )
    after = {"state": report.state, **({"comment": comment} if comment else {})}
    record_on_report(session, actor, report, f"report.{transition}", None, {"state": before}, after)


def _run(
    session: Session,
    actor: Actor,
    report_id: int,
    transition: str,
    expected: int | None,
    comment: str | None = None,
) -> Report:
    report = begin(session, actor, report_id, transition, expected)
    if transition == "submit" and not report.values:
        session.rollback()
        raise ValidationFailed([FieldProblem(None, "the report holds no values yet", "empty")])
    with writing(session, conflict_on(session, report.title, Report, report.id, report.version)):
        apply(session, actor, report, transition, comment)
    return report


def _comment(text: str | None, required: bool) -> str | None:
    text = (text or "").strip()
    if required and not text:
        raise ValidationFailed([FieldProblem("comment", "say what must change", "required")])
    if len(text) > MAX_COMMENT:
        raise ValidationFailed([FieldProblem("comment", f"over {MAX_COMMENT} characters")])
    return text or None


def submit(session: Session, actor: Actor, report_id: int, expected_version: int | None) -> Report:
    return _run(session, actor, report_id, "submit", expected_version)


def return_report(
    session: Session, actor: Actor, report_id: int, comment: str, expected_version: int | None
) -> Report:
    """Back to the country with the reviewer's comment (required, kept for good)."""
    text = _comment(comment, required=True)
    return _run(session, actor, report_id, "return", expected_version, text)


def approve(
    session: Session,
    actor: Actor,
    report_id: int,
    expected_version: int | None,
    comment: str | None = None,
) -> Report:
    text = _comment(comment, required=False)
    return _run(session, actor, report_id, "approve", expected_version, text)
