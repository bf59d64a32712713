"""Benchmarking invariants and the side-by-side table of the three estimators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from target87.risk.benchmarking import BenchmarkError, benchmark, compare_estimators
from target87.risk.direct import direct_estimates
from target87.risk.small_area import fay_herriot
from target87.risk.synth import synthesize

INDEX = pd.Index([f"T{i}" for i in range(6)], name="territory")


def _inputs():
    risk = pd.Series([0.02, 0.05, 0.10, 0.04, 0.08, 0.30], index=INDEX)
    children = pd.Series([1000, 500, 200, 800, 300, 100], index=INDEX)
    groups = pd.Series(["north", "north", "north", "south", "south", "south"], index=INDEX)
    return risk, children, groups


def _weighted_mean(values, weights):
    return float((values * weights).sum() / weights.sum())


def test_national_benchmark_hits_the_direct_rate_with_one_common_factor():
    risk, children, _ = _inputs()
    result = benchmark(risk, children, 0.06)
    assert _weighted_mean(result.benchmarked, children) == pytest.approx(0.06, rel=1e-12)
    before = _weighted_mean(risk, children)
    np.testing.assert_allclose(result.table["factor"], 0.06 / before, rtol=1e-12)
    # ranking and relative differences between territories are kept
    assert (result.benchmarked.rank() == risk.rank()).all()
    assert result.capped == 0
    means = result.group_means()
    assert means.loc["national", "mean_before"] == pytest.approx(before)


def test_regional_benchmark_hits_each_regional_rate():
    risk, children, groups = _inputs()
    targets = {"north": 0.03, "south": 0.09}
    result = benchmark(risk, children, targets, groups=groups)
    for g, target in targets.items():
        members = groups == g
        assert _weighted_mean(result.benchmarked[members], children[members]) == pytest.approx(
            target, rel=1e-12
        )
    assert "north" in result.summary() and "0.0900" in result.summary()


def test_rates_pushed_past_one_are_capped_and_the_mean_still_holds():
    risk, children, _ = _inputs()
    result = benchmark(risk, children, 0.25)  # factor ~4.7: T5 (0.30) would pass 1
    assert result.capped == 1 and result.benchmarked["T5"] == 1.0
    assert (result.benchmarked <= 1).all()
    assert _weighted_mean(result.benchmarked, children) == pytest.approx(0.25, rel=1e-12)
    others = result.table.drop(index="T5")
    np.testing.assert_allclose(others["factor"], others["factor"].iloc[0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"direct_total_rate": 1.5}, r"outside \[0, 1.0\]"),
        ({"direct_total_rate": {"north": 0.1}, "groups": "groups"}, r"no direct rate.*south"),
        (
            {
                "direct_total_rate": 0.1,
                "risk": pd.Series([0.1, -0.2], index=["a", "b"]),
                "children": pd.Series([1, 1], index=["a", "b"]),
            },
            r"\['b'\] do not",
        ),
        ({"direct_total_rate": 0.1, "children": pd.Series([1.0] * 6)}, "same territory index"),
    ],
)
def test_impossible_benchmarks_are_refused(kwargs, message):
    risk, children, groups = _inputs()
    args = {"risk": risk, "children": children} | kwargs
    if args.get("groups") == "groups":
        args["groups"] = groups
    with pytest.raises(BenchmarkError, match=message):
        benchmark(**args)


def test_all_zero_risks_cannot_reach_a_positive_rate():
    risk, children, _ = _inputs()
    with pytest.raises(BenchmarkError, match="cannot reach"):
        benchmark(risk * 0, children, 0.05)


def test_compare_estimators_lays_the_three_side_by_side():
    d = synthesize(60_000, 60, seed=4, sample_size=2_400, psu_size=100)
    territories = d.territories.set_index("territory")
    synthetic = territories["expected_rate"].rename("synthetic")  # stands in for CLRISK risk
    direct = direct_estimates(d.sample)
    psi = direct["variance"].clip(lower=1e-4)
    fh = fay_herriot(
        direct["estimate"].reindex(synthetic.index),
        psi.reindex(synthetic.index),
        pd.DataFrame({"synthetic": synthetic}),
    )
    bench = benchmark(synthetic, territories["n_children"].astype(float), 0.05)
    table = compare_estimators(
        synthetic, fh, direct, benchmarked=bench.benchmarked, truth=territories["true_rate"]
    )
    assert list(table.index) == list(synthetic.index)
    assert {
        "n_sample",
        "direct",
        "direct_se",
        "synthetic",
        "small_area",
        "small_area_se",
        "shrinkage",
        "benchmarked",
        "true_rate",
    } <= set(table.columns)
    unsampled = ~synthetic.index.isin(direct.index)
    assert (table.loc[unsampled, "n_sample"] == 0).all()
    assert table.loc[unsampled, "direct"].isna().all()
    np.testing.assert_allclose(
        table.loc[unsampled, "small_area"], fh.table.loc[unsampled, "synthetic"]
    )
    pd.testing.assert_series_equal(table["small_area"], fh.estimate, check_names=False)
    assert (table.loc[~unsampled, "n_sample"] == direct["n"]).all()
    with pytest.raises(BenchmarkError, match="lacks territories"):
        compare_estimators(pd.concat([synthetic, pd.Series({999: 0.1})]), fh, direct)
