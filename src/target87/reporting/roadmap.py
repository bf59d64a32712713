"""National roadmaps: commitments and their actions, with budgets, dates, status and target
indicators; checked field by field (``action_fields``), versioned, and audited.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.reporting.action_fields import ACTION_FIELDS, action_dict, blank, clean_action
from target87.reporting.audit import record
from target87.reporting.errors import FieldProblem, NotFound, ValidationFailed
from target87.reporting.locking import check_version, conflict_on, writing
from target87.reporting.models import (
    Action,
    ActionTarget,
    Commitment,
    Narrative,
    utcnow,
)
from target87.reporting.permissions import Actor, require
from target87.store.models import Area, Series


def roadmap(session: Session, actor: Actor, country: str) -> list[Commitment]:
    require(actor, "read_unpublished", country)
    stmt = select(Commitment).where(Commitment.country == country).order_by(Commitment.id)
    return list(session.execute(stmt).scalars())


def _commitment(session: Session, actor: Actor, commitment_id: int) -> Commitment:
    row = session.get(Commitment, commitment_id)
    if row is None:
        raise NotFound(f"no commitment {commitment_id}")
    require(actor, "edit_roadmap", row.country)
    return row


def _action(session: Session, actor: Actor, action_id: int) -> Action:
    row = session.get(Action, action_id)
    if row is None:
        raise NotFound(f"no action {action_id}")
    require(actor, "edit_roadmap", row.commitment.country)
    return row


def _title(title: str | None) -> str:
    if blank(title):
        raise ValidationFailed([FieldProblem("title", "a value is required", "required")])
    return str(title).strip()


def create_commitment(
    session: Session, actor: Actor, country: str, title: str, description: str | None = None
) -> Commitment:
    require(actor, "edit_roadmap", country)
    area = session.get(Area, country)
    if area is None or area.kind != "country":
        raise ValidationFailed([FieldProblem("country", f"{country!r} is not a country code")])
    row = Commitment(
        country=country,
        title=_title(title),
        description=description or None,
        updated_by=actor.label,
    )
    with writing(session):
        session.add(row)
        session.flush()
        after = {"title": row.title, "description": row.description}
        record(session, actor, "commitment.add", "commitment", row.id, country=country, after=after)
    return row


def update_commitment(
    session: Session,
    actor: Actor,
    commitment_id: int,
    expected_version: int | None,
    title: str,
    description: str | None = None,
) -> Commitment:
    row = _commitment(session, actor, commitment_id)
    what = f"commitment {row.id} ({row.title})"
    check_version(what, row, expected_version)
    before = {"title": row.title, "description": row.description}
    after = {"title": _title(title), "description": description or None}
    if before == after:
        return row
    with writing(session, conflict_on(session, what, Commitment, row.id, row.version)):
        row.title, row.description = after["title"], after["description"]
        row.updated_at, row.updated_by = utcnow(), actor.label
        record(
            session,
            actor,
            "commitment.edit",
            "commitment",
            row.id,
            country=row.country,
            before=before,
            after=after,
        )
    return row


def delete_commitment(
    session: Session, actor: Actor, commitment_id: int, expected_version: int | None
) -> None:
    """Only a commitment without actions and not reported on: mark actions dropped instead."""
    row = _commitment(session, actor, commitment_id)
    check_version(f"commitment {row.id}", row, expected_version)
    reported = session.execute(select(Narrative.id).where(Narrative.commitment_id == row.id))
    if row.actions or reported.first():
        raise ValidationFailed(
            [FieldProblem("commitment", "it has actions or report narratives: drop it instead")]
        )
    with writing(session):
        before = {"title": row.title, "description": row.description}
        session.delete(row)
        record(
            session,
            actor,
            "commitment.delete",
            "commitment",
            row.id,
            country=row.country,
            before=before,
        )


def _known_series(session: Session) -> set[str]:
    return set(session.execute(select(Series.code)).scalars())


def _set_fields(action: Action, clean: dict[str, Any]) -> None:
    for name in ACTION_FIELDS:
        setattr(action, name, clean[name])
    # Update targets in place: one flush inserts before it deletes, so removing and adding
    # the same series would break the (action, series) unique constraint.
    wanted = {t["series"]: t for t in clean["targets"]}
    for target in list(action.targets):
        if target.series not in wanted:
            action.targets.remove(target)
    have = {t.series: t for t in action.targets}
    for series, t in wanted.items():
        if series in have:
            have[series].target_value = t["target_value"]
            have[series].target_year = t["target_year"]
        else:
            action.targets.append(ActionTarget(**t))


def create_action(
    session: Session,
    actor: Actor,
    commitment_id: int,
    data: Mapping[str, Any],
    interventions: Collection[str] | None = None,
) -> Action:
    """A new action; ``interventions``: the intervention codes ``data["intervention"]`` may
    take (the evidence taxonomy's, given by the door; None checks the code's form only)."""
    commitment = _commitment(session, actor, commitment_id)
    clean, problems = clean_action(data, _known_series(session), interventions)
    if problems:
        raise ValidationFailed(problems)
    action = Action(commitment=commitment, updated_by=actor.label)
    _set_fields(action, clean)
    with writing(session):
        session.add(action)
        session.flush()
        record(
            session,
            actor,
            "action.add",
            "action",
            action.id,
            country=commitment.country,
            after=action_dict(action),
        )
    return action


def update_action(
    session: Session,
    actor: Actor,
    action_id: int,
    expected_version: int | None,
    changes: Mapping[str, Any],
    interventions: Collection[str] | None = None,
) -> Action:
    """Change some fields of an action (``targets``, when given, replaces all targets;
    ``interventions`` as for :func:`create_action`)."""
    action = _action(session, actor, action_id)
    what = f"action {action.id} ({action.title})"
    check_version(what, action, expected_version)
    before = action_dict(action)
    clean, problems = clean_action({**before, **changes}, _known_series(session), interventions)
    if problems:
        raise ValidationFailed(problems)
    after = {**clean, "targets": clean["targets"]}
    for name in ("start_date", "due_date"):
        after[name] = clean[name].isoformat() if clean[name] else None
    if after == before:
        return action
    with writing(session, conflict_on(session, what, Action, action.id, action.version)):
        _set_fields(action, clean)
        action.updated_at, action.updated_by = utcnow(), actor.label
        record(
            session,
            actor,
            "action.edit",
            "action",
            action.id,
            country=action.commitment.country,
            before=before,
            after=after,
        )
    return action


def delete_action(
    session: Session, actor: Actor, action_id: int, expected_version: int | None
) -> None:
    action = _action(session, actor, action_id)
    check_version(f"action {action.id}", action, expected_version)
    country, before = action.commitment.country, action_dict(action)
    with writing(session):
        session.delete(action)
        record(session, actor, "action.delete", "action", action_id, country=country, before=before)
