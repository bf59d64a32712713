"""Web benchmark: 50 clients on a realistic mix of pages and API queries, page cache on and off.

    .venv/bin/python benchmarks/bench_web.py [--seconds 60] [--clients 50] [--workers 2]
        [--database-url URL] [--seed 87] [--warm-repeats 6]

Without --database-url a temporary warehouse is made (a copy of a freshly initialised SQLite
file). The server runs as a subprocess (`target87 --database-url URL serve --port PORT
--workers N`, N = 2 by default, one per core). The load comes from this process: a minimal
HTTP/1.1 keep-alive client on asyncio streams (uvloop when installed), N client tasks each
drawing its next request at random (seeded) from one pool, for the duration:

- country profiles: every country of the warehouse in English, French and Spanish;
- explorer views: every series with country data, with sexes, age bands, windows of years and
  sort orders drawn at random (a choice the series does not hold is a note, still a page);
- API queries: observations with varied series, areas, sexes, years, sources, formats and
  limits, and progress reports of varied series and areas.

Phases, in one run (the static file first: the floor server + client overhead alone give):

1. page cache on: every address of the pool is asked ``--warm-repeats`` times (6), untimed,
   each time on a connection drawn at random; each worker process keeps its own pages and
   the kernel gives a connection to a worker by chance, so an address has missed a given
   worker with odds 1 in 2**6 (with 2 workers), then the timed mix. The target (issue 22):
   p95 under 100 ms and no errors, for each kind of request.
2. page cache off: a fresh server with TARGET87_PAGE_CACHE=off (web/site/cache.py, read at
   start-up from the server's environment; no request can turn it off), the same mix: every
   page rendered for its request, the cold path. The API keeps its own answer cache
   (web/api/http.py): its addresses repeat only by chance in this phase.

Every request is timed with time.perf_counter; a non-200 answer or an exception is an error.
The load generator shares the machine's cores with the server, so the figures are a
pessimistic bound for the server; the CPU time each side used is printed to show the split.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

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
FLOOR = ("static file", "/static/app.css")
KINDS = ("country profile", "explorer", "API observations", "API progress")
LANGS = ("en", "fr", "es")
EXPLORER_VIEWS = 120
API_QUERIES = 240
PROGRESS_QUERIES = 120


@dataclass
class Tally:
    """The requests of one kind in one phase."""

    latencies: list[float] = field(default_factory=list)  # seconds, every completed request
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def passed(self) -> bool:
        return (
            not self.errors
            and bool(self.latencies)
            and percentile_ms(self.latencies, 95) < TARGET_P95_MS
        )


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    tallies: dict[str, Tally] = field(default_factory=dict)
    client_cpu: float = 0.0
    server_cpu: float | None = None

    def tally(self, kind: str) -> Tally:
        return self.tallies.setdefault(kind, Tally())

    @property
    def requests(self) -> int:
        return sum(len(t.latencies) + t.errors.get("exception", 0) for t in self.tallies.values())


def request_pool(url: str, seed: int) -> list[tuple[str, str]]:
    """(kind, address) of every request the clients draw from, built from the warehouse."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from target87 import store
    from target87.store import models as M

    rng = random.Random(seed)
    engine = store.make_engine(url)
    try:
        with Session(engine) as s:
            countries = list(
                s.execute(
                    select(M.Area.code).where(M.Area.kind == "country").order_by(M.Area.code)
                ).scalars()
            )
            o = M.Observation
            held = s.execute(
                select(o.series, o.ref_area, func.min(o.year_from), func.max(o.year_to))
                .join(M.Area, M.Area.code == o.ref_area)
                .where(M.Area.kind == "country")
                .group_by(o.series, o.ref_area)
            ).all()
            totals = s.execute(
                select(o.series, o.ref_area, o.age, o.time_period)
                .where(o.series.in_(["SL_TLF_CHLDEC", "SL_TLF_CHLDEA"]), o.sex == "_T")
                .where(o.urbanisation == "_T", o.breakdown == "_T")
            ).all()
    finally:
        engine.dispose()
    by_series: dict[str, list[tuple[str, int, int]]] = {}
    for series, area, first, last in held:
        by_series.setdefault(series, []).append((area, int(first or 2000), int(last or 2024)))
    series_codes = sorted(by_series)
    pool = [("country profile", f"/countries/{c}?lang={lang}") for c in countries for lang in LANGS]
    for _ in range(EXPLORER_VIEWS):
        series = rng.choice(series_codes)
        start = rng.choice(["", *map(str, range(2000, 2021, 4))])
        end = rng.choice(["", *map(str, range(2012, 2026, 3))])
        view = {
            "series": series,
            "sex": rng.choice(["", "_T", "F", "M"]),
            "age": rng.choice(["", "Y5T17", "_T", "Y5T11"]),
            "start": start,
            "end": end,
            "sort": rng.choice(["value", "name"]),
            "lang": rng.choice(LANGS),
        }
        pool.append(("explorer", "/explore?" + urlencode({k: v for k, v in view.items() if v})))
    for _ in range(API_QUERIES):
        series = rng.choice(series_codes)
        areas = rng.sample(by_series[series], k=min(len(by_series[series]), rng.randint(1, 4)))
        query = [("series", series)] + [("area", a) for a, _, _ in areas]
        first, last = min(a[1] for a in areas), max(a[2] for a in areas)
        if rng.random() < 0.4:
            query.append(("from", str(rng.randint(first, last))))
        if rng.random() < 0.3:
            query.append(("to", str(last)))
        if rng.random() < 0.4:
            query.append(("sex", rng.choice(["_T", "F", "M"])))
        if rng.random() < 0.2:
            query.append(("all_sources", "true"))
        if rng.random() < 0.3:
            query.append(("format", rng.choice(["json", "csv", "sdmx-csv"])))
        if rng.random() < 0.2:
            query.append(("with_citations", "true"))
        if rng.random() < 0.3:
            query.append(("limit", str(rng.choice([10, 100, 500]))))
        pool.append(("API observations", "/api/v1/observations?" + urlencode(query)))
    # The progress API answers 404 where no dated total is held in the age band it reads (5-17
    # where held): drawn among the pairs it answers.
    bands: dict[tuple[str, str], dict[str, bool]] = {}
    for series, area, age, period in totals:
        ages = bands.setdefault((series, area), {})
        ages[age] = ages.get(age, False) or period.isdigit()
    with_points = sorted(
        pair
        for pair, ages in bands.items()
        if ages.get("Y5T17", len(ages) == 1 and any(ages.values()))
    )
    for series, area in rng.sample(with_points, k=min(PROGRESS_QUERIES, len(with_points))):
        query = urlencode({"series": series, "area": area})
        pool.append(("API progress", f"/api/v1/progress?{query}"))
    return pool


