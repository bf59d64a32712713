"""Reporting benchmark: focal points saving draft reports while the public reads, on SQLite.

    .venv/bin/python benchmarks/bench_reporting.py [--seconds 60] [--writers 30] [--readers 100]
        [--baseline-seconds 20] [--think-seconds 2] [--reader-think-seconds 1]
        [--stress-seconds 20] [--workers 2] [--database-url URL]

Without --database-url a temporary warehouse is made (a freshly initialised SQLite file, as in
bench_web.py); with one, the benchmark writes into it (accounts focal.<run>.NN@bench.example.org
and draft reports): give it a copy. Set-up goes through the reporting functions the CLI calls
(`target87 users add`, `target87 reporting agree`): the first --writers countries holding
SL_TLF_CHLDEC data each get a focal point, that series among their agreed indicators and an open
draft report for last year (with more writers than countries, earlier years: one report each).
The server is a subprocess (`target87 --database-url URL serve --port PORT --workers N`) with a
key and data folder of its own. Every focal point signs in through the sign-in form (GET and
POST /signin) before the clock starts; the login rate limit counts failures only (per email and
address), so good sign-ins are never refused.

Three timed phases:
  baseline  --readers public readers alone, no writers, for --baseline-seconds;
  load      the same readers and --writers focal points together for --seconds (the target);
  stress    the same clients with every pause dropped, for --stress-seconds (0 skips it).
Clients go at people's pace in the first two: a reader reads each page --reader-think-seconds
(1 s) before the next, a focal point types --think-seconds (2 s) before each save, and
neither starts in step with the others. In the stress phase each client sends its next request
the moment the last is answered: the two cores are saturated, so there only errors and lost
writes are judged, and its latencies show how the server queues (writes wait for the worker's
write slot, web/auth.py, and public pages keep being served).
A reader loops GET over the countries' public profiles (/countries/XXX, kept in memory until a
load changes the warehouse: web/cache.py) and observations API answers; the warm-up reads every
path until both worker processes answer all of them from memory. A writer does what a browser
does: GET its report page (the form with its csrf and version fields and every value field),
POST the whole form to /reporting/reports/{id}/values with one cell set to a value never sent
before, follow the 303 back to the page, and again. 303 is an acknowledged save; 409 is a
conflict (counted apart: with one writer per report there should be none); any other answer or
an exception is an error. The page after a save must show the value just saved, else it counts
as a stale page.

After the server stops, the database is read: every acknowledged value must be in the audit
trail (each changed value writes one value.add/value.edit event in the save's own transaction)
and each report must hold its last acknowledged value. A miss is a lost write.

Targets (issue): zero lost writes, zero errors, public p95 under 150 ms during the load.
Caveat: the load generator shares the machine's cores with the server (as in bench_web.py), so
the figures are a pessimistic bound for the server; the CPU each side used is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from _load import (
    Answer,
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

TARGET_P95_MS = 150.0
SERIES = "SL_TLF_CHLDEC"  # the agreed indicator the writers report (a percentage)
YEAR = date.today().year - 1  # the draft reports' year
PASSWORD = "benchmark password 87"
DOMAIN = "bench.example.org"
SESSION_COOKIE = "t87_session"  # web/auth.py
KEEP_ALIVE = 5.0  # uvicorn's default keep-alive timeout, seconds
WARMUP_PASSES, WARMUP_ROUNDS = 10, 6  # untimed; see warm_up
WARM_SECONDS = 0.2  # a cached answer under the warm-up's own load; a rendered one takes longer
CSRF = re.compile(rb'name="csrf" value="([^"]+)"')
VERSION = re.compile(rb'name="version" value="(\d+)"')
RAISED = re.compile(r"^(?:[\w.]+\.)?\w+(?:Error|Exception): .*$", re.M)
FIELD = re.compile(rb'<input name="((?:value|footnote):[^"]+)"[^>]*?\svalue="([^"]*)"')


@dataclass
class Readers:
    """What the public readers saw in one phase."""

    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, every completed request
    error_kinds: Counter = field(default_factory=Counter)  # HTTP status or exception name
    exceptions: int = 0  # requests without an answer (not in ``latencies``)
    client_cpu: float = 0.0
    server_cpu: float | None = None

    @property
    def errors(self) -> int:
        return sum(self.error_kinds.values())

    @property
    def requests(self) -> int:
        return len(self.latencies) + self.exceptions


@dataclass
class Writer:
    """One focal point, their report and the cell they save, and what came of the saves."""

    email: str
    country: str
    report_id: int
    cell: str  # Cell.field of the value saved
    sent: int = 0  # saves sent so far
    acked: list[float] = field(default_factory=list)  # acknowledged values, in order
    unanswered: list[float] = field(default_factory=list)  # sent, no answer: may have landed
    conflicts: int = 0
    stale_pages: int = 0
    error_kinds: Counter = field(default_factory=Counter)
    save_latencies: list[float] = field(default_factory=list)  # the acknowledged POSTs
    form_latencies: list[float] = field(default_factory=list)  # GET of the report page
    # filled in from the database after the run
    audited: list[float] = field(default_factory=list)
    stored: float | None = None
    # counts at the end of the paced load: what came after is the stress phase's
    marks: tuple[int, int, int, int, int, int] | None = None

    def mark(self) -> None:
        self.marks = (
            len(self.acked), len(self.save_latencies), len(self.form_latencies),
            self.conflicts, self.errors, self.stale_pages,
        )  # fmt: skip

    def part(self, stress: bool) -> dict:
        """This writer's figures for the paced load (``stress`` False) or the stress phase."""
        now = (
            len(self.acked), len(self.save_latencies), len(self.form_latencies),
            self.conflicts, self.errors, self.stale_pages,
        )  # fmt: skip
        marks = self.marks or now
        a, b = (marks, now) if stress else ((0,) * 6, marks)
        return {
            "acked": b[0] - a[0],
            "saves": self.save_latencies[a[1] : b[1]],
            "forms": self.form_latencies[a[2] : b[2]],
            "conflicts": b[3] - a[3],
            "errors": b[4] - a[4],
            "stale": b[5] - a[5],
        }

    @property
    def errors(self) -> int:
        return sum(self.error_kinds.values())

    @property
    def lost(self) -> int:
        """Acknowledged values missing from the audit trail, plus one if the report does not
        hold the last acknowledged value (or a later one sent without an answer)."""
        missing = sum((Counter(self.acked) - Counter(self.audited)).values())
        later = self.unanswered_after_last_ack()
        last_kept = not self.acked or self.stored == self.acked[-1] or self.stored in later
        return missing + (0 if last_kept else 1)

    def unanswered_after_last_ack(self) -> list[float]:
        if not self.acked:
            return self.unanswered
        sent = self.acked[-1]
        return [v for v in self.unanswered if v > sent]  # values only grow

    @property
    def landed_unacknowledged(self) -> int:
        return sum((Counter(self.audited) - Counter(self.acked)).values())


