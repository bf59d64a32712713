"""`target87 serve` on a port another program holds: a clear refusal, before any address is
printed (issue 14, item 8)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

TARGET87 = Path(sys.executable).parent / "target87"


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_on_a_busy_port_says_so_and_prints_no_address(tmp_path, workers):
    database = tmp_path / "never-created.sqlite"
    with socket.socket() as busy:  # another program listening on the port
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        command = [str(TARGET87), "--database-url", f"sqlite:///{database}", "serve"]
        command += ["--port", str(port), "--workers", str(workers)]
        started = time.monotonic()
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
        )
        took = time.monotonic() - started
    output = " ".join((result.stdout + result.stderr).split())  # Rich wraps long lines
    assert result.returncode != 0, output
    assert "on http://" not in output
    assert f"port {port}" in output and "already in use" in output
    assert "--port" in output
    assert took < 60, f"took {took:.0f} s to give up"
    assert not database.exists()  # refused before the database was created


def test_serve_on_a_port_it_may_not_use_says_why(tmp_path):
    result = subprocess.run(
        [str(TARGET87), "--database-url", f"sqlite:///{tmp_path / 'x.sqlite'}", "serve"]
        + ["--host", "192.0.2.1", "--port", "8087"],  # TEST-NET-1: not an address of ours
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0 and "on http://" not in output
    assert "cannot listen on 192.0.2.1 port 8087" in output
