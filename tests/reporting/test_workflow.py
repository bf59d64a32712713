"""Draft -> submitted -> returned (comments kept) | approved -> published, and who may move it."""

from __future__ import annotations

import pytest

from target87 import reporting
from target87.reporting.models import STATES
from target87.reporting.workflow import TRANSITIONS, next_state

from .conftest import CHLDEC_F, CHLDEC_T, actor, audit, cell, draft

ALLOWED = {
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "return"): "returned",
    ("submitted", "approve"): "approved",
    ("approved", "publish"): "published",
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("transition", list(TRANSITIONS))
def test_the_state_machine_allows_exactly_the_documented_moves(state, transition):
    if (state, transition) in ALLOWED:
        assert next_state(state, transition) == ALLOWED[(state, transition)]
    else:
        with pytest.raises(reporting.StateError):
            next_state(state, transition)


def values(report) -> list[tuple]:
    return sorted((v.series, v.sex, v.age, v.value, v.footnote) for v in report.values)


def test_the_whole_cycle_keeps_comments_and_approval_alters_no_value(db):
    fp, sec = actor(db, "focal.npl"), actor(db, "secretariat")
    report = draft(db, {CHLDEC_T: "15.3", CHLDEC_F: {"value": "16.1", "footnote": "NCLS"}})
    report = reporting.submit(db, fp, report.id, report.version)
    assert report.state == "submitted" and report.submitted_at is not None
    with pytest.raises(reporting.StateError, match="submitted: it can be edited only"):
        reporting.save_values(db, fp, report.id, {CHLDEC_T: "1"}, report.version)
    with pytest.raises(reporting.ValidationFailed, match="say what must change"):
        reporting.return_report(db, sec, report.id, "  ", report.version)
    report = reporting.return_report(db, sec, report.id, "Girls > total? Check.", report.version)
    assert report.state == "returned"
    saved = reporting.save_values(db, fp, report.id, {CHLDEC_T: "16.5"}, report.version)
    assert reporting.get_report(db, fp, report.id).state == "draft"  # editing reopens it
    report = reporting.submit(db, fp, report.id, saved.version)
    before = values(report)
    report = reporting.approve(db, sec, report.id, report.version, "Thank you.")
    db.expire_all()
    assert report.state == "approved" and values(report) == before  # approval alters nothing
    assert [(c.transition, c.text, c.author) for c in reporting.comments(db, fp, report.id)] == [
        ("return", "Girls > total? Check.", sec.label),
        ("approve", "Thank you.", sec.label),
    ]
    states = [
        (e.action, e.before_data, e.after_data.get("state"))
        for e in audit(db, report_id=report.id)
        if e.entity_type == "report"
    ]
    assert states == [
        ("report.create", None, "draft"),
        ("report.submit", {"state": "draft"}, "submitted"),
        ("report.return", {"state": "submitted"}, "returned"),
        ("report.reopen", {"state": "returned"}, "draft"),
        ("report.submit", {"state": "draft"}, "submitted"),
        ("report.approve", {"state": "submitted"}, "approved"),
    ]


def test_an_empty_report_cannot_be_submitted(db):
    report = draft(db)
    with pytest.raises(reporting.ValidationFailed, match="no values"):
        reporting.submit(db, actor(db, "focal.npl"), report.id, report.version)
    assert reporting.get_report(db, actor(db, "focal.npl"), report.id).state == "draft"


def test_only_the_focal_point_submits_and_only_the_secretariat_reviews_and_publishes(db):
    report = draft(db, {CHLDEC_T: "15.3"})
    for who in ("secretariat", "viewer.npl", "focal.uga", None):
        with pytest.raises(reporting.Forbidden):
            reporting.submit(db, actor(db, who), report.id, report.version)
    report = reporting.submit(db, actor(db, "focal.npl"), report.id, report.version)
    outsiders = ("focal.npl", "viewer.npl", "focal.uga", None)
    for who in outsiders:
        with pytest.raises(reporting.Forbidden):
            reporting.approve(db, actor(db, who), report.id, report.version)
        with pytest.raises(reporting.Forbidden):
            reporting.return_report(db, actor(db, who), report.id, "no", report.version)
    report = reporting.approve(db, actor(db, "secretariat"), report.id, report.version)
    for who in outsiders:
        with pytest.raises(reporting.Forbidden):
            reporting.publish(db, actor(db, who), report.id, report.version)
    assert reporting.get_report(db, actor(db, "admin"), report.id).state == "approved"
    other = draft(db, {cell("SL_TLF_CHLDEC", 2023, age="Y5T17"): "16.0"}, year=2023)
    assert reporting.submit(db, actor(db, "admin"), other.id, other.version).state == "submitted"


def test_a_stale_transition_is_a_conflict(db):
    fp, sec = actor(db, "focal.npl"), actor(db, "secretariat")
    report = draft(db, {CHLDEC_T: "15.3"})
    seen = report.version
    reporting.save_values(db, fp, report.id, {CHLDEC_T: "15.4"}, seen)
    with pytest.raises(reporting.ConflictError, match="Demo Focal Point, Nepal"):
        reporting.submit(db, fp, report.id, seen)
    report = reporting.submit(db, fp, report.id, seen + 1)
    with pytest.raises(reporting.StateError, match="a submitted report cannot be submit"):
        reporting.submit(db, fp, report.id, report.version)
    with pytest.raises(reporting.StateError):
        reporting.publish(db, sec, report.id, report.version)  # not approved yet
