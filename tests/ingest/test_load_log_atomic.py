"""The load log is part of the load's one transaction: a refused, crashed or killed load
leaves neither rows nor log behind (issue 15, item 5), and a real ``target87 load`` killed
with SIGKILL in the middle leaves the database as it was and passing ``target87 doctor``."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from target87.ingest import LoadError, init_database
from target87.interop import load_file
from tests.ingest.test_safe_load import BRA_2015, HEADER, NEW_ROW, table, write

TARGET87 = Path(sys.executable).parent / "target87"


def log_counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT count(*) FROM load_record")).scalar(),
            conn.execute(text("SELECT count(*) FROM load_change")).scalar(),
        )


def test_a_crash_after_the_deletes_and_the_log_leaves_neither(loaded_engine, tmp_path):
    before, logged = table(loaded_engine), log_counts(loaded_engine)

    def crash(stage, done, total):
        if stage == "observations":
            raise RuntimeError("simulated crash while the rows go in")

    # replace: 247 rows deleted and 2 logged before the new rows go in, then the crash.
    path = write(tmp_path, "two.csv", NEW_ROW, BRA_2015.format(value="5.5", note=""))
    with pytest.raises(RuntimeError, match="simulated crash"):
        load_file(loaded_engine, path, mode="replace", progress=crash)
    assert table(loaded_engine) == before
    assert log_counts(loaded_engine) == logged


def test_a_refused_load_logs_nothing(loaded_engine, tmp_path):
    before, logged = table(loaded_engine), log_counts(loaded_engine)
    path = write(
        tmp_path,
        "bad.csv",
        BRA_2015.format(value="5.5", note=""),
        BRA_2015.format(value="140", note="").replace(",2015,2015,2015,", ",2016,2016,2016,"),
    )
    with pytest.raises(LoadError, match="percentage"):
        load_file(loaded_engine, path, mode="replace")
    assert table(loaded_engine) == before
    assert log_counts(loaded_engine) == logged


def big_file(path: Path, rows: int) -> Path:
    """``rows`` valid rows of a bundled source with no row of this series yet."""
    from target87.interop.codes import _bundled_areas

    areas = [code for code, _iso3, _iso2, m49 in _bundled_areas() if m49 and len(code) == 3]
    lines = []
    for year in range(1950, 2021):
        for area in areas:
            for age in ("Y5T17", "Y5T14", "Y15T17", "Y10T17", "Y7T17"):
                for urb in ("_T", "U", "R"):
                    lines.append(
                        f"SL_TLF_CHLDEC,{area},{year},{year},{year},_T,{age},{urb},5.0,,,PT,0,"
                        "A,C,N,,ilab_tvpra_2022\n"
                    )
                    if len(lines) == rows:
                        path.write_text(HEADER + "".join(lines), encoding="utf-8")
                        return path
    raise AssertionError("not enough keys")


def fingerprint(engine) -> tuple:
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT count(*), sum(value) FROM observation")).one()[:],
            conn.execute(text("SELECT count(*) FROM load_record")).scalar(),
            conn.execute(text("SELECT count(*) FROM load_change")).scalar(),
        )


def _wait_mid_load_sqlite(db_path: Path, proc: subprocess.Popen) -> None:
    """Until the load's transaction has written (its rollback journal exists), then a while:
    the test holds a read lock, so the load can write but never commit."""
    journal = Path(f"{db_path}-journal")
    deadline = time.monotonic() + 120
    while not journal.exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the load never began writing"
        time.sleep(0.01)
    time.sleep(2)  # well into the rows (it cannot finish: the commit waits for our lock)


def _wait_mid_load_postgres(engine, proc: subprocess.Popen) -> None:
    """Until another session is inserting observations (the load's bulk insert)."""
    deadline = time.monotonic() + 120
    with engine.connect() as conn:
        while True:
            inserting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                    "AND state = 'active' AND query LIKE 'INSERT INTO observation %'"
                )
            ).scalar()
            conn.rollback()  # pg_stat_activity is read once per transaction
            if inserting:
                return
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the load never began inserting"
            time.sleep(0.01)


@pytest.mark.slow
def test_a_real_target87_load_killed_with_sigkill_changes_nothing(db_url, engine, tmp_path):
    init_database(engine)
    path = big_file(tmp_path / "big.csv", 100_000)
    before = fingerprint(engine)
    sqlite = engine.dialect.name == "sqlite"
    reader = None
    if sqlite:  # a reader's lock: the load may write its pages but not commit them
        reader = engine.connect()
        reader.exec_driver_sql("BEGIN")
        reader.exec_driver_sql("SELECT count(*) FROM observation").scalar()
    proc = subprocess.Popen(
        [str(TARGET87), "--database-url", db_url, "load", str(path), "--replace"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        if sqlite:
            _wait_mid_load_sqlite(Path(engine.url.database), proc)
        else:
            _wait_mid_load_postgres(engine, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        if reader is not None:
            reader.rollback()
            reader.close()
    assert proc.returncode == -signal.SIGKILL
    engine.dispose()
    if not sqlite:  # the server ends the killed client's transaction when it sees it gone
        _wait_backend_gone(engine)
    assert fingerprint(engine) == before
    doctor = subprocess.run(
        [str(TARGET87), "--database-url", db_url, "doctor"],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "FAIL" not in doctor.stdout
    if sqlite:
        assert "integrity_check: ok" in doctor.stdout


def _wait_backend_gone(engine) -> None:
    deadline = time.monotonic() + 60
    with engine.connect() as conn:
        while conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND datname = current_database() AND xact_start IS NOT NULL"
            )
        ).scalar():
            conn.rollback()  # a fresh look at pg_stat_activity each time
            assert time.monotonic() < deadline
            time.sleep(0.05)
