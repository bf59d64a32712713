"""IVTI: every step checked against numbers worked out by hand or by a different computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from target87.risk.ivti import (
    IVTIError,
    cronbach_alpha,
    ivti,
    kmo,
    pca_weights,
    vulnerability_ranks,
)

# Four territories; poverty: higher = more vulnerable; school attendance: lower = more vulnerable.
TOY = pd.DataFrame(
    {"poverty": [10.0, 20.0, 40.0, 50.0], "attendance": [90.0, 80.0, 95.0, 70.0]},
    index=pd.Index(["A", "B", "C", "D"], name="territory"),
)
TOY_DIRECTIONS = {"poverty": +1, "attendance": -1}


def test_minmax_orients_and_normalises_by_hand():
    res = ivti(TOY, TOY_DIRECTIONS, classify_method=None)
    # poverty (x - 10) / 40; attendance reversed: (95 - x) / 25
    assert res.normalised["poverty"].tolist() == pytest.approx([0, 0.25, 0.75, 1])
    assert res.normalised["attendance"].tolist() == pytest.approx([0.2, 0.6, 0, 1])
    assert res.weights.tolist() == pytest.approx([0.5, 0.5])
    assert res.index.tolist() == pytest.approx([0.1, 0.425, 0.375, 1.0])
    assert res.rank.to_dict() == {"A": 4, "B": 2, "C": 3, "D": 1}


def test_ranks_put_the_most_vulnerable_first_and_ties_share_the_best_rank():
    assert vulnerability_ranks(np.array([0.3, 0.5, 0.5, 0.1])).tolist() == [3, 1, 1, 4]


def test_zscore_uses_sample_sd_by_hand():
    res = ivti(TOY, TOY_DIRECTIONS, normalise="zscore", classify_method=None)
    # poverty: mean 30, SS 1000; attendance oriented (-x): mean -83.75, SS 368.75
    sd_p, sd_a = math.sqrt(1000 / 3), math.sqrt(368.75 / 3)
    expected_p = [d / sd_p for d in (-20, -10, 10, 20)]
    expected_a = [d / sd_a for d in (-6.25, 3.75, -11.25, 13.75)]
    assert res.normalised["poverty"].tolist() == pytest.approx(expected_p)
    assert res.normalised["attendance"].tolist() == pytest.approx(expected_a)
    assert res.index.tolist() == pytest.approx(
        [(p + a) / 2 for p, a in zip(expected_p, expected_a, strict=True)]
    )


def test_territory_column_and_user_weights_rescaled():
    frame = TOY.reset_index()
    res = ivti(
        frame,
        TOY_DIRECTIONS,
        weights={"poverty": 3, "attendance": 1},
        territory="territory",
        classify_method=None,
    )
    assert res.weights.tolist() == pytest.approx([0.75, 0.25])
    assert res.index["B"] == pytest.approx(0.75 * 0.25 + 0.25 * 0.6)
    assert res.weighting == "user"


def test_geometric_aggregation_on_1_to_100_scale_by_hand():
    res = ivti(TOY, TOY_DIRECTIONS, aggregate="geometric", classify_method=None)
    # min-max onto [1, 100]: 1 + 99 * x
    scaled = {"A": (1, 1 + 99 * 0.2), "B": (1 + 99 * 0.25, 1 + 99 * 0.6), "D": (100, 100)}
    for t, (p, a) in scaled.items():
        assert res.index[t] == pytest.approx(math.sqrt(p * a))
    with pytest.raises(IVTIError, match="positive normalised values"):
        ivti(TOY, TOY_DIRECTIONS, normalise="zscore", aggregate="geometric", classify_method=None)


def _correlated(seed: int = 7, n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=n)
    loads = [0.9, 0.7, 0.5, 0.8, 0.6]
    data = {f"x{i}": ld * factor + rng.normal(scale=0.6, size=n) for i, ld in enumerate(loads)}
    data["x4"] = -data["x4"] * 3 + 10  # a protective indicator: direction -1
    return pd.DataFrame(data, index=[f"T{i:02d}" for i in range(n)])


def test_pca_weights_match_svd_of_standardised_data():
    frame = _correlated()
    directions = {"x0": 1, "x1": 1, "x2": 1, "x3": 1, "x4": -1}
    res = ivti(frame, directions, weights="pca", classify_method=None)
    oriented = frame * pd.Series(directions)
    z = (oriented - oriented.mean()) / oriented.std(ddof=1)
    _, singular, vt = np.linalg.svd(z.to_numpy(), full_matrices=False)
    first = np.abs(vt[0])
    assert res.weights.to_numpy() == pytest.approx(first / first.sum(), abs=1e-12)
    assert res.weights.sum() == pytest.approx(1.0)
    # variance share of the first component: s1^2 / sum s^2
    assert res.pca_variance_share == pytest.approx(singular[0] ** 2 / (singular**2).sum())


def test_pca_two_positively_correlated_indicators_weigh_half_each():
    values = np.array([[0, 1], [1, 3], [3, 0], [4, 4]], dtype=float)
    weights, _ = pca_weights(values, ["a", "b"])
    assert weights.tolist() == pytest.approx([0.5, 0.5])


def test_pca_negative_loading_names_the_indicator():
    frame = _correlated()
    wrong = {"x0": 1, "x1": 1, "x2": 1, "x3": 1, "x4": 1}  # x4 left unreversed
    with pytest.raises(IVTIError, match="negative loading for x4"):
        ivti(frame, wrong, weights="pca", classify_method=None)
    # as a sensitivity variant it is left out with a note instead
    res = ivti(frame, wrong, classify_method=None)
    assert any("pca/minmax left out" in n for n in res.sensitivity.notes)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"poverty": 1}, "missing \\['attendance'\\]"),
        ({"poverty": 1, "attendance": 1, "rural": 1}, "not indicators \\['rural'\\]"),
        ({"poverty": -1, "attendance": 2}, "poverty=-1"),
        ({"poverty": 0, "attendance": 0}, "not all zero"),
        ("expert", "'equal', 'pca' or a mapping"),
    ],
)
def test_user_weights_are_validated(weights, message):
    with pytest.raises(IVTIError, match=message):
        ivti(TOY, TOY_DIRECTIONS, weights=weights, classify_method=None)


def test_missing_value_names_territory_and_indicator():
    frame = TOY.copy()
    frame.loc["C", "attendance"] = np.nan
    with pytest.raises(IVTIError, match="territory 'C', indicator 'attendance': missing value"):
        ivti(frame, TOY_DIRECTIONS, classify_method=None)
    res = ivti(frame, TOY_DIRECTIONS, missing="mean", classify_method=None)
    # C takes the mean of 90, 80, 70 = 80 -> oriented (95 - 80) / 25 with max now 90
    assert res.normalised.loc["C", "attendance"] == pytest.approx((90 - 80) / 20)
    assert "attendance (1)" in res.notes[0]


def test_bad_inputs_are_refused_clearly():
    text = TOY.astype(object)
    text.loc["B", "poverty"] = "n/a"
    with pytest.raises(IVTIError, match="territory 'B', indicator 'poverty': not a number"):
        ivti(text, TOY_DIRECTIONS, classify_method=None)
    with pytest.raises(IVTIError, match="direction must be"):
        ivti(TOY, {"poverty": 2, "attendance": -1}, classify_method=None)
    dup = TOY.rename(index={"B": "A"})
    with pytest.raises(IVTIError, match="more than once"):
        ivti(dup, TOY_DIRECTIONS, classify_method=None)
    const = TOY.assign(attendance=5.0)
    with pytest.raises(IVTIError, match="same value in every territory"):
        ivti(const, TOY_DIRECTIONS, classify_method=None)


def test_cronbach_alpha_on_a_worked_example():
    # Three items, four respondents; item variances 5/3, 11/12, 5/3 (sum 4.25), total-score
    # variance 12.25, so alpha = 3/2 * (1 - 4.25/12.25) = 48/49.
    items = np.array([[4, 5, 4], [3, 4, 3], [5, 5, 5], [2, 3, 2]], dtype=float)
    assert cronbach_alpha(items) == pytest.approx(48 / 49)


def test_alpha_of_the_index_and_standardised_formula():
    # Minmax toy below: both items have variance 0.625/3, total variance 1.625/3 -> 6/13.
    frame = pd.DataFrame({"a": [0, 1, 3, 4], "b": [1, 3, 0, 4]}, index=list("PQRS"))
    res = ivti(frame, {"a": 1, "b": 1}, classify_method=None)
    assert res.alpha == pytest.approx(6 / 13)
    # On z-scores alpha is the standardised alpha k r / (1 + (k - 1) r)
    z = ivti(
        _correlated(),
        {f"x{i}": 1 if i < 4 else -1 for i in range(5)},
        normalise="zscore",
        classify_method=None,
    )
    corr = z.normalised.corr().to_numpy()
    r_bar = corr[~np.eye(5, dtype=bool)].mean()
    assert z.alpha == pytest.approx(5 * r_bar / (1 + 4 * r_bar))


def test_kmo_by_hand():
    # Two variables: the partial correlation equals r, so KMO = r^2 / 2r^2 = 1/2.
    assert kmo(np.array([[1, 0.3], [0.3, 1]])) == pytest.approx(0.5)
    # Three variables: first-order partial correlations r_ij.k by the textbook formula.
    r12, r13, r23 = 0.6, 0.5, 0.4
    corr = np.array([[1, r12, r13], [r12, 1, r23], [r13, r23, 1]])

    def partial(rij, rik, rjk):
        return (rij - rik * rjk) / math.sqrt((1 - rik**2) * (1 - rjk**2))

    p2 = partial(r12, r13, r23) ** 2 + partial(r13, r12, r23) ** 2 + partial(r23, r12, r13) ** 2
    r2 = r12**2 + r13**2 + r23**2
    assert kmo(corr) == pytest.approx(r2 / (r2 + p2))


def test_rank_shifts_worked_by_hand():
    # a, b: minmax a = 0, .25, .75, 1; b = .25, .75, 0, 1.
    # user weights (.8, .2): P .05, Q .35, R .6, S 1   -> ranks 4, 3, 2, 1 (baseline)
    # equal weights:         P .125, Q .5, R .375, S 1 -> ranks 4, 2, 3, 1
    # z-scores: both items have SD sqrt(10/3), so the orders are the same as under minmax;
    # PCA with two positively correlated items gives equal weights.
    frame = pd.DataFrame({"a": [0, 1, 3, 4], "b": [1, 3, 0, 4]}, index=list("PQRS"))
    res = ivti(frame, {"a": 1, "b": 1}, weights={"a": 0.8, "b": 0.2}, classify_method=None)
    sens = res.sensitivity
    assert sens.baseline == "user/minmax"
    assert res.rank.tolist() == [4, 3, 2, 1]
    assert sens.ranks["equal/minmax"].tolist() == [4, 2, 3, 1]
    assert sens.ranks["equal/zscore"].tolist() == [4, 2, 3, 1]
    assert sens.ranks["user/zscore"].tolist() == [4, 3, 2, 1]
    assert sens.shifts["equal/minmax"].tolist() == [0, -1, 1, 0]
    table = sens.stats()
    assert table.loc["equal/minmax", "max_abs_shift"] == 1
    assert table.loc["equal/minmax", "mean_abs_shift"] == pytest.approx(0.5)
    # rho = 1 - 6 * sum d^2 / (n (n^2 - 1)) = 1 - 6 * 2 / 60
    assert table.loc["equal/minmax", "spearman_rho"] == pytest.approx(0.8)
    assert table.loc["user/zscore", "max_abs_shift"] == 0
    assert sens.rho.loc["equal/zscore", "pca/minmax"] == pytest.approx(1.0)
    assert set(sens.ranks.columns) == {
        "user/minmax",
        "equal/minmax",
        "equal/zscore",
        "pca/minmax",
        "pca/zscore",
        "user/zscore",
    }


def test_summary_and_frame_show_the_numbers():
    res = ivti(TOY, TOY_DIRECTIONS, classify_method=None)
    frame = res.to_frame()
    assert list(frame.columns) == ["ivti", "rank", "poverty", "attendance"]
    assert frame.loc["D", "ivti"] == pytest.approx(1.0)
    text = res.summary()
    assert f"Cronbach's alpha {res.alpha:.3f}" in text
    assert "weight 0.5000" in text and "equal/zscore" in text
    assert "shift equal/zscore" in res.sensitivity.to_frame().columns


def test_classification_goes_through_the_shared_classifier():
    frame = _correlated(n=30)
    directions = {f"x{i}": 1 if i < 4 else -1 for i in range(5)}
    res = ivti(frame, directions, classify_method="quantile", k=3)
    # 30 distinct values in terciles: ranks 1-10 high, 11-20 medium, 21-30 low
    expected = pd.cut(res.rank, [0, 10, 20, 30], labels=["high", "medium", "low"]).astype(str)
    assert res.classes.tolist() == expected.tolist()
    assert res.classification.method == "quantile"
    assert "class" in res.to_frame().columns
    assert "Classification: quantile, 3 classes" in res.summary()
    # a country's own cut-points go through classify_options
    fixed = ivti(
        TOY, TOY_DIRECTIONS, classify_method="fixed", classify_options={"cutpoints": [0.2, 0.4]}
    )
    assert fixed.classes.to_dict() == {"A": "low", "B": "high", "C": "medium", "D": "high"}
