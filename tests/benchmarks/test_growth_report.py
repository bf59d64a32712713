"""The growth report: exponents, flags and the section it writes into docs/benchmark-runs.md."""

from __future__ import annotations

import importlib.util
import json
import math
import sys

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def growth():
    spec = importlib.util.spec_from_file_location(
        "growth_report", ROOT / "benchmarks" / "growth_report.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_exponent_says_linear_and_worse(growth):
    assert growth.exponent(1e3, 1.0, 1e4, 10.0) == pytest.approx(1.0)
    assert growth.exponent(1e3, 1.0, 1e4, 100.0) == pytest.approx(2.0)
    assert growth.exponent(1e3, 0.0, 1e4, 1.0) is None
    rows = growth.table_rows(
        [
            {"size": 10, "seconds": 1.0, "peak_mb": 10, "engine": "b"},
            {"size": 100, "seconds": 30.0, "peak_mb": 10, "engine": "b"},
            {"size": 10, "seconds": 2.0, "peak_mb": 5, "engine": "a"},
        ]
    )
    assert [(r["engine"], r["size"]) for r in rows] == [("b", 10), ("b", 100), ("a", 10)]
    assert rows[1]["k_time"] == pytest.approx(math.log10(30))
    assert "worse than linear" in growth.markdown("x", "rows", rows)


def test_the_section_is_replaced_not_repeated(growth, tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    run = {"size": 1000, "seconds": 0.5, "peak_mb": 40.0, "engine": "numpy"}
    data = {"benchmark": "scoring", "unit": "children", "runs": [run, {**run, "size": 10_000}]}
    (results / "growth-scoring.json").write_text(json.dumps(data))
    doc = tmp_path / "runs.md"
    doc.write_text("# Benchmark runs\n\nolder text\n")
    for _ in range(2):
        argv = ["growth_report.py", "--results", str(results), "--markdown", str(doc)]
        argv += ["--charts", str(tmp_path / "img")]
        old, sys.argv = sys.argv, argv
        try:
            growth.main()
        finally:
            sys.argv = old
    text = doc.read_text()
    assert text.count(growth.START) == 1 and "older text" in text
    assert "| numpy | 10,000 |" in text
    assert (tmp_path / "img" / "growth-scoring.svg").read_text().startswith("<svg")
