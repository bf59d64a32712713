"""`serve --workers N`: each worker listens on a socket of its own (SO_REUSEPORT), so the kernel
spreads connections over them; a worker that dies is replaced; a taken port is refused."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from target87.web.workers import READY_MESSAGE, WorkerError, reuse_port_socket, serve_workers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_sockets(port: int) -> int:
    """How many sockets listen on 127.0.0.1:port (Linux /proc/net/tcp, state 0A)."""
    wanted = f"0100007F:{port:04X}"
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines if line.split()[1] == wanted and line.split()[3] == "0A")


def workers_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid and b"spawn_main" in command:
            found.add(int(entry.name))
    return found


def wait_for(condition, what: str, proc, log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"{what}: not within {seconds:.0f} s"
        time.sleep(0.2)


def test_a_port_another_program_holds_is_refused_by_name():
    with socket.socket() as plain:  # no SO_REUSEPORT: nobody may share this port
        plain.bind(("127.0.0.1", 0))
        plain.listen()
        port = plain.getsockname()[1]
        with pytest.raises(WorkerError, match=f"cannot listen on 127.0.0.1:{port}"):
            reuse_port_socket("127.0.0.1", port)


def test_a_second_server_on_the_same_port_is_refused():
    # Another target87 (its sockets in the same SO_REUSEPORT group) would silently share the
    # traffic, perhaps on another database: it is refused before any worker starts.
    other = reuse_port_socket("127.0.0.1", 0)
    with other:
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(
            WorkerError, match=f"another server already answers on 127.0.0.1:{port}"
        ):
            serve_workers("127.0.0.1", port, 2)


def start_serve(warehouse_url: str, port: int, log: Path) -> subprocess.Popen:
    script = Path(sys.executable).parent / "target87"
    command = [str(script), "--database-url", warehouse_url, "serve", "--port", str(port)]
    return subprocess.Popen(
        [*command, "--workers", "2"],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, as a terminal gives a command
    )


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie (nobody reaped it) has stopped


LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.mark.slow
@LINUX
def test_each_worker_listens_a_dead_one_is_replaced_and_stop_ends_them_all(warehouse_url, tmp_path):
    port, log = free_port(), tmp_path / "serve.log"
    proc = start_serve(warehouse_url, port, log)
    try:
        wait_for(lambda: READY_MESSAGE in log.read_text(), "the ready message", proc, log)
        assert listening_sockets(port) == 2
        first = workers_of(proc.pid)
        assert len(first) == 2
        for _ in range(20):  # every connection is answered, whichever worker the kernel picks
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/app.css") as r:
                assert r.status == 200

        os.kill(min(first), signal.SIGKILL)
        wait_for(
            lambda: len(workers_of(proc.pid) - first) == 1 and listening_sockets(port) == 2,
            "a new worker in place of the killed one",
            proc,
            log,
        )
        assert "starting another" in log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert proc.returncode == 0, log.read_text()
    assert workers_of(proc.pid) == set() and listening_sockets(port) == 0


@pytest.mark.slow
@LINUX
def test_ctrl_c_stops_every_worker_quietly(warehouse_url, tmp_path):
    # A terminal sends Ctrl-C to the whole process group; the parent alone gets it and stops
    # the workers, which finish cleanly: no traceback, exit code 0.
    port, log = free_port(), tmp_path / "serve.log"
    proc = start_serve(warehouse_url, port, log)
    try:
        wait_for(lambda: READY_MESSAGE in log.read_text(), "the ready message", proc, log)
        workers = workers_of(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, log.read_text()
    assert "Traceback" not in log.read_text(), log.read_text()
    assert not any(running(pid) for pid in workers) and listening_sockets(port) == 0


@pytest.mark.slow
@LINUX
def test_workers_whose_parent_dies_stop_and_free_the_port(warehouse_url, tmp_path):
    port, log = free_port(), tmp_path / "serve.log"
    proc = start_serve(warehouse_url, port, log)
    workers: set[int] = set()
    try:
        wait_for(lambda: READY_MESSAGE in log.read_text(), "the ready message", proc, log)
        workers = workers_of(proc.pid)
        proc.kill()  # SIGKILL: the parent cannot stop them itself
        proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(running(pid) for pid in workers) or listening_sockets(port):
            assert time.monotonic() < deadline, "orphaned workers still serve after 30 s"
            time.sleep(0.2)
    finally:
        proc.kill()
        for pid in workers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
