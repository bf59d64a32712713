"""Import 1,000,000 observations from SDMX-CSV and from CSV into SQLite, end to end.

    .venv/bin/python benchmarks/bench_ingest.py [--rows N]
    .venv/bin/python benchmarks/bench_ingest.py --growth [--growth-sizes 100000,1000000,10000000]

Prints, side by side in one run: our end-to-end time (read, map codes, validate, write in one
transaction) and throughput for each format, peak memory (RSS high-water mark of a fresh
process per measurement), against the target (>= 100,000 observations/s, < 1 GB) and the
baseline: sdmx1 alone reading the same SDMX-CSV into pandas. A last line shows the plain way
of inserting here: the same rows, already Python tuples with all 18 columns bound, through
sqlite3's executemany into the same table, with nothing read or checked. (Our loader binds
only the columns that vary, writes one-valued columns as literals and puts 100 rows in each
INSERT, so it can beat it.)

``--growth`` times only our CSV path at each size (100k, 1M, 10M rows by default; 10M takes
minutes and a few GB of temporary disk, deleted after each size), each in a fresh process,
with peak memory as VmHWM (see ``peak_mb_hwm``), into benchmarks/results/growth-ingest.json
(``growth_report.py`` draws it). Its rows cycle through nine snapshot series (the key space
of one series holds about a million rows), each with its own unit.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATE = 100_000
TARGET_MB = 1024
GROWTH_FILE = Path(__file__).with_name("results") / "growth-ingest.json"
# Snapshot series with units the validation accepts for the values written: (code, unit).
GROWTH_SERIES = (
    ("SL_TLF_CHLDEC", "PT"),
    ("SL_TLF_CHLDEA", "PT"),
    ("GE_CHLD_LAB_PT", "PT"),
    ("GE_CHLD_HAZ_PT", "PT"),
    ("VC_HTF_DETV", "NUMBER"),
    ("VC_HTF_DETVFL", "NUMBER"),
    ("VC_HTF_DETVOG", "NUMBER"),
    ("VC_HTF_DETVOP", "NUMBER"),
    ("VC_HTF_DETVSX", "NUMBER"),
)


def make_rows(n: int):
    """Real codes, synthetic values: every country x years x sex x age x source combination."""
    from target87.interop.codes import _bundled_areas

    areas = [(code, m49) for code, _iso3, _iso2, m49 in _bundled_areas() if m49 and len(code) == 3]
    sexes, ages = ("_T", "F", "M"), ("Y5T17", "Y5T14", "Y15T17", "Y10T17", "Y7T17")
    i = 0
    year = 1900
    while True:
        for area, m49 in areas:
            for sex in sexes:
                for age in ages:
                    for urb in ("_T", "U", "R"):
                        if i == n:
                            return
                        value = f"{(i * 7919 % 1000) / 10:.1f}"
                        yield area, m49, str(year), sex, age, urb, value
                        i += 1
        year += 1
        if year > 2025:
            raise SystemExit("too many rows for the synthetic key space")


def write_files(folder: Path, n: int) -> tuple[Path, Path]:
    csv_path, sdmx_path = folder / "obs.csv", folder / "obs_sdmx.csv"
    with open(csv_path, "w", encoding="utf-8") as f:
        f.write(
            "series,ref_area,time_period,year_from,year_to,sex,age,urbanisation,value,"
            "lower_bound,upper_bound,unit,unit_mult,obs_status,nature,reporting_type,"
            "footnote,source\n"
        )
        for area, _m49, year, sex, age, urb, value in make_rows(n):
            f.write(
                f"SL_TLF_CHLDEC,{area},{year},{year},{year},{sex},{age},{urb},{value},,,PT,0,"
                "A,C,N,,bench\n"
            )
    # SDMX-CSV 2.0 (the version sdmx1 reads), with the SDG DSD's dimensions in order.
    with open(sdmx_path, "w", encoding="utf-8") as f:
        f.write(
            "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REPORTING_TYPE,SERIES,REF_AREA,SEX,AGE,"
            "URBANISATION,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS,NATURE,"
            "SOURCE_DETAIL\n"
        )
        for _area, m49, year, sex, age, urb, value in make_rows(n):
            f.write(
                f"dataflow,IAEG-SDGs:DF_SDG_GLH(1.14),I,A,N,SL_TLF_CHLDEC,{m49},{sex},{age},"
                f"{urb},{year},{value},PT,0,A,C,bench\n"
            )
    return csv_path, sdmx_path


def write_growth_csv(path: Path, n: int) -> None:
    """``n`` rows of our CSV format over several series (see ``GROWTH_SERIES``)."""
    from target87.interop.codes import _bundled_areas

    areas = [code for code, _iso3, _iso2, m49 in _bundled_areas() if m49 and len(code) == 3]
    sexes, ages = ("_T", "F", "M"), ("Y5T17", "Y5T14", "Y15T17", "Y10T17", "Y7T17")
    written = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            "series,ref_area,time_period,year_from,year_to,sex,age,urbanisation,value,"
            "lower_bound,upper_bound,unit,unit_mult,obs_status,nature,reporting_type,"
            "footnote,source\n"
        )
        for series, unit in GROWTH_SERIES:
            for year in range(1900, 2026):
                for area in areas:
                    for sex in sexes:
                        for age in ages:
                            for urb in ("_T", "U", "R"):
                                if written == n:
                                    return
                                v = written * 7919 % 1000
                                value = f"{v / 10:.1f}" if unit == "PT" else str(v)
                                f.write(
                                    f"{series},{area},{year},{year},{year},{sex},{age},{urb},"
                                    f"{value},,,{unit},0,A,C,N,,bench\n"
                                )
                                written += 1
    raise SystemExit(f"{n} rows exceed the synthetic key space ({written})")


def peak_mb_hwm() -> float:
    """High-water resident memory of this process (MB) from /proc (VmHWM): ru_maxrss of a
    child started by a big parent can report the parent's (see bench_risk.peak_mb)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def growth(sizes: list[int]) -> None:
    from target87.interop.limits import ENV_MAX_BYTES

    runs = []
    print("target87 ingest growth: our CSV path into SQLite, end to end, a fresh process each")
    print(f"{'rows':>12} {'seconds':>8} {'obs/s':>10} {'peak MB':>8}")
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench_ingest_growth_") as tmp:
            folder = Path(tmp)
            write_growth_csv(folder / "obs.csv", size)
            # 10M rows make a 700 MB file: over the default upload limit (200 MB), which is
            # a setting (TARGET87_MAX_UPLOAD_BYTES), raised for this run only.
            limit = (folder / "obs.csv").stat().st_size + 1
            env = {**os.environ, ENV_MAX_BYTES: str(max(limit, 200 * 1024 * 1024))}
            r = child("growth", folder / "obs.csv", folder / "g.sqlite", env)
        if "error" in r:
            print(f"{size:12,} failed: {r['error']}")
            continue
        runs.append(
            {
                "size": size,
                "seconds": round(r["seconds"], 3),
                "peak_mb": round(r["peak_mb"], 1),
                "engine": "sqlite",
                "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            }
        )
        print(
            f"{size:12,} {r['seconds']:8.2f} {r['rows'] / r['seconds']:10,.0f} {r['peak_mb']:8.0f}"
        )
    if not runs:
        print(f"nothing measured: {GROWTH_FILE} left as it was")
        return
    GROWTH_FILE.parent.mkdir(parents=True, exist_ok=True)
    GROWTH_FILE.write_text(
        json.dumps({"benchmark": "ingest", "unit": "rows", "runs": runs}, indent=2) + "\n",
        encoding="utf-8",
    )
    print(f"written: {GROWTH_FILE}")


def measure(kind: str, path: Path, db: Path) -> None:
    """Run in a child process: one measurement, printed as JSON."""
    from target87 import store
    from target87.ingest import init_database

    engine = store.make_engine(f"sqlite:///{db}")
    init_database(engine)
    bench_source = {
        "id": "bench",
        "publisher": "benchmark",
        "title": "synthetic rows",
        "licence": "none",
        "citation": "synthetic benchmark rows",
        "priority": 99,
    }
    start = time.perf_counter()
    if kind in ("csv", "growth"):
        from target87.interop.csv_io import read_csv
        from target87.interop.load import load_table

        summary = load_table(engine, read_csv(path), new_sources=[bench_source])
        rows = summary.rows
    elif kind == "sdmx-csv":
        from target87.interop.load import load_table
        from target87.interop.sdmx_read import read_sdmx

        summary = load_table(engine, read_sdmx(path), new_sources=[bench_source])
        rows = summary.rows
    elif kind == "floor":  # SQLite's own ceiling: the rows already as Python tuples
        import sqlite3

        from target87.interop.csv_io import read_csv
        from target87.interop.load import ROWS_PER_BATCH, prepare_rows
        from target87.interop.table import OBS_COLUMNS

        prepared = prepare_rows(read_csv(path))
        every = list(range(len(OBS_COLUMNS)))  # every column bound, no literals
        batches = [
            prepared.grid(s, s + ROWS_PER_BATCH, every).tolist()
            for s in range(0, len(prepared), ROWS_PER_BATCH)
        ]
        engine.dispose()
        conn = sqlite3.connect(db)
        conn.execute(
            "INSERT INTO source (id, publisher, title, licence, citation, priority) "
            "VALUES ('bench', 'b', 'b', 'b', 'b', 99)"
        )
        sql = (
            f"INSERT INTO observation ({', '.join(OBS_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(OBS_COLUMNS))})"
        )
        start = time.perf_counter()
        for batch in batches:
            conn.executemany(sql, batch)
        conn.commit()
        rows = sum(len(b) for b in batches)
    else:  # baseline: sdmx1 alone, reading into pandas (no mapping, no checks, no database)
        import sdmx
        from sdmx.model.v21 import DataflowDefinition

        from target87.ingest.snapshot import bundled_snapshot_dir

        # The DSD is parsed before the clock starts: only reading the data is timed.
        dsd_path = bundled_snapshot_dir().parent / "sdmx" / "sdg_dsd_IAEG-SDGs.xml"
        dsd = sdmx.read_sdmx(dsd_path).structure["SDG"]
        flow = DataflowDefinition(id="DF_SDG_GLH", structure=dsd)
        start = time.perf_counter()
        frame = sdmx.to_pandas(sdmx.read_sdmx(path, structure=flow))
        rows = len(frame)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if kind == "growth":
        peak_mb = peak_mb_hwm()
    print(json.dumps({"kind": kind, "rows": rows, "seconds": seconds, "peak_mb": peak_mb}))


def child(kind: str, path: Path, db: Path, env: dict[str, str] | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path), str(db)],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode:
        return {"kind": kind, "error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=3)
    parser.add_argument("--growth", action="store_true", help="time our CSV path at each size")
    parser.add_argument("--growth-sizes", default="100000,1000000,10000000")
    args = parser.parse_args()
    if args.child:
        kind, path, db = args.child
        measure(kind, Path(path), Path(db))
        return
    if args.growth:
        growth([int(x) for x in args.growth_sizes.split(",")])
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path, sdmx_path = write_files(folder, args.rows)
        results = [
            child("csv", csv_path, folder / "a.sqlite"),
            child("sdmx-csv", sdmx_path, folder / "b.sqlite"),
            child("sdmx1 baseline", sdmx_path, folder / "c.sqlite"),
            child("floor", csv_path, folder / "d.sqlite"),
        ]
    print(
        f"target87 ingest benchmark: {args.rows:,} observations into SQLite "
        f"(target >= {TARGET_RATE:,}/s, peak < {TARGET_MB} MB)"
    )
    print(f"{'path':40} {'seconds':>8} {'obs/s':>10} {'peak MB':>8}  verdict")
    for r in results:
        if "error" in r:
            print(f"{r['kind']:40} failed: {r['error']}")
            continue
        rate = r["rows"] / r["seconds"]
        if r["kind"].startswith("sdmx1"):
            label, verdict = "sdmx1 read_sdmx+to_pandas (baseline)", "baseline, no DB"
        elif r["kind"] == "floor":
            label, verdict = "sqlite3 executemany, 18 columns bound", "insert only, no read/check"
        else:
            label = f"target87 {r['kind']} -> SQLite, end to end"
            ok = rate >= TARGET_RATE and r["peak_mb"] < TARGET_MB
            verdict = "meets target" if ok else "MISSES target"
        print(f"{label:40} {r['seconds']:8.2f} {rate:10,.0f} {r['peak_mb']:8.0f}  {verdict}")


if __name__ == "__main__":
    main()
