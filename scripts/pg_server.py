"""A throw-away PostgreSQL server from the machine's (Debian's) binaries, for the tests.

initdb refuses to run as root, so as root the server runs as the ``postgres`` system user;
data lives in a temporary directory and the server listens on a free localhost port.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def temporary_postgres() -> Iterator[str]:
    """Start a server, yield its SQLAlchemy URL, stop it and delete its data afterwards."""
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if not (initdb and pg_ctl):
        raise PostgresUnavailable("initdb/pg_ctl not found (apt-get install postgresql)")
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    prefix: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="target87-pg-"))
    if as_root:
        if shutil.which("runuser") is None:
            raise PostgresUnavailable("running as root and runuser is missing")
        prefix = ["runuser", "-u", "postgres", "--"]
        try:
            shutil.chown(tmp, "postgres", "postgres")
        except (LookupError, PermissionError) as exc:
            raise PostgresUnavailable(
                f"cannot give the data folder to user postgres: {exc}"
            ) from None
    data = tmp / "data"
    port = free_port()
    log = tmp / "server.log"
    try:
        subprocess.run(
            [
                *prefix,
                initdb,
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        opts = f"-p {port} -k {tmp} -h 127.0.0.1 -F"
        subprocess.run(
            [
                *prefix,
                pg_ctl,
                "-D",
                str(data),
                "-o",
                opts,
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or exc.stdout or "").strip()
        if log.exists():
            detail += "\n" + log.read_text(errors="replace")[-2000:]
        shutil.rmtree(tmp, ignore_errors=True)
        raise PostgresUnavailable(f"{' '.join(exc.cmd[:4])}... failed: {detail}") from None
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True
        )
        shutil.rmtree(tmp, ignore_errors=True)