# --- set-up -------------------------------------------------------------------------------


def prepare(url: str, count: int, tag: str) -> tuple[list[Writer], int, str]:
    """Focal points, agreed indicators and draft reports for ``count`` writers; returns them,
    the last audit event id before the run and the SQLite journal mode."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from target87 import reporting, store
    from target87.reporting.cells import report_cells
    from target87.reporting.models import AuditEvent
    from target87.reporting.reports import EDITABLE, FIRST_YEAR

    engine = store.make_engine(url)
    store.migrate(engine)
    actor = reporting.Actor(None, None, system="benchmark set-up")
    writers = []
    with Session(engine) as s:
        stmt = (
            select(store.Observation.ref_area)
            .join(store.Area, store.Area.code == store.Observation.ref_area)
            .where(store.Observation.series == SERIES, store.Area.kind == "country")
            .distinct()
            .order_by(store.Observation.ref_area)
        )
        countries = list(s.execute(stmt).scalars())[:count]
        if not countries:
            raise SystemExit(f"no country holds {SERIES} data in {url}")
        for code in countries:
            agreed = {a.series: a.cells for a in reporting.agreed_indicators(s, code)}
            if SERIES not in agreed:
                reporting.set_agreed_indicators(s, actor, code, [*agreed, SERIES], agreed)
        next_year = dict.fromkeys(countries, YEAR)
        for i in range(count):
            code = countries[i % len(countries)]
            while True:  # a report of this country no other writer has, editable
                year = next_year[code]
                if year < FIRST_YEAR:
                    raise SystemExit(f"no editable report year left for {code}")
                next_year[code] -= 1
                report = reporting.open_report(s, actor, code, year)
                if report.state in EDITABLE:
                    break
            agreed = [a for a in reporting.agreed_indicators(s, code) if a.series == SERIES]
            cells = report_cells(agreed, report.year)
            cell = next((c for c in cells if c.sex == "_T"), cells[0])
            email = f"focal.{tag}.{i + 1:02d}@{DOMAIN}"
            name = f"Benchmark focal point {i + 1} ({code})"
            reporting.create_user(s, actor, email, name, PASSWORD, "focal_point", code)
            writers.append(Writer(email, code, report.id, cell.field))
        first_event = s.execute(select(func.max(AuditEvent.id))).scalar() or 0
    journal = "n/a"
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    engine.dispose()
    return writers, first_event, journal


def check_database(url: str, writers: list[Writer], first_event: int) -> None:
    """Read back, for each writer, the audit events of its cell and the value stored."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from target87 import reporting, store
    from target87.reporting.models import AuditEvent, ReportValue

    engine = store.make_engine(url)
    with Session(engine) as s:
        for w in writers:
            events = s.execute(
                select(AuditEvent.after).where(
                    AuditEvent.id > first_event,
                    AuditEvent.report_id == w.report_id,
                    AuditEvent.entity_id == f"{w.report_id}:{w.cell}",
                    AuditEvent.action.in_(("value.add", "value.edit")),
                )
            ).scalars()
            w.audited = [json.loads(after)["value"] for after in events if after]
            cell = reporting.Cell.from_field(w.cell)
            names = ("series", "time_period", "sex", "age", "urbanisation")
            key = [getattr(ReportValue, k) == getattr(cell, k) for k in names]
            w.stored = s.execute(
                select(ReportValue.value).where(ReportValue.report_id == w.report_id, *key)
            ).scalar()
    engine.dispose()


