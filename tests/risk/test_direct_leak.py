"""A suppressed direct estimate cannot be recovered from anything else a run publishes.

Found in review: with the Fay-Herriot shrinkage ``gamma > 0``, a territory whose direct
estimate was suppressed (fewer than 25 surveyed children) still published its EBLUP and
shrinkage, and ``direct = (small_area - (1 - gamma) * synthetic) / gamma`` gave it back.
The same estimates also leaked through the fit's coefficients (fitted on them), and through
the survey sample table (a region's count of children in child labour less the published
estimates of its other territories). Each test plays the attacker on the published document
with the formula of one path and finds the values it needs absent; the hand-edited documents
that put them back are refused at publish with nothing stored. The rules are in
:mod:`target87.risk.disclosure` ("What a suppressed direct estimate may not be recovered
from").
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

from target87 import store
from target87.risk.catalog import RiskPublishError
from target87.risk.disclosure import (
    POOL_REASON,
    SMALL_AREA_COLUMNS,
    DisclosureRules,
    pooled_direct_disclosure,
)
from target87.risk.outputs import write_outputs
from target87.risk.pipeline import run_file
from target87.risk.small_area import fay_herriot
from target87.risk.synth_files import write_synthetic_run
from tests.risk.test_publish_checks import feature, publish, stored

pytestmark = pytest.mark.slow  # the module fixture runs the whole pipeline (a few seconds)

# Territory effects (sigma_u) make the Fay-Herriot area variance positive, so the shrinkage
# of small territories is above 0 (asserted below).
SIZE = {"n_children": 20_000, "n_territories": 40, "seed": 3, "sample_size": 2_500,
        "sigma_u": 0.7}  # fmt: skip
TEXT = {"region": str, "territory": str}
LOW = DisclosureRules().direct_suppress_below


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return write_synthetic_run(tmp_path_factory.mktemp("leak") / "run", **SIZE)


@pytest.fixture(scope="module")
def run(made):
    return run_file(made.run_file)


@pytest.fixture(scope="module")
def written(run, tmp_path_factory):
    """(run.json path, its document) as `risk score` writes them."""
    files = write_outputs(run, tmp_path_factory.mktemp("leak-out"), report=False)
    return files["run"], json.loads(files["run"].read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def document(written) -> dict:
    return written[1]


@pytest.fixture(scope="module")
def truth(made) -> pd.DataFrame:
    """From the survey file, by pandas: per territory the unweighted n, the count in child
    labour, the weighted direct estimate, and the region."""
    survey = pd.read_csv(made.survey, dtype=TEXT)
    survey["key"] = survey["region"] + " / " + survey["territory"]
    survey["wy"] = survey["weight"] * survey["child_labour"]
    g = survey.groupby("key")
    return pd.DataFrame(
        {
            "region": g["region"].first(),
            "n": g.size(),
            "count": g["child_labour"].sum(),
            "direct": g["wy"].sum() / g["weight"].sum(),
        }
    )


def key(row: dict) -> str:
    return f"{row['region']} / {row['territory']}"


def hidden_rows(doc: dict) -> list[dict]:
    """Published rows whose direct estimate is suppressed though they have sample."""
    return [
        r
        for r in doc["territories"]
        if r["disclosure"] != "suppressed" and r["direct"] is None and r["n_sample"]
    ]


# --------------------------------------------------------------------------------------------
# the attacker's formulas, on the published document only


def regression_from_published_rows(doc: dict) -> np.ndarray | None:
    """``beta`` of the Fay-Herriot regression on (1, risk), exact from the published rows:
    ``z_d' beta = (small_area - shrinkage * direct) / (1 - shrinkage)``."""
    rows = [
        r
        for r in doc["territories"]
        if None not in (r.get("small_area"), r.get("shrinkage"), r["risk"])
        and (r["direct"] is not None or r["shrinkage"] == 0)
        and r["shrinkage"] < 1
    ]
    if len(rows) < 2:
        return None
    X = np.array([[1.0, r["risk"]] for r in rows])
    t = np.array(
        [
            (r["small_area"] - r["shrinkage"] * (r["direct"] or 0)) / (1 - r["shrinkage"])
            for r in rows
        ]
    )
    return np.linalg.lstsq(X, t, rcond=None)[0]


