"""What the tests of good practices and directory entries share (no tests here): a migrated
database on each engine with three countries, a region, the five roles, and a roadmap action
in Nepal and in Uganda, made through the reporting room's own functions."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from target87 import reporting, store
from target87.reporting.models import AuditEvent
from target87.reporting.roadmap import create_action, create_commitment
from target87.store.models import Area

PASSWORD = "records test password 87"
ACCOUNTS = (  # (name, role, country)
    ("admin", "admin", None),
    ("secretariat", "secretariat", None),
    ("focal.npl", "focal_point", "NPL"),
    ("viewer.npl", "viewer", "NPL"),
    ("focal.uga", "focal_point", "UGA"),
)


@dataclass
class RecordsDb:
    engine: object
    users: dict[str, int]
    actions: dict[str, int]  # country -> the id of one action of its roadmap

    def session(self) -> Session:
        return Session(self.engine)

    def actor(self, session: Session, name: str | None) -> reporting.Actor:
        if name is None:
            return reporting.Actor(None)
        return reporting.Actor(session.get(reporting.User, self.users[name]))

    def audit_count(self) -> int:
        with self.session() as s:
            return s.execute(select(func.count(AuditEvent.id))).scalar()


def seed(engine) -> RecordsDb:
    system = reporting.Actor(None, None, system="tests")
    with Session(engine) as s:
        for code, kind, en, fr, es in (
            ("NPL", "country", "Nepal", "Népal", "Nepal"),
            ("UGA", "country", "Uganda", "Ouganda", "Uganda"),
            ("CIV", "country", "Côte d'Ivoire", "Côte d'Ivoire", "Côte d'Ivoire"),
            ("WLD", "world", "World", "Monde", "Mundo"),
        ):
            s.add(Area(code=code, kind=kind, name_en=en, name_fr=fr, name_es=es))
        s.commit()
        users = {}
        for name, role, country in ACCOUNTS:
            user = reporting.create_user(
                s, system, f"{name}@records.test", name, PASSWORD, role, country
            )
            users[name] = user.id
        actions = {}
        for country in ("NPL", "UGA"):
            commitment = create_commitment(s, system, country, f"End child labour in {country}")
            action = create_action(
                s,
                system,
                commitment.id,
                {"title": f"Inspect farms in {country}", "owner_institution": "Labour ministry",
                 "status": "planned"},
            )  # fmt: skip
            actions[country] = action.id
    return RecordsDb(engine, users, actions)


_TEMPLATE: dict[str, tuple[str, RecordsDb]] = {}


@pytest.fixture
def rec_db(tmp_path_factory, tmp_path) -> RecordsDb:
    """SQLite, seeded once per run and copied per test (a migration takes seconds)."""
    if "db" not in _TEMPLATE:
        path = tmp_path_factory.mktemp("records") / "template.sqlite"
        engine = store.make_engine(f"sqlite:///{path}")
        store.migrate(engine)
        _TEMPLATE["db"] = (str(path), seed(engine))
        engine.dispose()
    path, made = _TEMPLATE["db"]
    copy = tmp_path / "records.sqlite"
    shutil.copyfile(path, copy)
    engine = store.make_engine(f"sqlite:///{copy}")
    yield RecordsDb(engine, made.users, made.actions)
    engine.dispose()


@pytest.fixture
def rec_db_both(db_url) -> RecordsDb:
    """A fresh database on each engine (PostgreSQL when the tests have one)."""
    engine = store.make_engine(db_url)
    store.migrate(engine)
    yield seed(engine)
    engine.dispose()


PRACTICE = {
    "title": "Community child labour monitoring in brick kilns",
    "country": "NPL",
    "language": "en",
    "intervention": "Community monitoring committees visit kilns every month",
    "intervention_type": "cct",
    "target_group": "Children aged 5 to 17 in brick kiln families",
    "what_was_done": "Committees trained, kilns registered, children referred to school",
    "results": "Enrolment rose and fewer children were found working",
    "evidence": "Monitoring records and an external evaluation",
    "lessons": "Kiln owners must be part of the committees",
    "contact": "info@ministry.example.org",
    "themes": "child_labour;education",
    "source_url": "https://www.example.org/practice",
}
SERVICE = {
    "name": "National child helpline",
    "country": "NPL",
    "language": "en",
    "service_type": "hotline",
    "description": "Free telephone line for children at risk, open day and night",
    "phone": "+977 1098",
    "email": "help@helpline.example.org",
    "website": "https://helpline.example.org",
    "address": "Kathmandu",
    "languages": "ne;en",
    "source": "Ministry of Women, Children and Senior Citizens website",
    "checked_on": "2026-01-15",
    "source_url": "https://www.example.org/helpline",
}
