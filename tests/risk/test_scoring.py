"""Census scoring (one Ibis expression on DuckDB) and its simulated uncertainty.

References: scipy's expit/ndtr with a pandas group-by on the raw census records, a brute-force
re-computation of every coefficient draw on the raw records, and the delta method.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, ndtr

from target87.risk.classify import classify
from target87.risk.scoring import (
    PATTERN_WEIGHT,
    ScoringError,
    logistic,
    normal_cdf,
    pattern_table,
    territory_scores,
)
from target87.risk.uncertainty import (
    coefficient_draws,
    simulate_territory_risk,
    territory_risk,
)

PARAMS = pd.Series(
    {
        "const": -2.2,
        "age": 0.12,
        "male": 0.45,
        "attends": -0.9,
        "head_educ": -0.07,
        "head_agri": 0.85,
    }
)
PROBIT_PARAMS = PARAMS * 0.55


def covariance(params: pd.Series, scale: float = 0.005, seed: int = 3) -> pd.DataFrame:
    a = np.random.default_rng(seed).normal(size=(len(params), len(params))) * scale
    v = a @ a.T + np.eye(len(params)) * scale**2
    return pd.DataFrame(v, index=params.index, columns=params.index)


def make_census(n: int = 6000, seed: int = 7) -> pd.DataFrame:
    """A small census: 3 departments, 12 municipalities, one with no child in agriculture."""
    rng = np.random.default_rng(seed)
    muni = rng.integers(0, 12, n)
    census = pd.DataFrame(
        {
            "dept": np.array(["D1", "D2", "D3"])[muni // 4],
            "muni": [f"M{m:02d}" for m in muni],
            "age": rng.integers(5, 18, n),
            "male": rng.integers(0, 2, n),
            "attends": (rng.random(n) < 0.85).astype(int),
            "head_educ": rng.integers(0, 17, n).astype(float),
            "head_agri": (rng.random(n) < 0.1 + 0.05 * (muni % 4)).astype(int),
            "weight": rng.uniform(5, 40, n).round(2),
        }
    )
    census.loc[census["muni"] == "M05", "head_agri"] = 0  # an urban municipality
    return census


@pytest.fixture(scope="module")
def census() -> pd.DataFrame:
    return make_census()


@pytest.fixture(scope="module")
def census_file(census, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("census") / "census.parquet"
    census.to_parquet(path)
    return path


@pytest.fixture(scope="module")
def table(census_file):
    return ibis.duckdb.connect().read_parquet(census_file)


def reference_scores(census, params, link, territory, weight):
    """pandas + scipy: predict every record, then weighted means per territory."""
    eta = params["const"] + census[params.index[1:]].to_numpy(float) @ params.iloc[1:].to_numpy()
    p = expit(eta) if link == "logit" else ndtr(eta)
    w = census[weight].to_numpy(float) if weight else np.ones(len(census))
    frame = census[territory].assign(w=w, wp=w * p)
    out = frame.groupby(territory, sort=True).agg(children=("w", "sum"), expected=("wp", "sum"))
    return out.assign(risk=out["expected"] / out["children"]).reset_index()


def test_normal_cdf_in_ibis_matches_scipy_to_1e7():
    x = np.concatenate([np.linspace(-40, 40, 80_001), [0.0, 7.07106781186547, -7.0710678118]])
    t = ibis.memtable(pd.DataFrame({"x": x}))
    got = ibis.duckdb.connect().execute(t.mutate(p=normal_cdf(t.x)))["p"].to_numpy()
    assert np.max(np.abs(got - ndtr(x))) < 1e-7
    assert np.max(np.abs(got - ndtr(x))) < 1e-14  # what Hart's approximation actually gives
    tail = (x < -1) & (x > -37)  # relative error where tail probabilities are tiny (> 5e-300)
    assert np.max(np.abs(got[tail] / ndtr(x[tail]) - 1)) < 1e-7


def test_logistic_in_ibis_matches_scipy_without_overflow():
    x = np.array([-800.0, -40.0, -1.5, 0.0, 2.0, 40.0, 800.0])
    t = ibis.memtable(pd.DataFrame({"x": x}))
    got = ibis.duckdb.connect().execute(t.mutate(p=logistic(t.x)))["p"].to_numpy()
    np.testing.assert_allclose(got, expit(x), rtol=1e-15, atol=0)


@pytest.mark.parametrize(("link", "params"), [("logit", PARAMS), ("probit", PROBIT_PARAMS)])
@pytest.mark.parametrize("weight", ["weight", None])
def test_territory_scores_match_pandas_reference(table, census, link, params, weight):
    got = territory_scores(table, params, link, ["dept", "muni"], weight).to_pandas()
    want = reference_scores(census, params, link, ["dept", "muni"], weight)
    assert list(got.columns) == [
        "dept", "muni", "children", "risk", "expected", "unscored_records",
    ]  # fmt: skip
    assert got[["dept", "muni"]].astype(str).equals(want[["dept", "muni"]].astype(str))
    for column in ("children", "risk", "expected"):
        np.testing.assert_allclose(got[column], want[column], rtol=1e-12)
    assert (got["unscored_records"] == 0).all()
    if weight is None:
        assert got["children"].sum() == len(census)


def test_records_with_missing_covariates_are_not_scored_but_counted(census, tmp_path):
    holed = census.copy()
    holed.loc[[0, 1, 2], "head_educ"] = np.nan
    holed.loc[3, "weight"] = np.nan
    path = tmp_path / "holed.parquet"
    holed.to_parquet(path)
    got = territory_scores(
        ibis.duckdb.connect().read_parquet(path), PARAMS, "logit", ["muni"], "weight"
    ).to_pandas()
    want = reference_scores(holed.drop(index=[0, 1, 2, 3]), PARAMS, "logit", ["muni"], "weight")
    np.testing.assert_allclose(got["risk"], want["risk"], rtol=1e-12)
    assert got["unscored_records"].sum() == 4


def test_scoring_errors_name_what_is_wrong(table):
    with pytest.raises(ScoringError, match="hh_size"):
        territory_scores(table, pd.Series({"const": 0.1, "hh_size": 0.2}), "logit", ["muni"])
    with pytest.raises(ScoringError, match="cloglog"):
        territory_scores(table, PARAMS, "cloglog", ["muni"])
    with pytest.raises(ScoringError, match="region"):
        territory_scores(table, PARAMS, "logit", ["region"])
    with pytest.raises(ScoringError, match="not finite"):
        territory_scores(table, PARAMS.replace(0.12, np.nan), "logit", ["muni"])


def brute_force_draws(census, params, betas, territory, weight):
    """Every draw re-scored on the raw records (no pattern collapse, no chunks)."""
    x = np.column_stack([np.ones(len(census)), census[params.index[1:]].to_numpy(float)])
    w = census[weight].to_numpy(float)
    codes, _ = pd.factorize(census[territory].astype(str).agg("|".join, axis=1), sort=True)
    p = expit(x @ betas.T) * w[:, None]
    sums = np.vstack([np.bincount(codes, weights=col) for col in p.T]).T
    return sums / np.bincount(codes, weights=w)[:, None]


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_point_risk_from_patterns_equals_territory_scores(table, link):
    params = PARAMS if link == "logit" else PROBIT_PARAMS
    scores = territory_scores(table, params, link, ["dept", "muni"], "weight").to_pandas()
    risk = territory_risk(table, params, covariance(params), link, ["dept", "muni"], "weight")
    frame = risk.frame
    assert frame[["dept", "muni"]].astype(str).equals(scores[["dept", "muni"]].astype(str))
    np.testing.assert_allclose(frame["risk"], scores["risk"], rtol=1e-12)
    np.testing.assert_allclose(frame["children"], scores["children"], rtol=1e-12)
    np.testing.assert_allclose(frame["expected"], scores["expected"], rtol=1e-12)


def test_pattern_table_collapses_the_census(table, census):
    covariates = list(PARAMS.index[1:])
    patterns = pattern_table(table, covariates, ["muni"], "weight").to_pandas()
    want = census.groupby(["muni", *covariates])["weight"].sum()
    assert len(patterns) == len(want) < len(census)
    got = patterns.set_index(["muni", *covariates])[PATTERN_WEIGHT].sort_index()
    np.testing.assert_allclose(got.to_numpy(), want.sort_index().to_numpy(), rtol=1e-12)


def test_simulated_uncertainty_equals_brute_force_on_records(table, census):
    cov = covariance(PARAMS)
    risk = territory_risk(table, PARAMS, cov, "logit", ["muni"], "weight", n_draws=200, seed=11)
    sims = brute_force_draws(census, PARAMS, coefficient_draws(PARAMS, cov, 200, 11), ["muni"],
                             "weight")  # fmt: skip
    np.testing.assert_allclose(risk.draws, sims, rtol=1e-11)
    frame = risk.frame
    np.testing.assert_allclose(frame["se"], sims.std(axis=1, ddof=1), rtol=1e-9)
    np.testing.assert_allclose(frame["lo90"], np.percentile(sims, 5, axis=1), rtol=1e-11)
    np.testing.assert_allclose(frame["hi90"], np.percentile(sims, 95, axis=1), rtol=1e-11)
    np.testing.assert_allclose(frame["cv"], frame["se"] / frame["risk"], rtol=1e-12)
    np.testing.assert_allclose(frame["expected"], frame["children"] * frame["risk"], rtol=1e-12)
    assert (frame["lo90"] < frame["risk"]).all() and (frame["risk"] < frame["hi90"]).all()


def test_simulated_se_agrees_with_the_delta_method(table, census):
    """4,000 draws: the Monte Carlo SE of the SE is ~1.1%, so 5% is a tight, fair bound."""
    cov = covariance(PARAMS)
    risk = territory_risk(table, PARAMS, cov, "logit", ["muni"], "weight", n_draws=4000, seed=2)
    x = np.column_stack([np.ones(len(census)), census[PARAMS.index[1:]].to_numpy(float)])
    p = expit(x @ PARAMS.to_numpy())
    w = census["weight"].to_numpy()
    delta = []
    for _, rows in census.groupby("muni", sort=True).groups.items():
        g = (w[rows] * p[rows] * (1 - p[rows])) @ x[rows] / w[rows].sum()  # d Risk_d / d beta
        delta.append(np.sqrt(g @ cov.to_numpy() @ g))
    np.testing.assert_allclose(risk.frame["se"], delta, rtol=0.05)


def test_draw_chunks_and_seeds(table):
    covariates = list(PARAMS.index[1:])
    patterns = pattern_table(table, covariates, ["muni"], "weight").to_pandas()
    cov = covariance(PARAMS)
    whole = simulate_territory_risk(patterns, PARAMS, cov, "logit", ["muni"], seed=5)
    chunked = simulate_territory_risk(
        patterns.sample(frac=1, random_state=1), PARAMS, cov, "logit", ["muni"], seed=5,
        chunk_rows=7,
    )  # fmt: skip
    np.testing.assert_allclose(chunked.draws, whole.draws, rtol=1e-12)
    other = simulate_territory_risk(patterns, PARAMS, cov, "logit", ["muni"], seed=6)
    assert not np.allclose(other.draws, whole.draws)
    with pytest.raises(ScoringError, match="at least 200"):
        simulate_territory_risk(patterns, PARAMS, cov, "logit", ["muni"], n_draws=50)
    with pytest.raises(ScoringError, match="head_agri"):
        simulate_territory_risk(patterns, PARAMS, cov.drop(index="head_agri"), "logit", ["muni"])
    bad = cov.copy()
    bad.loc["age", "age"] = -1.0
    with pytest.raises(ScoringError, match="positive semi-definite"):
        simulate_territory_risk(patterns, PARAMS, bad, "logit", ["muni"])


def test_probability_of_high_class_from_the_draws(table):
    risk = territory_risk(table, PARAMS, covariance(PARAMS), "logit", ["dept", "muni"], "weight")
    national = classify(risk.frame["risk"], "quantile", k=3)
    classed = risk.with_classes(national)
    high_floor = national.cutpoints[None][-1]
    np.testing.assert_allclose(classed.frame["p_high"], (risk.draws > high_floor).mean(axis=1))
    assert classed.frame["label"].tolist() == national.label.tolist()
    assert classed.frame["p_high"].between(0, 1).all()
    within = classify(risk.frame["risk"], "jenks", k=3, groups=risk.frame["dept"])
    by_dept = risk.with_classes(within).frame
    floors = risk.frame["dept"].map({g: c[-1] for g, c in within.cutpoints.items()})
    want = (risk.draws > floors.to_numpy()[:, None]).mean(axis=1)
    np.testing.assert_allclose(by_dept["p_high"], want)
    # the top territory of each department sits above its cut: more likely high than not
    top = by_dept.loc[by_dept.groupby("dept")["risk"].idxmax()]
    assert (top["p_high"] > 0.5).all() and (top["label"] == "high").all()
    with pytest.raises(ScoringError, match="not made on this"):
        risk.with_classes(classify(risk.frame["risk"].iloc[:5], "quantile"))
    with pytest.raises(ScoringError, match="risk column"):
        risk.with_classes(classify(risk.frame["se"], "quantile"))


def test_summary_reports_national_risk_and_precision(table, census):
    risk = territory_risk(table, PARAMS, covariance(PARAMS), "logit", ["muni"], "weight")
    national = risk.national()
    want = reference_scores(census.assign(all="x"), PARAMS, "logit", ["all"], "weight")
    assert national["risk"] == pytest.approx(want["risk"].iloc[0], rel=1e-12)
    assert national["lo90"] < national["risk"] < national["hi90"]
    text = risk.with_classes(classify(risk.frame["risk"], "quantile")).summary()
    assert "200 coefficient draws" in text and f"{national['risk']:.2%}" in text
    assert "CV < 15%" in text and "cut-points" in text and "highest risk" in text
