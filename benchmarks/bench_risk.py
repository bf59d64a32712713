"""CLRISK benchmark: fit the risk model on a survey, score a census with uncertainty (issue 7, 22).

    .venv/bin/python benchmarks/bench_risk.py [--children N] [--territories D] [--draws M]
        [--baseline-children B] [--survey-children S] [--seed K] [--no-previous]
    .venv/bin/python benchmarks/bench_risk.py --growth [--growth-sizes 1000000,10000000,...]
        [--engines numpy,duckdb,spark]

Every step runs in a fresh child process, timed from its input file (imports done first):
(0) SYNTHETIC data, not timed: ``synth.synthesize`` makes the census (10,000,000 children in
2,000 territories by default) and a 20,000-child two-stage survey; the census goes to Parquet,
and so does a subset of whole territories (about ``--baseline-children``) for the baseline.
(1) fit: the survey-weighted logit with Taylor-linearised design SEs and fit statistics
(``fit_risk_model``), target < 5 s. (2) score: pyarrow reads the census Parquet and the fast
kernel (``risk.scoring_kernel`` through ``simulate_territory_risk``) gives territory risks with
``--draws`` coefficient draws, quantile classes and P(high class); target < 2.5 s, peak < 2 GB
and >= 15x the baseline. The same process then measures this machine's memory bandwidth,
dense matrix-product FLOP rate and exp rate and prints the floor for the work. (3) previous:
the path timed before (DuckDB collapses the census to territory x pattern through Ibis, then
the straightforward draws), for the before/after figure and a check on every territory.
(4) baseline: plain pandas + statsmodels on the subset: a statsmodels GLM ``.predict`` for every
child, then per draw every child re-predicted with numpy and grouped by territory with pandas;
its time is scaled by census / subset children. Cross-checks: the GLM's coefficients against
ours, the baseline's territory risks and SEs (same seed, same covariance) against ours, and
ours against the previous path and against ``territory_scores`` on DuckDB.

``--growth`` instead times scoring at each size (1M, 10M, 100M children by default; above
10M the census is made in 10M parts, each with its own territories, so 100M children live in
20,000 territories) on each engine: ``numpy`` (the fast kernel on the file read by pyarrow),
``duckdb`` (the Ibis pattern collapse on DuckDB, streamed by territory chunks of about 10M
children, then the kernel on the patterns) and ``spark`` (the same Ibis expression on Spark
local mode; the JVM's peak memory is added to Python's). It writes
benchmarks/results/growth-scoring.json.

Peak memory is the process's VmHWM from /proc: ``ru_maxrss`` would not do, as Linux carries
the parent's high-water mark into a child across exec. The Parquet files are in the page cache
(just written), so reading them is not a cold-disk figure.
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

TARGET_FIT_SECONDS = 5.0
TARGET_SCORE_SECONDS = 2.5
TARGET_SCORE_MB = 2048
TARGET_SPEEDUP = 15.0
TERRITORY = "territory"
CENSUS, SUBSET, SURVEY = "census.parquet", "subset.parquet", "survey.parquet"
MODEL, OURS, BASELINE = "model.json", "ours.parquet", "baseline.parquet"
PREVIOUS = "previous.parquet"
PART_CHILDREN = 10_000_000  # censuses above this are made (and streamed) in parts this size
GROWTH_FILE = Path(__file__).with_name("results") / "growth-scoring.json"


def peak_mb() -> float:
    """High-water resident memory of this process (MB), honest for a child of a big parent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def covariates() -> list[str]:
    """The census covariates. Importing synth takes scipy.stats (a second): never on a clock."""
    from target87.risk.synth import COVARIATES

    return list(COVARIATES)


