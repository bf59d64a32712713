"""Good practices, in the form the Alliance 8.7 and the regional initiative use: country,
intervention, target group, what was done, results with their evidence, lessons learned, a
contact; linked to the roadmap actions of the same country they inform and, where it fits, to
an intervention type of the evidence base's taxonomy (a plain code: the caller passes the known
codes, since the library does not import the evidence room).

Written, submitted, returned and published through the cycle of ``library.records``. A good
practice holds no personal data about victims or survivors: ``contact`` is the organisation's.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from target87.library import record_fields as fields
from target87.library import records
from target87.library.models import GoodPractice, GoodPracticeAction
from target87.library.record_fields import Problems
from target87.library.records import Checked, RecordKind
from target87.reporting.audit import record as audit
from target87.reporting.locking import writing
from target87.reporting.models import Action, Commitment, utcnow
from target87.reporting.permissions import Actor, require

KIND = RecordKind(
    name="practice",
    model=GoodPractice,
    entity="good_practice",
    label="good practice",
    title_field="title",
    text_fields=(
        "intervention",
        "target_group",
        "what_was_done",
        "results",
        "evidence",
        "lessons",
        "contact",
    ),
)
# The form's and the import file's fields, in the order a file's columns are expected.
FIELDS = (
    "title",
    "country",
    "language",
    "intervention",
    "intervention_type",
    "target_group",
    "what_was_done",
    "results",
    "evidence",
    "lessons",
    "contact",
    "themes",
    "source_url",
    "actions",
)
REQUIRED = (
    "title",
    "country",
    "language",
    "intervention",
    "target_group",
    "what_was_done",
    "results",
    "lessons",
)
STORED = tuple(f for f in FIELDS if f != "actions")
INTERVENTION_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def clean(
    session: Session,
    data: Mapping[str, Any],
    known_interventions: Collection[str] | None = None,
) -> Checked:
    """Check a form or a file's row; ``ValidationFailed`` names every field in trouble.

    ``known_interventions``: the evidence taxonomy's codes (the web door and the CLI give
    them); without them a code is only checked for its shape."""
    problems = Problems()
    values: dict[str, Any] = fields.common_fields(data, problems)
    values["title"] = fields.text_value(
        data, "title", problems, required=True, limit=fields.MAX_TITLE
    )
    for name in ("intervention", "target_group", "what_was_done", "results", "lessons"):
        values[name] = fields.text_value(data, name, problems, required=True)
    for name in ("evidence", "contact"):
        values[name] = fields.text_value(data, name, problems)
    values["themes"] = fields.themes_value(data, problems)
    values["intervention_type"] = _intervention_type(data, problems, known_interventions)
    fields.check_country(session, values["country"], problems)
    actions = _action_ids(session, data, values["country"], problems)
    problems.raise_if_any()
    return Checked(values, actions)


def _intervention_type(
    data: Mapping[str, Any], problems: Problems, known: Collection[str] | None
) -> str | None:
    code = fields.raw_text(data, "intervention_type").lower() or None
    if code is None:
        return None
    if not INTERVENTION_CODE.match(code) or (known is not None and code not in known):
        hint = f" (one of {', '.join(sorted(known))})" if known is not None else ""
        problems.add(
            "intervention_type", f"{code!r} is not an intervention type code{hint}", "codes"
        )
    return code


def _action_ids(
    session: Session, data: Mapping[str, Any], country: str | None, problems: Problems
) -> tuple[int, ...]:
    """The roadmap actions named (ids, ``;``-joined in a file): each must exist and belong to
    the practice's own country's roadmap."""
    raw = data.get("actions")
    items = raw if isinstance(raw, (list, tuple)) else fields.raw_text(data, "actions").split(";")
    ids: list[int] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        if not item.isdigit():
            problems.add("actions", f"{item!r} is not a roadmap action's number", "codes")
            continue
        ids.append(int(item))
    if not ids:
        return ()
    found = dict(
        session.execute(
            select(Action.id, Commitment.country)
            .join(Commitment, Action.commitment_id == Commitment.id)
            .where(Action.id.in_(ids))
        ).all()
    )
    for action_id in dict.fromkeys(ids):
        if action_id not in found:
            problems.add("actions", f"there is no roadmap action {action_id}", "codes")
        elif country and found[action_id] != country:
            problems.add(
                "actions",
                f"roadmap action {action_id} is in {found[action_id]}'s roadmap, not "
                f"{country}'s: a practice informs actions of its own country",
                "codes",
            )
    return tuple(dict.fromkeys(ids))


def attach(session: Session, record: GoodPractice, checked: Checked) -> None:
    """Write the practice's links to roadmap actions (replacing any), in the open transaction."""
    session.execute(delete(GoodPracticeAction).where(GoodPracticeAction.practice_id == record.id))
    if checked.actions:
        session.execute(
            insert(GoodPracticeAction),
            [{"practice_id": record.id, "action_id": a} for a in checked.actions],
        )


