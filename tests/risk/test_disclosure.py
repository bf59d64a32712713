"""Disclosure control: each rule, its edges (exactly 50, exactly 25, a lone small cell), and
cell suppression attacked from the published totals by subtraction, linear algebra and LP."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.optimize import linprog

from target87.risk.disclosure import (
    STATUS,
    TOTAL,
    DisclosureError,
    DisclosureRules,
    SuppressionLog,
    check_unit_level_export,
    complementary_suppression,
    protect_direct_estimates,
    protect_territory_table,
    suppress_cells,
)

# --------------------------------------------------------------------------------------------
# rules


def test_rules_defaults_and_yaml_section():
    assert DisclosureRules() == DisclosureRules(50, 5, 25, 50, 5, False, "suppress")
    section = yaml.safe_load("disclosure:\n  min_children: 100\n  small_territories: merge\n")
    rules = DisclosureRules.from_dict(MappingProxyType(section["disclosure"]))
    assert (rules.min_children, rules.small_territories, rules.min_cell) == (100, "merge", 5)
    assert DisclosureRules.from_dict(None) == DisclosureRules()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"min_cel": 3}, "unknown key\\(s\\) min_cel"),
        ({"min_cell": -1}, "disclosure.min_cell: -1 is below its floor of 5"),
        ({"min_cell": "5"}, "disclosure.min_cell: invalid value '5'"),
        ({"count_rounding": 2.5}, "disclosure.count_rounding"),
        ({"min_children": True}, "disclosure.min_children"),
        ({"allow_unit_level": "yes"}, "disclosure.allow_unit_level"),
        ({"small_territories": "drop"}, "disclosure.small_territories"),
        ({"direct_suppress_below": 60}, r"direct_flag_below \(50\) must not be below"),
    ],
)
def test_bad_rules_name_the_key(section, message):
    with pytest.raises(DisclosureError, match=message):
        DisclosureRules.from_dict(section)


def test_unit_level_export_needs_an_explicit_request():
    for refused in (False, None, "yes", 1):
        with pytest.raises(DisclosureError, match="not exported"):
            check_unit_level_export(refused)
    warning = check_unit_level_export(True)
    assert warning.startswith("WARNING") and "sensitive personal data" in warning


# --------------------------------------------------------------------------------------------
# territory tables


def _territories() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "department": ["X", "X", "X", "Y", "Y"],
            "territory": ["a", "b", "c", "d", "e"],
            "children": [49, 50, 30, 10, 400],
            "risk": [0.10, 0.20, 0.30, 0.05, 0.07],
            "expected": [4.9, 10.0, 9.0, 0.5, 28.0],
            "class": ["low", "medium", "high", "low", "low"],
        }
    )


def test_small_territories_suppressed_and_counts_rounded():
    out, log = protect_territory_table(_territories(), DisclosureRules())
    by = out.set_index("territory")
    # 49 and 30 and 10 are below 50; exactly 50 is kept
    assert by[STATUS].to_dict() == {
        "a": "suppressed",
        "b": "ok",
        "c": "suppressed",
        "d": "suppressed",
        "e": "ok",
    }
    assert by.loc[["a", "c", "d"], ["children", "risk", "expected", "class"]].isna().all().all()
    assert by.loc["b", "risk"] == 0.2 and by.loc["b", "class"] == "medium"
    # 10.0 -> 10, 28.0 -> 30 (nearest 5)
    assert by.loc[["b", "e"], "expected"].tolist() == [10, 30]
    frame = log.to_frame()
    suppressed = frame[frame["rule"] == "min_children"]
    assert suppressed["territory"].tolist() == ["a", "c", "d"]
    assert set(suppressed["column"]) == {"*"}
    assert "fewer than 50 children" in suppressed["reason"].iloc[0]
    assert frame[frame["rule"] == "count_rounding"]["column"].tolist() == ["expected"]


def test_rounding_to_the_base_by_hand():
    table = pd.DataFrame(
        {"territory": list("pqrs"), "children": [100] * 4, "expected": [12.4, 12.5, 17.49, 2.4]}
    )
    out, _ = protect_territory_table(table, DisclosureRules(count_rounding=5))
    assert out["expected"].tolist() == [10, 15, 15, 0]
    out10, _ = protect_territory_table(table, DisclosureRules(count_rounding=10))
    assert out10["expected"].tolist() == [10, 10, 20, 0]


def test_small_territories_merged_within_parent():
    rules = DisclosureRules(small_territories="merge")
    out, log = protect_territory_table(_territories(), rules, parent="department")
    merged_x = out[out["territory"] == "merged small territories of X"].iloc[0]
    # a (49) + c (30) = 79 children, expected 4.9 + 9 = 13.9 -> 15, risk 13.9 / 79
    assert merged_x["children"] == 79 and merged_x[STATUS] == "merged"
    assert merged_x["expected"] == 15
    assert merged_x["risk"] == pytest.approx((49 * 0.10 + 30 * 0.30) / 79)
    assert pd.isna(merged_x["class"])
    # d (10) is alone in Y: its pool is still below 50 and is suppressed
    merged_y = out[out["territory"] == "merged small territories of Y"].iloc[0]
    assert merged_y[STATUS] == "suppressed" and pd.isna(merged_y["children"])
    assert set(out["territory"]) >= {"b", "e"} and not {"a", "c", "d"} & set(out["territory"])
    frame = log.to_frame()
    assert frame[frame["reason"].str.contains("merged into")]["territory"].tolist() == [
        "X / a",
        "X / c",
        "Y / d",
    ]
    assert "Y / merged small territories of Y" in frame["territory"].tolist()


def test_merge_without_parent_is_refused():
    rules = DisclosureRules(small_territories="merge")
    with pytest.raises(DisclosureError, match="no parent column"):
        protect_territory_table(_territories(), rules)
    table = _territories()
    table.loc[2, "department"] = None
    with pytest.raises(DisclosureError, match="territory 'c': no 'department'"):
        protect_territory_table(table, rules, parent="department")


def test_territory_levels_and_bad_children_named():
    table = _territories()
    out, log = protect_territory_table(
        table, DisclosureRules(), territory=["department", "territory"]
    )
    assert log.entries[0].territory == "X / a"
    table.loc[3, "children"] = None
    with pytest.raises(DisclosureError, match="territory 'Y / d', column 'children'"):
        protect_territory_table(table, DisclosureRules(), territory=["department", "territory"])


# --------------------------------------------------------------------------------------------
# direct estimates


def test_direct_estimates_suppressed_below_25_flagged_below_50():
    table = pd.DataFrame(
        {
            "territory": list("pqrst"),
            "n": [24, 25, 49, 50, 3],
            "estimate": [0.1, 0.2, 0.3, 0.4, 0.5],
            "se": [0.05] * 5,
        }
    )
    out, log = protect_direct_estimates(table, DisclosureRules())
    assert out[STATUS].tolist() == ["suppressed", "flagged", "flagged", "ok", "suppressed"]
    assert out["estimate"].isna().tolist() == [True, False, False, False, True]
    assert out["se"].isna().tolist() == [True, False, False, False, True]
    assert out["n"].tolist() == [24, 25, 49, 50, 3]  # the sample size stays visible
    frame = log.to_frame()
    assert frame[["territory", "rule"]].values.tolist() == [
        ["p", "direct_suppress"],
        ["t", "direct_suppress"],
        ["q", "direct_flag"],
        ["r", "direct_flag"],
    ]


# --------------------------------------------------------------------------------------------
# cell suppression and the attacks on it


def _subtraction_attack(values: np.ndarray, mask: np.ndarray, rows=True, cols=True) -> set:
    """Repeatedly solve any row or column with a single unknown cell from its total."""
    unknown = mask.copy()
    recovered = set()
    progress = True
    while progress:
        progress = False
        lines = ([(unknown, False)] if rows else []) + ([(unknown.T, True)] if cols else [])
        for view, transposed in lines:
            for i in np.flatnonzero(view.sum(axis=1) == 1):
                j = int(np.flatnonzero(view[i])[0])
                cell = (j, int(i)) if transposed else (int(i), j)
                view[i, j] = False
                recovered.add(cell)
                progress = True
    return recovered


def _equations(mask: np.ndarray, rows=True, cols=True) -> tuple[np.ndarray, list]:
    cells = list(zip(*np.nonzero(mask), strict=True))
    lines = ([("r", i) for i in range(mask.shape[0])] if rows else []) + (
        [("c", j) for j in range(mask.shape[1])] if cols else []
    )
    matrix = np.array(
        [
            [
                1.0 if (kind == "r" and c[0] == k) or (kind == "c" and c[1] == k) else 0.0
                for c in cells
            ]
            for kind, k in lines
        ]
    )
    return matrix, cells


def _linear_attack(mask: np.ndarray, rows=True, cols=True) -> set:
    """Cells whose value is a linear combination of published totals (exactly determined)."""
    matrix, cells = _equations(mask, rows, cols)
    rank = np.linalg.matrix_rank(matrix)
    return {
        c
        for k, c in enumerate(cells)
        if np.linalg.matrix_rank(np.vstack([matrix, np.eye(len(cells))[k]])) == rank
    }


def _lp_intervals(values: np.ndarray, mask: np.ndarray) -> list[float]:
    """Width of the feasible range of each suppressed cell given totals and non-negativity."""
    matrix, cells = _equations(mask)
    known = np.where(mask, 0, values)
    rhs = np.concatenate(
        [values.sum(axis=1) - known.sum(axis=1), values.sum(axis=0) - known.sum(axis=0)]
    )
    widths = []
    for k in range(len(cells)):
        goal = np.eye(len(cells))[k]
        lo = linprog(goal, A_eq=matrix, b_eq=rhs, bounds=(0, None)).fun
        hi = -linprog(-goal, A_eq=matrix, b_eq=rhs, bounds=(0, None)).fun
        widths.append(hi - lo)
    return widths


def _table(values) -> pd.DataFrame:
    values = np.asarray(values)
    return pd.DataFrame(
        values,
        index=[f"r{i}" for i in range(values.shape[0])],
        columns=[f"c{j}" for j in range(values.shape[1])],
    )


def test_a_row_with_a_single_small_cell_gets_complements():
    table = _table([[3, 20, 30, 40], [12, 15, 18, 22], [25, 9, 17, 31]])
    out, log = suppress_cells(table, DisclosureRules())
    mask = out.loc[table.index, table.columns].isna().to_numpy()
    assert mask[0, 0]  # the 3
    assert (mask.sum(axis=1)[mask.any(axis=1)] >= 2).all()
    assert (mask.sum(axis=0)[mask.any(axis=0)] >= 2).all()
    assert _subtraction_attack(table.to_numpy(), mask) == set()
    assert _linear_attack(mask) == set()
    assert min(_lp_intervals(table.to_numpy(float), mask)) > 1
    # totals are the unsuppressed sums; the log never states a value
    assert out.loc["r0", TOTAL] == 93 and out.loc[TOTAL, "c0"] == 40
    assert out.loc[TOTAL, TOTAL] == table.to_numpy().sum()
    frame = log.to_frame()
    assert frame.iloc[0][["territory", "column", "rule"]].tolist() == ["r0", "c0", "min_cell"]
    assert (frame["rule"] == "secondary").sum() == mask.sum() - 1
    assert not frame["reason"].str.contains("3 ").any()


def test_threshold_edges_exactly_five_and_zero():
    table = _table([[5, 4, 0, 10], [6, 7, 8, 9], [10, 11, 12, 13]])
    out, log = suppress_cells(table, DisclosureRules(), margins="none")
    assert out.isna().to_numpy().sum() == 1 and pd.isna(out.loc["r0", "c1"])
    assert [e.rule for e in log] == ["min_cell"]


def test_a_bridge_between_two_protected_blocks_is_closed():
    # Two 2x2 blocks of small cells joined by one small cell (r1, c2): every row and column
    # has two suppressions, yet the joining cell follows from the totals.
    values = np.full((4, 4), 20.0)
    primary = np.zeros((4, 4), dtype=bool)
    primary[:2, :2] = primary[2:, 2:] = True
    primary[1, 2] = True
    values[primary] = 2
    values[0, 2] = 0  # a zero that would close the cycle too, but non-negativity would pin it
    assert _linear_attack(primary) == {(1, 2)}  # the attack finds it
    mask = complementary_suppression(values, primary)
    assert _linear_attack(mask) == set()
    assert mask.sum() == primary.sum() + 1
    assert (values[mask & ~primary] > 0).all()
    assert min(_lp_intervals(values, mask)) > 0


def test_complements_avoid_zero_cells():
    # Taking the zeros of c1 as complements would let non-negativity pin the 3 exactly.
    values = np.array([[3, 0, 25, 40], [8, 0, 12, 30], [9, 14, 0, 22]])
    out, _ = suppress_cells(_table(values), DisclosureRules())
    mask = out.iloc[:-1, :-1].isna().to_numpy()
    assert (values[mask] > 0).all()
    assert min(_lp_intervals(values.astype(float), mask)) > 1


@pytest.mark.parametrize("seed", range(6))
def test_random_tables_resist_every_attack(seed):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 30, size=(6, 5)) * (rng.random((6, 5)) > 0.2)
    values[rng.random((6, 5)) < 0.25] = rng.integers(1, 5)
    out, _ = suppress_cells(_table(values), DisclosureRules())
    mask = out.iloc[:-1, :-1].isna().to_numpy()
    assert mask[(values > 0) & (values < 5)].all()
    assert _subtraction_attack(values, mask) == set()
    assert _linear_attack(mask) == set()


def test_only_row_totals_published():
    table = _table([[3, 20, 30], [12, 15, 18]])
    out, _ = suppress_cells(table, DisclosureRules(), margins="rows")
    assert TOTAL in out.columns and TOTAL not in out.index
    mask = out[table.columns].isna().to_numpy()
    assert mask.sum() == 2 and mask[0].sum() == 2  # the 3 and the smallest other cell, 20
    assert pd.isna(out.loc["r0", "c1"])
    assert _subtraction_attack(table.to_numpy(), mask, cols=False) == set()


def test_unprotectable_and_bad_tables_are_refused():
    with pytest.raises(DisclosureError, match="row 'r0' has a single cell"):
        suppress_cells(_table([[3], [40]]), DisclosureRules())
    bad = _table([[3, 20], [12, 15]]).astype(object)
    bad.iloc[1, 0] = "x"
    with pytest.raises(DisclosureError, match="row 'r1', column 'c0'"):
        suppress_cells(bad, DisclosureRules())


def test_logs_combine_and_summarise():
    _, first = protect_territory_table(_territories(), DisclosureRules())
    _, second = suppress_cells(_table([[3, 20, 30], [12, 15, 18]]), DisclosureRules())
    both = first + second
    assert len(both) == len(first) + len(second)
    text = both.summary()
    assert "min_children: 3" in text and "min_cell: 1" in text and "X" not in text.split()[0]
    assert SuppressionLog().summary() == "Disclosure control: nothing suppressed"
    assert list(both.to_frame().columns) == ["territory", "column", "rule", "reason"]