def prepare(folder: Path, args: argparse.Namespace) -> dict:
    """SYNTHETIC census and survey to Parquet (not timed as part of any target).

    Above :data:`PART_CHILDREN` the census is made part by part (seed + part, territories
    numbered on), so memory stays that of one part; survey and subset come from part 0.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from target87.risk.synth import synthesize

    start, writer, parts = time.perf_counter(), None, -(-args.children // PART_CHILDREN)
    for part in range(parts):
        size = min(PART_CHILDREN, args.children - part * PART_CHILDREN)
        data = synthesize(
            size,
            args.territories,
            seed=args.seed + part,
            sample_size=args.survey_children,
            children_per_psu=20,
        )
        census = data.census.drop(columns=["p", "y"])  # a census has no outcome
        if parts > 1:
            census[TERRITORY] = census[TERRITORY].astype(np.int32) + part * args.territories
        if part == 0:
            data.sample.to_parquet(folder / SURVEY, index=False)
            # Whole territories from the start (the census is in territory order), so the
            # baseline's territory figures can be compared with ours.
            sizes = np.bincount(census[TERRITORY].to_numpy(), minlength=args.territories)
            n_terr = int(np.searchsorted(np.cumsum(sizes), args.baseline_children, "right"))
            subset = census.loc[census[TERRITORY] < max(1, n_terr), [TERRITORY, *covariates()]]
            subset.to_parquet(folder / SUBSET, index=False)
        arrow = pa.Table.from_pandas(census, preserve_index=False)
        del data, census
        writer = writer or pq.ParquetWriter(folder / CENSUS, arrow.schema)
        writer.write_table(arrow)
        del arrow
    writer.close()
    return {
        "step": "prepare",
        "seconds": time.perf_counter() - start,
        "children": args.children,
        "territories": args.territories * parts,
        "subset": len(subset),
        "subset_territories": max(1, n_terr),
    }


def fit(folder: Path, args: argparse.Namespace) -> dict:
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm

    from target87.risk.survey_model import fit_risk_model

    names = covariates()
    start = time.perf_counter()
    survey = pd.read_parquet(folder / SURVEY)
    X = survey[names].astype(float)
    X.insert(0, "const", 1.0)
    model = fit_risk_model(survey["y"], X, survey["weight"], survey["stratum"], survey["psu"])
    model.summary()
    seconds = time.perf_counter() - start
    peak = peak_mb()
    glm = sm.GLM(survey["y"], X, family=sm.families.Binomial(), freq_weights=survey["weight"])
    gap = float(np.abs(glm.fit().params - model.params).max())
    payload = {"params": model.params.to_dict(), "cov": model.cov.to_numpy().tolist()}
    (folder / MODEL).write_text(json.dumps(payload))
    return {"step": "fit", "seconds": seconds, "peak_mb": peak, "n": model.n, "glm_gap": gap}


def load_model(folder: Path):
    import pandas as pd

    payload = json.loads((folder / MODEL).read_text())
    params = pd.Series(payload["params"], dtype=float)
    return params, pd.DataFrame(payload["cov"], index=params.index, columns=params.index)


def census_columns(folder: Path, names: list[str]):
    import pyarrow.parquet as pq  # imported by the caller before its clock starts

    return pq.read_table(folder / CENSUS, columns=[TERRITORY, *names])


def score(folder: Path, args: argparse.Namespace) -> dict:
    """Ours: pyarrow reads the census, the kernel scores it; checks and the floor afterwards."""
    import ibis

    # read_table imports pyarrow.dataset (and pandas) on first use: 0.5 s, not reading.
    import pyarrow.dataset  # noqa: F401  (imported before the clock starts)
    import pyarrow.parquet  # noqa: F401

    from target87.risk.classify import classify
    from target87.risk.scoring import territory_scores
    from target87.risk.uncertainty import simulate_territory_risk

    params, cov = load_model(folder)
    names = covariates()
    laps, start = {}, time.perf_counter()
    census = census_columns(folder, names)
    laps["read"] = time.perf_counter() - start
    risk = simulate_territory_risk(
        census, params, cov, "logit", [TERRITORY], args.draws, args.seed, weight=None
    )
    laps["draws"] = time.perf_counter() - start - sum(laps.values())
    risk = risk.with_classes(classify(risk.frame["risk"], "quantile", k=3))
    risk.summary()
    laps["classify"] = time.perf_counter() - start - sum(laps.values())
    seconds = time.perf_counter() - start
    peak = peak_mb()
    risk.frame.drop(columns=["label"]).to_parquet(folder / OURS, index=False)
    table = ibis.duckdb.connect().read_parquet(folder / CENSUS)
    scores = territory_scores(table, params, "logit", [TERRITORY]).to_pandas()
    return {
        "step": "score",
        "seconds": seconds,
        "peak_mb": peak,
        "laps": laps,
        "children": float(risk.frame["children"].sum()),
        "gap_scores": float((scores["risk"] - risk.frame["risk"]).abs().max()),
        "floor": floor(census, params, args.draws),
    }


def best_seconds(work, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def floor(census, params, draws: int) -> dict:
    """This machine's rates, measured here, and the least time the scoring work could take.

    Rates: read bandwidth (sum of a 256 MB array), FLOP rate (a 1500 x 1500 float64 matrix
    product, numpy's BLAS on every core) and link rate (np.exp and scipy's expit on 4M
    values; the faster counts). Work: the census columns read once; flops and link values
    either as the issue states the work (every child x draw through x'beta and the link) or
    as the kernel needs it (distinct patterns through the link, a sum per child x draw).
    floor = max(flops / FLOP rate, bytes / bandwidth) + link values / link rate.
    """
    import numpy as np
    from scipy.special import expit

    from target87.risk.scoring_kernel import pattern_codes

    big = np.ones(32 * 1024 * 1024)
    bandwidth = big.nbytes / best_seconds(big.sum)
    del big
    square = np.random.default_rng(0).random((1500, 1500))
    flop_rate = 2 * 1500**3 / best_seconds(lambda: square @ square, 3)
    values = np.random.default_rng(1).normal(size=4_000_000)
    out = np.empty_like(values)
    link_rate = len(values) / min(
        best_seconds(lambda: np.exp(values, out=out)), best_seconds(lambda: expit(values, out=out))
    )
    names = [name for name in params.index if name != "const"]
    codes = pattern_codes([census.column(name).to_numpy() for name in names])
    n, m, p = census.num_rows, draws + 1, len(params)
    patterns = codes.n_patterns if codes is not None else n
    work = {
        "stated": {"flops": 2.0 * n * p * m + 2.0 * n * m, "links": float(n) * m},
        "patterns": {"flops": 2.0 * patterns * p * m + 1.0 * n * m, "links": float(patterns) * m},
    }
    read = float(census.nbytes)
    for item in work.values():
        item["seconds"] = (
            max(item["flops"] / flop_rate, read / bandwidth) + item["links"] / link_rate
        )
    return {
        "bandwidth": bandwidth,
        "flop_rate": flop_rate,
        "link_rate": link_rate,
        "bytes": read,
        "patterns": patterns,
        "work": work,
    }


def previous(folder: Path, args: argparse.Namespace) -> dict:
    """The path timed before issue 22: DuckDB collapse via Ibis, then the straightforward draws."""
    import ibis

    from target87.risk.classify import classify
    from target87.risk.scoring import pattern_table
    from target87.risk.uncertainty import simulate_territory_risk

    params, cov = load_model(folder)
    start = time.perf_counter()
    table = ibis.duckdb.connect().read_parquet(folder / CENSUS)
    patterns = pattern_table(table, covariates(), [TERRITORY]).to_pandas()
    risk = simulate_territory_risk(
        patterns, params, cov, "logit", [TERRITORY], args.draws, args.seed, fast=False
    )
    risk = risk.with_classes(classify(risk.frame["risk"], "quantile", k=3))
    seconds = time.perf_counter() - start
    peak = peak_mb()
    risk.frame.drop(columns=["label"]).to_parquet(folder / PREVIOUS, index=False)
    return {"step": "previous", "seconds": seconds, "peak_mb": peak, "patterns": len(patterns)}


def baseline(folder: Path, args: argparse.Namespace) -> dict:
    """Plain pandas + statsmodels, as an analyst would write it without our pattern collapse."""
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm
    from scipy.special import expit

    names = covariates()
    survey = pd.read_parquet(folder / SURVEY)
    exog = sm.add_constant(survey[names].astype(float))
    glm = sm.GLM(survey["y"], exog, family=sm.families.Binomial(), freq_weights=survey["weight"])
    result = glm.fit()
    _params, cov = load_model(folder)  # the design covariance: the same uncertainty as ours

    start = time.perf_counter()
    census = pd.read_parquet(folder / SUBSET)
    X = sm.add_constant(census[names].astype(float), has_constant="add")
    census["p"] = result.predict(X)
    by_territory = census.groupby(TERRITORY)["p"]
    frame = pd.DataFrame(
        {
            "children": by_territory.size(),
            "risk": by_territory.mean(),
            "expected": by_territory.sum(),
        }
    )
    betas = np.random.default_rng(args.seed).multivariate_normal(
        result.params.to_numpy(), cov.to_numpy(), size=args.draws, method="eigh"
    )
    x, place = X.to_numpy(), census[TERRITORY].to_numpy()
    draws = np.empty((len(frame), args.draws))
    for m, beta in enumerate(betas):
        draws[:, m] = pd.Series(expit(x @ beta)).groupby(place).mean().to_numpy()
    frame["se"] = draws.std(axis=1, ddof=1)
    frame["lo90"], frame["hi90"] = np.quantile(draws, [0.05, 0.95], axis=1)
    frame["cv"] = frame["se"] / frame["risk"]
    cuts = np.quantile(frame["risk"], [1 / 3, 2 / 3])
    frame["class"] = np.searchsorted(cuts, frame["risk"], side="left") + 1
    frame["p_high"] = (draws > cuts[-1]).mean(axis=1)
    seconds = time.perf_counter() - start
    peak = peak_mb()
    frame.reset_index().to_parquet(folder / BASELINE, index=False)
    return {"step": "baseline", "seconds": seconds, "peak_mb": peak, "children": len(census)}


def score_numpy(folder: Path, args: argparse.Namespace) -> dict:
    """Growth engine ``numpy``: the timed part of :func:`score` alone."""
    # read_table imports pyarrow.dataset (and pandas) on first use: 0.5 s, not reading.
    import pyarrow.dataset  # noqa: F401  (imported before the clock starts)
    import pyarrow.parquet  # noqa: F401

    from target87.risk.classify import classify
    from target87.risk.uncertainty import simulate_territory_risk

    params, cov = load_model(folder)
    names = covariates()
    start = time.perf_counter()
    census = census_columns(folder, names)
    risk = simulate_territory_risk(
        census, params, cov, "logit", [TERRITORY], args.draws, args.seed, weight=None
    )
    risk = risk.with_classes(classify(risk.frame["risk"], "quantile", k=3))
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb()}


def territory_chunks(table, children_per_chunk: int) -> list[tuple[int, int]]:
    """[lo, hi) territory ranges of about ``children_per_chunk`` children, from one count query."""
    import numpy as np

    counts = table.group_by(TERRITORY).aggregate(n=table.count()).order_by(TERRITORY).to_pandas()
    keys, sizes = counts[TERRITORY].to_numpy(), counts["n"].to_numpy()
    cuts = np.searchsorted(np.cumsum(sizes), np.arange(1, 1 + sizes.sum() // children_per_chunk)
                           * children_per_chunk)  # fmt: skip
    starts = sorted({0, *[int(c) for c in cuts if 0 < c < len(keys)]})
    ends = [*starts[1:], len(keys)]
    return [(int(keys[a]), int(keys[b - 1]) + 1) for a, b in zip(starts, ends, strict=True)]


def chunked_risk(table, params, cov, args: argparse.Namespace):
    """The Ibis collapse then the draws, territory chunk by territory chunk, put back together.

    A territory's figures depend only on its own children and on the draws (same seed, so
    the same draws in every chunk): chunking changes no number, only the memory needed.
    """
    import numpy as np
    import pandas as pd

    from target87.risk.classify import classify
    from target87.risk.scoring import pattern_table
    from target87.risk.uncertainty import TerritoryRisk, simulate_territory_risk

    parts = []
    for lo, hi in territory_chunks(table, PART_CHILDREN):
        inside = table.filter((table[TERRITORY] >= lo) & (table[TERRITORY] < hi))
        patterns = pattern_table(inside, covariates(), [TERRITORY]).to_pandas()
        parts.append(
            simulate_territory_risk(
                patterns, params, cov, "logit", [TERRITORY], args.draws, args.seed
            )
        )
        del patterns
    risk = TerritoryRisk(
        frame=pd.concat([r.frame for r in parts], ignore_index=True),
        draws=np.vstack([r.draws for r in parts]),
        territory=(TERRITORY,),
        link="logit",
        seed=args.seed,
    )
    return risk.with_classes(classify(risk.frame["risk"], "quantile", k=3))


def score_duckdb(folder: Path, args: argparse.Namespace) -> dict:
    """Growth engine ``duckdb``: the Ibis collapse on DuckDB by territory chunks, then the draws."""
    import ibis

    params, cov = load_model(folder)
    start = time.perf_counter()
    con = ibis.duckdb.connect()
    con.raw_sql("SET memory_limit = '8GB'")  # the machine is shared: stay well under it
    chunked_risk(con.read_parquet(folder / CENSUS), params, cov, args)
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb()}


def jvm_peak_mb(session) -> float | None:
    """The Spark driver JVM's VmHWM (local mode: the executors live in it too)."""
    try:
        pid = session.sparkContext._gateway.proc.pid
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (AttributeError, OSError):
        return None
    return None


