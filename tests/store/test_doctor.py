"""`target87 doctor` on real databases: a fresh one passes every check; each kind of damage
it claims to see (orphans, a readable key file, an old schema, a missing file) is seen."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command

from target87 import store
from target87.ingest import init_database
from target87.store.db import alembic_config
from target87.store.doctor import FAIL, OK, WARN, run_checks

TARGET87 = Path(sys.executable).with_name("target87")


def _by_name(checks):
    return {c.name: c for c in checks}


def _key(tmp_path: Path, mode: int) -> Path:
    key = tmp_path / "instance-secret.key"
    key.write_bytes(os.urandom(32))
    key.chmod(mode)
    return key


def test_a_fresh_database_passes_every_check(loaded_engine, db_url, tmp_path):
    checks = run_checks(db_url, key_file=_key(tmp_path, 0o600))
    assert [c.status for c in checks if c.status != OK] in ([], [WARN]), checks
    named = _by_name(checks)
    assert named["schema version"].status == OK
    assert named["integrity"].status == OK
    assert named["orphan rows"].status == OK
    if loaded_engine.dialect.name == "sqlite":
        assert named["integrity"].detail == "PRAGMA integrity_check: ok"
        # the check itself, not only our reading of it: no "NULL value in ..." reports
        with sqlite3.connect(loaded_engine.url.database) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_the_command_exits_0_on_a_fresh_database_and_1_on_damage(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    engine = store.make_engine(url)
    init_database(engine)
    env = {**os.environ, "TARGET87_DATA_DIR": str(tmp_path)}
    _key(tmp_path, 0o600)
    ok = subprocess.run(
        [str(TARGET87), "--database-url", url, "doctor"], capture_output=True, text=True, env=env
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "FAIL" not in ok.stdout and "integrity_check: ok" in ok.stdout
    engine.dispose()
    with sqlite3.connect(tmp_path / "w.sqlite") as raw:  # a source renamed under its rows
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute(
            "UPDATE source SET id = 'renamed_away' "
            "WHERE id = (SELECT source FROM observation LIMIT 1)"
        )
    engine.dispose()
    bad = subprocess.run(
        [str(TARGET87), "--database-url", url, "doctor"], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 1, bad.stdout
    assert "FAIL" in bad.stdout and "observation.source -> source.id" in " ".join(
        bad.stdout.split()
    )


def test_a_key_file_others_can_read_fails(loaded_engine, db_url, tmp_path):
    named = _by_name(run_checks(db_url, key_file=_key(tmp_path, 0o644)))
    assert named["key file"].status == FAIL
    assert "0644" in named["key file"].detail and "chmod 600" in named["key file"].detail


def test_an_old_schema_is_a_warning_that_says_how_to_migrate(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = store.make_engine(url)
    command.upgrade(alembic_config(engine), "0004")
    engine.dispose()
    named = _by_name(run_checks(url, key_file=_key(tmp_path, 0o600)))
    assert named["schema version"].status == WARN
    assert "target87 init" in named["schema version"].detail


def test_a_missing_database_file_fails_and_says_how_to_create_it(tmp_path):
    checks = run_checks(f"sqlite:///{tmp_path / 'none.sqlite'}", key_file=_key(tmp_path, 0o600))
    assert checks[0].status == FAIL and "target87 init" in checks[0].detail
    assert not (tmp_path / "none.sqlite").exists()  # looking did not create it


@pytest.mark.parametrize("revision", ["0004"])
def test_migration_0005_leaves_the_sqlite_integrity_check_clean(tmp_path, revision):
    """Before 0005 the key columns of `observation` were not first; SQLite (3.40 here) then
    reported tens of thousands of NULLs that are not there. After it: 'ok'."""
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    engine = store.make_engine(url)
    init_database(engine)
    command.downgrade(alembic_config(engine), revision)
    with engine.connect() as conn:
        nulls = conn.exec_driver_sql("SELECT count(*) FROM observation WHERE value IS NULL")
        assert nulls.scalar() == 0
    store.migrate(engine)
    with sqlite3.connect(tmp_path / "w.sqlite") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    engine.dispose()