def create(
    session: Session,
    actor: Actor,
    data: Mapping[str, Any],
    known_interventions: Collection[str] | None = None,
) -> GoodPractice:
    """A new draft good practice of the actor (who may edit its country's report)."""
    try:
        checked = clean(session, data, known_interventions)
    except BaseException:
        session.rollback()
        raise
    return records.create(
        session, actor, KIND, checked.values, lambda r: attach(session, r, checked)
    )


def edit(
    session: Session,
    actor: Actor,
    practice_id: int,
    data: Mapping[str, Any],
    known_interventions: Collection[str] | None = None,
) -> GoodPractice:
    """New values for a draft or returned good practice (and its roadmap links)."""
    try:
        records.editable(session, actor, KIND, practice_id)
        checked = clean(session, data, known_interventions)
    except BaseException:
        session.rollback()
        raise
    return records.edit(
        session,
        actor,
        KIND,
        practice_id,
        checked.values,
        lambda r: attach(session, r, checked),
    )


def link_actions(
    session: Session, actor: Actor, practice_id: int, action_ids: Collection[int]
) -> GoodPractice:
    """Set the roadmap actions an editable practice informs (its own country's only)."""
    try:
        practice = records.editable(session, actor, KIND, practice_id)
        problems = Problems()
        data = {"actions": [str(a) for a in action_ids]}
        actions = _action_ids(session, data, practice.country, problems)
        problems.raise_if_any()
    except BaseException:
        session.rollback()
        raise
    before = [a.id for a in linked_actions(session, practice_id)]
    with writing(session):
        attach(session, practice, Checked({}, actions))
        practice.updated_at = utcnow()
        audit(
            session,
            actor,
            "practice.link",
            KIND.entity,
            practice.id,
            country=practice.country,
            before={"actions": before},
            after={"actions": list(actions)},
        )
    return practice


def linked_actions(session: Session, practice_id: int) -> list[Action]:
    """The roadmap actions a practice informs (the caller decides who may see their titles:
    a roadmap is read with ``read_unpublished`` for its country)."""
    stmt = (
        select(Action)
        .join(GoodPracticeAction, GoodPracticeAction.action_id == Action.id)
        .where(GoodPracticeAction.practice_id == practice_id)
        .order_by(Action.id)
    )
    return list(session.execute(stmt).scalars())


def country_actions(session: Session, actor: Actor, country: str) -> list[Action]:
    """The actions of a country's roadmap, for the form's choices (``read_unpublished``)."""
    require(actor, "read_unpublished", country)
    stmt = (
        select(Action)
        .join(Commitment, Action.commitment_id == Commitment.id)
        .where(Commitment.country == country)
        .order_by(Commitment.id, Action.id)
    )
    return list(session.execute(stmt).scalars())


def themes_of(practice: GoodPractice) -> list[str]:
    return [t for t in (practice.themes or "").split(";") if t]
