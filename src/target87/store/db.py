"""Where the database lives, how to connect, and how to bring its schema up to date."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

ENV_DATABASE_URL = "TARGET87_DATABASE_URL"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def default_database_url() -> str:
    """A SQLite file in the user's data directory (platformdirs)."""
    from platformdirs import user_data_path

    path = user_data_path("target87", appauthor=False) / "target87.sqlite"
    return f"sqlite:///{path}"


def resolve_database_url(explicit: str | None = None) -> str:
    """``--database-url`` first, then ``TARGET87_DATABASE_URL``, then the default file."""
    return explicit or os.environ.get(ENV_DATABASE_URL) or default_database_url()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # 64 MB page cache: big loads update three indexes; the default 2 MB thrashes.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url``; creates the folder of a SQLite file and enforces foreign keys."""
    url = resolve_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # No cap on connections: a web request may hold one while it waits for a worker thread,
        # and a capped pool then deadlocks against the thread pool (40 threads). A SQLite
        # connection is a file handle; a writer waits up to 30 s for the lock, not 5.
        on_file = bool(parsed.database) and parsed.database != ":memory:"
        engine = create_engine(
            url, connect_args={"timeout": 30}, **({"max_overflow": -1} if on_file else {})
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; SQLAlchemy would otherwise look for psycopg2.
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    # More connections than the web server's 40 threads (see above), within PostgreSQL's
    # default 100 for two workers.
    return create_engine(url, max_overflow=40)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> tuple[str | None, str]:
    """Upgrade the schema to the newest migration; returns (revision before, revision after).

    An empty SQLite database gets, after the first in a process, a copy of the first one as
    the migrations left it: the same pages, in a few milliseconds instead of a few hundred
    (Alembic builds and compiles every table of every migration in Python; issue 22). The
    copy is keyed by the migration files' contents, so an edited migration is run again.
    """
    before = current_revision(engine)
    key = _empty_sqlite_key(engine) if before is None else None
    if key in _MIGRATED_EMPTY:
        image, head = _MIGRATED_EMPTY[key]
        _restore(engine, image)
        return before, head
    command.upgrade(alembic_config(engine), "head")
    head = head_revision()
    if key:
        _MIGRATED_EMPTY[key] = (_serialize(engine), head)
    return before, head


# Migration-file digest -> an empty SQLite database migrated to head (``serialize()``d), and
# the head revision.
_MIGRATED_EMPTY: dict[str, tuple[bytes, str]] = {}


def _empty_sqlite_key(engine: Engine) -> str | None:
    """The digest of the migration files when ``engine`` is an empty SQLite database that
    can take a copy (the driver serializes), else None."""
    if engine.dialect.name != "sqlite" or not hasattr(sqlite3.Connection, "deserialize"):
        return None
    with engine.connect() as conn:
        if conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar():
            return None
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS_DIR.rglob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _serialize(engine: Engine) -> bytes:
    raw = engine.raw_connection()
    try:
        return raw.driver_connection.serialize()
    finally:
        raw.close()


def _restore(engine: Engine, image: bytes) -> None:
    template = sqlite3.connect(":memory:")
    try:
        template.deserialize(image)
        raw = engine.raw_connection()
        try:
            template.backup(raw.driver_connection)
        finally:
            raw.close()
    finally:
        template.close()