def recover_from_one_row(doc: dict, row: dict) -> float | None:
    """``direct = (small_area - (1 - gamma) z' beta) / gamma``; None when a needed value is
    absent. ``gamma`` may also be worked out as ``sigma2_v / (sigma2_v + psi)`` with the GVF
    ``psi = deff r (1 - r) / n`` and ``sigma2_v = gamma psi / (1 - gamma)`` of any row, and
    ``small_area`` as ``small_area_se / small_area_cv``."""
    beta = regression_from_published_rows(doc)
    small_area = row.get("small_area")
    if small_area is None and row.get("small_area_se") and row.get("small_area_cv"):
        small_area = row["small_area_se"] / row["small_area_cv"]
    gamma = row.get("shrinkage")
    if gamma is None:
        deff = doc["national"]["deff"]
        donors = [r for r in doc["territories"] if r["direct"] is not None and r.get("shrinkage")]
        if donors and row["risk"] is not None and row["n_sample"]:
            d = donors[0]
            psi_d = deff * d["risk"] * (1 - d["risk"]) / d["n_sample"]
            sigma2_v = d["shrinkage"] * psi_d / (1 - d["shrinkage"])
            psi = deff * row["risk"] * (1 - row["risk"]) / row["n_sample"]
            gamma = sigma2_v / (sigma2_v + psi)
    if beta is None or small_area is None or not gamma or row["risk"] is None:
        return None
    return (small_area - (1 - gamma) * (beta[0] + beta[1] * row["risk"])) / gamma


def recover_from_region_counts(doc: dict, region: str, n_hidden: float) -> float | None:
    """The region's count in child labour less ``direct * n_sample`` of its published
    territories: the count of its hidden ones (exact with constant weights in a territory);
    None when the region's count is not published."""
    [cells] = [r for r in doc["sample_table"] if r["region"] == region]
    if cells["in child labour"] is None:
        return None
    shown = sum(
        r["direct"] * r["n_sample"]
        for r in doc["territories"]
        if r["region"] == region and r["direct"] is not None
    )
    return (cells["in child labour"] - shown) / n_hidden


@pytest.fixture(scope="module")
def leaky(run, truth):
    """The fit on every direct estimate (the old behaviour), for the positive controls."""
    table = run.small_area.table
    frame = run.estimates.frame
    synthetic = pd.Series(
        frame["risk"].to_numpy(), index=(frame["region"] + " / " + frame["territory"]).to_numpy()
    ).reindex(table.index)
    direct = truth["direct"].reindex(table.index)
    return fay_herriot(direct, table["direct_var"], pd.DataFrame({"synthetic": synthetic}))


# --------------------------------------------------------------------------------------------
# the run is the case of the issue


def test_small_territories_would_be_shrunk_towards_their_direct_estimate(run, document, leaky):
    """The case of the review: a Fay-Herriot fit with area variance > 0, so that a small
    territory's EBLUP holds its direct estimate with weight gamma > 0."""
    suppressed = [key(r) for r in hidden_rows(document)]
    assert len(suppressed) >= 5
    assert leaky.sigma2_v > 0
    assert (leaky.table.loc[suppressed, "gamma"] > 0).all()  # what the old fit published
    published = [r for r in document["territories"] if r["direct"] is not None]
    assert run.small_area.sigma2_v > 0 and all(r["shrinkage"] > 0 for r in published)
    assert run.small_area.table.loc[suppressed, "gamma"].eq(0).all()  # not fitted on them


