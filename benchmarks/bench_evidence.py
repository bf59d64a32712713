"""REML random-effects fits of many meta-analyses at once (issue 19 item 12).

    .venv/bin/python benchmarks/bench_evidence.py [--analyses N] [--studies K] [--sample S]

SYNTHETIC data (seed 87): N analyses of K studies each, true tau2 drawn per analysis, sampling
variances from n in 20..400 per arm. Prints side by side in one run: ours,
``rma_reml_batch`` (all N fits in one vectorised Fisher-scoring pass), against the target
(10,000 fits of 40 studies < 10 s) and two baselines fitted one analysis at a time:
statsmodels' ``combine_effects(method_re="iterated")`` (Paule-Mandel, its only iterated
estimator: statsmodels has no REML) and our own ``rma(method="REML")``. The one-by-one
baselines are timed on the first S analyses (default 500) and extrapolated to N, as stated in
the output. Checks: the batch against ``rma(REML)`` with a tight threshold (max |diff| of tau2
and mu, target 1e-8), and statsmodels' PM against our ``rma(method="PM")`` on the sample.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

TARGET_SECONDS = 10.0
TIGHT = {"threshold": 1e-12, "stepadj": 0.5, "maxiter": 5000}  # rma converged far


def synth(n: int, k: int, seed: int = 87) -> tuple[np.ndarray, np.ndarray]:
    """SYNTHETIC log odds ratio-like effects: mu ~ N(-0.3, 0.2), tau2 ~ U(0, 0.2)."""
    rng = np.random.default_rng(seed)
    mu = rng.normal(-0.3, 0.2, size=(n, 1))
    tau2 = rng.uniform(0, 0.2, size=(n, 1))
    arm = rng.integers(20, 400, size=(n, k))
    v = 4.0 / arm  # about the variance of a log OR with p near 0.5
    y = mu + rng.normal(size=(n, k)) * np.sqrt(tau2) + rng.normal(size=(n, k)) * np.sqrt(v)
    return y, v


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--analyses", type=int, default=10_000)
    parser.add_argument("--studies", type=int, default=40)
    parser.add_argument("--sample", type=int, default=500)
    args = parser.parse_args()

    import warnings

    from statsmodels.stats.meta_analysis import combine_effects

    from target87.evidence.batch import rma_reml_batch
    from target87.evidence.rma import rma

    n, k, s = args.analyses, args.studies, min(args.sample, args.analyses)
    Y, V = synth(n, k)
    rma_reml_batch(Y[:10], V[:10])  # warm up imports / first-call costs

    start = time.perf_counter()
    batch = rma_reml_batch(Y, V)
    t_batch = time.perf_counter() - start

    start = time.perf_counter()
    ours = [rma(Y[i], V[i], method="REML") for i in range(s)]
    t_rma = (time.perf_counter() - start) * n / s

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = [combine_effects(Y[i], V[i], method_re="iterated") for i in range(s)]
    t_sm = (time.perf_counter() - start) * n / s

    # agreement
    tight = [rma(Y[i], V[i], method="REML", control=TIGHT) for i in range(s)]
    d_tau2 = max(abs(batch.tau2[i] - tight[i].tau2) for i in range(s))
    d_mu = max(abs(batch.beta[i] - tight[i].beta[0]) for i in range(s))
    d_se = max(abs(batch.se[i] - tight[i].se[0]) for i in range(s))
    metafor_path = rma_reml_batch(Y[:s], V[:s], tol=1e-5)
    d_default = max(abs(metafor_path.tau2[i] - ours[i].tau2) for i in range(s))
    pm = [rma(Y[i], V[i], method="PM") for i in range(s)]
    d_pm_tau2 = max(abs(sm[i].tau2 - pm[i].tau2) for i in range(s))
    d_pm_mu = max(abs(sm[i].mean_effect_re - pm[i].beta[0]) for i in range(s))

    print(f"REML random-effects meta-analyses: {n:,} analyses x {k} studies (SYNTHETIC, seed 87)")
    print(f"{'':54s}{'seconds':>10s}{'fits/s':>12s}{'x ours':>9s}")
    rows = [
        ("ours: rma_reml_batch (one vectorised pass)", t_batch, ""),
        ("baseline: statsmodels combine_effects PM, 1 by 1 (*)", t_sm, ""),
        ("baseline: our rma(REML), 1 by 1 (*)", t_rma, ""),
    ]
    for name, t, _ in rows:
        print(f"{name:54s}{t:10.2f}{n / t:12,.0f}{t / t_batch:9.1f}")
    print(f"(*) timed on the first {s} analyses and scaled by {n}/{s}.")
    ok = "MET" if t_batch < TARGET_SECONDS else "MISSED"
    print(f"target: {n:,} fits < {TARGET_SECONDS:g} s -> {t_batch:.2f} s, {ok}")
    print(
        f"converged: {int(batch.converged.sum()):,}/{n:,}; iterations median "
        f"{int(np.median(batch.iterations))}, max {int(batch.iterations.max())}"
    )
    print(
        f"check vs rma(REML, threshold 1e-12, half steps) on {s}: max |d tau2| {d_tau2:.1e}, "
        f"|d mu| {d_mu:.1e}, |d se| {d_se:.1e} ({'OK' if max(d_tau2, d_mu) < 1e-8 else 'FAIL'})"
    )
    print(
        f"check batch(tol=1e-5, metafor's threshold) vs rma(REML) default: |d tau2| {d_default:.1e}"
    )
    print(
        f"check statsmodels PM vs our rma(PM) on {s}: |d tau2| {d_pm_tau2:.1e}, "
        f"|d mu| {d_pm_mu:.1e} "
        "(statsmodels has no REML, so the baseline fits a different estimator)"
    )
    bench_web_analysis()


WEB_TARGET_MS = 300.0
WEB_STUDIES, WEB_EFFECTS = 41, 131


def synthetic_evidence_csv(path, studies: int = WEB_STUDIES, effects: int = WEB_EFFECTS) -> None:
    """A SYNTHETIC evidence base (seed 87, made-up numbers, citations say so): ``studies``
    studies in real countries with ``effects`` risk differences in all, a third of them as 2x2
    counts (escalc computes them), the others as yi/vi; four intervention types."""
    import csv

    rng = np.random.default_rng(87)
    countries = ["BRA", "MEX", "COL", "PER", "NPL", "IND", "BGD", "KEN", "ETH", "GHA", "MWI"]
    kinds = ["cct", "uct", "school_feeding", "education"]
    per_study = np.full(studies, effects // studies)
    per_study[: effects - per_study.sum()] += 1
    header = ["study_id", "citation", "year", "countries", "design", "quality", "effect_id",
              "intervention", "outcome", "measure", "yi", "vi", "ai", "bi", "ci", "di"]  # fmt: skip
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        for i, m in enumerate(per_study):
            sid = f"synthetic-{i + 1:02d}"
            cite = f"SYNTHETIC study {i + 1} (benchmark data, not a real study)"
            year = 2000 + i % 24
            country = countries[i % len(countries)]
            design = "rct" if i % 3 else "quasi_experimental"
            quality = ["high", "moderate", "low"][i % 3]
            kind = kinds[i % len(kinds)]
            for j in range(m):
                n = int(rng.integers(150, 900))
                row = [sid, cite, year, country, design, quality, str(j + 1), kind,
                       "child_labour", "RD"]  # fmt: skip
                p0 = rng.uniform(0.1, 0.35)
                p1 = min(max(p0 + rng.normal(-0.04, 0.03), 0.01), 0.9)
                if j % 3 == 0:
                    ai, ci = int(rng.binomial(n, p1)), int(rng.binomial(n, p0))
                    row += ["", "", ai, n - ai, ci, n - ci]
                else:
                    vi = p1 * (1 - p1) / n + p0 * (1 - p0) / n
                    row += [f"{p1 - p0:.5f}", f"{vi:.7f}", "", "", "", ""]
                out.writerow(row)


def bench_web_analysis(repeats: int = 7) -> None:
    """The web analysis page (``/evidence/analysis``) for a SYNTHETIC 131-effect, 41-study
    evidence base: the first request, then the median of ``repeats`` requests each with its
    own view (a different confidence level: nothing served from the page cache). The page
    computes the pooled fit, the subgroups by intervention, the three bias tests and both
    plots' specs (the chart images are drawn on request of the images, not the page)."""
    import statistics
    import tempfile
    from pathlib import Path

    from fastapi.testclient import TestClient

    from target87 import store
    from target87.evidence.io import import_evidence
    from target87.ingest import init_database
    from target87.web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        engine = store.make_engine(url)
        init_database(engine)
        synthetic_evidence_csv(Path(tmp) / "synthetic.csv")
        import_evidence(engine, Path(tmp) / "synthetic.csv")
        engine.dispose()
        app = create_app(url)
        with TestClient(app) as client:
            start = time.perf_counter()
            first = client.get("/evidence/analysis?outcome=child_labour")
            cold = (time.perf_counter() - start) * 1000
            assert first.status_code == 200 and 'id="pooled-estimate"' in first.text
            times = []
            for r in range(repeats):
                level = 90 + r
                start = time.perf_counter()
                page = client.get(f"/evidence/analysis?outcome=child_labour&level={level}")
                times.append((time.perf_counter() - start) * 1000)
                assert page.status_code == 200
        app.state.engine.dispose()
    median = statistics.median(times)
    verdict = "meets" if median < WEB_TARGET_MS else "MISSES"
    print(f"\nWeb analysis page, SYNTHETIC {WEB_EFFECTS} effects / {WEB_STUDIES} studies:")
    print(f"  first request {cold:.0f} ms; median of {repeats} uncached views {median:.0f} ms "
          f"(max {max(times):.0f} ms); target < {WEB_TARGET_MS:.0f} ms: {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
