"""Report values from the web form: checked by the rules, located by field, audited, locked."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from target87 import reporting
from target87.reporting.models import Report

from .conftest import CHLDEC_F, CHLDEC_M, CHLDEC_T, INSPECTIONS, actor, audit, cell, draft


def fingerprint(session: Session, report_id: int) -> tuple:
    session.expire_all()
    report = session.get(Report, report_id)
    values = sorted(
        (v.series, v.time_period, v.sex, v.age, v.value, v.footnote) for v in report.values
    )
    return report.version, report.state, values, len(audit(session, report_id=report_id))


def test_form_values_are_stored_typed_with_one_event_each(db):
    entries = {
        CHLDEC_T: "15.3",
        CHLDEC_F: {"value": "16.1", "footnote": "National Child Labour Survey 2021"},
        CHLDEC_M: " 14.6 ",
        INSPECTIONS: {"value": "1180", "obs_status": "P"},
    }
    report = draft(db, entries)
    stored = {reporting.Cell.of(v).field: v for v in report.values}
    assert {f: v.value for f, v in stored.items()} == {
        CHLDEC_T: 15.3,
        CHLDEC_F: 16.1,
        CHLDEC_M: 14.6,
        INSPECTIONS: 1180.0,
    }
    assert stored[CHLDEC_F].footnote == "National Child Labour Survey 2021"
    assert (stored[INSPECTIONS].obs_status, stored[INSPECTIONS].nature) == ("P", "C")
    assert report.version == 2 and report.state == "draft"
    events = audit(db, report_id=report.id, action="value.add")
    assert sorted(e.entity_id for e in events) == sorted(f"{report.id}:{f}" for f in entries)
    assert all(e.before is None and e.country == "NPL" for e in events)


def test_blank_entries_clear_and_an_unchanged_save_changes_nothing(db):
    fp = actor(db, "focal.npl")
    report = draft(db, {CHLDEC_T: "15.3", CHLDEC_F: "16.1"})
    result = reporting.save_values(db, fp, report.id, {CHLDEC_T: "", CHLDEC_F: "16"}, 2)
    assert (result.changed, result.version) == (2, 3)
    deleted, edited = audit(db, report_id=report.id)[-2:]
    assert deleted.action == "value.delete" and deleted.before_data["value"] == 15.3
    assert edited.action == "value.edit"
    assert (edited.before_data["value"], edited.after_data["value"]) == (16.1, 16.0)
    again = reporting.save_values(db, fp, report.id, {CHLDEC_F: "16.0"}, 3)
    assert (again.changed, again.version) == (0, 3)


def test_errors_come_back_by_field_and_nothing_is_saved(db):
    report = draft(db, {CHLDEC_T: "15.3"})
    before = fingerprint(db, report.id)
    future = cell("SL_TLF_CHLDEC", 2031, age="Y5T17")
    entries = {
        CHLDEC_T: "140",  # a percentage over 100
        CHLDEC_F: "12,5",  # a decimal comma
        INSPECTIONS: "-3",
        cell("SL_TLF_CHLDEC"): "3",  # age _T: not an agreed cell
        future: "2",
        cell("GE_CHLD_LAB"): "5",  # a series Nepal does not report
        "not a field": "1",
        CHLDEC_M: {"value": "12", "colour": "red"},
    }
    with pytest.raises(reporting.ValidationFailed) as info:
        reporting.save_values(db, actor(db, "focal.npl"), report.id, entries, report.version)
    found = {(p.field, p.rule) for p in info.value.errors}
    assert found == {
        (CHLDEC_T, "range"),
        (CHLDEC_F, "type"),
        (INSPECTIONS, "range"),
        (cell("SL_TLF_CHLDEC"), "breakdown"),
        (future, "not_future"),
        (future, "report_year"),
        (cell("GE_CHLD_LAB"), "agreed"),
        ("not a field", "field"),
        (CHLDEC_M, "field"),
    }
    by_field = {p.field: p for p in info.value.errors}
    assert by_field[CHLDEC_T].column == "value" and "percentage range 0-100" in (
        by_field[CHLDEC_T].message
    )
    assert "F/Y5T17, M/Y5T17, _T/Y5T17" in by_field[cell("SL_TLF_CHLDEC")].message
    assert fingerprint(db, report.id) == before


def test_warnings_are_returned_and_do_not_block(db):
    fp = actor(db, "focal.npl")
    report = draft(db)
    entries = {CHLDEC_T: "30", CHLDEC_F: "10", CHLDEC_M: "12"}  # total outside girls..boys
    result = reporting.save_values(db, fp, report.id, entries, report.version)
    assert result.changed == 3
    assert [(w.field, w.rule, w.severity) for w in result.warnings] == [
        (CHLDEC_T, "bracket", "warning")
    ]


def test_a_stale_version_is_refused_naming_who_saved_and_when(rep_engine):
    with Session(rep_engine) as s:
        report_id = draft(s, {CHLDEC_T: "15.3"}).id
    with Session(rep_engine) as mine, Session(rep_engine) as theirs:
        seen = reporting.get_report(mine, actor(mine, "focal.npl"), report_id).version
        reporting.save_values(theirs, actor(theirs, "admin"), report_id, {CHLDEC_T: "15.9"}, seen)
        with pytest.raises(reporting.ConflictError) as info:
            reporting.save_values(mine, actor(mine, "focal.npl"), report_id, {CHLDEC_T: "14"}, seen)
    assert "report NPL 2024 was changed by Demo Administrator <admin@demo.target87.org>" in str(
        info.value
    )
    assert info.value.changed_at is not None and (info.value.expected, info.value.current) == (
        seen,
        seen + 1,
    )
    with Session(rep_engine) as s:
        assert [v.value for v in s.get(Report, report_id).values] == [15.9]


def test_two_saves_racing_past_the_check_cannot_both_win(rep_engine):
    """The UPDATE itself carries the version: a save that read the report before another
    committed fails at commit, even though its check saw no change."""
    with Session(rep_engine) as s:
        report_id = draft(s, {CHLDEC_T: "15.3"}).id
    with Session(rep_engine) as mine, Session(rep_engine) as theirs:
        fp = actor(mine, "focal.npl")
        held = reporting.get_report(mine, fp, report_id)  # read, kept in this session's map
        reporting.save_values(theirs, actor(theirs, "admin"), report_id, {CHLDEC_T: "15.9"}, None)
        with pytest.raises(reporting.ConflictError, match="changed by Demo Administrator"):
            reporting.save_values(mine, fp, report_id, {CHLDEC_F: "16"}, held.version)
    with Session(rep_engine) as s:
        report = s.get(Report, report_id)
        assert [(v.sex, v.value) for v in report.values] == [("_T", 15.9)]
        assert len(audit(s, report_id=report_id, action="value.add")) == 1


def test_only_the_countrys_focal_point_edits_its_report(db):
    report = draft(db, {CHLDEC_T: "15.3"})
    before = fingerprint(db, report.id)
    commitment = reporting.roadmap(db, actor(db, "admin"), "NPL")[0]
    for who in ("focal.uga", "viewer.npl", "secretariat", None):
        someone = actor(db, who)
        with pytest.raises(reporting.Forbidden):
            reporting.save_values(db, someone, report.id, {CHLDEC_T: "1"}, report.version)
        with pytest.raises(reporting.Forbidden):
            reporting.save_narrative(db, someone, report.id, commitment.id, "x", report.version)
        with pytest.raises(reporting.Forbidden):
            reporting.open_report(db, someone, "NPL", 2023)
        if who in ("focal.uga", None):
            with pytest.raises(reporting.Forbidden):
                reporting.get_report(db, someone, report.id)
            with pytest.raises(reporting.Forbidden):
                reporting.report_values(db, someone, report.id)
            assert reporting.list_reports(db, someone) == []
    assert fingerprint(db, report.id) == before


def test_narratives_per_commitment_are_saved_versioned_and_audited(db):
    fp = actor(db, "focal.npl")
    report = draft(db)
    kilns, courts = reporting.roadmap(db, fp, "NPL")
    text = "<script>alert(1)</script> 120 inspectors trained"  # stored as typed; pages escape
    result = reporting.save_narrative(db, fp, report.id, kilns.id, text, report.version)
    assert reporting.narratives(db, fp, report.id) == {kilns.id: text}
    (event,) = audit(db, report_id=report.id, action="narrative.edit")
    assert event.after_data == {"text": text} and event.before_data == {"text": None}
    other = reporting.create_commitment(db, actor(db, "focal.uga"), "UGA", "Uganda's own")
    with pytest.raises(reporting.ValidationFailed, match="not a commitment of this country"):
        reporting.save_narrative(db, fp, report.id, other.id, "x", result.version)
    reporting.save_narrative(db, fp, report.id, kilns.id, "", result.version)
    assert reporting.narratives(db, fp, report.id) == {}
    assert courts.id not in reporting.narratives(db, fp, report.id)
