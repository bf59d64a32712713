"""Web benchmark: concurrent clients against `target87 serve` on localhost.

    .venv/bin/python benchmarks/bench_web.py [--seconds 60] [--clients 50] [--database-url URL]

Without --database-url a temporary warehouse is made (a copy of a freshly initialised SQLite
file). The server runs as a subprocess (`target87 --database-url URL serve --port PORT
--workers N`, N = 2 by default, one per core). The load comes from this process: a minimal
HTTP/1.1 keep-alive client on asyncio streams (uvloop when installed), N client tasks each
looping requests for the duration, one phase per endpoint. Every request is timed with
time.perf_counter; a non-200 answer or an exception counts as an error. Pages and API answers
are kept in memory until a load changes the data (web/cache.py), so after the warm-up this
measures the server's cached path, as readers of an unchanged warehouse get it.

Target (issue 5): p95 latency under 100 ms and zero errors, for the country profile page and
the observations API. A trivial endpoint (a static file) runs first on the same line-up: it is
the floor that server + client overhead alone gives.

Caveat: the load generator shares the machine's cores with the server, so the figures are a
pessimistic bound for the server; the CPU time each side used is printed to show the split.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _load import (
    Connection,
    free_port,
    host_port,
    make_warehouse,
    percentile_ms,
    process_cpu_seconds,
    run_loop,
    start_server,
    stop_server,
    warn_if_busy,
)

TARGET_P95_MS = 100.0
BASELINE = ("static file (floor)", "/static/app.css")
ENDPOINTS = [
    ("country profile", "/countries/BRA"),
    ("observations API", "/api/v1/observations?series=SL_TLF_CHLDEC&area=NPL"),
]
WARMUP_REQUESTS = 20  # per endpoint, untimed: first-hit imports, template compilation, caches


@dataclass
class Phase:
    name: str
    path: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, every completed request
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    bytes_last: int = 0
    client_cpu: float = 0.0
    server_cpu: float | None = None
    alone_ms: float = float("nan")  # median of the warm-up requests, one at a time

    def error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.error_kinds.get("exception", 0)

    def percentile_ms(self, q: int) -> float:
        return percentile_ms(self.latencies, q)

    def passed(self) -> bool:
        return self.errors == 0 and bool(self.latencies) and self.percentile_ms(95) < TARGET_P95_MS


async def client_loop(base: str, phase: Phase, deadline: float) -> None:
    connection = Connection(*host_port(base))
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        try:
            status, body = await connection.get(phase.path)
        except Exception as exc:  # noqa: BLE001 - every failure is an error to count
            phase.error("exception")
            phase.error_kinds[type(exc).__name__] = phase.error_kinds.get(type(exc).__name__, 0) + 1
            await connection.close()
            continue
        phase.latencies.append(time.perf_counter() - start)
        phase.bytes_last = len(body)
        if status != 200:
            phase.error(f"HTTP {status}")
    await connection.close()


async def warm_up(base: str, path: str) -> float:
    """Untimed for the table; returns the median latency (ms) of one client alone."""
    times = []
    connection = Connection(*host_port(base))
    for _ in range(WARMUP_REQUESTS):
        start = time.perf_counter()
        status, _body = await connection.get(path)
        times.append(time.perf_counter() - start)
        if status != 200:
            raise SystemExit(f"{path} answered {status} during warm-up")
    await connection.close()
    return statistics.median(times[WARMUP_REQUESTS // 2 :]) * 1000


async def run_phase(base: str, phase: Phase, clients: int, seconds: float, pid: int) -> None:
    phase.alone_ms = await warm_up(base, phase.path)
    cpu0, server0 = time.process_time(), process_cpu_seconds(pid)
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(*(client_loop(base, phase, deadline) for _ in range(clients)))
    phase.seconds = time.perf_counter() - start
    phase.client_cpu = time.process_time() - cpu0
    server1 = process_cpu_seconds(pid)
    if server0 is not None and server1 is not None:
        phase.server_cpu = server1 - server0


def report(phases: list[Phase], clients: int, seconds: float, workers: int) -> bool:
    cores = os.cpu_count() or 1
    print(
        f"\ntarget87 web benchmark: {clients} concurrent clients, {seconds:g} s per endpoint, "
        f"{workers} uvicorn worker process(es) (`serve --workers {workers}`), {cores} cores"
    )
    print(
        "Note: the load generator (this process) shares the cores with the server, so these "
        "figures understate what the server alone can do.\n"
    )
    head = (
        f"{'endpoint':<20} {'requests':>9} {'errors':>7} {'req/s':>8} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'alone':>7} {'KB':>6}  verdict"
    )
    print(head)
    print("-" * len(head))
    ok = True
    for i, p in enumerate(phases):
        baseline = i == 0
        if baseline:
            verdict = "floor (not judged)"
        elif p.passed():
            verdict = "PASS"
        else:
            ok = False
            why = []
            if p.percentile_ms(95) >= TARGET_P95_MS:
                why.append("p95")
            if p.errors:
                why.append("errors")
            verdict = f"MISS ({', '.join(why)})"
        rate = p.requests / p.seconds if p.seconds else 0.0
        print(
            f"{p.name:<20} {p.requests:>9} {p.errors:>7} {rate:>8.1f} "
            f"{p.percentile_ms(50):>8.1f} {p.percentile_ms(95):>8.1f} {p.percentile_ms(99):>8.1f} "
            f"{p.alone_ms:>7.1f} {p.bytes_last / 1024:>6.1f}  {verdict}"
        )
    print(
        f"\nTarget: p95 < {TARGET_P95_MS:g} ms and 0 errors (country profile, observations API). "
        "'alone': median ms of one client with no other load (the warm-up)."
    )
    print("CPU used per phase (wall time includes requests still in flight at the deadline):")
    for p in phases:
        server = "n/a" if p.server_cpu is None else f"{p.server_cpu:.1f} s"
        per_request = (
            f", server {p.server_cpu / p.requests * 1000:.0f} ms CPU/request"
            if p.server_cpu is not None and p.requests
            else ""
        )
        print(
            f"  {p.name:<20} wall {p.seconds:5.1f} s: server {server:>7}, "
            f"load generator {p.client_cpu:.1f} s (of {cores * p.seconds:.0f} core-s){per_request}"
        )
        extra = {k: v for k, v in p.error_kinds.items() if k != "exception"}
        if extra:
            print(f"    errors: {extra}")
    print(f"\nOverall: {'PASS' if ok else 'MISS'}")
    return ok


async def run_all(base: str, clients: int, seconds: float, pid: int) -> list[Phase]:
    phases = [Phase(name, path) for name, path in [BASELINE, *ENDPOINTS]]
    for phase in phases:
        print(f"  {phase.name}: {phase.path} ...", flush=True)
        await run_phase(base, phase, clients, seconds, pid)
    return phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of each phase")
    parser.add_argument("--clients", type=int, default=50, help="concurrent client tasks")
    parser.add_argument("--database-url", help="existing warehouse (default: a temporary one)")
    parser.add_argument(
        "--workers", type=int, default=2, help="server worker processes (default: one per core)"
    )
    args = parser.parse_args()
    warn_if_busy()

    with tempfile.TemporaryDirectory(prefix="bench_web_") as tmp:
        workdir = Path(tmp)
        url = args.database_url
        if url is None:
            print("Initialising a temporary warehouse...", flush=True)
            url = make_warehouse(workdir)
        port = free_port()
        print(f"Starting the server on port {port}...", flush=True)
        proc = start_server(url, port, workdir / "server.log", args.workers)
        try:
            phases = run_loop(
                run_all(f"http://127.0.0.1:{port}", args.clients, args.seconds, proc.pid)
            )
        finally:
            stop_server(proc)
    ok = report(phases, args.clients, args.seconds, args.workers)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