def test_the_formula_recovers_a_direct_estimate_where_the_columns_are_published(
    document, leaky, truth
):
    """Positive control: put the old fit's columns back and the formula gives every suppressed
    direct estimate to 1e-9 (so the next test is not empty)."""
    doc = copy.deepcopy(document)
    put_back_old_fit(doc, leaky, truth)
    for row in hidden_rows(doc):
        assert recover_from_one_row(doc, row) == pytest.approx(
            truth.at[key(row), "direct"], abs=1e-9
        )


def test_no_suppressed_direct_estimate_is_recovered_from_its_row(document, truth):
    rows = hidden_rows(document)
    assert rows and all(r["direct_disclosure"] == "suppressed" for r in rows)
    for row in rows:
        assert truth.at[key(row), "n"] < LOW or row["n_sample"] >= LOW  # own rule or complement
        assert [row[c] for c in SMALL_AREA_COLUMNS] == [None] * 4, key(row)
        assert recover_from_one_row(document, row) is None, key(row)
    # a territory without sample keeps its small-area estimate (the regression prediction)
    for row in document["territories"]:
        if row["n_sample"] == 0:
            assert row["small_area"] is not None and row["shrinkage"] == 0


def test_the_small_area_fit_rests_on_published_direct_estimates_only(document, leaky, truth):
    """``beta`` is exact from the published EBLUPs; it equals the GLS fit on the published
    direct estimates alone, so it holds no equation in the suppressed ones. The old fit's
    ``beta`` did not, and its two normal equations gave hidden estimates away."""
    beta = regression_from_published_rows(document)
    rows = [r for r in document["territories"] if r["direct"] is not None]
    deff = document["national"]["deff"]
    r = np.array([x["risk"] for x in rows])
    psi = deff * r * (1 - r) / np.array([x["n_sample"] for x in rows])
    gamma = np.array([x["shrinkage"] for x in rows])
    sigma2_v = float(np.median(gamma * psi / (1 - gamma)))
    w = 1 / (sigma2_v + psi)
    X = np.column_stack([np.ones(len(rows)), r])
    y = np.array([x["direct"] for x in rows])
    gls = np.linalg.solve((X * w[:, None]).T @ X, X.T @ (w * y))
    assert beta == pytest.approx(gls, rel=1e-8)
    assert not np.allclose(leaky.beta.to_numpy(), gls, rtol=1e-4)  # the old fit's differs


def test_no_suppressed_direct_estimate_is_recovered_from_the_sample_table(document, truth):
    """A region's count of children in child labour less its published territories' direct x
    n: the hidden count. Published only for regions without hidden sample."""
    assert any(r["in child labour"] is not None for r in document["sample_table"][:-1])
    regions = truth.groupby("region")["n"].sum()
    shown = pd.Series(
        {key(r): r["n_sample"] for r in document["territories"] if r["direct"] is not None}
    )
    hidden_n = regions - shown.groupby(shown.index.str.split(" / ").str[0]).sum().reindex(
        regions.index, fill_value=0
    )
    assert (hidden_n > 0).sum() >= 2
    for region, n_hidden in hidden_n[hidden_n > 0].items():
        assert recover_from_region_counts(document, region, n_hidden) is None, region


def test_the_sample_table_gave_them_away_before(document, truth):
    """Positive control: with the region counts from the survey put back, a region's hidden
    estimates follow from the formula: all of them when their count is 0 (common with 15
    children at 5 %), or the only hidden territory's."""
    doc = copy.deepcopy(document)
    region_counts_put_back(doc, None, truth)
    shown = [key(r) for r in doc["territories"] if r["direct"] is not None]
    found = 0
    for region, group in truth.groupby("region"):
        hidden = group[~group.index.isin(shown)]
        if hidden.empty:
            continue
        pooled = round(
            recover_from_region_counts(doc, region, hidden["n"].sum()) * hidden["n"].sum()
        )
        if pooled == 0:
            assert (hidden["count"] == 0).all(), region
            found += len(hidden)
        elif len(hidden) == 1:
            assert pooled == hidden["count"].iloc[0], region
            found += 1
    assert found >= 2


