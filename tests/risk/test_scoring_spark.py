"""The same scoring expressions, unchanged, on PySpark: same territory table as DuckDB.

Skipped when pyspark (the ``spark`` extra) or Java is missing, unless TARGET87_REQUIRE_SPARK is
set (CI sets it), in which case a missing Spark is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import ibis
import numpy as np
import pandas as pd
import pytest

from target87.risk.scoring import pattern_table, territory_scores
from target87.risk.uncertainty import simulate_territory_risk, territory_risk
from tests.risk.test_scoring import PARAMS, PROBIT_PARAMS, covariance, make_census

pytestmark = pytest.mark.slow
TERRITORY = ["dept", "muni"]


def _spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'target87[spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime for Spark (install Java 17)"
    return None


@pytest.fixture(scope="module")
def spark():
    reason = _spark_missing()
    if reason:
        if os.environ.get("TARGET87_REQUIRE_SPARK"):
            pytest.fail(f"TARGET87_REQUIRE_SPARK is set but {reason}")
        pytest.skip(reason)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("target87-risk-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        # a short-lived test JVM: the quick JIT tier and a simple GC start it much sooner
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def census_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("census") / "census.parquet"
    make_census().to_parquet(path)
    return path


@pytest.fixture(scope="module")
def tables(spark, census_file):
    """The one census Parquet file, opened by each backend."""
    return {
        "duckdb": ibis.duckdb.connect().read_parquet(census_file),
        "pyspark": ibis.pyspark.connect(spark).read_parquet(str(census_file)),
    }


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame.astype({k: str for k in keys}).sort_values(keys).reset_index(drop=True)
    return out.astype({c: float for c in out.columns if c not in keys})


@pytest.mark.parametrize(("link", "params"), [("logit", PARAMS), ("probit", PROBIT_PARAMS)])
def test_same_territory_table_on_duckdb_and_spark(tables, link, params):
    got = {
        name: _sorted(territory_scores(t, params, link, TERRITORY, "weight").to_pandas(), TERRITORY)
        for name, t in tables.items()
    }
    assert tables["pyspark"].get_backend().name == "pyspark"
    assert list(got["duckdb"].columns) == list(got["pyspark"].columns)
    assert got["duckdb"][TERRITORY].equals(got["pyspark"][TERRITORY])
    for column in ("children", "risk", "expected", "unscored_records"):
        np.testing.assert_allclose(got["pyspark"][column], got["duckdb"][column], rtol=1e-9)


def test_same_pattern_table_and_uncertainty_on_spark(tables):
    covariates = list(PARAMS.index[1:])
    patterns = {
        name: pattern_table(t, covariates, TERRITORY, "weight").to_pandas()
        for name, t in tables.items()
    }
    keys = [*TERRITORY, *covariates]
    spark_rows, duck_rows = (_sorted(patterns[n], keys) for n in ("pyspark", "duckdb"))
    assert spark_rows[keys].equals(duck_rows[keys])
    np.testing.assert_allclose(spark_rows["pattern_weight"], duck_rows["pattern_weight"], rtol=1e-9)
    cov = covariance(PARAMS)
    on_spark = territory_risk(tables["pyspark"], PARAMS, cov, "logit", TERRITORY, "weight", seed=4)
    on_duck = simulate_territory_risk(patterns["duckdb"], PARAMS, cov, "logit", TERRITORY, seed=4)
    a, b = _sorted(on_spark.frame, TERRITORY), _sorted(on_duck.frame, TERRITORY)
    assert a[TERRITORY].equals(b[TERRITORY])
    for column in ("children", "risk", "se", "lo90", "hi90", "expected"):
        np.testing.assert_allclose(a[column], b[column], rtol=1e-9)
