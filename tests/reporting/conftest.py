"""A loaded warehouse with the demonstration accounts and data, per test, on SQLite and on
PostgreSQL (the ``db_url`` pattern of tests/conftest.py).

Loading the snapshot and hashing five passwords takes seconds, so each backend builds it once
per run: SQLite as a file copied for every test, PostgreSQL as a template database each test's
database is created from. Tests change their own copy only.
"""

from __future__ import annotations

import shutil
import uuid

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from target87 import reporting, store
from target87.ingest import init_database
from target87.reporting.models import AuditEvent
from tests.conftest import PG_URL

PASSWORD = "demo password 87"


def _build(url: str) -> None:
    engine = store.make_engine(url)
    init_database(engine)
    with Session(engine) as session:
        reporting.seed_demo(session, PASSWORD)
    engine.dispose()


def _admin():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("reporting") / "template.sqlite"
    _build(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def _postgres_template():
    name = f"t87_tpl_{uuid.uuid4().hex[:10]}"
    with _admin().connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    _build(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    yield name
    with _admin().connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def rep_url(request, tmp_path):
    """A database loaded with the snapshot and the demonstration set, on each backend."""
    if request.param == "sqlite":
        copy = tmp_path / "reporting.sqlite"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), copy)
        yield f"sqlite:///{copy}"
        return
    if not PG_URL:
        pytest.skip("no PostgreSQL server (run through `python3 dev.py test`)")
    template = request.getfixturevalue("_postgres_template")
    name = f"t87_{uuid.uuid4().hex[:12]}"
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def rep_engine(rep_url):
    engine = store.make_engine(rep_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(rep_engine):
    with Session(rep_engine) as session:
        yield session


def email(local: str) -> str:
    return f"{local}@{reporting.demo.DOMAIN}"


def actor(session: Session, local: str | None, ip: str = "192.0.2.10") -> reporting.Actor:
    """The demo account ``local`` (``focal.npl``, ``secretariat``...) acting; None: public."""
    if local is None:
        return reporting.Actor(None, ip)
    return reporting.Actor(reporting.find_user(session, email(local)), ip)


def cell(series: str, year: int = 2024, sex: str = "_T", age: str = "_T") -> str:
    return reporting.Cell(series, str(year), sex, age).field


CHLDEC_T = cell("SL_TLF_CHLDEC", age="Y5T17")
CHLDEC_F = cell("SL_TLF_CHLDEC", sex="F", age="Y5T17")
CHLDEC_M = cell("SL_TLF_CHLDEC", sex="M", age="Y5T17")
INSPECTIONS = cell("NAT_LAB_INSP")


def draft(session: Session, entries: dict | None = None, year: int = 2024):
    """Nepal's report for ``year`` as the focal point opens it, with ``entries`` saved."""
    fp = actor(session, "focal.npl")
    report = reporting.open_report(session, fp, "NPL", year)
    if entries:
        reporting.save_values(session, fp, report.id, entries, report.version)
    return reporting.get_report(session, fp, report.id)


def audit(session: Session, **where) -> list[AuditEvent]:
    """Audit events matching ``where`` (column=value), oldest first."""
    stmt = select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
    return list(session.execute(stmt).scalars())