async def client_loop(
    base: str, phase: Phase, pool: list, deadline: float, rng: random.Random
) -> None:
    connection = Connection(*host_port(base))
    while time.perf_counter() < deadline:
        kind, path = rng.choice(pool)
        await timed(connection, phase.tally(kind), path)
    await connection.close()


async def timed(connection: Connection, tally: Tally, path: str) -> None:
    start = time.perf_counter()
    try:
        status, _body = await connection.get(path)
    except Exception as exc:  # noqa: BLE001 - every failure is an error to count
        tally.error("exception")
        tally.error(type(exc).__name__)
        await connection.close()
        return
    tally.latencies.append(time.perf_counter() - start)
    if status != 200:
        tally.error(f"HTTP {status} {path}" if status >= 500 else f"HTTP {status}")


async def warm_up(base: str, pool: list, clients: int, repeats: int, seed: int) -> float:
    """Ask every address ``repeats`` times (shuffled, ``clients`` at once), untimed."""
    queue = [path for _kind, path in pool] * repeats
    random.Random(seed).shuffle(queue)
    start = time.perf_counter()

    async def worker() -> None:
        connection = Connection(*host_port(base))
        while queue:
            path = queue.pop()
            try:
                await connection.get(path)
            except Exception:  # noqa: BLE001 - the timed phase counts errors, not this one
                await connection.close()
        await connection.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - start


