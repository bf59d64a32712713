"""The fast scoring kernel against the straightforward path, on the same data.

Every case runs ``simulate_territory_risk`` twice, ``fast=True`` (mixed-radix patterns, CSR
from the records, draws in blocks on threads) and ``fast=False`` (pandas group-by, CSC,
row chunks), plus a brute force that scores every record for every draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy.special import expit, ndtr

from target87.risk import scoring_kernel
from target87.risk.scoring import pattern_table
from target87.risk.uncertainty import coefficient_draws, simulate_territory_risk
from tests.risk.test_scoring import PARAMS, PROBIT_PARAMS, covariance, make_census

RESULT_COLUMNS = ["children", "risk", "se", "lo90", "hi90", "cv", "expected"]


def both_paths(records, params=PARAMS, territory=("muni",), weight="weight", link="logit"):
    cov = covariance(params)
    args = (params, cov, link, list(territory), 200, 9)
    fast = simulate_territory_risk(records, *args, weight=weight)
    plain = simulate_territory_risk(records, *args, weight=weight, fast=False)
    return fast, plain


def assert_same(fast, plain) -> None:
    assert fast.frame.columns.tolist() == plain.frame.columns.tolist()
    keys = list(fast.territory)
    pd.testing.assert_frame_equal(fast.frame[keys], plain.frame[keys])
    np.testing.assert_allclose(fast.draws, plain.draws, rtol=1e-12, atol=0)
    for column in RESULT_COLUMNS:
        np.testing.assert_allclose(fast.frame[column], plain.frame[column], rtol=1e-12, atol=0)


def brute_force(records: pd.DataFrame, params, link, territory, weight, seed=9) -> np.ndarray:
    """Every record scored for every draw, then weighted means by a pandas group-by."""
    betas = np.vstack([params.to_numpy(), coefficient_draws(params, covariance(params), 200, seed)])
    x = np.column_stack([np.ones(len(records)), records[params.index[1:]].to_numpy(float)])
    p = (expit if link == "logit" else ndtr)(x @ betas.T)
    w = records[weight].to_numpy(float) if weight else np.ones(len(records))
    sums = pd.DataFrame(p * w[:, None]).groupby([records[t] for t in territory]).sum()
    return (
        sums.to_numpy()
        / pd.Series(w).groupby([records[t] for t in territory]).sum().to_numpy()[:, None]
    )


@pytest.mark.parametrize(("link", "params"), [("logit", PARAMS), ("probit", PROBIT_PARAMS)])
@pytest.mark.parametrize("weight", ["weight", None])
def test_fast_equals_plain_and_brute_force_on_census_records(link, params, weight):
    census = make_census(3000, seed=21)
    fast, plain = both_paths(census, params, ("dept", "muni"), weight, link)
    assert_same(fast, plain)
    want = brute_force(census, params, link, ["dept", "muni"], weight)
    np.testing.assert_allclose(fast.frame["risk"], want[:, 0], rtol=1e-12)
    np.testing.assert_allclose(fast.draws, want[:, 1:], rtol=1e-12)


def test_records_and_their_pattern_table_give_the_same_risk(tmp_path):
    import ibis

    census = make_census(4000, seed=5)
    path = tmp_path / "census.parquet"
    census.to_parquet(path)
    table = ibis.duckdb.connect().read_parquet(path)
    patterns = pattern_table(table, list(PARAMS.index[1:]), ["muni"], "weight").to_pandas()
    assert len(patterns) < len(census)
    on_patterns = both_paths(patterns, weight="pattern_weight")
    on_records = both_paths(census)
    assert_same(on_records[0], on_patterns[0])
    assert_same(on_records[0], on_patterns[1])


def test_arrow_table_equals_data_frame():
    census = make_census(2000, seed=8)
    fast, _ = both_paths(census)
    arrow, plain = both_paths(pa.Table.from_pandas(census, preserve_index=False))
    assert_same(arrow, fast)
    assert_same(arrow, plain)


def integer_census(n: int, seed: int, territories: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "place": rng.integers(0, territories, n).astype(np.int16),
            "age": rng.integers(5, 18, n).astype(np.int8),
            "male": rng.random(n) < 0.5,  # boolean
            "attends": rng.integers(0, 2, n).astype(np.int64),
            "head_educ": rng.integers(-3, 17, n).astype(float),  # integral floats, below 0
            "head_agri": rng.integers(0, 2, n).astype(np.uint8),
            "weight": rng.uniform(1, 30, n),
        }
    )


def test_edge_cases_unsorted_gaps_single_children_and_zero_weights():
    census = integer_census(5000, seed=3)
    census.loc[census["place"] == 7, "place"] = 900  # key gaps, far above the others
    census.loc[0, "place"] = -5  # a territory of one child, with a negative code
    census.loc[1:3, "weight"] = 0.0  # weightless records still count as territory rows
    census.loc[census["place"] == 12, "weight"] = 0.0  # a territory with no weight at all
    assert not census["place"].is_monotonic_increasing
    fast, plain = both_paths(census, territory=("place",))
    assert fast.frame["place"].tolist() == sorted(census["place"].unique())
    assert fast.frame.loc[fast.frame["place"] == -5, "children"].item() == census.loc[0, "weight"]
    assert fast.frame.loc[fast.frame["place"] == 12, "risk"].isna().all()
    assert_same(fast, plain)
    ordered = census.sort_values("place", kind="stable")
    assert_same(both_paths(ordered, territory=("place",))[0], fast)


def test_one_child_census_and_intercept_not_first():
    census = integer_census(1, seed=4)
    params = PARAMS[["age", "const", "male", "attends", "head_educ", "head_agri"]]
    fast, plain = both_paths(census, params, ("place",), None)
    assert len(fast.frame) == 1 and fast.frame["children"].item() == 1
    assert_same(fast, plain)
    p = expit(params["const"] + census[params.index.drop("const")].to_numpy(float) @ params.drop(
        "const"
    ).to_numpy())  # fmt: skip
    assert fast.frame["risk"].item() == pytest.approx(p.item(), rel=1e-14)


def test_model_without_intercept_and_without_covariates():
    census = integer_census(800, seed=6)
    assert_same(*both_paths(census, PARAMS.drop("const"), ("place",)))
    only = pd.Series({"const": -1.5})
    fast, plain = both_paths(census, only, ("place",))
    assert_same(fast, plain)
    np.testing.assert_allclose(fast.frame["risk"], expit(-1.5), rtol=1e-14)


def test_missing_covariates_and_weights_are_left_out_on_both_paths():
    census = integer_census(3000, seed=9)
    census.loc[[4, 5], "head_educ"] = np.nan
    census.loc[6, "weight"] = np.nan
    fast, plain = both_paths(census, territory=("place",))
    assert_same(fast, plain)
    kept = census.drop(index=[4, 5, 6])
    assert fast.frame["children"].sum() == pytest.approx(kept["weight"].sum(), rel=1e-12)
    arrow = simulate_territory_risk(
        pa.Table.from_pandas(census, preserve_index=False), PARAMS, covariance(PARAMS),
        "logit", ["place"], 200, 9, weight="weight",
    )  # fmt: skip
    assert_same(arrow, fast)


def test_non_integer_covariates_fall_back_to_the_plain_path():
    census = integer_census(2000, seed=10)
    census["head_educ"] += 0.25
    assert scoring_kernel.pattern_codes([census["head_educ"].to_numpy()]) is None
    fast, plain = both_paths(census, territory=("place",))
    assert_same(fast, plain)
    np.testing.assert_array_equal(fast.draws, plain.draws)  # the same code ran


def test_pattern_codes_decode_to_the_records():
    census = integer_census(4000, seed=12)
    names = ["age", "male", "attends", "head_educ", "head_agri"]
    codes = scoring_kernel.pattern_codes([census[n].to_numpy() for n in names])
    assert codes is not None
    distinct = codes.grid_a[codes.half_a] + codes.grid_b[codes.half_b]
    np.testing.assert_array_equal(distinct[codes.pattern], census[names].to_numpy(float))
    assert codes.n_patterns == len(census[names].drop_duplicates())
    wide = [np.array([0, 1 << 20]), np.array([0, 1])]  # a range too wide to code
    assert scoring_kernel.pattern_codes(wide) is None


def test_sums_do_not_depend_on_workers_or_block_width(monkeypatch):
    census = integer_census(6000, seed=13)
    names = ["age", "male", "attends", "head_educ", "head_agri"]
    codes = scoring_kernel.pattern_codes([census[n].to_numpy() for n in names])
    place = census["place"].to_numpy().astype(np.int64)
    matrix = scoring_kernel.territory_matrix(
        place, codes.pattern, census["weight"].to_numpy(), (40, codes.n_patterns)
    )
    betas = np.random.default_rng(1).normal(size=(37, 1 + len(names))) * 0.2
    one, two = (
        scoring_kernel.territory_draw_sums(matrix, codes, betas, expit_out, workers=w)
        for w in (1, 2)
    )
    np.testing.assert_array_equal(one, two)
    monkeypatch.setattr(scoring_kernel, "BLOCK_BYTES", 1)  # the narrowest blocks: 4 draws
    narrow = scoring_kernel.territory_draw_sums(matrix, codes, betas, expit_out, workers=2)
    np.testing.assert_array_equal(narrow, one)
    x = np.column_stack([np.ones(len(census)), census[names].to_numpy(float)])
    want = np.vstack(
        [np.bincount(place, weights=col * census["weight"], minlength=40) for col in
         expit(x @ betas.T).T]
    ).T  # fmt: skip
    np.testing.assert_allclose(one, want, rtol=1e-12)


def expit_out(eta: np.ndarray, out: np.ndarray) -> np.ndarray:
    return expit(eta, out=out)


def test_records_in_territory_order_or_not_give_the_same_sums():
    census = integer_census(5000, seed=14)
    names = ["age", "male", "attends", "head_educ", "head_agri"]
    betas = np.random.default_rng(2).normal(size=(9, 1 + len(names))) * 0.2
    sums = []
    for frame in (census, census.sort_values("place", kind="stable")):
        codes = scoring_kernel.pattern_codes([frame[n].to_numpy() for n in names])
        place = frame["place"].to_numpy().astype(np.int64)
        matrix = scoring_kernel.territory_matrix(
            place, codes.pattern, frame["weight"].to_numpy(), (40, codes.n_patterns)
        )
        sums.append(scoring_kernel.territory_draw_sums(matrix, codes, betas, expit_out))
    assert not census["place"].is_monotonic_increasing  # the first pass took the general path
    np.testing.assert_allclose(sums[0], sums[1], rtol=1e-13)


def test_columns_in_chunks_code_as_the_whole_columns(monkeypatch):
    census = integer_census(3000, seed=15)
    names = ["age", "male", "attends", "head_educ", "head_agri"]
    whole = scoring_kernel.pattern_codes([census[n].to_numpy() for n in names])
    monkeypatch.setattr(scoring_kernel, "RANGE_RECORDS", 256)  # many ranges per chunk
    aligned = [np.array_split(census[n].to_numpy(), 5) for n in names]
    ragged = [*aligned[:-1], np.array_split(census[names[-1]].to_numpy(), 3)]
    for columns in (aligned, ragged):
        codes = scoring_kernel.pattern_codes(columns, workers=2)
        np.testing.assert_array_equal(codes.pattern, whole.pattern)
        np.testing.assert_array_equal(codes.half_a, whole.half_a)
        np.testing.assert_array_equal(codes.half_b, whole.half_b)
