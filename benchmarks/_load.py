"""What the web benchmarks share: a temporary warehouse, `target87 serve` as a subprocess, its
CPU time, and a minimal HTTP/1.1 keep-alive client on asyncio streams.

Not a benchmark itself: bench_web.py and bench_reporting.py import it (run them, not this).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from target87.web.workers import READY_MESSAGE  # `serve --workers N`: all N listen

READY_PATH = "/static/app.css"  # answered once the server is up


def warn_if_busy() -> None:
    """Say so when other work is running: it would inflate the latencies measured."""
    if hasattr(os, "getloadavg") and os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
        print(
            f"Warning: load average {os.getloadavg()[0]:.1f} before the run; other work on this "
            "machine will inflate the latencies.",
            flush=True,
        )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(url: str, port: int, workers: int) -> list[str]:
    script = Path(sys.executable).parent / "target87"
    head = [str(script)] if script.exists() else [sys.executable, "-m", "target87"]
    serve = ["serve", "--port", str(port), "--workers", str(workers)]
    return [*head, "--database-url", url, *serve]


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of ``pid`` and its worker processes (Linux /proc), else None."""
    try:
        stats = {
            int(d.name): d.joinpath("stat").read_text().rsplit(")", 1)[1].split()
            for d in Path("/proc").iterdir()
            if d.name.isdigit() and d.joinpath("stat").exists()
        }
    except OSError:
        stats = {}
    if pid not in stats:
        return None
    tree, grew = {pid}, True
    while grew:  # field 1 (after the name) is the parent's pid
        children = {p for p, f in stats.items() if int(f[1]) in tree} - tree
        tree |= children
        grew = bool(children)
    ticks = sum(int(stats[p][11]) + int(stats[p][12]) for p in tree)
    return ticks / os.sysconf("SC_CLK_TCK")


def make_warehouse(workdir: Path) -> str:
    from target87 import store
    from target87.ingest import init_database

    fresh = workdir / "fresh.sqlite"
    engine = store.make_engine(f"sqlite:///{fresh}")
    init_database(engine)
    engine.dispose()
    copy = workdir / "bench.sqlite"
    shutil.copyfile(fresh, copy)
    return f"sqlite:///{copy}"


def start_server(
    url: str,
    port: int,
    log: Path,
    workers: int,
    timeout: float = 300.0,
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    proc = subprocess.Popen(
        server_command(url, port, workers),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{READY_PATH}", timeout=2) as r:
                # One worker answers before the others listen: wait for all of them, or the
                # first would keep every connection of the run.
                if r.status == 200 and (workers == 1 or READY_MESSAGE in log.read_text()):
                    return proc
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    raise SystemExit(f"server did not answer within {timeout:.0f} s:\n{log.read_text()}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def percentile_ms(latencies: list[float], q: int) -> float:
    """The q-th percentile of ``latencies`` (seconds), in ms; NaN when there are none."""
    if not latencies:
        return float("nan")
    if len(latencies) == 1:
        return latencies[0] * 1000
    return statistics.quantiles(latencies, n=100, method="inclusive")[q - 1] * 1000


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names; the last one of a repeated header
    cookies: dict[str, str]  # from Set-Cookie; "" for a cookie the server deletes
    body: bytes


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams.

    httpx costs the load generator about 3 ms of CPU a request, as much as the server spends:
    on two shared cores the client, not the server, set the latencies. This writes a request
    (GET, or POST with a body) and reads the status line, the headers and a Content-Length (or
    chunked) body, and nothing more.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        answer = await self.request("GET", path)
        return answer.status, answer.body

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Answer:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        for name, value in (headers or {}).items():
            head += f"{name}: {value}\r\n"
        if body or method != "GET":
            head += f"Content-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        found, cookies = {}, {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                name, value = name.strip().lower(), value.strip()
                found[name] = value
                if name == "set-cookie":
                    pair, _, attributes = value.partition(";")
                    key, _, content = pair.partition("=")
                    deleted = "max-age=0" in attributes.lower().replace(" ", "")
                    cookies[key.strip()] = "" if deleted else content.strip().strip('"')
        if "content-length" in found:
            content = await self.reader.readexactly(int(found["content-length"]))
        elif found.get("transfer-encoding") == "chunked":
            content = b""
            while size := int((await self.reader.readline()).strip(), 16):
                content += await self.reader.readexactly(size)
                await self.reader.readline()
            await self.reader.readline()
        else:
            raise ConnectionError("answer without Content-Length or chunked body")
        if found.get("connection") == "close":
            await self.close()
        return Answer(status, found, cookies, content)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def host_port(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


def run_loop(coroutine):
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)
