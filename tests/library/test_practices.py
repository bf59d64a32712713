"""Good practices: the review cycle by role, visibility, the roadmap links, the stemmed index
written with the row, the audit trail, and forms refused whole with each field named."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from target87 import reporting
from target87.library import practices, records
from target87.library.models import GoodPractice, GoodPracticeAction
from target87.library.records import RecordFilters
from target87.reporting.models import AuditEvent
from tests.library import records_support as support
from tests.library.records_support import PRACTICE

rec_db, rec_db_both = support.rec_db, support.rec_db_both  # fixtures

KNOWN = ("cct", "uct", "school_feeding")
KIND = practices.KIND


def fts_rows(db, practice_id: int) -> list[tuple]:
    with db.engine.connect() as conn:
        return conn.execute(
            text("SELECT title, body FROM practice_fts WHERE rowid = :id"), {"id": practice_id}
        ).all()


def test_the_whole_cycle_on_both_engines_with_index_and_audit(rec_db_both):
    db = rec_db_both
    with db.session() as s:
        focal = db.actor(s, "focal.npl")
        data = {**PRACTICE, "actions": str(db.actions["NPL"])}
        made = practices.create(s, focal, data, KNOWN)
        pid = made.id
        assert made.status == "draft" and made.created_by == db.users["focal.npl"]
        assert "monitor" in made.index_title and "kiln" in made.index_title
        assert "committe" in made.index_text and "enrol" in made.index_text
        assert [a.id for a in practices.linked_actions(s, pid)] == [db.actions["NPL"]]
        records.move(s, focal, KIND, pid, "submit")
        secretariat = db.actor(s, "secretariat")
        assert [r.id for r in records.review_queue(s, secretariat, KIND)] == [pid]
        with pytest.raises(reporting.ValidationFailed, match="say what must change"):
            records.move(s, secretariat, KIND, pid, "return", "  ")
        back = records.move(s, secretariat, KIND, pid, "return", "Add the evaluation's link")
        assert back.status == "returned" and back.review_note == "Add the evaluation's link"
        edited = practices.edit(s, focal, pid, {**data, "results": "Enrolment rose by a third"})
        assert edited.status == "draft" and "third" in edited.index_text
        records.move(s, focal, KIND, pid, "submit")
        published = records.move(s, secretariat, KIND, pid, "publish")
        assert published.status == "published" and published.published_at is not None
        assert published.reviewed_by == db.users["secretariat"]
        actions = s.execute(
            select(AuditEvent.action).where(AuditEvent.entity_type == "good_practice")
        ).scalars()
        assert list(actions) == [
            "practice.create",
            "practice.submit",
            "practice.return",
            "practice.edit",
            "practice.submit",
            "practice.publish",
        ]
        public = reporting.Actor(None)
        assert records.get_record(s, public, KIND, pid).title == PRACTICE["title"]
    if db.engine.dialect.name == "sqlite":
        assert fts_rows(db, pid)[0][0].startswith("communiti")


@pytest.mark.parametrize(
    ("who", "may_edit", "may_read"),
    [
        (None, False, False),
        ("focal.npl", True, True),
        ("focal.uga", False, False),
        ("viewer.npl", False, True),
        ("secretariat", False, True),
        ("admin", True, True),
    ],
)
def test_each_role_writes_and_reads_what_its_rights_say(rec_db, who, may_edit, may_read):
    with rec_db.session() as s:
        pid = practices.create(s, rec_db.actor(s, "focal.npl"), PRACTICE).id
        actor = rec_db.actor(s, who)
        if may_read:
            assert records.get_record(s, actor, KIND, pid).id == pid
        else:
            with pytest.raises(reporting.Forbidden):
                records.get_record(s, actor, KIND, pid)
        listed = [r.id for r in records.list_records(s, actor, KIND)]
        assert (pid in listed) is may_read
        new_title = {**PRACTICE, "title": "Changed by " + str(who)}
        if may_edit:
            assert practices.edit(s, actor, pid, new_title).title == new_title["title"]
        else:
            with pytest.raises(reporting.Forbidden):
                practices.edit(s, actor, pid, new_title)
            assert s.get(GoodPractice, pid).title == PRACTICE["title"]


def test_only_reviewers_return_and_publish_and_states_are_kept(rec_db):
    with rec_db.session() as s:
        focal = rec_db.actor(s, "focal.npl")
        pid = practices.create(s, focal, PRACTICE).id
        with pytest.raises(reporting.StateError, match="only a submitted one"):
            records.move(s, rec_db.actor(s, "admin"), KIND, pid, "publish")
        records.move(s, focal, KIND, pid, "submit")
        for who in ("focal.npl", "viewer.npl", "focal.uga"):
            with pytest.raises(reporting.Forbidden):
                records.move(s, rec_db.actor(s, who), KIND, pid, "publish")
        with pytest.raises(reporting.StateError, match="cannot be edited"):
            practices.edit(s, focal, pid, PRACTICE)
        with pytest.raises(reporting.StateError, match="only a draft"):
            records.delete_draft(s, focal, KIND, pid, practices.STORED)
        with pytest.raises(reporting.Forbidden):
            records.review_queue(s, focal, KIND)
        assert s.get(GoodPractice, pid).status == "submitted"


def test_a_draft_is_deleted_with_its_links_and_index_row(rec_db):
    with rec_db.session() as s:
        focal = rec_db.actor(s, "focal.npl")
        data = {**PRACTICE, "actions": [str(rec_db.actions["NPL"])]}
        pid = practices.create(s, focal, data).id
        assert fts_rows(rec_db, pid)
        with pytest.raises(reporting.Forbidden):
            records.delete_draft(s, rec_db.actor(s, "focal.uga"), KIND, pid, practices.STORED)
        records.delete_draft(s, focal, KIND, pid, practices.STORED)
        assert s.get(GoodPractice, pid) is None
        assert s.execute(select(GoodPracticeAction)).all() == []
    assert fts_rows(rec_db, pid) == []


def test_a_bad_form_names_every_field_and_saves_nothing(rec_db):
    before = rec_db.audit_count()
    with rec_db.session() as s:
        focal = rec_db.actor(s, "focal.npl")
        bad = {
            **PRACTICE,
            "title": "",
            "country": "WLD",
            "language": "de",
            "intervention_type": "magic",
            "themes": "child_labour;astrology",
            "source_url": "not a link",
            "results": "x" * 20_001,
            "actions": f"{rec_db.actions['UGA']};abc;99999",
        }
        with pytest.raises(reporting.ValidationFailed) as caught:
            practices.create(s, focal, bad, KNOWN)
        fields = sorted({p.field for p in caught.value.problems})
        assert fields == [
            "actions",
            "country",
            "intervention_type",
            "language",
            "results",
            "source_url",
            "themes",
            "title",
        ]
        messages = " | ".join(p.message for p in caught.value.problems)
        assert "'WLD' is not a country code" in messages
        assert "'astrology' is not a known theme" in messages
        assert "there is no roadmap action 99999" in messages
        assert "'abc' is not a roadmap action's number" in messages
        assert s.execute(select(GoodPractice)).all() == []
    assert rec_db.audit_count() == before


def test_links_to_actions_of_another_country_are_refused(rec_db):
    with rec_db.session() as s:
        focal = rec_db.actor(s, "focal.npl")
        pid = practices.create(s, focal, PRACTICE).id
        with pytest.raises(reporting.ValidationFailed, match="UGA's roadmap, not NPL's"):
            practices.link_actions(s, focal, pid, [rec_db.actions["UGA"]])
        practices.link_actions(s, focal, pid, [rec_db.actions["NPL"]])
        assert [a.id for a in practices.linked_actions(s, pid)] == [rec_db.actions["NPL"]]
        practices.link_actions(s, focal, pid, [])
        assert practices.linked_actions(s, pid) == []


def test_a_failure_inside_the_transaction_leaves_no_row_no_index_no_event(rec_db, monkeypatch):
    before = rec_db.audit_count()

    def broken(*args, **kwargs):
        raise RuntimeError("index write failed")

    monkeypatch.setattr(records, "index_row", broken)
    with rec_db.session() as s, pytest.raises(RuntimeError):
        practices.create(s, rec_db.actor(s, "focal.npl"), PRACTICE)
    with rec_db.session() as s:
        assert s.execute(select(GoodPractice)).all() == []
    assert rec_db.audit_count() == before


def test_lists_filter_by_country_status_and_whole_theme_codes(rec_db_both):
    rec_db = rec_db_both
    with rec_db.session() as s:
        npl = practices.create(s, rec_db.actor(s, "focal.npl"), PRACTICE).id
        uga_data = {**PRACTICE, "country": "UGA", "themes": "forced_labour", "language": "fr"}
        uga = practices.create(s, rec_db.actor(s, "focal.uga"), uga_data).id
        admin = rec_db.actor(s, "admin")

        def ids(**filters):
            return [r.id for r in records.list_records(s, admin, KIND, RecordFilters(**filters))]

        assert sorted(ids()) == sorted([npl, uga])
        assert ids(country="uga") == [uga]
        assert ids(theme="forced_labour") == [uga]
        assert ids(theme="labour") == []  # a part of a code is not a code
        assert ids(theme="education") == [npl]
        assert ids(language="fr") == [uga]
        assert ids(status="published") == []
        assert records.list_records(s, reporting.Actor(None), KIND) == []
