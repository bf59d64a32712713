"""Supply-chain footprints: all the accounts of a large input-output system (issue 20 item 9).

    .venv/bin/python benchmarks/bench_supply.py [--regions R] [--sectors S] [--categories C]
        [--large-regions R2] [--large-sectors S2] [--density D] [--ghosh] [--seed K]

SYNTHETIC systems (``target87.supply.generate``, seed 87: random numbers, not data): a sparse
random ``A`` (5% non-zeros, column sums uniform in 0.2-0.8), final demand with a home bias, 5
satellite rows with ``F_Y``. By default 10 regions x 400 sectors = 4,000 sectors with 5
final-demand categories each (50 columns), then 50 regions x 200 sectors = 10,000 sectors (the
size of EXIOBASE) with one category each (50 columns).

Every step runs in a fresh child process, timed from its input arrays already in memory (the
system is written to a temporary folder first and read back, not timed): (1) ours,
``footprints`` (x, A, one ``LeontiefSolver``, S, M, D_cba, D_pba, D_imp, D_exp and the
``_reg`` totals; ``M_down`` too with ``--ghosh``); (2) the baseline, pymrio's ``calc_all()``
(``include_ghosh`` with ``--ghosh``) on the same system: dense ``A``, ``L = inv(I - A)``, its
accounts; (3) ours on the 10,000-sector system. Targets: 4,000 sectors at least 5x faster than
pymrio and under 2 GB peak; 10,000 sectors under 4 GB. Both results are saved and compared,
every account, in the same run (max gap relative to the account's largest value, target 1e-8).

Peak memory is the child's VmHWM from /proc (its high-water resident memory, input included):
``ru_maxrss`` would not do, as Linux carries the parent's high-water mark into a child across
exec.
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

from _load import warn_if_busy

TARGET_RATIO = 5.0
TARGET_MB = 2048
TARGET_LARGE_MB = 4096
TARGET_GAP = 1e-8
ACCOUNTS = ["S", "M", "D_cba", "D_pba", "D_imp", "D_exp"]
ACCOUNTS += ["D_cba_reg", "D_pba_reg", "D_imp_reg", "D_exp_reg"]


def peak_mb() -> float:
    """High-water resident memory of this process (MB), honest for a child of a big parent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def shape(args: argparse.Namespace, large: bool) -> tuple[int, int, int]:
    if large:
        return args.large_regions, args.large_sectors, args.large_categories
    return args.regions, args.sectors, args.categories


def prepare(folder: Path, args: argparse.Namespace, large: bool) -> dict:
    """SYNTHETIC system to .npz files (not timed as part of any target)."""
    import numpy as np
    import scipy.sparse as sp

    from target87.supply.generate import random_arrays

    regions, sectors, categories = shape(args, large)
    start = time.perf_counter()
    Z, Y, F, F_Y = random_arrays(
        regions, sectors, n_categories=categories, density=args.density, seed=args.seed
    )
    seconds = time.perf_counter() - start
    tag = "large" if large else "main"
    sp.save_npz(folder / f"{tag}_Z.npz", sp.csc_matrix(Z))
    np.savez(folder / f"{tag}_rest.npz", Y=Y, F=F, F_Y=F_Y)
    return {"seconds": seconds, "n": Z.shape[0], "nnz": int(Z.nnz), "y_columns": Y.shape[1]}


def load(folder: Path, args: argparse.Namespace, large: bool):
    """The system as the DataFrames both tools take (dense Z: what a user's table is)."""
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    from target87.supply.generate import labels

    regions, sectors, categories = shape(args, large)
    tag = "large" if large else "main"
    index, columns = labels(regions, sectors, categories)
    rest = np.load(folder / f"{tag}_rest.npz")
    stressors = pd.Index([f"stressor {i + 1}" for i in range(rest["F"].shape[0])], name="stressor")
    Z = pd.DataFrame(sp.load_npz(folder / f"{tag}_Z.npz").toarray(), index=index, columns=index)
    Y = pd.DataFrame(rest["Y"], index=index, columns=columns)
    F = pd.DataFrame(rest["F"], index=stressors, columns=index)
    F_Y = pd.DataFrame(rest["F_Y"], index=stressors, columns=columns)
    return Z, Y, F, F_Y


def save(folder: Path, name: str, accounts) -> None:
    import numpy as np

    arrays = {}
    for account in ACCOUNTS + (["M_down"] if getattr(accounts, "M_down", None) is not None else []):
        frame = getattr(accounts, account)
        arrays[account] = frame.sort_index(axis=1).to_numpy()
    np.savez(folder / f"{name}.npz", **arrays)


def ours(folder: Path, args: argparse.Namespace, large: bool = False) -> dict:
    from target87.supply.accounts import footprints
    from target87.supply.system import MRIO, Extension

    Z, Y, F, F_Y = load(folder, args, large)
    mrio = MRIO(Z=Z, Y=Y, extensions={"labour": Extension("labour", F, F_Y)}, demonstration=True)
    del Z, Y
    start = time.perf_counter()
    result = footprints(mrio, ghosh=args.ghosh)
    seconds = time.perf_counter() - start
    peak = peak_mb()
    if not large:
        save(folder, "ours", result["labour"])
    return {"seconds": seconds, "peak_mb": peak, "method": result.method}


def baseline(folder: Path, args: argparse.Namespace) -> dict:
    import pymrio

    Z, Y, F, F_Y = load(folder, args, False)
    io = pymrio.IOSystem(Z=Z, Y=Y, labour={"name": "labour", "F": F, "F_Y": F_Y})
    del Z, Y
    start = time.perf_counter()
    io.calc_all(include_ghosh=args.ghosh)
    seconds = time.perf_counter() - start
    peak = peak_mb()
    save(folder, "pymrio", io.labour)
    return {"seconds": seconds, "peak_mb": peak}


