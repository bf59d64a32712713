"""Risk classes against hand-worked examples and published answers, one method at a time."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from target87.risk.classify import ClassificationError, classify

# jenkspy's reference series (tests/test_jenks.py, mthh/jenkspy): 4 natural-breaks classes
# with published breaks 1 / 416 / 767 / 1083 / 1424, checked there against another library.
JENKSPY_DATA = [
    132, 915, 312, 1424, 1240, 1370, 113, 1028, 1078, 416, 963, 359, 1422, 658, 73, 1326,
    245, 848, 683, 255, 1223, 253, 654, 736, 1079, 39, 583, 1367, 1237, 327, 1083, 328, 951,
    678, 927, 301, 96, 297, 179, 230, 767, 1248, 1, 37, 1352, 1009, 663, 1283, 679, 230,
]  # fmt: skip


def test_equal_width_limits_are_min_plus_i_times_range_over_k():
    c = classify([2, 3, 7, 11, 14], "equal_width", k=4)  # width (14 - 2) / 4 = 3
    np.testing.assert_allclose(c.cutpoints[None], [5, 8, 11])
    assert c.classes.tolist() == [1, 1, 2, 3, 4]  # 11 is the upper limit of class 3
    values = np.random.default_rng(0).uniform(0.013, 0.269, 340)  # five RD-dashboard classes
    five = classify(values, "equal_width", k=5)
    lo, hi = values.min(), values.max()
    np.testing.assert_allclose(five.cutpoints[None], lo + np.arange(1, 5) * (hi - lo) / 5)
    assert five.labels == ("class 1", "class 2", "class 3", "class 4", "class 5")


def test_quantile_cuts_at_the_values_reaching_each_share():
    c = classify(range(1, 10), "quantile")
    np.testing.assert_array_equal(c.cutpoints[None], [3, 6])
    assert c.label.tolist() == ["low"] * 3 + ["medium"] * 3 + ["high"] * 3
    # weighted: cumulative shares 1/6, 2/6, 3/6, 6/6 -> the median falls on the value 3
    weighted = classify([1, 2, 3, 4], "quantile", k=2, weights=[1, 1, 1, 3])
    np.testing.assert_array_equal(weighted.cutpoints[None], [3])
    assert weighted.classes.tolist() == [1, 1, 1, 2]


def test_jenks_reproduces_published_breaks():
    c = classify(JENKSPY_DATA, "jenks", k=4)
    np.testing.assert_array_equal(c.cutpoints[None], [416, 767, 1083])
    counts = c.counts().iloc[0].tolist()
    assert counts == [20, 9, 10, 11]  # jenkspy's groups_: 20, 9, 10 and 11 values
    # jenkspy README: 0..11 in 4 classes -> breaks 0, 2, 5, 8, 11
    np.testing.assert_array_equal(classify(range(12), "jenks", k=4).cutpoints[None], [2, 5, 8])


def _within_ss(x, w, cuts):
    classes = np.searchsorted(cuts, x, side="left")
    total = 0.0
    for j in np.unique(classes):
        xs, ws = x[classes == j], w[classes == j]
        total += np.sum(ws * (xs - np.average(xs, weights=ws)) ** 2)
    return total


def test_jenks_is_the_exhaustive_optimum_with_weights():
    rng = np.random.default_rng(4)
    x = np.sort(rng.gamma(2.0, 3.0, 13))
    w = rng.uniform(0.5, 3.0, 13)
    best = min(  # every split of 13 sorted values into 3 non-empty runs
        ((x[i], x[j]) for i, j in itertools.combinations(range(12), 2)),
        key=lambda cuts: _within_ss(x, w, np.array(cuts)),
    )
    got = classify(x, "jenks", k=3, weights=w).cutpoints[None]
    np.testing.assert_array_equal(got, best)


def test_kmeans_converges_to_class_means_and_midpoint_cuts():
    c = classify([1, 2, 3, 7, 8, 9, 20, 21, 22], "kmeans", k=3)
    np.testing.assert_allclose(c.cutpoints[None], [(2 + 8) / 2, (8 + 21) / 2])
    assert c.classes.tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    with pytest.raises(ClassificationError, match="2 distinct"):
        classify([1, 1, 2, 2], "kmeans", k=3)


def test_dalenius_hodges_on_a_hand_worked_histogram():
    # 5 bins of width 2 on [0, 10]; frequencies 16, 9, 9, 4, 1 -> sqrt 4, 3, 3, 2, 1,
    # cumulative 4, 7, 10, 12, 13. Targets 13/3 = 4.33 (closest: 4, bin 1) and 26/3 = 8.67
    # (closest: 10, bin 3), so the cuts are the upper edges 2 and 6. The fifteen 2.0 values
    # sit on an edge: bins closed on the right put them in bin 1, as the classes do (with
    # left-closed bins the frequencies would be 1, 24, 9, 4, 1 and the cuts 4 and 6).
    values = [0.0] + [2.0] * 15 + [3.0] * 9 + [5.0] * 9 + [7.0] * 4 + [10.0]
    c = classify(values, "dalenius_hodges", k=3, bins=5)
    np.testing.assert_allclose(c.cutpoints[None], [2, 6])
    assert c.counts().iloc[0].tolist() == [16, 18, 5]


def test_fixed_cutpoints_reproduce_the_san_marcos_fichas():
    # Guatemala, San Marcos: low 13.3-17.1, medium 17.2-20.4, high 20.5-26.9 (% at risk)
    risks = [13.3, 17.1, 17.2, 20.4, 20.5, 26.9]
    c = classify(risks, "fixed", cutpoints=[17.1, 20.4])
    assert c.label.tolist() == ["low", "low", "medium", "medium", "high", "high"]
    assert c.limits()["up_to"].tolist() == [17.1, 20.4, np.inf]


def test_within_parent_keeps_one_set_of_cutpoints_per_group():
    values = pd.Series([1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60], index=list("abcdefghijkl"))
    groups = ["north"] * 6 + ["south"] * 6
    c = classify(values, "quantile", k=3, groups=groups)
    np.testing.assert_array_equal(c.cutpoints["north"], [2, 4])
    np.testing.assert_array_equal(c.cutpoints["south"], [20, 40])
    alone = classify(values.iloc[6:], "quantile", k=3)
    assert c.classes.iloc[6:].tolist() == alone.classes.tolist()
    assert c.classes.index.equals(values.index)
    assert c.assign([3.5, 35.0], groups=["north", "south"]).tolist() == [2, 2]
    assert c.counts().loc["south"].tolist() == [2, 2, 2]
    per_group = classify(values, "fixed", cutpoints={"north": [3, 5], "south": [15, 25]},
                         groups=groups)  # fmt: skip
    assert per_group.classes.tolist() == [1, 1, 1, 2, 2, 3, 1, 2, 3, 3, 3, 3]
    with pytest.raises(ClassificationError, match="south"):
        classify(values, "fixed", cutpoints={"north": [3, 5]}, groups=groups)


def test_missing_values_stay_unclassified_and_labels():
    c = classify([0.1, np.nan, 0.3, 0.2], "equal_width")
    assert c.classes.isna().tolist() == [False, True, False, False]
    np.testing.assert_allclose(c.cutpoints[None], [0.1 + 0.2 / 3, 0.1 + 0.4 / 3])
    assert "not classified (missing value): 1" in c.summary()
    named = classify([1, 2, 3, 4], "quantile", k=2, labels=["bajo", "alto"])
    assert named.label.tolist() == ["bajo", "bajo", "alto", "alto"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "natural"}, "not one of"),
        ({"method": "quantile", "k": 1}, "at least 2"),
        ({"method": "quantile", "cutpoints": [2]}, "only with it"),
        ({"method": "fixed"}, "only with it"),
        ({"method": "fixed", "cutpoints": [3, 2]}, "increasing"),
        ({"method": "fixed", "cutpoints": [2]}, "need 2 cut-points"),
        ({"method": "quantile", "labels": ["a", "b"]}, "3 labels"),
        ({"method": "quantile", "weights": [1, 1, -1, 1]}, "non-negative"),
    ],
)
def test_errors_say_what_to_fix(kwargs, message):
    with pytest.raises(ClassificationError, match=message):
        classify([1.0, 2.0, 3.0, 4.0], **kwargs)


def test_summary_and_assign_agree_with_the_classes():
    c = classify(JENKSPY_DATA, "jenks", k=4)
    assert c.assign(c.values).tolist() == c.classes.tolist()
    text = c.summary()
    assert "jenks, 4 classes, national" in text and "416, 767, 1083" in text
    assert "class 1 20 / class 2 9 / class 3 10 / class 4 11" in text
