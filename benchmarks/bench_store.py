"""Store benchmark: `init` from empty, and one series across all areas and years, on SQLite
and PostgreSQL side by side.

    .venv/bin/python benchmarks/bench_store.py [--repeat N] [--no-postgres]

Each figure is printed beside a baseline measured in the same run on the same server: for
`init`, writing the same observation rows with the bare driver (sqlite3 / psycopg
executemany into a table of the same columns; no checks, no ORM, no schema migrations); for
the query, the same rows read by one plain SQL statement on a fresh connection. The ratio
says what our checks, migrations, provenance and preference rule cost over the bare floor.
Targets (issue 22): the query within 2x, `init` within 5x. The first `init` of a process is
shown apart: it runs the migrations, which later ones on SQLite copy (`store.migrate`).

PostgreSQL is started for the run with scripts/pg_server.py (a temporary server, deleted
afterwards); when it cannot start, the reason is printed instead of its figures.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from target87 import store
from target87.ingest import bundled_snapshot_dir, init_database

SERIES = "VC_HTF_DETVFL"  # the largest series in the snapshot
QUERY_TARGET, INIT_TARGET = 2.0, 5.0
ROOT = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def snapshot_rows() -> tuple[list[str], list[list[str]]]:
    with open(bundled_snapshot_dir() / "observations.csv", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, list(reader)


class SQLite:
    name = "SQLite"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.count = 0

    @contextlib.contextmanager
    def fresh_url(self) -> Iterator[str]:
        self.count += 1
        path = self.workdir / f"db{self.count}.sqlite"
        yield f"sqlite:///{path}"
        path.unlink(missing_ok=True)

    def plain_insert(self, header: list[str], rows: list[list[str]]) -> None:
        self.count += 1
        path = self.workdir / f"plain{self.count}.sqlite"
        con = sqlite3.connect(path)
        con.execute(f"CREATE TABLE observation ({', '.join(header)})")
        with con:
            con.executemany(
                f"INSERT INTO observation VALUES ({', '.join('?' * len(header))})", rows
            )
        con.close()
        path.unlink()

    def plain_select(self, url: str) -> int:
        con = sqlite3.connect(make_url(url).database)
        rows = con.execute("SELECT * FROM observation WHERE series = ?", (SERIES,)).fetchall()
        con.close()
        return len(rows)


class Postgres:
    name = "PostgreSQL"

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.admin = create_engine(server_url, isolation_level="AUTOCOMMIT")

    @contextlib.contextmanager
    def fresh_url(self) -> Iterator[str]:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(self.server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def _connect(self, url: str):
        import psycopg

        u = make_url(url)
        return psycopg.connect(
            host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database
        )

    def plain_insert(self, header: list[str], rows: list[list[str]]) -> None:
        with self.fresh_url() as url, self._connect(url) as con:
            con.execute(f"CREATE TABLE observation ({', '.join(f'{h} text' for h in header)})")
            with con.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO observation VALUES ({', '.join(['%s'] * len(header))})", rows
                )
            con.commit()

    def plain_select(self, url: str) -> int:
        with self._connect(url) as con:
            return len(
                con.execute("SELECT * FROM observation WHERE series = %s", (SERIES,)).fetchall()
            )


def bench(engine_kind, repeat: int) -> list[tuple[str, float, float, str]]:
    header, rows = snapshot_rows()

    def ours_init() -> int:
        with engine_kind.fresh_url() as url:
            eng = store.make_engine(url)
            result = init_database(eng)
            eng.dispose()
        return result.counts["observations"]

    # The first init of a process runs the migrations; later ones on SQLite copy the schema
    # the first left (``store.migrate``): both are shown.
    first_s, n_obs = timed(ours_init, 1)
    init_s, _ = timed(ours_init, max(2, repeat // 2))
    base_init_s, _ = timed(lambda: engine_kind.plain_insert(header, rows), max(2, repeat // 2))
    with engine_kind.fresh_url() as url:
        eng = store.make_engine(url)
        init_database(eng)

        def ours_query() -> int:
            with Session(eng) as s:
                return len(store.observations(s, series=[SERIES], with_sources=True))

        ours_query()  # the first query of a process compiles and caches its statement
        query_s, n_rows = timed(ours_query, repeat)
        base_query_s, base_rows = timed(lambda: engine_kind.plain_select(url), repeat)
        eng.dispose()
    assert n_rows == base_rows, (n_rows, base_rows)
    return [
        (
            f"init, first of the process ({n_obs} obs)",
            first_s,
            base_init_s,
            "migrations run; baseline: executemany of observations.csv",
        ),
        (
            f"init from empty ({n_obs} observations)",
            init_s,
            base_init_s,
            f"target {INIT_TARGET:.0f}x; baseline: executemany of observations.csv",
        ),
        (
            f"query {SERIES} ({n_rows} rows)",
            query_s,
            base_query_s,
            f"target {QUERY_TARGET:.0f}x; baseline: one plain SELECT",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print("target87 store benchmark (median of runs)")
    print(f"{'engine':11} {'measure':38} {'target87':>10} {'baseline':>10} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        results = [("SQLite", bench(SQLite(Path(tmp)), args.repeat))]
    if args.no_postgres:
        results.append(("PostgreSQL", "not run (--no-postgres)"))
    else:
        sys.path.insert(0, str(ROOT / "scripts"))
        try:
            from pg_server import temporary_postgres

            with temporary_postgres() as server_url:
                pg = Postgres(server_url)
                results.append(("PostgreSQL", bench(pg, args.repeat)))
                pg.admin.dispose()
        except Exception as exc:  # any reason the server did not start is the line printed
            results.append(("PostgreSQL", f"not run: {type(exc).__name__}: {exc}"))
    for engine, rows in results:
        if isinstance(rows, str):
            print(f"{engine:11} {rows}")
            continue
        for name, ours, base, note in rows:
            print(
                f"{engine:11} {name:38} {ours * 1000:8.1f}ms {base * 1000:8.1f}ms "
                f"{ours / base:6.1f}x  ({note})"
            )


if __name__ == "__main__":
    main()
