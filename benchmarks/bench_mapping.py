"""Mapping benchmark: the proposal for a 100,000-row national file, against the 5 s target.

    python benchmarks/bench_mapping.py [--rows N] [--repeat N]

Writes an Open SDG folder with one CSV of N rows in a national file's own words (Spanish
headers, labels in four languages, survey rounds, ISO2 and M49 areas), then times
``opensdg.raw_columns`` (reading the file and each column's distinct labels) and
``mapping.propose`` (which sees distinct labels only, never rows), apart and together. The
time of ``read_any`` with the mapping applied is printed too (the load's first step).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

from target87.interop.formats import read_any
from target87.interop.mapping import propose
from target87.interop.opensdg import raw_columns

TARGET_S = 5.0
YEARS = [str(y) for y in range(2000, 2024)] + ["2013-14", "2016-17"]
SEX = ["", "Total", "Hombres", "Mujeres", "Masculin", "Féminin", "мужчины", "женщины", "boy"]
AGE = ["", "De 5 a 14 años", "aged 5-11 years", "от 5 до 11 лет", "5-17", "15 to 17 years"]
UNITS = ["%", "Percent", "Pour cent", "процент"]
AREAS = ["", "MX", "484", "ARM", "RWA", "KG", "646"]


def write_file(folder: Path, rows: int) -> Path:
    (folder / "data").mkdir(parents=True)
    path = folder / "data" / "indicator_8-7-1.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Año", "Sexo", "Grupo de edad", "Unidad", "GeoCode", "Value"])
        columns = zip(
            cycle(YEARS), cycle(SEX), cycle(AGE), cycle(UNITS), cycle(AREAS), strict=False
        )
        for k, (year, sex, age, unit, area) in enumerate(islice(columns, rows)):
            writer.writerow([year, sex, age, unit, area, f"{k % 1000 / 10:.1f}"])
    return path


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "site"
        write_file(folder, args.rows)
        read_s, (columns, metadata) = timed(lambda: raw_columns(folder), args.repeat)
        propose_s, mapping = timed(
            lambda: propose(columns, metadata, series="SL_TLF_CHLDEC"), args.repeat
        )
        mapping.area = mapping.area or "MEX"
        apply_s, raw = timed(lambda: read_any(folder, mapping=mapping), args.repeat)
    total = read_s + propose_s
    verdict = "within" if total < TARGET_S else "OVER"
    print(f"rows: {args.rows:,}; distinct labels: {sum(len(v) for v in columns.values()):,}")
    print(f"  read the file, distinct labels per column: {read_s:.3f} s")
    print(f"  propose (distinct labels only):            {propose_s * 1000:.1f} ms")
    print(f"  mapping proposal in all:                   {total:.3f} s ({verdict} the "
          f"{TARGET_S:.0f} s target)")  # fmt: skip
    print(f"  read_any with the mapping applied:         {apply_s:.3f} s ({len(raw):,} rows)")
    print(f"  unknown: {mapping.unknown or 'nothing'}")


if __name__ == "__main__":
    main()
