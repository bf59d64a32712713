"""Several uvicorn worker processes, each with its own listening socket on the same port.

uvicorn's own ``workers=N`` shares one listening socket between the processes. An asyncio
server accepts everything waiting in one go, so the first worker to wake takes a whole burst of
new connections, and with keep-alive the other core can sit idle while this one queues 50
clients (measured by benchmarks/bench_web.py: 49 of 50 connections on one worker). With
SO_REUSEPORT every worker listens on a socket of its own and the kernel spreads new
connections over them. Linux lets only sockets of the same user join the group, so no other
account can take a share of the traffic.

Where SO_REUSEPORT is missing (Windows), ``serve_workers`` falls back to uvicorn's workers.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import threading
import time

import uvicorn

APP_FACTORY = "target87.web.app:create_app_from_env"
READY_MESSAGE = "workers listening on"  # printed once every worker listens
READY_TIMEOUT = 120.0  # seconds for a worker to import the app and listen
RESTART_PAUSE = 1.0  # between restarts of a worker that died, so a crash loop stays slow


_STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM]


class WorkerError(RuntimeError):
    """The workers could not start (the port is taken, a worker failed at start-up)."""


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) in the port's SO_REUSEPORT group; not listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise WorkerError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def serve_workers(host: str, port: int, workers: int) -> None:
    """Run ``workers`` processes of the app until SIGINT or SIGTERM; restart any that dies.

    The app comes from ``APP_FACTORY`` (the database URL is in the environment). Returns once
    every worker has stopped; raises ``WorkerError`` when they cannot start.
    """
    if not hasattr(socket, "SO_REUSEPORT"):  # pragma: no cover - not on Linux
        uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers)
        return
    # A second target87 on the port would join the group and take half the traffic: refuse.
    if _answers(host, port):
        raise WorkerError(f"another server already answers on {host}:{port}")
    # Bound, never listening: fails now, with a clear message, if another program has the port.
    probe = reuse_port_socket(host, port)
    context = multiprocessing.get_context("spawn")
    stopping = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stopping.set()) for s in _STOP_SIGNALS}
    running: list = []
    try:
        for _ in range(workers):
            running.append(_start(context, host, port))
        for process, ready in running:
            _wait_ready(process, ready)
        probe.close()
        print(f"{workers} {READY_MESSAGE} http://{host}:{port}/", flush=True)
        while not stopping.wait(0.5):
            for i, (process, _ready) in enumerate(running):
                if not process.is_alive() and not stopping.is_set():
                    print(
                        f"worker {process.pid} stopped ({process.exitcode}); starting another",
                        file=sys.stderr,
                    )
                    time.sleep(RESTART_PAUSE)
                    running[i] = _start(context, host, port)
    finally:
        probe.close()
        for process, _ready in running:
            if process.is_alive():
                process.terminate()  # uvicorn finishes the requests in flight, then exits
        for process, _ready in running:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        for s, handler in previous.items():
            signal.signal(s, handler)


def _answers(host: str, port: int) -> bool:
    target = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    try:
        with socket.create_connection((target, port), timeout=1):
            return True
    except OSError:
        return False


def _start(context, host: str, port: int):
    ready = context.Event()
    process = context.Process(target=_worker, args=(host, port, ready), daemon=False)
    process.start()
    return process, ready


def _wait_ready(process, ready) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while not ready.wait(0.2):
        if not process.is_alive():
            raise WorkerError(f"a worker exited at start-up (exit code {process.exitcode})")
        if time.monotonic() > deadline:
            raise WorkerError(f"a worker did not start within {READY_TIMEOUT:.0f} s")


def _worker(host: str, port: int, ready) -> None:  # pragma: no cover - runs in a child process
    sock = reuse_port_socket(host, port)
    config = uvicorn.Config(APP_FACTORY, factory=True, host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)

    def tell_when_listening() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            ready.set()

    threading.Thread(target=tell_when_listening, daemon=True).start()
    # The parent's terminal sends Ctrl-C to every worker too; the parent decides when to stop.
    server.run(sockets=[sock])
    sys.exit(0 if server.started else 3)
