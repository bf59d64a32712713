"""The benchmark's territory-chunked DuckDB path gives the numbers of the one-piece kernel.

benchmarks/bench_risk.py streams a large census through DuckDB by territory chunks; chunking
must change no number, so it is checked here against the kernel on the whole census.
"""

from __future__ import annotations

import argparse
import importlib.util
import json

import ibis
import numpy as np
import pytest

from target87.risk.classify import classify
from target87.risk.uncertainty import simulate_territory_risk
from tests.conftest import ROOT
from tests.risk.test_scoring import PARAMS, covariance
from tests.risk.test_scoring_kernel import integer_census


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "bench_risk", ROOT / "benchmarks" / "bench_risk.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_chunked_duckdb_path_equals_the_kernel_on_the_whole_census(bench, tmp_path, monkeypatch):
    census = integer_census(6000, seed=31, territories=25).rename(columns={"place": "territory"})
    census = census.sort_values("territory", kind="stable")
    names = ["age", "male", "attends", "head_educ", "head_agri"]
    monkeypatch.setattr(bench, "covariates", lambda: names)
    monkeypatch.setattr(bench, "PART_CHILDREN", 1000)  # about 6 chunks
    census[["territory", *names]].to_parquet(tmp_path / bench.CENSUS, index=False)
    params, cov = PARAMS, covariance(PARAMS)
    model = {"params": params.to_dict(), "cov": cov.to_numpy().tolist()}
    (tmp_path / bench.MODEL).write_text(json.dumps(model))
    table = ibis.duckdb.connect().read_parquet(tmp_path / bench.CENSUS)
    chunks = bench.territory_chunks(table, 1000)
    assert len(chunks) > 3 and chunks[0][0] == 0 and chunks[-1][1] == 25
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:], strict=False))
    args = argparse.Namespace(draws=200, seed=4)
    loaded_params, loaded_cov = bench.load_model(tmp_path)
    chunked = bench.chunked_risk(table, loaded_params, loaded_cov, args)
    whole = simulate_territory_risk(
        census, params, cov, "logit", ["territory"], 200, 4, weight=None, fast=False
    )
    whole = whole.with_classes(classify(whole.frame["risk"], "quantile", k=3))
    assert chunked.frame["territory"].tolist() == whole.frame["territory"].tolist()
    np.testing.assert_allclose(chunked.draws, whole.draws, rtol=1e-12)
    for column in ("children", "risk", "se", "lo90", "hi90", "expected", "p_high"):
        np.testing.assert_allclose(chunked.frame[column], whole.frame[column], rtol=1e-12)