def score_spark(folder: Path, args: argparse.Namespace) -> dict:
    """Growth engine ``spark``: the same Ibis expression on Spark local mode (JVM start timed)."""
    import ibis

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    params, cov = load_model(folder)
    start = time.perf_counter()
    session = (
        SparkSession.builder.master(f"local[{os.cpu_count() or 1}]")
        .appName("target87-bench-risk")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "6g")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    started = time.perf_counter() - start
    table = ibis.pyspark.connect(session).read_parquet(str(folder / CENSUS))
    chunked_risk(table, params, cov, args)
    seconds = time.perf_counter() - start
    jvm = jvm_peak_mb(session)
    session.stop()
    python = peak_mb()
    return {
        "seconds": seconds,
        "peak_mb": python + (jvm or 0.0),
        "jvm_start": started,
        "jvm_peak_mb": jvm,
    }


ENGINES = {"numpy": score_numpy, "duckdb": score_duckdb, "spark": score_spark}


def earlier_runs(engines: list[str]) -> list[dict]:
    """The runs of the other engines in GROWTH_FILE: a run of some engines keeps the rest,
    each with the date it was measured (``growth_report.py`` says which came from when)."""
    try:
        runs = json.loads(GROWTH_FILE.read_text())["runs"]
    except (OSError, ValueError, KeyError):
        return []
    return [{**r, "measured": r.get("measured", "an earlier run")} for r in runs
            if r.get("engine") not in engines]  # fmt: skip


