"""Roadmaps: every field checked and named, overdue actions, audited CRUD, locking, rights."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy.orm import Session

from target87 import reporting
from target87.reporting.action_fields import clean_action

from .conftest import actor, audit

SERIES = {"SL_TLF_CHLDEC", "NAT_LAB_INSP"}
GOOD = {
    "title": "Train inspectors",
    "owner_institution": "Ministry of Labour",
    "start_date": "2024-01-01",
    "due_date": "2024-12-31",
    "budget_amount": "150000",
    "budget_currency": "npr",
    "funded_share": "0.25",
    "status": "under_way",
    "targets": [{"series": "NAT_LAB_INSP", "target_value": "1200", "target_year": "2025"}],
}


def test_a_good_action_is_typed():
    clean, problems = clean_action(GOOD, SERIES)
    assert problems == []
    assert clean["start_date"] == date(2024, 1, 1) and clean["budget_amount"] == 150000.0
    assert clean["budget_currency"] == "NPR" and clean["funded_share"] == 0.25
    assert clean["targets"] == [
        {"series": "NAT_LAB_INSP", "target_value": 1200.0, "target_year": 2025}
    ]


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"title": " "}, "title", "required"),
        ({"owner_institution": None}, "owner_institution", "required"),
        ({"start_date": "31/01/2024"}, "start_date", "not a date"),
        ({"due_date": "2023-12-31"}, "due_date", "before the start"),
        ({"budget_amount": "lots"}, "budget_amount", "not a number"),
        ({"budget_amount": "-5"}, "budget_amount", "0 or more"),
        ({"budget_currency": "RUPEES"}, "budget_currency", "ISO 4217"),
        ({"budget_currency": ""}, "budget_currency", "needs its currency"),
        ({"funded_share": "1.5"}, "funded_share", "from 0 to 1"),
        ({"funded_share": "nan"}, "funded_share", "not a number"),
        ({"status": "finished"}, "status", "planned, under_way, done, delayed, dropped"),
        ({"colour": "red"}, "colour", "not a field"),
        ({"targets": [{"series": "NOPE", "target_value": 1, "target_year": 2025}]},
         "targets.0.series", "unknown series"),
        ({"targets": [{"series": "NAT_LAB_INSP", "target_value": -1, "target_year": 2025}]},
         "targets.0.target_value", ">= 0"),
        ({"targets": [{"series": "NAT_LAB_INSP", "target_value": 1, "target_year": 1999}]},
         "targets.0.target_year", "2000-2100"),
    ],
)  # fmt: skip
def test_each_bad_field_is_named(change, field, words):
    _clean, problems = clean_action({**GOOD, **change}, SERIES)
    assert [p.field for p in problems] == [field]
    assert words in problems[0].message


def test_overdue_is_past_due_and_still_open():
    def act(due, status):
        return SimpleNamespace(due_date=due, status=status)

    today = date(2025, 3, 1)
    late = act(date(2025, 2, 28), "under_way")
    delayed = act(date(2024, 1, 1), "delayed")
    actions = [
        late,
        delayed,
        act(date(2025, 3, 1), "planned"),  # due today: not yet overdue
        act(date(2024, 1, 1), "done"),
        act(date(2024, 1, 1), "dropped"),
        act(None, "planned"),
    ]
    assert reporting.overdue(actions, today) == [late, delayed]


def test_crud_writes_one_audit_event_each(db):
    fp = actor(db, "focal.npl")
    commitment = reporting.create_commitment(db, fp, "NPL", "Free every child from the kilns")
    action = reporting.create_action(db, fp, commitment.id, GOOD)
    action = reporting.update_action(
        db, fp, action.id, action.version, {"status": "done", "targets": []}
    )
    assert action.status == "done" and action.targets == [] and action.version == 2
    reporting.update_commitment(db, fp, commitment.id, commitment.version, "Kilns free by 2025")
    reporting.delete_action(db, fp, action.id, action.version)
    reporting.delete_commitment(db, fp, commitment.id, commitment.version)
    events = audit(db, country="NPL", user_id=fp.user.id)
    assert [e.action for e in events] == [
        "commitment.add",
        "action.add",
        "action.edit",
        "commitment.edit",
        "action.delete",
        "commitment.delete",
    ]
    edit = events[2]
    assert edit.before_data["status"] == "under_way" and edit.after_data["status"] == "done"
    assert edit.before_data["targets"][0]["target_value"] == 1200.0
    assert events[-1].before_data["title"] == "Kilns free by 2025"


def test_a_commitment_with_actions_is_not_deleted(db):
    fp = actor(db, "focal.npl")
    (first, _second) = reporting.roadmap(db, fp, "NPL")
    with pytest.raises(reporting.ValidationFailed, match="drop it instead"):
        reporting.delete_commitment(db, fp, first.id, first.version)


def test_stale_version_is_a_conflict_naming_who_and_when(rep_engine):
    with Session(rep_engine) as one, Session(rep_engine) as two:
        action_id = reporting.roadmap(one, actor(one, "focal.npl"), "NPL")[0].actions[0].id
        seen = one.get(reporting.models.Action, action_id).version
        admin = actor(two, "admin")
        reporting.update_action(two, admin, action_id, seen, {"progress_notes": "150 trained"})
        with pytest.raises(reporting.ConflictError) as info:
            fp = actor(one, "focal.npl")
            reporting.update_action(one, fp, action_id, seen, {"status": "done"})
    message = str(info.value)
    assert "Demo Administrator <admin@demo.target87.org>" in message
    assert "UTC" in message and f"you had version {seen}" in message
    with Session(rep_engine) as check:
        action = check.get(reporting.models.Action, action_id)
        assert (action.status, action.progress_notes) == ("under_way", "150 trained")


def test_only_the_countrys_focal_point_or_an_admin_edits_its_roadmap(db):
    commitment = reporting.roadmap(db, actor(db, "focal.npl"), "NPL")[0]
    events = len(audit(db))
    for who in ("focal.uga", "viewer.npl", "secretariat", None):
        someone = actor(db, who)
        with pytest.raises(reporting.Forbidden):
            reporting.create_commitment(db, someone, "NPL", "Injected")
        with pytest.raises(reporting.Forbidden):
            reporting.update_action(db, someone, commitment.actions[0].id, None, {"status": "x"})
        with pytest.raises(reporting.Forbidden):
            reporting.delete_action(db, someone, commitment.actions[0].id, None)
        if who in ("focal.uga", None):  # nor may they read it
            with pytest.raises(reporting.Forbidden):
                reporting.roadmap(db, someone, "NPL")
    assert len(audit(db)) == events
