"""The directory of services: its checks (type, contact shapes, languages, a checked date not in
the future), the shared review cycle, and what a country profile is given."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from target87 import reporting
from target87.library import records, services
from target87.library.models import ServiceEntry
from target87.library.records import RecordFilters
from tests.library import records_support as support
from tests.library.records_support import SERVICE

rec_db, rec_db_both = support.rec_db, support.rec_db_both  # fixtures

KIND = services.KIND


def test_an_entry_is_written_indexed_published_and_shown_for_its_country(rec_db_both):
    db = rec_db_both
    with db.session() as s:
        focal = db.actor(s, "focal.npl")
        entry = services.create(s, focal, SERVICE)
        sid = entry.id
        assert entry.checked_on == date(2026, 1, 15) and entry.languages == "ne;en"
        assert "helplin" in entry.index_title and "telephon" in entry.index_text
        assert services.for_country(s, "NPL") == []  # not yet published
        records.move(s, focal, KIND, sid, "submit")
        records.move(s, db.actor(s, "admin"), KIND, sid, "publish")
        shown = services.for_country(s, "NPL")
        assert [e.name for e in shown] == ["National child helpline"]
        assert services.for_country(s, "UGA") == []
        public = reporting.Actor(None)
        hotlines = RecordFilters(service_type="hotline")
        assert [e.id for e in records.list_records(s, public, KIND, hotlines)] == [sid]
        shelters = RecordFilters(service_type="shelter")
        assert records.list_records(s, public, KIND, shelters) == []
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            body = conn.execute(text("SELECT body FROM service_fts WHERE rowid = :i"), {"i": sid})
            assert "kathmandu" in body.scalar()


def test_every_bad_field_is_named_and_nothing_is_saved(rec_db):
    before = rec_db.audit_count()
    bad = {
        **SERVICE,
        "name": " ",
        "service_type": "spa",
        "phone": "call us",
        "email": "help at helpline",
        "website": "helpline.example.org",
        "languages": "ne;english",
        "source": "",
        "checked_on": "2999-01-01",
        "country": "ATLANTIS",
    }
    with rec_db.session() as s, pytest.raises(reporting.ValidationFailed) as caught:
        services.create(s, rec_db.actor(s, "focal.npl"), bad)
    by_field = {p.field: p.message for p in caught.value.problems}
    assert set(by_field) == {
        "name",
        "service_type",
        "phone",
        "email",
        "website",
        "languages",
        "source",
        "checked_on",
        "country",
    }
    assert "in the future" in by_field["checked_on"]
    assert "'english' is not a known language code" in by_field["languages"]
    assert "one of national_rapporteur" in by_field["service_type"]
    with rec_db.session() as s:
        assert s.execute(select(ServiceEntry)).all() == []
    assert rec_db.audit_count() == before


@pytest.mark.parametrize("value", ["15/01/2026", "2026-13-01", "yesterday"])
def test_a_checked_date_must_be_a_date(rec_db, value):
    with rec_db.session() as s, pytest.raises(reporting.ValidationFailed, match="YYYY-MM-DD"):
        services.create(s, rec_db.actor(s, "focal.npl"), {**SERVICE, "checked_on": value})


def test_the_directory_cycle_refuses_wrong_roles_and_states(rec_db):
    with rec_db.session() as s:
        sid = services.create(s, rec_db.actor(s, "admin"), {**SERVICE, "country": "UGA"}).id
        with pytest.raises(reporting.Forbidden):
            services.edit(s, rec_db.actor(s, "focal.npl"), sid, SERVICE)
        with pytest.raises(reporting.Forbidden):
            records.move(s, rec_db.actor(s, "focal.npl"), KIND, sid, "submit")
        uga = rec_db.actor(s, "focal.uga")
        edited = services.edit(s, uga, sid, {**SERVICE, "country": "UGA", "phone": "116"})
        assert edited.phone == "116"
        with pytest.raises(reporting.Forbidden):  # moving it to a country not its own
            services.edit(s, uga, sid, SERVICE)
        records.move(s, uga, KIND, sid, "submit")
        with pytest.raises(reporting.Forbidden):
            records.move(s, uga, KIND, sid, "publish")
        with pytest.raises(reporting.StateError):
            records.move(s, uga, KIND, sid, "submit")
        assert s.get(ServiceEntry, sid).country == "UGA"