def write_growth(runs: list[dict], earlier: list[dict] | None = None) -> None:
    GROWTH_FILE.parent.mkdir(parents=True, exist_ok=True)
    every = [*runs, *(earlier or [])]
    when: dict[str, set[str]] = {}
    for r in every:
        when.setdefault(str(r.get("measured", "")), set()).add(r["engine"])
    note = "; ".join(f"{', '.join(sorted(e))}: measured {d}" for d, e in sorted(when.items()))
    payload = {"benchmark": "scoring", "unit": "children", "note": note, "runs": every}
    GROWTH_FILE.write_text(json.dumps(payload, indent=2) + "\n")


def growth(args: argparse.Namespace) -> None:
    """Scoring at each size on each engine, each in a fresh process; writes GROWTH_FILE."""
    sizes = [int(size) for size in args.growth_sizes.split(",")]
    engines = [engine.strip() for engine in args.engines.split(",")]
    unknown = [engine for engine in engines if engine not in ENGINES]
    if unknown:
        raise SystemExit(f"unknown engine(s) {unknown}; choose from {list(ENGINES)}")
    runs, argv = [], [a for a in sys.argv[1:] if a != "--growth"]
    earlier = earlier_runs(engines)
    today = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"target87 CLRISK scoring growth on SYNTHETIC data, {args.draws} draws")
    head = f"{'children':>12} {'territories':>11} {'engine':8} {'seconds':>8} {'peak MB':>8}  note"
    print(head + "\n" + "-" * len(head), flush=True)
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench_risk_growth_") as tmp:
            size_argv = [*argv, "--children", str(size)]
            made = child("prepare", Path(tmp), size_argv, quiet=True)
            fitted = child("fit", Path(tmp), size_argv, quiet=True)
            if "error" in made or "error" in fitted:
                print(
                    f"{size:>12,} making the data failed: {made.get('error', fitted.get('error'))}"
                )
                continue
            for engine in engines:
                r = child(engine, Path(tmp), size_argv, quiet=True)
                if "error" in r:
                    print(f"{size:>12,} {made['territories']:>11,} {engine:8} failed: {r['error']}")
                    continue
                note = f"JVM start {r['jvm_start']:.1f} s" if "jvm_start" in r else ""
                if r.get("jvm_peak_mb") is not None:
                    note += f", JVM peak {r['jvm_peak_mb']:.0f} MB of the total"
                print(
                    f"{size:>12,} {made['territories']:>11,} {engine:8} {r['seconds']:8.2f} "
                    f"{r['peak_mb']:8.0f}  {note}",
                    flush=True,
                )
                runs.append(
                    {"size": size, "seconds": round(r["seconds"], 3),
                     "peak_mb": round(r["peak_mb"], 1), "engine": engine, "measured": today}
                )  # fmt: skip
                write_growth(runs, earlier)  # after every run: an interrupted run keeps them
    write_growth(runs, earlier)
    print(f"\nwrote {GROWTH_FILE}")