async def run_phase(
    base: str, phase: Phase, pool: list, clients: int, seconds: float, pid: int, seed: int
) -> None:
    cpu0, server0 = time.process_time(), process_cpu_seconds(pid)
    start = time.perf_counter()
    deadline = start + seconds
    rngs = [random.Random(seed * 1000 + i) for i in range(clients)]
    await asyncio.gather(*(client_loop(base, phase, pool, deadline, r) for r in rngs))
    phase.seconds = time.perf_counter() - start
    phase.client_cpu = time.process_time() - cpu0
    server1 = process_cpu_seconds(pid)
    if server0 is not None and server1 is not None:
        phase.server_cpu = server1 - server0


def serve_and_measure(url: str, workdir: Path, args, pool: list, cache_on: bool) -> list[Phase]:
    port = free_port()
    env = {**os.environ, "TARGET87_PAGE_CACHE": "on" if cache_on else "off"}
    label = "on" if cache_on else "off"
    print(f"Starting the server (page cache {label}) on port {port}...", flush=True)
    proc = start_server(url, port, workdir / f"server-{label}.log", args.workers, env=env)
    base = f"http://127.0.0.1:{port}"

    async def run() -> list[Phase]:
        phases = []
        if cache_on:
            floor = Phase(f"{FLOOR[0]} (floor)")
            print(f"  {floor.name}: {FLOOR[1]} ...", flush=True)
            await run_phase(
                base, floor, [(FLOOR[0], FLOOR[1])], args.clients, args.seconds, proc.pid, 1
            )
            phases.append(floor)
            print(
                f"  warming the page cache: {len(pool)} addresses x {args.warm_repeats} ...",
                flush=True,
            )
            took = await warm_up(base, pool, args.clients, args.warm_repeats, args.seed)
            print(f"    warm-up took {took:.0f} s", flush=True)
        else:  # templates compiled and modules imported: the first request's one-off costs
            await warm_up(base, pool[:: max(1, len(pool) // 20)], 4, 1, args.seed)
        mix = Phase(f"mix, page cache {label}")
        print(f"  {mix.name}: {args.clients} clients, {args.seconds:g} s ...", flush=True)
        await run_phase(base, mix, pool, args.clients, args.seconds, proc.pid, args.seed)
        phases.append(mix)
        return phases

    try:
        return run_loop(run())
    finally:
        stop_server(proc)


def report(phases: list[Phase], args) -> bool:
    cores = os.cpu_count() or 1
    print(
        f"\ntarget87 web benchmark: {args.clients} concurrent clients, {args.seconds:g} s per "
        f"phase, {args.workers} uvicorn worker process(es), {cores} cores, seed {args.seed}"
    )
    print(
        "Note: the load generator (this process) shares the cores with the server, so these "
        "figures understate what the server alone can do.\n"
    )
    head = (
        f"{'phase':<22} {'kind':<17} {'requests':>8} {'errors':>6} {'req/s':>7} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  verdict"
    )
    print(head)
    print("-" * len(head))
    ok = True
    for phase in phases:
        judged = phase.name.endswith("cache on")
        for kind in sorted(phase.tallies, key=lambda k: KINDS.index(k) if k in KINDS else -1):
            t = phase.tallies[kind]
            if not judged:
                verdict = "floor" if "floor" in phase.name else "cold (baseline)"
            elif t.passed():
                verdict = "PASS"
            else:
                ok = False
                why = [w for w, bad in (("p95", not t.passed()), ("errors", t.errors)) if bad]
                verdict = f"MISS ({', '.join(dict.fromkeys(why))})"
            count = len(t.latencies) + t.errors.get("exception", 0)
            rate = count / phase.seconds if phase.seconds else 0.0
            print(
                f"{phase.name:<22} {kind:<17} {count:>8} {t.error_count:>6} {rate:>7.1f} "
                f"{percentile_ms(t.latencies, 50):>8.1f} {percentile_ms(t.latencies, 95):>8.1f} "
                f"{percentile_ms(t.latencies, 99):>8.1f}  {verdict}"
            )
        every = [x for t in phase.tallies.values() for x in t.latencies]
        if len(phase.tallies) > 1:
            print(
                f"{'':<22} {'all':<17} {len(every):>8} "
                f"{sum(t.error_count for t in phase.tallies.values()):>6} "
                f"{len(every) / phase.seconds if phase.seconds else 0:>7.1f} "
                f"{percentile_ms(every, 50):>8.1f} {percentile_ms(every, 95):>8.1f} "
                f"{percentile_ms(every, 99):>8.1f}"
            )
    cold = next((p for p in phases if p.name.endswith("cache off")), None)
    warm = next((p for p in phases if p.name.endswith("cache on")), None)
    if cold and warm:
        print("\np95 per kind, ours (page cache on) vs the cold path (page cache off), target:")
        for kind in KINDS:
            w, c = warm.tallies.get(kind), cold.tallies.get(kind)
            if w and c and w.latencies and c.latencies:
                pw, pc = percentile_ms(w.latencies, 95), percentile_ms(c.latencies, 95)
                print(
                    f"  {kind:<17} {pw:8.1f} ms  vs {pc:8.1f} ms  (x{pc / pw:.1f})  "
                    f"target < {TARGET_P95_MS:g} ms"
                )
    print(
        f"\nTarget (issue 22): p95 < {TARGET_P95_MS:g} ms and 0 errors per kind with the page "
        "cache on; the cold profile's own target is timed in-process by bench_profile_page.py."
    )
    print("CPU used per phase (wall time includes requests still in flight at the deadline):")
    for p in phases:
        server = "n/a" if p.server_cpu is None else f"{p.server_cpu:.1f} s"
        per = (
            f", server {p.server_cpu / p.requests * 1000:.1f} ms CPU/request"
            if p.server_cpu is not None and p.requests
            else ""
        )
        print(
            f"  {p.name:<22} wall {p.seconds:5.1f} s: server {server:>7}, "
            f"load generator {p.client_cpu:.1f} s (of {cores * p.seconds:.0f} core-s){per}"
        )
        for kind, t in p.tallies.items():
            extra = {k: v for k, v in t.errors.items() if k != "exception"}
            if extra:
                print(f"    {kind} errors: {extra}")
    print(f"\nOverall: {'PASS' if ok else 'MISS'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of each phase")
    parser.add_argument("--clients", type=int, default=50, help="concurrent client tasks")
    parser.add_argument("--database-url", help="existing warehouse (default: a temporary one)")
    parser.add_argument(
        "--workers", type=int, default=2, help="server worker processes (default: one per core)"
    )
    parser.add_argument("--seed", type=int, default=87, help="seed of the pool and the draws")
    parser.add_argument(
        "--warm-repeats", type=int, default=6, help="untimed asks of each address before phase 1"
    )
    args = parser.parse_args()
    warn_if_busy()

    with tempfile.TemporaryDirectory(prefix="bench_web_") as tmp:
        workdir = Path(tmp)
        url = args.database_url
        if url is None:
            print("Initialising a temporary warehouse...", flush=True)
            url = make_warehouse(workdir)
        pool = request_pool(url, args.seed)
        counts = {k: sum(1 for kind, _ in pool if kind == k) for k in KINDS}
        print(f"Pool of {len(pool)} addresses: {counts}", flush=True)
        phases = serve_and_measure(url, workdir, args, pool, cache_on=True)
        phases += serve_and_measure(url, workdir, args, pool, cache_on=False)
    ok = report(phases, args)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
