"""Fixtures: a real SQLite file per test, a real PostgreSQL database per test where a server is
given (TARGET87_TEST_POSTGRES_URL, started by ``dev.py test``), and one loaded SQLite warehouse
shared by read-only tests."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from target87 import store
from target87.ingest import init_database

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
PG_URL = os.environ.get("TARGET87_TEST_POSTGRES_URL")
PG_REQUIRED = os.environ.get("CI") == "true" or bool(os.environ.get("TARGET87_REQUIRE_POSTGRES"))


def pytest_configure(config: pytest.Config) -> None:
    if PG_REQUIRED and not PG_URL:
        raise pytest.UsageError(
            "PostgreSQL is required in CI but TARGET87_TEST_POSTGRES_URL is not set: "
            "run the tests through `python3 dev.py test`, which starts a server."
        )


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Never touch the developer's real default database."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv(store.ENV_DATABASE_URL, raising=False)


def _postgres_database() -> tuple[str, str]:
    name = f"t87_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(name: str) -> None:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'target87.sqlite'}"
        return
    if not PG_URL:
        pytest.skip("no PostgreSQL server (run through `python3 dev.py test`)")
    url, name = _postgres_database()
    yield url
    _drop_postgres_database(name)


@pytest.fixture
def engine(db_url):
    eng = store.make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def loaded_engine(engine):
    init_database(engine)
    return engine


@pytest.fixture(scope="session")
def warehouse_url(tmp_path_factory) -> str:
    """One SQLite warehouse loaded with the bundled snapshot, for tests that only read."""
    url = f"sqlite:///{tmp_path_factory.mktemp('shared') / 'warehouse.sqlite'}"
    eng = store.make_engine(url)
    init_database(eng)
    eng.dispose()
    return url


@pytest.fixture
def session(warehouse_url):
    from sqlalchemy.orm import Session

    eng = store.make_engine(warehouse_url)
    with Session(eng) as s:
        yield s
    eng.dispose()