def compare(folder: Path) -> dict[str, float]:
    """Max |ours - pymrio| relative to the account's largest |value|, per account."""
    import numpy as np

    a, b = np.load(folder / "ours.npz"), np.load(folder / "pymrio.npz")
    return {
        key: float(np.abs(a[key] - b[key]).max() / max(np.abs(b[key]).max(), 1e-300))
        for key in b.files
    }


STEPS = {
    "prepare": lambda folder, args: prepare(folder, args, False),
    "ours": lambda folder, args: ours(folder, args),
    "pymrio": baseline,
    "prepare_large": lambda folder, args: prepare(folder, args, True),
    "ours_large": lambda folder, args: ours(folder, args, True),
}


def child(step: str, folder: Path, argv: list[str]) -> dict:
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  {step} ...", flush=True)
    command = [sys.executable, __file__, *argv, "--child", step, str(folder)]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode:
        return {"step": step, "error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load": load_avg}


def row(label: str, r: dict, target: str = "", verdict: str = "") -> None:
    if "error" in r:
        print(f"{label:52} failed: {r['error']}")
        return
    peak = f"{r['peak_mb']:8.0f}" if "peak_mb" in r else " " * 8
    load_avg = f"{r['load']:5.1f}" if "load" in r else " " * 5
    print(f"{label:52} {r['seconds']:8.2f} {peak} {load_avg}  {target:22} {verdict}")


def report(args: argparse.Namespace, runs: dict[str, dict], folder: Path) -> bool:
    prep, mine, base = runs["prepare"], runs["ours"], runs["pymrio"]
    accounts = "all accounts incl. Ghosh M_down" if args.ghosh else "all accounts"
    print(
        f"\ntarget87 supply benchmark on SYNTHETIC systems (seed {args.seed}), {accounts}, "
        f"{os.cpu_count()} cores"
    )
    head = f"{'step':52} {'seconds':>8} {'peak MB':>8} {'load':>5}  {'target':22} verdict"
    print(head + "\n" + "-" * len(head))
    ok = all("error" not in r for r in runs.values())
    n, nnz = prep.get("n", 0), prep.get("nnz", 0)
    what = f"{n:,} sectors, {nnz / max(n * n, 1):.1%} non-zeros, {prep.get('y_columns')} FD cols"
    print(f"system: {what} (made in {prep.get('seconds', float('nan')):.1f} s, not timed)")
    if "error" not in mine and "error" not in base:
        ratio = base["seconds"] / mine["seconds"]
        fast = ratio >= TARGET_RATIO and mine["peak_mb"] < TARGET_MB
        ok &= fast
        row(f"ours: footprints ({mine['method']})", mine, f">= {TARGET_RATIO:g}x, < {TARGET_MB} MB")
        row("baseline: pymrio calc_all() (dense inverse)", base, "", "measured")
        print(f"{'  ratio pymrio / ours':52} {ratio:8.1f}x{'':38}{'PASS' if fast else 'MISS'}")
    else:
        row("ours: footprints", mine)
        row("baseline: pymrio calc_all()", base)
    if "error" not in mine and "error" not in base:
        gaps = compare(folder)
        worst = max(gaps.values())
        ok &= worst < TARGET_GAP
        verdict = "PASS" if worst < TARGET_GAP else "MISS"
        print(f"check: ours vs pymrio, every account, max relative gap {worst:.1e} ({verdict})")
        print("  " + ", ".join(f"{k} {v:.0e}" for k, v in gaps.items()))
    if "ours_large" in runs:
        large, prep_large = runs["ours_large"], runs["prepare_large"]
        n2 = prep_large.get("n", 0)
        print(
            f"system: {n2:,} sectors, {prep_large.get('nnz', 0) / max(n2 * n2, 1):.1%} non-zeros, "
            f"{prep_large.get('y_columns')} FD cols (made in "
            f"{prep_large.get('seconds', float('nan')):.1f} s, not timed)"
        )
        if "error" not in large:
            passed = large["peak_mb"] < TARGET_LARGE_MB
            ok &= passed
            label = f"ours: footprints, {n2:,} sectors ({large['method']})"
            row(label, large, f"< {TARGET_LARGE_MB} MB", "PASS" if passed else "MISS")
        else:
            ok = False
            row("ours: footprints, large system", large)
    print(f"\nOverall: {'PASS' if ok else 'MISS'}")
    return ok


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--regions", type=int, default=10)
    parser.add_argument("--sectors", type=int, default=400, help="sectors per region")
    parser.add_argument("--categories", type=int, default=5, help="final-demand categories")
    parser.add_argument("--large-regions", type=int, default=50)
    parser.add_argument("--large-sectors", type=int, default=200)
    parser.add_argument("--large-categories", type=int, default=1)
    parser.add_argument("--skip-large", action="store_true", help="no 10,000-sector run")
    parser.add_argument("--density", type=float, default=0.05)
    parser.add_argument("--ghosh", action="store_true", help="Ghosh M_down in both")
    parser.add_argument("--seed", type=int, default=87)
    parser.add_argument("--child", nargs=2, metavar=("STEP", "FOLDER"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.child:
        step, folder = args.child
        print(json.dumps(STEPS[step](Path(folder), args)))
        return
    warn_if_busy()
    argv = sys.argv[1:]
    steps = [s for s in STEPS if not (args.skip_large and s.endswith("large"))]
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench_supply_") as tmp:
        for step in steps:
            runs[step] = child(step, Path(tmp), argv)
            if step.startswith("prepare") and "error" in runs[step]:
                raise SystemExit(f"making the synthetic system failed: {runs[step]['error']}")
        ok = report(args, runs, Path(tmp))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
