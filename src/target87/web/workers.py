"""Several uvicorn worker processes, each with its own listening socket on the same port.

uvicorn's own ``workers=N`` shares one listening socket between the processes. An asyncio
server accepts everything waiting in one go, so the first worker to wake takes a whole burst of
new connections, and with keep-alive the other core can sit idle while this one queues 50
clients (measured by benchmarks/bench_web.py: 49 of 50 connections on one worker). With
SO_REUSEPORT every worker listens on a socket of its own and the Linux kernel spreads new
connections over them.

Linux lets only processes of the same user join a port's SO_REUSEPORT group. Another process
of that user could join it after the start and take a share of the connections, so run the
server under an account of its own (as any service should be). A second target87 started on
the same port by mistake is refused: something already answers there.

The parent owns the lifetime: the workers sit in their own process group, so a Ctrl-C in the
terminal reaches the parent only, which stops them all with SIGTERM (uvicorn then finishes the
requests in flight). A worker whose parent is gone stops too.

Off Linux (where SO_REUSEPORT does not spread connections, or is missing), ``serve_workers``
falls back to uvicorn's workers.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import threading
import time

import uvicorn

from target87.web.app import server_options

APP_FACTORY = "target87.web.app:create_app_from_env"
READY_MESSAGE = "workers listening on"  # printed once every worker listens
READY_TIMEOUT = 120.0  # seconds for a worker to import the app and listen
RESTART_PAUSE = 1.0  # between restarts of a worker that died, so a crash loop stays slow
STOP_TIMEOUT = 30.0  # for all workers to finish their requests, then they are killed
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


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
    if not sys.platform.startswith("linux"):  # pragma: no cover - Linux only
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            **server_options(),
        )
        return
    if port and _answers(host, port):  # a second target87 would share the traffic: refuse
        raise WorkerError(f"another server already answers on {host}:{port}")
    # Bound, never listening: fails now, with a clear message, if another program has the port,
    # and picks the one port every worker joins when asked for any (port 0).
    probe = reuse_port_socket(host, port)
    port = probe.getsockname()[1]
    context = multiprocessing.get_context("spawn")
    stopping = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stopping.set()) for s in STOP_SIGNALS}
    running: list = []
    try:
        running = [_start(context, host, port) for _ in range(workers)]
        for process, ready in running:
            _wait_ready(process, ready, stopping)
        probe.close()
        if not stopping.is_set():
            print(f"{workers} {READY_MESSAGE} http://{host}:{port}/", flush=True)
        while not stopping.wait(0.5):
            for i, (process, _ready) in enumerate(running):
                if process.is_alive() or stopping.wait(RESTART_PAUSE):
                    continue
                print(
                    f"worker {process.pid} stopped ({process.exitcode}); starting another",
                    file=sys.stderr,
                    flush=True,
                )
                running[i] = _start(context, host, port)
    finally:
        probe.close()
        for s, handler in previous.items():  # a second Ctrl-C now interrupts the wait below
            signal.signal(s, handler)
        _stop_all([process for process, _ready in running])


def _stop_all(processes: list) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()  # uvicorn finishes the requests in flight, then exits
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in processes:
        process.join(timeout=max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join()


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


def _wait_ready(process, ready, stopping: threading.Event) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while not ready.wait(0.2) and not stopping.is_set():
        if not process.is_alive():
            raise WorkerError(f"a worker exited at start-up (exit code {process.exitcode})")
        if time.monotonic() > deadline:
            raise WorkerError(f"a worker did not start within {READY_TIMEOUT:.0f} s")


def _worker(host: str, port: int, ready) -> None:  # pragma: no cover - runs in a child process
    os.setpgrp()  # the terminal's Ctrl-C goes to the parent, which decides when to stop
    parent = os.getppid()
    sock = reuse_port_socket(host, port)
    config = uvicorn.Config(
        APP_FACTORY, factory=True, host=host, port=port, log_level="warning", **server_options()
    )
    server = uvicorn.Server(config)

    def watch() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            ready.set()
        while not server.should_exit:
            if os.getppid() != parent:  # the parent died without stopping us: stop
                server.should_exit = True
            time.sleep(1)

    threading.Thread(target=watch, daemon=True).start()
    server.run(sockets=[sock])
    sys.exit(0 if server.started else 3)