STEPS = {
    "prepare": prepare,
    "fit": fit,
    "score": score,
    "previous": previous,
    "baseline": baseline,
}


def child(step: str, folder: Path, argv: list[str], quiet: bool = False) -> dict:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    if not quiet:
        print(f"  {step} ...", flush=True)
    command = [sys.executable, __file__, *argv, "--child", step, str(folder)]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode:
        return {"step": step, "error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load": load}


def agreement(folder: Path, other: str, columns: list[str]) -> tuple[int, dict[str, float]]:
    """Shared territories, and the largest gap of each result column between ``other`` and ours."""
    import pandas as pd

    ours = pd.read_parquet(folder / OURS).set_index(TERRITORY)
    theirs = pd.read_parquet(folder / other).set_index(TERRITORY)
    both = ours.loc[theirs.index]
    return len(theirs), {c: float((both[c] - theirs[c]).abs().max()) for c in columns}


def row(label: str, r: dict, target: str = "", verdict: str = "") -> None:
    peak = f"{r['peak_mb']:8.0f}" if "peak_mb" in r else " " * 8
    load = f"{r['load']:5.1f}" if "load" in r else " " * 5
    print(f"{label:52} {r['seconds']:8.2f} {peak} {load}  {target:18} {verdict}")


def report(args: argparse.Namespace, runs: dict[str, dict], folder: Path) -> bool:
    prep, fitted, scored, before, base = (runs.get(s, {"error": "skipped"}) for s in STEPS)
    print(
        f"\ntarget87 CLRISK benchmark on SYNTHETIC data: {prep['children']:,} children in "
        f"{prep['territories']:,} territories, {args.draws} draws, {os.cpu_count()} cores "
        f"(data made in {prep['seconds']:.1f} s, not timed)"
    )
    head = f"{'step':52} {'seconds':>8} {'peak MB':>8} {'load':>5}  {'target':18} verdict"
    print(head + "\n" + "-" * len(head))
    failed = [name for name, r in runs.items() if "error" in r]
    for name in failed:
        print(f"{name:52} failed: {runs[name]['error']}")
    ok = not failed
    if "error" not in fitted:
        passed = fitted["seconds"] < TARGET_FIT_SECONDS
        ok &= passed
        label = f"fit: weighted logit + design SEs, {fitted['n']:,} children"
        row(label, fitted, f"< {TARGET_FIT_SECONDS:g} s", "PASS" if passed else "MISS")
    if "error" not in scored:
        passed = scored["seconds"] < TARGET_SCORE_SECONDS and scored["peak_mb"] < TARGET_SCORE_MB
        ok &= passed
        target = f"< {TARGET_SCORE_SECONDS:g} s, < {TARGET_SCORE_MB} MB"
        label = f"score: {prep['children']:,} children, fast kernel"
        row(label, scored, target, "PASS" if passed else "MISS")
        laps = {
            "read": "read the census Parquet (pyarrow, 10 columns)",
            "draws": f"patterns, W and {args.draws} + 1 draw sums by territory",
            "classify": "quantile classes + P(high class)",
        }
        for key, text in laps.items():
            print(f"  {text:50} {scored['laps'][key]:8.2f}")
    if "error" not in before:
        speed = (
            "" if "error" in scored else f"ours {before['seconds'] / scored['seconds']:.1f}x faster"
        )
        label = f"previous: DuckDB collapse to {before['patterns']:,} rows + draws"
        row(label, before, "", speed)
    if "error" not in base:
        factor = prep["children"] / base["children"]
        row(f"baseline: pandas + statsmodels, {base['children']:,} children", base, "", "measured")
        scaled = {"seconds": base["seconds"] * factor}
        verdict, target = "", f">= {TARGET_SPEEDUP:g}x faster"
        if "error" not in scored:
            ratio = scaled["seconds"] / scored["seconds"]
            ok &= ratio >= TARGET_SPEEDUP
            verdict = f"ours {ratio:.1f}x faster: {'PASS' if ratio >= TARGET_SPEEDUP else 'MISS'}"
        row(f"  scaled x{factor:.2f} to {prep['children']:,} children", scaled, target, verdict)
    if "error" not in scored:
        print_floor(scored)
    print_checks(fitted, scored, before, base, folder)
    print(f"\nOverall: {'PASS' if ok else 'MISS'}")
    return ok


