"""How cost grows with the work: tables and charts from the benchmarks' growth runs.

    .venv/bin/python benchmarks/growth_report.py [--results benchmarks/results]
        [--markdown docs/benchmark-runs.md] [--charts docs/img]

Reads ``growth-*.json`` (written by ``bench_ingest.py --growth``, ``bench_risk.py --growth``,
``bench_progress.py --growth``: ``{"benchmark", "unit", "runs": [{"size", "seconds",
"peak_mb", "engine"}]}``), prints each as a table with the time per unit and the growth
exponent between successive sizes (log time ratio / log size ratio: 1 is linear, above 1.15
is flagged worse than linear), and writes the same tables with one small log-log chart per
benchmark (time and peak memory against size; SVG, drawn offline by Vega-Lite through
vl-convert, as the platform draws its charts) into the Markdown file, between the markers
``<!-- growth:start -->`` and ``<!-- growth:end -->`` (added at the top when absent).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORSE_THAN_LINEAR = 1.15


def exponent(size0: float, t0: float, size1: float, t1: float) -> float | None:
    """The local growth exponent k in t ~ size^k between two runs."""
    if min(size0, t0, size1, t1) <= 0 or size0 == size1:
        return None
    return math.log(t1 / t0) / math.log(size1 / size0)


def table_rows(runs: list[dict]) -> list[dict]:
    """Runs by engine then size, with the time per unit and the exponent from the previous
    size of the same engine."""
    rows = []
    for engine in dict.fromkeys(r.get("engine", "") for r in runs):
        mine = sorted((r for r in runs if r.get("engine", "") == engine), key=lambda r: r["size"])
        previous = None
        for r in mine:
            k = (
                exponent(previous["size"], previous["seconds"], r["size"], r["seconds"])
                if previous
                else None
            )
            m = (
                exponent(previous["size"], previous["peak_mb"], r["size"], r["peak_mb"])
                if previous and r.get("peak_mb") and previous.get("peak_mb")
                else None
            )
            rows.append(
                {
                    "engine": engine,
                    "size": r["size"],
                    "seconds": r["seconds"],
                    "us_per_unit": r["seconds"] / r["size"] * 1e6,
                    "peak_mb": r.get("peak_mb"),
                    "k_time": k,
                    "k_memory": m,
                    "measured": r.get("measured", ""),
                }
            )
            previous = r
    return rows


def markdown(name: str, unit: str, rows: list[dict]) -> str:
    out = [
        f"| engine | {unit} | seconds | µs per {unit.rstrip('s')} | peak MB "
        "| time exponent | memory exponent | measured |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        k = "" if r["k_time"] is None else f"{r['k_time']:.2f}"
        if r["k_time"] is not None and r["k_time"] > WORSE_THAN_LINEAR:
            k += " **worse than linear**"
        m = "" if r["k_memory"] is None else f"{r['k_memory']:.2f}"
        peak = "" if r["peak_mb"] is None else f"{r['peak_mb']:,.0f}"
        out.append(
            f"| {r['engine']} | {r['size']:,} | {r['seconds']:.3f} | {r['us_per_unit']:.3f} | "
            f"{peak} | {k} | {m} | {r['measured']} |"
        )
    return "\n".join(out)


def chart_svg(name: str, unit: str, rows: list[dict]) -> str:
    frame = pd.DataFrame(rows)
    long = pd.concat(
        [
            frame.assign(measure="seconds", value=frame["seconds"]),
            frame.assign(measure="peak MB", value=frame["peak_mb"]),
        ]
    ).dropna(subset=["value"])
    chart = (
        alt.Chart(long, title=f"{name}: time and peak memory against {unit}")
        .mark_line(point=True)
        .encode(
            x=alt.X("size:Q", scale=alt.Scale(type="log"), title=unit),
            y=alt.Y("value:Q", scale=alt.Scale(type="log"), title=None),
            color=alt.Color("engine:N"),
            strokeDash=alt.StrokeDash("measure:N"),
            tooltip=["engine", "measure", "size", "value"],
        )
        .properties(width=360, height=200)
    )
    return vl_convert.vegalite_to_svg(chart.to_dict())


START, END = "<!-- growth:start -->", "<!-- growth:end -->"


def replace_section(path: Path, body: str) -> str:
    """The file's text with the growth section replaced (or put after the first heading)."""
    text = path.read_text() if path.exists() else "# Benchmark runs\n"
    block = f"{START}\n{body}\n{END}"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        return before + block + rest.split(END, 1)[1]
    head, _, tail = text.partition("\n")
    return f"{head}\n\n{block}\n{tail}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--markdown", type=Path, default=ROOT / "docs" / "benchmark-runs.md")
    parser.add_argument("--charts", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    files = sorted(args.results.glob("growth-*.json"))
    if not files:
        raise SystemExit(f"no growth-*.json in {args.results}: run the benchmarks with --growth")
    args.charts.mkdir(parents=True, exist_ok=True)
    sections = [
        "## How cost grows with the work\n",
        "Written by `benchmarks/growth_report.py` from the growth runs of the benchmarks "
        "(each size in a fresh process; peak memory is the process's VmHWM). The exponent is "
        "log(time ratio) / log(size ratio) between successive sizes: 1 is linear, below 1 the "
        "fixed costs still dominate, above 1.15 is flagged worse than linear.\n",
    ]
    for path in files:
        data = json.loads(path.read_text())
        name, unit = data["benchmark"], data["unit"]
        rows = table_rows(data["runs"])
        svg = args.charts / f"growth-{name}.svg"
        svg.write_text(chart_svg(name, unit, rows))
        table = markdown(name, unit, rows)
        print(f"\n{name} ({path.name})\n{table}")
        relative = Path("img") / svg.name
        when = data.get("date", "")
        sections.append(
            f"### {name}\n\n{data.get('note', '')}\n\n{table}\n\n"
            f"![{name}: time and peak memory against {unit}]({relative.as_posix()})\n"
            + (f"\nRun: {when}\n" if when else "")
        )
    args.markdown.write_text(replace_section(args.markdown, "\n".join(sections)))
    print(f"\nwrote {args.markdown} and {len(files)} chart(s) in {args.charts}")


if __name__ == "__main__":
    main()
