"""CLRISK benchmark: fit the risk model on a survey, score a census with uncertainty (issue 7).

    .venv/bin/python benchmarks/bench_risk.py [--children N] [--territories D] [--draws M]
        [--baseline-children B] [--survey-children S] [--seed K]

Every step runs in a fresh child process, timed from its input file (imports done first):
(0) SYNTHETIC data, not timed: ``synth.synthesize`` makes the census (10,000,000 children in
2,000 territories by default) and a 20,000-child two-stage survey; the census goes to Parquet,
and so does a subset of whole territories (about ``--baseline-children``) for the baseline.
(1) fit: the survey-weighted logit with Taylor-linearised design SEs and fit statistics
(``fit_risk_model``), target < 5 s. (2) score: DuckDB reads the census Parquet through Ibis;
territory scores (one expression), the collapse to territory x covariate pattern, ``--draws``
coefficient draws, quantile classes and P(high class); target < 60 s and peak < 4 GB.
(3) baseline: plain pandas + statsmodels on the subset: a statsmodels GLM ``.predict`` for every
child, then per draw every child re-predicted with numpy and grouped by territory with pandas;
its time is scaled by census / subset children. Cross-checks: the GLM's coefficients against
ours, and the baseline's territory risks and SEs (same seed, same covariance) against ours.

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
TARGET_SCORE_SECONDS = 60.0
TARGET_SCORE_MB = 4096
TERRITORY = "territory"
CENSUS, SUBSET, SURVEY = "census.parquet", "subset.parquet", "survey.parquet"
MODEL, OURS, BASELINE = "model.json", "ours.parquet", "baseline.parquet"


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
    from target87.risk.synth import COVARIATES

    return list(COVARIATES)


def prepare(folder: Path, args: argparse.Namespace) -> dict:
    """SYNTHETIC census and survey to Parquet (not timed as part of any target)."""
    import numpy as np

    from target87.risk.synth import synthesize

    start = time.perf_counter()
    data = synthesize(
        args.children,
        args.territories,
        seed=args.seed,
        sample_size=args.survey_children,
        children_per_psu=20,
    )
    seconds = time.perf_counter() - start
    census = data.census.drop(columns=["p", "y"])  # a census has no outcome
    census.to_parquet(folder / CENSUS, index=False)
    data.sample.to_parquet(folder / SURVEY, index=False)
    # Whole territories from the start (the census is in territory order), so the baseline's
    # territory figures can be compared with ours.
    sizes = np.bincount(census[TERRITORY].to_numpy(), minlength=args.territories)
    n_terr = max(1, int(np.searchsorted(np.cumsum(sizes), args.baseline_children, "right")))
    subset = census.loc[census[TERRITORY] < n_terr, [TERRITORY, *covariates()]]
    subset.to_parquet(folder / SUBSET, index=False)
    return {
        "step": "prepare",
        "seconds": seconds,
        "children": len(census),
        "survey": len(data.sample),
        "subset": len(subset),
        "subset_territories": n_terr,
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


def score(folder: Path, args: argparse.Namespace) -> dict:
    import ibis

    from target87.risk.classify import classify
    from target87.risk.scoring import pattern_table, territory_scores
    from target87.risk.uncertainty import simulate_territory_risk

    params, cov = load_model(folder)
    laps, start = {}, time.perf_counter()
    table = ibis.duckdb.connect().read_parquet(folder / CENSUS)
    scores = territory_scores(table, params, "logit", [TERRITORY]).to_pandas()
    laps["scores"] = time.perf_counter() - start
    # territory_risk() is these two calls; made apart here to time each.
    patterns = pattern_table(table, covariates(), [TERRITORY]).to_pandas()
    laps["collapse"] = time.perf_counter() - start - sum(laps.values())
    risk = simulate_territory_risk(
        patterns, params, cov, "logit", [TERRITORY], n_draws=args.draws, seed=args.seed
    )
    laps["draws"] = time.perf_counter() - start - sum(laps.values())
    risk = risk.with_classes(classify(risk.frame["risk"], "quantile", k=3))
    risk.summary()
    laps["classify"] = time.perf_counter() - start - sum(laps.values())
    seconds = time.perf_counter() - start
    peak = peak_mb()
    risk.frame.drop(columns=["label"]).to_parquet(folder / OURS, index=False)
    return {
        "step": "score",
        "seconds": seconds,
        "peak_mb": peak,
        "laps": laps,
        "patterns": len(patterns),
        "children": float(scores["children"].sum()),
        "gap_scores": float((scores["risk"] - risk.frame["risk"]).abs().max()),
    }


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


STEPS = {"prepare": prepare, "fit": fit, "score": score, "baseline": baseline}


def child(step: str, folder: Path, argv: list[str]) -> dict:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  {step} ...", flush=True)
    command = [sys.executable, __file__, *argv, "--child", step, str(folder)]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode:
        return {"step": step, "error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load": load}


def agreement(folder: Path) -> tuple[int, float, float]:
    """Shared territories, and the largest risk and SE gaps between baseline and ours."""
    import pandas as pd

    ours = pd.read_parquet(folder / OURS).set_index(TERRITORY)
    theirs = pd.read_parquet(folder / BASELINE).set_index(TERRITORY)
    both = ours.loc[theirs.index]
    risk_gap = float((both["risk"] - theirs["risk"]).abs().max())
    return len(theirs), risk_gap, float((both["se"] - theirs["se"]).abs().max())


def row(label: str, r: dict, target: str = "", verdict: str = "") -> None:
    peak = f"{r['peak_mb']:8.0f}" if "peak_mb" in r else " " * 8
    load = f"{r['load']:5.1f}" if "load" in r else " " * 5
    print(f"{label:52} {r['seconds']:8.2f} {peak} {load}  {target:18} {verdict}")


def report(args: argparse.Namespace, runs: dict[str, dict], folder: Path) -> bool:
    prep, fitted, scored, base = (runs[s] for s in STEPS)
    print(
        f"\ntarget87 CLRISK benchmark on SYNTHETIC data: {prep['children']:,} children in "
        f"{args.territories:,} territories, {args.draws} draws, {os.cpu_count()} cores "
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
        label = f"score: {prep['children']:,} children, DuckDB via Ibis"
        row(label, scored, target, "PASS" if passed else "MISS")
        laps = {
            "scores": "territory scores (one Ibis expression)",
            "collapse": f"collapse to {scored['patterns']:,} territory x patterns",
            "draws": f"{args.draws} coefficient draws on the patterns",
            "classify": "quantile classes + P(high class)",
        }
        for key, text in laps.items():
            print(f"  {text:50} {scored['laps'][key]:8.2f}")
    if "error" not in base:
        factor = prep["children"] / base["children"]
        row(f"baseline: pandas + statsmodels, {base['children']:,} children", base, "", "measured")
        scaled = {"seconds": base["seconds"] * factor}
        speed = (
            "" if "error" in scored else f"ours {scaled['seconds'] / scored['seconds']:.1f}x faster"
        )
        row(f"  scaled x{factor:.2f} to {prep['children']:,} children", scaled, "", speed)
    print_checks(fitted, scored, base, folder)
    print(f"\nOverall: {'PASS' if ok else 'MISS'}")
    return ok


def print_checks(fitted: dict, scored: dict, base: dict, folder: Path) -> None:
    print("\nChecks (baseline peak memory above is for the subset, not scaled):")
    if "error" not in fitted:
        print(
            f"  coefficients vs statsmodels GLM (freq_weights): max |gap| {fitted['glm_gap']:.1e}"
        )
    if "error" not in scored:
        print(f"  territory_scores vs the draws' point risk: max |gap| {scored['gap_scores']:.1e}")
    if "error" not in scored and "error" not in base:
        shared, risk_gap, se_gap = agreement(folder)
        print(
            f"  baseline vs ours on {shared} shared territories: max |risk gap| {risk_gap:.1e}, "
            f"max |SE gap| {se_gap:.1e} (same seed and design covariance)"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=10_000_000, help="census children")
    parser.add_argument("--territories", type=int, default=2_000)
    parser.add_argument("--draws", type=int, default=200, help="coefficient draws (>= 200)")
    parser.add_argument("--baseline-children", type=int, default=1_000_000)
    parser.add_argument("--survey-children", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=87)
    parser.add_argument("--child", nargs=2, metavar=("STEP", "FOLDER"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.child:
        step, folder = args.child
        print(json.dumps(STEPS[step](Path(folder), args)))
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
            runs[step] = child(step, Path(tmp), argv)
            if step == "prepare" and "error" in runs[step]:
                raise SystemExit(f"making the synthetic data failed: {runs[step]['error']}")
        ok = report(args, runs, Path(tmp))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
