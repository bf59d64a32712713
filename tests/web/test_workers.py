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
from dataclasses import dataclass
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


@dataclass
class Served:
    proc: subprocess.Popen
    port: int
    log: Path
    workers: set[int]  # the worker pids once all listened


@pytest.fixture
def served(warehouse_url, tmp_path):
    """`serve --workers 2` in its own process group (as a terminal starts a command), ready."""
    port, log = free_port(), tmp_path / "serve.log"
    script = Path(sys.executable).parent / "target87"
    command = [str(script), "--database-url", warehouse_url, "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--workers", "2"],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    served = Served(proc, port, log, set())
    try:
        wait_for(lambda: READY_MESSAGE in log.read_text(), "the ready message", proc, log)
        served.workers = workers_of(proc.pid)
        yield served
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in served.workers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie (nobody reaped it) has stopped


LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.mark.slow
@LINUX
def test_each_worker_listens_a_dead_one_is_replaced_and_stop_ends_them_all(served):
    proc, port, log, first = served.proc, served.port, served.log, served.workers
    assert listening_sockets(port) == 2 and len(first) == 2
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
    proc.terminate()
    proc.wait(timeout=60)
    assert proc.returncode == 0, log.read_text()
    assert workers_of(proc.pid) == set() and listening_sockets(port) == 0


@pytest.mark.slow
@LINUX
def test_ctrl_c_stops_every_worker_quietly(served):
    # A terminal sends Ctrl-C to the whole process group; the parent alone gets it and stops
    # the workers, which finish cleanly: no traceback, exit code 0.
    os.killpg(served.proc.pid, signal.SIGINT)
    served.proc.wait(timeout=60)
    text = served.log.read_text()
    assert served.proc.returncode == 0 and "Traceback" not in text, text
    assert not any(running(pid) for pid in served.workers)
    assert listening_sockets(served.port) == 0


@pytest.mark.slow
@LINUX
def test_workers_whose_parent_dies_stop_and_free_the_port(served):
    served.proc.kill()  # SIGKILL: the parent cannot stop them itself
    served.proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(running(pid) for pid in served.workers) or listening_sockets(served.port):
        assert time.monotonic() < deadline, "orphaned workers still serve after 30 s"
        time.sleep(0.2)
