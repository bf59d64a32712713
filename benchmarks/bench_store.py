"""Store benchmark: `init` from empty, and one series across all areas and years, on SQLite.

    python benchmarks/bench_store.py [--repeat N]

Each figure is printed beside a baseline measured in the same run: for `init`, writing the same
observation rows with the standard library's sqlite3 (no checks, no ORM); for the query, the
same rows read by one plain SQL statement. The ratio says what our checks, provenance joins and
preference rule cost over the bare floor.
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from target87 import store
from target87.ingest import bundled_snapshot_dir, init_database

SERIES = "VC_HTF_DETVFL"  # the largest series in the snapshot


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_init(workdir: Path, repeat: int) -> tuple[float, int]:
    counter = iter(range(10**6))

    def run():
        eng = store.make_engine(f"sqlite:///{workdir / f'init{next(counter)}.sqlite'}")
        result = init_database(eng)
        eng.dispose()
        return result.counts["observations"]

    return timed(run, repeat)


def baseline_init(workdir: Path, repeat: int) -> tuple[float, int]:
    with open(bundled_snapshot_dir() / "observations.csv", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    counter = iter(range(10**6))

    def run():
        con = sqlite3.connect(workdir / f"base{next(counter)}.sqlite")
        con.execute(f"CREATE TABLE observation ({', '.join(header)})")
        with con:
            con.executemany(
                f"INSERT INTO observation VALUES ({', '.join('?' * len(header))})", rows
            )
        con.close()
        return len(rows)

    return timed(run, repeat)


def bench_query(url: str, repeat: int) -> tuple[float, int]:
    eng = store.make_engine(url)

    def run():
        with Session(eng) as s:
            return len(store.observations(s, series=[SERIES], with_sources=True))

    return timed(run, repeat)


def baseline_query(path: Path, repeat: int) -> tuple[float, int]:
    def run():
        con = sqlite3.connect(path)
        rows = con.execute("SELECT * FROM observation WHERE series = ?", (SERIES,)).fetchall()
        con.close()
        return len(rows)

    return timed(run, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        init_s, n_obs = bench_init(workdir, max(1, args.repeat // 2))
        base_init_s, _ = baseline_init(workdir, max(1, args.repeat // 2))
        db = workdir / "init0.sqlite"
        query_s, n_rows = bench_query(f"sqlite:///{db}", args.repeat)
        base_query_s, base_rows = baseline_query(db, args.repeat)
    assert n_rows == base_rows, (n_rows, base_rows)
    print(f"target87 store benchmark (SQLite, median of runs; {n_obs} observations)")
    print(f"{'measure':44} {'target87':>10} {'baseline':>10} {'ratio':>7}")
    rows = [
        (
            "init from empty (schema + full snapshot)",
            init_s,
            base_init_s,
            "baseline: sqlite3 executemany of observations.csv",
        ),
        (
            f"query {SERIES}: {n_rows} rows, all areas/years",
            query_s,
            base_query_s,
            "baseline: one plain SELECT",
        ),
    ]
    for name, ours, base, note in rows:
        print(f"{name:44} {ours * 1000:8.1f}ms {base * 1000:8.1f}ms {ours / base:6.1f}x  ({note})")


if __name__ == "__main__":
    main()