def test_the_national_counts_pool_enough_hidden_estimates(document):
    """The sample table's Total row less every published direct x n: the pooled count of all
    hidden estimates, from at least two territories and 25 children, pinned at no bound."""
    total = document["sample_table"][-1]
    published = [r for r in document["territories"] if r["direct"] is not None]
    m = total["Total"] - sum(r["n_sample"] for r in published)
    pooled = total["in child labour"] - sum(r["direct"] * r["n_sample"] for r in published)
    visible = [r["n_sample"] for r in hidden_rows(document)]
    assert m >= LOW and (len(visible) >= 2 or visible[0] < m)
    assert 0.5 <= pooled <= m - 0.5
    assert pooled_direct_disclosure(m, visible, pooled, DisclosureRules()) is None


# --------------------------------------------------------------------------------------------
# the national pool rule


def test_the_pool_rule_names_each_way_a_pool_gives_estimates_away():
    rules = DisclosureRules()
    assert pooled_direct_disclosure(0, [], 0, rules) is None
    assert "fewer than direct_suppress_below 25" in pooled_direct_disclosure(20, [20], 3, rules)
    assert "one territory" in pooled_direct_disclosure(30, [30], 3, rules)
    assert "one territory" in pooled_direct_disclosure(30, [], 3, rules)
    assert "leave none" in pooled_direct_disclosure(45, [15, 30], 0.2, rules)
    assert "leave all" in pooled_direct_disclosure(45, [15, 30], 44.7, rules)
    assert "leave none" in pooled_direct_disclosure(45, [15, 30], 1.2, rules, exact_count=0)
    assert pooled_direct_disclosure(45, [15, 30], 0.2, rules, national_at_bound=True) is None
    assert pooled_direct_disclosure(45, [15, 30], 3.1, rules, exact_count=3) is None
    assert pooled_direct_disclosure(45, [15], 3.1, rules) is None  # 30 more in hidden rows


def test_a_lone_hidden_estimate_gets_a_complement(tmp_path):
    """One territory of 15 surveyed children among large ones: the national counts less the
    others would give its direct estimate, so a published one is suppressed beside it."""
    from target87.risk.published_tables import _pool_complements

    counts = pd.DataFrame(
        {
            "n": [15, 30, 200, 300],
            "y": [0.0, 2.0, 12.0, 15.0],
            "top": ["R1", "R1", "R2", "R2"],
        },
        index=["R1 / A", "R1 / B", "R2 / C", "R2 / D"],
    )
    direct = pd.DataFrame(
        {"n": counts["n"], "estimate": counts["y"] / counts["n"]}, index=counts.index
    )
    shown = pd.Index(["R1 / B", "R2 / C", "R2 / D"])
    rows = pd.Index(counts.index)
    kept, log = _pool_complements(shown, direct, counts, rows, DisclosureRules())
    assert list(kept) == ["R2 / C", "R2 / D"]  # B: same region, smallest, strictly in (0, 1)
    assert [(e.territory, e.rule, e.reason) for e in log] == [("R1 / B", "secondary", POOL_REASON)]


# --------------------------------------------------------------------------------------------
# hand-edited documents are refused at publish, nothing stored


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    engine = store.make_engine(url)
    store.migrate(engine)
    engine.dispose()
    return url


def _set(doc: dict, row: dict, values: dict) -> None:
    row.update(values)
    if doc["geojson"] is not None and row["disclosure"] == "ok":
        feature(doc, row["territory"])["properties"].update(values)


def put_back_old_fit(doc: dict, fit, truth, rows: str = "hidden") -> None:
    """The old fit's small-area columns, on the suppressed rows or on the published ones."""
    table = fit.table
    pick = (
        hidden_rows(doc)
        if rows == "hidden"
        else [r for r in doc["territories"] if r["direct"] is not None]
    )
    for row in pick:
        k = key(row)
        _set(
            doc,
            row,
            {
                "small_area": float(table.at[k, "estimate"]),
                "small_area_se": float(table.at[k, "se"]),
                "small_area_cv": float(table.at[k, "cv"]),
                "shrinkage": float(table.at[k, "gamma"]),
            },
        )
    if rows == "hidden":  # the published rows must agree with the same fit
        put_back_old_fit(doc, fit, truth, rows="published")