def print_floor(scored: dict) -> None:
    f = scored["floor"]
    print(
        f"\nFloor (rates measured in the score process: read {f['bandwidth'] / 1e9:.1f} GB/s, "
        f"matrix product {f['flop_rate'] / 1e9:.1f} GFLOP/s, exp {f['link_rate'] / 1e6:.0f} M/s; "
        f"census columns {f['bytes'] / 1e6:.0f} MB):"
    )
    texts = {
        "stated": "every child x draw through x'beta and the link",
        "patterns": f"{f['patterns']:,} distinct patterns through the link",
    }
    for key, text in texts.items():
        w = f["work"][key]
        print(
            f"  work as {text}: {w['flops'] / 1e9:.1f} GFLOP + {w['links'] / 1e6:,.0f}M links: "
            f"floor {w['seconds']:.2f} s, ours {scored['seconds']:.2f} s = "
            f"{scored['seconds'] / w['seconds']:.1f}x the floor"
        )


def print_checks(fitted: dict, scored: dict, before: dict, base: dict, folder: Path) -> None:
    print("\nChecks (baseline peak memory above is for the subset, not scaled):")
    if "error" not in fitted:
        print(
            f"  coefficients vs statsmodels GLM (freq_weights): max |gap| {fitted['glm_gap']:.1e}"
        )
    if "error" not in scored:
        print(
            f"  territory_scores (DuckDB) vs our point risk: max |gap| {scored['gap_scores']:.1e}"
        )
    # The baseline's classes are cut on its subset's risks, so P(high) is compared only with
    # the previous path, which classifies the same territories as ours.
    common = ["risk", "se", "lo90", "hi90"]
    others = {
        "previous path": (before, PREVIOUS, [*common, "p_high"]),
        "baseline": (base, BASELINE, common),
    }
    for name, (run, path, columns) in others.items():
        if "error" in scored or "error" in run:
            continue
        shared, gaps = agreement(folder, path, columns)
        text = ", ".join(f"{column} {gap:.1e}" for column, gap in gaps.items())
        print(f"  {name} vs ours on {shared:,} territories, max |gap|: {text}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=10_000_000, help="census children")
    parser.add_argument("--territories", type=int, default=2_000)
    parser.add_argument("--draws", type=int, default=200, help="coefficient draws (>= 200)")
    parser.add_argument("--baseline-children", type=int, default=1_000_000)
    parser.add_argument("--survey-children", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=87)
    parser.add_argument("--no-previous", action="store_true", help="skip the previous path")
    parser.add_argument("--growth", action="store_true", help="time scoring at several sizes")
    parser.add_argument("--growth-sizes", default="1000000,10000000,100000000")
    parser.add_argument("--engines", default="numpy,duckdb,spark", help="for --growth")
    parser.add_argument("--child", nargs=2, metavar=("STEP", "FOLDER"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.child:
        step, folder = args.child
        print(json.dumps({**STEPS, **ENGINES}[step](Path(folder), args)))
        return
    if args.growth:
        growth(args)
        return
    if hasattr(os, "getloadavg") and os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
        print(
            f"Warning: load average {os.getloadavg()[0]:.1f} before the run; other work on this "
            "machine will inflate the times.",
            flush=True,
        )
    argv = sys.argv[1:]
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench_risk_") as tmp:
        for step in STEPS:
            if step == "previous" and args.no_previous:
                continue
            runs[step] = child(step, Path(tmp), argv)
            if step == "prepare" and "error" in runs[step]:
                raise SystemExit(f"making the synthetic data failed: {runs[step]['error']}")
        ok = report(args, runs, Path(tmp))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
