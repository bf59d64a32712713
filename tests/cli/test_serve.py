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