def small_area_put_back(doc, fit, truth):
    """The review's case: the suppressed rows publish their EBLUP and shrinkage again."""
    put_back_old_fit(doc, fit, truth)


def only_shrinkage_put_back(doc, fit, truth):
    row = hidden_rows(doc)[0]
    _set(doc, row, {"shrinkage": float(fit.table.at[key(row), "gamma"])})


def fit_on_suppressed_estimates(doc, fit, truth):
    """Suppressed rows blank, but every published EBLUP from the fit on all direct estimates:
    its coefficients hold the suppressed ones."""
    put_back_old_fit(doc, fit, truth, rows="published")


def summary_of_the_old_fit(doc, fit, truth):
    doc["small_area"] = fit.summary()


def region_counts_put_back(doc, fit, truth):
    """The counts of every region holding suppressed direct estimates, from the survey."""
    counts = truth.groupby("region")[["count", "n"]].sum()
    for row in doc["sample_table"][:-1]:
        row["in child labour"] = int(counts.at[row["region"], "count"])
        row["not in child labour"] = int(counts.at[row["region"], "n"] - row["in child labour"])


def one_region_put_back(doc, fit, truth):
    """The counts of one such region (both cells at least min_cell, the other suppressed cells
    still protecting each other): the rule of the cells alone would let them through."""
    full = copy.deepcopy(doc)
    region_counts_put_back(full, fit, truth)
    for row, counts in zip(doc["sample_table"][:-1], full["sample_table"][:-1], strict=True):
        small = min(counts["in child labour"], counts["not in child labour"]) < 5
        if row["in child labour"] is None and not small:
            row.update(counts)
            return


def region_shown_with_hidden_estimates(doc) -> str:
    hidden = {r["region"] for r in hidden_rows(doc)}
    return next(
        r["region"]
        for r in doc["sample_table"][:-1]
        if r["in child labour"] is not None and r["region"] in hidden
    )


def national_pool_pinned(doc, fit, truth):
    """The national count made equal to the published estimates' own: every hidden estimate
    would then be 0."""
    published = [r for r in doc["territories"] if r["direct"] is not None]
    count = round(sum(r["direct"] * r["n_sample"] for r in published))
    total = doc["sample_table"][-1]
    total["in child labour"] = count
    total["not in child labour"] = total["Total"] - count


def hidden_names(doc) -> list[str]:
    return [key(r) for r in hidden_rows(doc)]


EDITS = [
    (small_area_put_back, lambda d: [hidden_names(d)[0], "small_area", "shrinkage",
                                     "direct_suppress"]),
    (only_shrinkage_put_back, lambda d: [hidden_names(d)[0], "shrinkage is published"]),
    (fit_on_suppressed_estimates, lambda d: ["territories", "not the Fay-Herriot estimate",
                                             "published direct estimates alone"]),
    (summary_of_the_old_fit, lambda d: ["small_area: the summary's", "direct_suppress"]),
    (one_region_put_back, lambda d: ["sample_table", region_shown_with_hidden_estimates(d),
                                     "'in child labour'", "direct estimate is suppressed",
                                     "secondary"]),
    (national_pool_pinned, lambda d: ["territories", hidden_names(d)[0], "leave none",
                                      "complements"]),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "words"), EDITS, ids=[e.__name__ for e, _ in EDITS])
def test_a_document_that_gives_back_a_suppressed_estimate_is_refused(
    written, leaky, truth, url, tmp_path, edit, words
):
    path, doc = written
    publish(url, path)  # an honest run is there and stays exactly as it is
    before = stored(url)
    doc = copy.deepcopy(doc)
    edit(doc, leaky, truth)
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(RiskPublishError) as caught:
        publish(url, edited)
    message = " ".join(str(caught.value).split())
    for word in words(doc):
        assert word in message, message
    assert stored(url) == before