# --- the clients ----------------------------------------------------------------------------


class Browser:
    """One keep-alive connection and the cookies a browser keeps."""

    def __init__(self, base: str) -> None:
        self.connection = Connection(*host_port(base))
        self.cookies: dict[str, str] = {}

    async def send(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = b""
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        answer = await self.connection.request(method, path, body, headers)
        for name, value in answer.cookies.items():
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return answer

    async def close(self) -> None:
        await self.connection.close()


def form_of(page: bytes) -> dict[str, str]:
    """The values form as a browser would post it: csrf, version and every value field."""
    csrf, version = CSRF.search(page), VERSION.search(page)
    if csrf is None or version is None:
        raise ValueError("no editable values form on the page")
    form = {"csrf": csrf.group(1).decode(), "version": version.group(1).decode()}
    for name, value in FIELD.findall(page):
        form[name.decode()] = html.unescape(value.decode())
    return form


async def sign_in(base: str, w: Writer) -> tuple[Browser, float]:
    """The sign-in form, as a browser fills it; returns the browser and the POST's seconds."""
    browser = Browser(base)
    page = await browser.send("GET", "/signin")
    token = CSRF.search(page.body)
    if page.status != 200 or token is None:
        raise SystemExit(f"GET /signin answered {page.status} without a form")
    target = f"/reporting/reports/{w.report_id}"
    credentials = {"csrf": token.group(1).decode(), "email": w.email, "password": PASSWORD}
    start = time.perf_counter()
    answer = await browser.send("POST", "/signin", {**credentials, "next": target})
    took = time.perf_counter() - start
    if answer.status != 303 or SESSION_COOKIE not in browser.cookies:
        raise SystemExit(f"sign-in of {w.email} refused: HTTP {answer.status}")
    report = await browser.send("GET", answer.headers.get("location", target))  # and warm it
    if report.status != 200:
        raise SystemExit(f"{w.email}: {target} answered {report.status} after signing in")
    form_of(report.body)
    return browser, took


async def writer_loop(browser: Browser, w: Writer, deadline: float, think: float = 0.0) -> None:
    page_path = f"/reporting/reports/{w.report_id}"
    shown = None  # the value the next page must show (None: not checked)
    after_save = False
    if think:  # people do not start in step
        await asyncio.sleep(think * (w.report_id % 97) / 97)
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        try:  # after a save, the page the 303 sends the browser to
            page = await browser.send("GET", page_path + ("?done=saved" if after_save else ""))
            form = form_of(page.body) if page.status == 200 else None
        except Exception as exc:  # noqa: BLE001 - every failure is an error to count
            w.error_kinds[f"form: {type(exc).__name__}"] += 1
            await browser.close()
            after_save = False
            continue
        w.form_latencies.append(time.perf_counter() - start)
        if form is None:
            w.error_kinds[f"form: HTTP {page.status}"] += 1
            continue
        if shown is not None and float(form.get(f"value:{w.cell}") or "nan") != shown:
            w.stale_pages += 1
        if think:  # the focal point types before saving again
            if think >= KEEP_ALIVE - 1:
                await browser.close()  # the server would close the idle connection first
            await asyncio.sleep(think)
        w.sent += 1  # counted across phases: a value is never sent twice
        value = w.sent % 100_000 / 1000  # a percentage, a new one each save (99 999 saves)
        form[f"value:{w.cell}"] = f"{value:.3f}"
        start = time.perf_counter()
        try:
            answer = await browser.send("POST", f"{page_path}/values", form)
        except Exception as exc:  # noqa: BLE001
            w.unanswered.append(value)
            w.error_kinds[f"save: {type(exc).__name__}"] += 1
            await browser.close()
            after_save, shown = False, None
            continue
        took = time.perf_counter() - start
        after_save = answer.status == 303
        if answer.status == 303:
            w.acked.append(value)
            w.save_latencies.append(took)
            shown = value
        elif answer.status == 409:
            w.conflicts += 1
        else:
            w.error_kinds[f"save: HTTP {answer.status}"] += 1
    await browser.close()


async def reader_loop(
    base: str, paths: list[str], first: int, r: Readers, deadline: float, think: float = 0.0
):
    connection = Connection(*host_port(base))
    i = first
    if think:  # readers arrive spread over the first pause, not all at once
        await asyncio.sleep(think * (first % 97) / 97)
    while time.perf_counter() < deadline:
        path = paths[i % len(paths)]
        i += 1
        start = time.perf_counter()
        try:
            status, _body = await connection.get(path)
        except Exception as exc:  # noqa: BLE001
            r.exceptions += 1
            r.error_kinds[type(exc).__name__] += 1
            await connection.close()
            continue
        r.latencies.append(time.perf_counter() - start)
        if status != 200:
            r.error_kinds[f"HTTP {status} {path.split('?')[0].rsplit('/', 1)[0]}"] += 1
        if think:  # the reader reads the page
            await asyncio.sleep(think)
    await connection.close()


async def warm_up(base: str, paths: list[str]) -> None:
    """Read every path until each comes back from memory. Each worker process keeps its own
    page cache and a connection lands on whichever worker accepts it, so: fresh connections,
    all paths at once, in rounds, until a whole pass has no slow (freshly rendered) answer."""

    async def read(path: str) -> float:
        connection = Connection(*host_port(base))
        start = time.perf_counter()
        status, _body = await connection.get(path)
        took = time.perf_counter() - start
        await connection.close()
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        return took

    for _ in range(WARMUP_PASSES):
        slow = 0
        for _ in range(WARMUP_ROUNDS):
            took = await asyncio.gather(*(read(p) for p in paths))
            slow += sum(t > WARM_SECONDS for t in took)
        if not slow:
            return
    raise SystemExit(f"the public pages were still being rendered after {WARMUP_PASSES} passes")


async def timed(base: str, r: Readers, paths, readers, jobs, seconds, pid, think=0.0) -> None:
    """``readers`` reader loops (``think`` s between pages) and the ``jobs`` (writer loops)
    until the deadline."""
    cpu0, server0 = time.process_time(), process_cpu_seconds(pid)
    start = time.perf_counter()
    deadline = start + seconds
    loops = [reader_loop(base, paths, i * 3, r, deadline, think) for i in range(readers)]
    await asyncio.gather(*loops, *(job(deadline) for job in jobs))
    r.seconds = time.perf_counter() - start
    r.client_cpu = time.process_time() - cpu0
    server1 = process_cpu_seconds(pid)
    if server0 is not None and server1 is not None:
        r.server_cpu = server1 - server0


async def run_all(base: str, writers: list[Writer], args, pid: int):
    countries = list(dict.fromkeys(w.country for w in writers))
    paths = [f"/countries/{c}" for c in countries]
    paths += [f"/api/v1/observations?series={SERIES}&area={c}" for c in countries]
    print(f"Signing in {len(writers)} focal points (POST /signin)...", flush=True)
    browsers, sign_ins = [], []
    for w in writers:  # one after another, before the clock starts
        browser, took = await sign_in(base, w)
        browsers.append(browser)
        sign_ins.append(took)
    print(f"Warming up {len(paths)} public paths...", flush=True)
    await warm_up(base, paths)
    baseline, load = Readers("baseline: readers alone"), Readers("load: with writers")
    stress = Readers("stress: no pauses")
    think = args.reader_think_seconds
    seconds = args.baseline_seconds
    print(f"Baseline: {args.readers} readers, no writers, {seconds:g} s...", flush=True)
    await timed(base, baseline, paths, args.readers, [], seconds, pid, think)

    def jobs(pause: float) -> list:
        return [
            (lambda deadline, b=b, w=w: writer_loop(b, w, deadline, pause))
            for b, w in zip(browsers, writers, strict=True)
        ]

    line = f"Load: {args.readers} readers + {len(writers)} writers, {args.seconds:g} s..."
    print(line, flush=True)
    for browser in browsers:  # idle since signing in: the server's keep-alive timeout
        await browser.close()  # has closed them; a browser would open new ones, so do we
    await timed(base, load, paths, args.readers, jobs(args.think_seconds), args.seconds, pid, think)
    for w in writers:
        w.mark()
    if args.stress_seconds > 0:
        print(f"Stress: the same clients without pauses, {args.stress_seconds:g} s...", flush=True)
        await timed(base, stress, paths, args.readers, jobs(0.0), args.stress_seconds, pid)
    return baseline, load, stress, sign_ins


# --- the report -----------------------------------------------------------------------------


def ms(latencies: list[float], q: int) -> str:
    return f"{percentile_ms(latencies, q):.1f}"


def writer_row(name: str, writers: list[Writer], seconds: float, stress: bool) -> dict:
    parts = [w.part(stress) for w in writers]
    row = {k: sum(p[k] for p in parts) for k in ("acked", "conflicts", "errors", "stale")}
    saves = [t for p in parts for t in p["saves"]]
    forms = [t for p in parts for t in p["forms"]]
    print(
        f"{name:<26} {row['acked']:>11} {row['conflicts']:>9} {row['errors']:>7} "
        f"{row['acked'] / seconds if seconds else 0.0:>8.1f} {ms(saves, 50):>9} "
        f"{ms(saves, 95):>9} {ms(saves, 99):>9} {ms(forms, 50):>9} {ms(forms, 95):>9} "
        f"{row['stale']:>6}"
    )
    return row


def report(args, writers, phases: list[Readers], sign_ins, journal, log_notes) -> bool:
    baseline, load, stress = phases
    ran = [r for r in phases if r.seconds]
    cores = os.cpu_count() or 1
    n = len(writers)
    print(
        f"\ntarget87 reporting benchmark: {n} focal points saving drafts + {args.readers} public "
        f"readers, {args.seconds:g} s; SQLite journal_mode={journal}; {args.workers} uvicorn "
        f"worker process(es); {cores} cores"
    )
    print(
        f"Pace (people, not scripts): a reader reads each page {args.reader_think_seconds:g} s, "
        f"a focal point types {args.think_seconds:g} s before each save. The stress phase "
        "drops every pause (each client sends its next request the moment the last is "
        "answered): the machine is saturated there, so only its errors and lost writes are "
        "judged."
    )
    print(
        "Note: the load generator (this process) shares the cores with the server, so these "
        "figures understate what the server alone can do."
    )
    print(
        f"Sign-in: {len(sign_ins)}/{n} focal points signed in before the clock "
        f"(POST /signin median {statistics.median(sign_ins) * 1000:.0f} ms, none refused)."
    )

    countries = len({w.country for w in writers})
    print(
        f"\nPublic readers: GET /countries/XXX and /api/v1/observations?series={SERIES}&area=XXX "
        f"for the writers' {countries} countries"
    )
    head = (
        f"{'phase':<26} {'secs':>5} {'requests':>9} {'errors':>7} {'req/s':>8} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  verdict"
    )
    print(head)
    print("-" * len(head))
    reader_ok = load.errors == 0 and percentile_ms(load.latencies, 95) < TARGET_P95_MS
    verdicts = {
        baseline.name: "baseline (not judged)",
        load.name: "PASS" if reader_ok else "FAIL",
        stress.name: "errors judged only",
    }
    for r in ran:
        rate = r.requests / r.seconds if r.seconds else 0.0
        print(
            f"{r.name:<26} {r.seconds:>5.1f} {r.requests:>9} {r.errors:>7} {rate:>8.1f} "
            f"{ms(r.latencies, 50):>8} {ms(r.latencies, 95):>8} {ms(r.latencies, 99):>8}  "
            f"{verdicts[r.name]}"
        )

    print(
        "\nFocal points: GET /reporting/reports/{id} (the form), POST .../values (the whole "
        "form, one cell changed), one writer per report"
    )
    head = (
        f"{'phase':<26} {'saves acked':>11} {'conflicts':>9} {'errors':>7} {'saves/s':>8} "
        f"{'save p50':>9} {'save p95':>9} {'save p99':>9} {'form p50':>9} {'form p95':>9} "
        f"{'stale':>6}"
    )
    print(head)
    print("-" * len(head))
    paced = writer_row(load.name, writers, load.seconds, stress=False)
    rushed = (
        writer_row(stress.name, writers, stress.seconds, stress=True) if stress.seconds else None
    )
    print("(latencies in ms; stale: a page after a save not showing the value just saved)")
    counts = [len(w.acked) for w in writers]
    print(f"Saves per writer, whole run: {min(counts)} to {max(counts)}.")

    acked = sum(counts)
    lost = sum(w.lost for w in writers)
    audited = sum(len(w.audited) for w in writers)
    landed = sum(w.landed_unacknowledged for w in writers)
    kept = sum(1 for w in writers if w.acked and w.stored == w.acked[-1])
    with_saves = sum(1 for w in writers if w.acked)
    print(
        f"\nDatabase after the run: {audited} value events in the audit trail for the "
        f"benchmark's cells, {acked} acknowledged saves; {lost} acknowledged save(s) missing; "
        f"{kept}/{with_saves} reports hold their last acknowledged value; {landed} save(s) "
        "landed without an acknowledgement."
    )

    print("\nCPU used per phase (wall time includes requests still in flight at the deadline):")
    for r in ran:
        server = "n/a" if r.server_cpu is None else f"{r.server_cpu:.1f} s"
        print(
            f"  {r.name:<26} wall {r.seconds:5.1f} s: server {server:>7}, "
            f"load generator {r.client_cpu:.1f} s (of {cores * r.seconds:.0f} core-s)"
        )
    kinds = Counter()
    for w in writers:
        kinds.update(w.error_kinds)
    if kinds:
        print(f"  writer errors: {dict(kinds)}")
    for r in ran:
        if r.error_kinds:
            print(f"  reader errors ({r.name}): {dict(r.error_kinds)}")
    for note in log_notes:
        print(f"  server log: {note}")

    stress_errors = (rushed["errors"] if rushed else 0) + stress.errors
    checks = [
        ("lost writes = 0 (whole run)", lost == 0, f"{lost}"),
        ("errors = 0 under load (writers + readers)", paced["errors"] + load.errors == 0,
         f"{paced['errors']} + {load.errors}"),
        (f"public p95 < {TARGET_P95_MS:g} ms with writers", reader_ok,
         f"{ms(load.latencies, 95)} ms (baseline without writers: "
         f"{ms(baseline.latencies, 95)} ms)"),
    ]  # fmt: skip
    if rushed:
        checks.append(("errors = 0 under stress (writers + readers)", stress_errors == 0,
                       f"{rushed['errors']} + {stress.errors}"))  # fmt: skip
    conflicts = paced["conflicts"] + (rushed["conflicts"] if rushed else 0)
    print(f"\nTargets (conflicts, expected 0 with one writer per report: {conflicts}):")
    for what, ok, figure in checks:
        print(f"  {what:<44} {figure:<44} {'PASS' if ok else 'FAIL'}")
    ok = all(passed for _, passed, _ in checks) and paced["acked"] > 0
    print(f"\nOverall: {'PASS' if ok else 'FAIL'}")
    return ok


def log_notes(log: Path) -> list[str]:
    """What the server's log says about trouble (it goes with the temporary folder)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    notes = []
    for needle in ("database is locked", "Traceback"):
        if count := text.count(needle):
            notes.append(f"{count} x {needle!r}")
    # the exceptions themselves: the last line of each traceback
    raised = Counter(m[:150] for m in RAISED.findall(text))
    notes += [f"{count} x {message}" for message, count in raised.most_common(5)]
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="the load phase")
    parser.add_argument("--writers", type=int, default=30, help="focal points saving drafts")
    parser.add_argument("--readers", type=int, default=100, help="public readers")
    parser.add_argument(
        "--baseline-seconds", type=float, default=20.0, help="readers alone, before the load"
    )
    parser.add_argument(
        "--think-seconds",
        type=float,
        default=2.0,
        help="pause of each writer between reading the form and saving",
    )
    parser.add_argument(
        "--reader-think-seconds", type=float, default=1.0, help="pause of a reader between pages"
    )
    parser.add_argument(
        "--stress-seconds",
        type=float,
        default=20.0,
        help="then the same clients without any pause (0: skip)",
    )
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument(
        "--database-url", help="a warehouse to write into (default: a temporary one)"
    )
    args = parser.parse_args()
    if args.writers < 1 or args.readers < 1:
        parser.error("--writers and --readers must be at least 1")
    warn_if_busy()

    with tempfile.TemporaryDirectory(prefix="bench_reporting_") as tmp:
        workdir = Path(tmp)
        url = args.database_url
        if url is None:
            print("Initialising a temporary warehouse...", flush=True)
            url = make_warehouse(workdir)
        print(f"Setting up {args.writers} focal points with draft reports...", flush=True)
        writers, first_event, journal = prepare(url, args.writers, secrets.token_hex(3))
        env = {
            **os.environ,
            "TARGET87_SECRET_KEY": secrets.token_urlsafe(32),  # not the user's key file
            "TARGET87_DATA_DIR": str(workdir / "data"),
        }
        port = free_port()
        print(f"Starting the server on port {port}...", flush=True)
        log = workdir / "server.log"
        proc = start_server(url, port, log, args.workers, env=env)
        try:
            *phases, sign_ins = run_loop(
                run_all(f"http://127.0.0.1:{port}", writers, args, proc.pid)
            )
        finally:
            stop_server(proc)
            notes = log_notes(log)
        check_database(url, writers, first_event)
    ok = report(args, writers, phases, sign_ins, journal, notes)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
