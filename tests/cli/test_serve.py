"""`target87 serve --workers 2`: two worker processes answer, each building the app from the env."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


@pytest.mark.slow
def test_serve_with_two_workers_answers_pages_with_security_headers(warehouse_url, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    script = Path(sys.executable).parent / "target87"
    command = [str(script), "--database-url", warehouse_url, "serve", "--port", str(port)]
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [*command, "--workers", "2"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/countries/BRA", timeout=5
                ) as r:
                    body, headers = r.read().decode(), r.headers
                break
            except OSError:
                assert time.monotonic() < deadline, "no answer within 180 s"
                time.sleep(0.5)
        assert "Brazil" in body
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_warehouse_from_an_older_version_is_upgraded_on_start(warehouse_url, tmp_path):
    """`serve` (through ready_engine) migrates a 0001 warehouse to head and keeps its data."""
    import importlib
    import shutil

    from alembic import command
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from target87 import store
    from target87.store.db import alembic_config

    path = tmp_path / "old.sqlite"
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    engine = store.make_engine(url)
    command.downgrade(alembic_config(engine), "0001")
    assert store.current_revision(engine) == "0001"
    with Session(engine) as s:
        before = s.execute(select(func.count()).select_from(store.Observation)).scalar()
    engine.dispose()

    cli_app = importlib.import_module("target87.cli.common")  # the module: its state
    cli_app.state.database_url = url
    try:
        upgraded = cli_app.ready_engine()
    finally:
        cli_app.state.database_url = None
    assert store.current_revision(upgraded) == store.head_revision()
    with Session(upgraded) as s:
        after = s.execute(select(func.count()).select_from(store.Observation)).scalar()
    assert after == before > 0
