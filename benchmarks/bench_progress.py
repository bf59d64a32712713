"""Status and projections for every series x area x sex of a warehouse, all at once.

    .venv/bin/python benchmarks/bench_progress.py [--series-areas 100000] [--loop-sample N]
    .venv/bin/python benchmarks/bench_progress.py --growth [--growth-sizes 1000,10000,100000]

Generates a warehouse (``target87.progress.generate``: made-up codes, seeded random values
with one-point series, gaps, zeros, targets met, a second source and windows) of
``--series-areas`` series x area x sex cells in SQLite, then times, in one run:

* ours: ``progress_all`` (one read of the warehouse, UN status and log-linear and linear
  projections of every cell, vectorised), from the database;
* the baseline: the same points, then the one-series functions (``progress_status``,
  ``project`` twice) in a loop over the cells, as a script without the many-series path
  would do; ``--loop-sample N`` times the loop on N cells only and scales it up (said so).

Targets (issue 22): ours under 2 s at 100,000 and at least 10x the loop. The bundled snapshot
is timed the same way on a first line.

``--growth`` instead times ours at each size, each in a fresh process (time and peak memory,
VmHWM, of a process that only opens the warehouse and runs), into
benchmarks/results/growth-progress.json (``growth_report.py`` draws it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 2.0
TARGET_RATIO = 10.0
GROWTH_FILE = Path(__file__).with_name("results") / "growth-progress.json"


def peak_mb() -> float:
    """High-water resident memory of this process (MB), honest for a child of a big parent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(url: str) -> tuple[float, int, int]:
    """Seconds for ``progress_all`` from the database; statuses and projected rows. Imports
    and the ORM's one-time set-up come before the clock (a fresh process pays them once)."""
    import adbc_driver_sqlite.dbapi  # noqa: F401  (imported by the first warehouse-wide read)
    import scipy.stats  # noqa: F401  (imported by the fits on first use: 0.6 s)
    from sqlalchemy.orm import Session, configure_mappers

    from target87 import store
    from target87.progress.report import progress_all

    configure_mappers()
    engine = store.make_engine(url)
    with Session(engine) as s:
        start = time.perf_counter()
        status, projections = progress_all(s)
        seconds = time.perf_counter() - start
    engine.dispose()
    return seconds, len(status), len(projections)


def loop(url: str, sample: int | None) -> tuple[float, int, int]:
    """Seconds for the same points and the one-series functions in a loop; cells looped,
    cells in all. With ``sample``, the loop covers the first ``sample`` cells and its time is
    scaled to all of them."""
    from sqlalchemy.orm import Session

    from target87 import store
    from target87.progress import progress_status, project
    from target87.progress.data import all_points
    from target87.store import models as M

    engine = store.make_engine(url)
    with Session(engine) as s:
        start = time.perf_counter()
        points = all_points(s)
        targets = {x.code: x for x in s.query(M.Series)}
        read = time.perf_counter() - start
        groups = points.groupby(["series", "area", "sex", "age"])
        total = groups.ngroups
        start = time.perf_counter()
        n = 0
        for (code, _area, _sex, _age), part in groups:
            if sample is not None and n == sample:
                break
            values = dict(zip(part["year"], part["value"], strict=True))
            info = targets[code]
            if info.target_value is not None:
                with contextlib.suppress(ValueError):  # one point, zeros...: noted, not failed
                    progress_status(values, info.target_value, info.target_year or 2030)
            for method in ("log-linear", "linear"):
                with contextlib.suppress(ValueError):
                    project(values, method=method, threshold=0.5)
            n += 1
        looped = time.perf_counter() - start
    engine.dispose()
    return read + looped * (total / max(n, 1)), n, total


def generate(path: Path, size: int) -> dict:
    from target87 import store
    from target87.progress.generate import generate_warehouse

    engine = store.make_engine(f"sqlite:///{path}")
    counts = generate_warehouse(engine, size)
    engine.dispose()
    return counts


def snapshot(path: Path) -> None:
    from target87 import store
    from target87.ingest import init_database

    engine = store.make_engine(f"sqlite:///{path}")
    init_database(engine)
    engine.dispose()


def line(name: str, mine: float, base: float, note: str) -> str:
    return f"{name:44} {mine:8.2f} {base:9.2f} {base / mine:6.1f}x  {note}"


def compare(args: argparse.Namespace) -> None:
    print("target87 progress benchmark: status + projections of every series x area x sex")
    print(f"{'warehouse':44} {'ours s':>8} {'loop s':>9} {'ratio':>7}")
    with tempfile.TemporaryDirectory(prefix="bench_progress_") as tmp:
        snap = Path(tmp) / "snapshot.sqlite"
        snapshot(snap)
        url = f"sqlite:///{snap}"
        mine, n_status, n_proj = ours(url)
        base, looped, total = loop(url, None)
        print(line(f"bundled snapshot ({total} cells)", mine, base, ""))
        snap.unlink()

        db = Path(tmp) / "generated.sqlite"
        counts = generate(db, args.series_areas)
        url = f"sqlite:///{db}"
        mine, n_status, n_proj = ours(url)
        base, looped, total = loop(url, args.loop_sample)
        scaled = f"; loop timed on {looped} cells, scaled" if looped < total else ""
        verdict = (
            "meets both targets"
            if mine < TARGET_SECONDS and base / mine >= TARGET_RATIO
            else f"MISSES a target (< {TARGET_SECONDS:.0f} s and >= {TARGET_RATIO:.0f}x)"
        )
        name = f"generated: {total} cells, {counts['observations']} obs"
        print(line(name, mine, base, verdict + scaled))
    print(
        f"ours: {n_status} statuses and {n_proj} projected values (2025, 2030; log-linear and"
        " linear) from one read of the warehouse; loop: the same points read the same way, "
        "then progress_status and project per cell"
    )


def growth(args: argparse.Namespace) -> None:
    sizes = [int(x) for x in args.growth_sizes.split(",")]
    runs = []
    print("target87 progress growth (SQLite; each size timed in a fresh process)")
    print(f"{'series x areas':>15} {'observations':>13} {'seconds':>8} {'peak MB':>8}")
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench_progress_growth_") as tmp:
            db = Path(tmp) / "generated.sqlite"
            counts = generate(db, size)
            out = subprocess.run(
                [sys.executable, __file__, "--measure", str(db)],
                check=True,
                capture_output=True,
                text=True,
            )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        runs.append(
            {
                "size": size,
                "seconds": round(result["seconds"], 4),
                "peak_mb": round(result["peak_mb"], 1),
                "engine": "sqlite",
                "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            }
        )
        print(
            f"{size:15,} {counts['observations']:13,} {result['seconds']:8.2f} "
            f"{result['peak_mb']:8.1f}"
        )
    GROWTH_FILE.parent.mkdir(parents=True, exist_ok=True)
    GROWTH_FILE.write_text(
        json.dumps({"benchmark": "progress", "unit": "series x areas", "runs": runs}, indent=2)
        + "\n",
        encoding="utf-8",
    )
    print(f"written: {GROWTH_FILE}")


def measure(db: str) -> None:
    seconds, _, _ = ours(f"sqlite:///{db}")
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series-areas", type=int, default=100_000)
    parser.add_argument("--loop-sample", type=int, default=None)
    parser.add_argument("--growth", action="store_true", help="time ours at several sizes")
    parser.add_argument("--growth-sizes", default="1000,10000,100000")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # a growth run's fresh process
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
    elif args.growth:
        growth(args)
    else:
        compare(args)


if __name__ == "__main__":
    main()
