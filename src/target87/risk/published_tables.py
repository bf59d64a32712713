"""The published tables of a run: estimates assembled, then disclosure control on every one.

This prepares, inside a run, the tables a run may show (written to its outputs and its
``run.json``); storing a saved run in the warehouse for the web pages is
:func:`target87.risk.catalog.publish_run`.

The territory table (finest level) has, per territory: the synthetic risk with its SE, 90%
interval and CV, the class and P(high class), the expected number of children in child
labour, the children, the top factors (counterfactual and AME x prevalence), and the
estimators side by side (direct with its disclosure status, small-area, benchmarked).
Parent levels get the same figures aggregated. The rules of
:class:`~target87.risk.disclosure.DisclosureRules` are applied to all of them: direct
estimates from small samples suppressed or flagged, small territories suppressed (or merged
within their parent), expected counts rounded, and small cells of the survey sample table
suppressed with their complements. Every action is in the returned log.

Which direct estimates are published is settled first (their own rule, the rows that will be
published, complements for the national counts), then the Fay-Herriot model is fitted on
those only, a row with a hidden direct estimate publishes no small-area column, and a
top-level territory with hidden direct estimates publishes no counts by outcome in the sample
table (:mod:`~target87.risk.disclosure`, "What a suppressed direct estimate may not be
recovered from").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from target87.risk.benchmarking import compare_estimators
from target87.risk.config import OUTCOME
from target87.risk.disclosure import (
    ALL,
    POOL_REASON,
    SMALL_AREA_COLUMNS,
    STATUS,
    DisclosureError,
    DisclosureRules,
    Suppression,
    SuppressionLog,
    merged_name,
    pooled_direct_disclosure,
    protect_direct_estimates,
    protect_territory_table,
    suppress_cells,
)
from target87.risk.estimators import KEY, Estimators, territory_keys
from target87.risk.factors import FactorContributions
from target87.risk.outputs import join_boundaries
from target87.risk.run_options import RunOptions
from target87.risk.run_result import SYNTHETIC_MARK, RiskPipelineError
from target87.risk.small_area import FayHerriotResult
from target87.risk.uncertainty import TerritoryRisk

RISK_COLUMNS = ["children", "risk", "se", "lo90", "hi90", "cv"]
DIRECT_STATUS = "direct_disclosure"
SAMPLE_COLUMNS = ("not in child labour", "in child labour")


@dataclass(frozen=True)
class Published:
    territories: pd.DataFrame
    parents: dict[str, pd.DataFrame]
    sample_table: pd.DataFrame
    log: SuppressionLog
    geojson: dict[str, Any] | None
    small_area: FayHerriotResult | None = None  # fitted on the published direct estimates
    notes: tuple[str, ...] = ()


def _protected_direct(
    estimators: Estimators, rules: DisclosureRules
) -> tuple[pd.DataFrame, SuppressionLog]:
    """Direct estimates by key with their own rule applied (blank under the suppress floor)."""
    direct = estimators.direct.reset_index()[[KEY, "n", "estimate", "se", "cv"]]
    protected, log = protect_direct_estimates(
        direct, rules, n="n", territory=KEY, columns=["estimate", "se", "cv"]
    )
    return protected.set_index(KEY), log


def _survey_counts(survey: pd.DataFrame, levels: list[str]) -> pd.DataFrame:
    """Unweighted surveyed children (n), in child labour (y) and top-level code, by key."""
    sample = pd.DataFrame(
        {
            "top": survey[levels[0]].to_numpy(),
            "y": survey[OUTCOME].to_numpy(dtype=float),
        },
        index=territory_keys(survey, levels),
    )
    grouped = sample.groupby(level=0, sort=True)
    return pd.DataFrame(
        {"n": grouped.size(), "y": grouped["y"].sum(), "top": grouped["top"].first()}
    )


def _rows_published(frame: pd.DataFrame, levels: list[str], rules: DisclosureRules) -> pd.Index:
    """Keys of the finest territories whose own row will be published (not suppressed for its
    children, pooled, or a complement): the row rules depend on the children only."""
    parent = levels[-2] if len(levels) > 1 else None
    slim = frame[levels + ["children"]].reset_index(drop=True)
    out, _ = protect_territory_table(slim, rules, parent, territory=levels, counts=(), means=())
    out, _ = complement_suppressed(out, levels, parent)
    return territory_keys(out[out[STATUS] == "ok"], levels)


def _pool_complements(
    shown: pd.Index,
    direct: pd.DataFrame,
    counts: pd.DataFrame,
    rows: pd.Index,
    rules: DisclosureRules,
) -> tuple[pd.Index, SuppressionLog]:
    """Rule 4 of :mod:`~target87.risk.disclosure`: hide further direct estimates until the
    national counts less the published ones give no hidden direct estimate away."""
    n, y = counts["n"], counts["y"]
    total, count = float(n.sum()), float(y.sum())
    log: list[Suppression] = []
    while True:
        hidden = counts.index.difference(shown)
        published = direct.loc[shown]
        reason = pooled_direct_disclosure(
            total - float(published["n"].sum()),
            [float(v) for v in n[hidden.intersection(rows)]],
            count - float((published["estimate"] * published["n"]).sum()),
            rules,
            exact_count=count - float(y[shown].sum()),
            national_at_bound=count in (0.0, total),
        )
        if reason is None:
            return shown, SuppressionLog(tuple(log))
        if not len(shown):
            raise DisclosureError(f"the survey's national counts cannot be published: {reason}")
        hidden_tops = set(counts.loc[hidden, "top"])
        pick = min(
            shown,
            key=lambda k: (
                counts.at[k, "top"] not in hidden_tops,
                not 0 < y[k] < n[k],
                n[k],
                k,
            ),
        )
        shown = shown.drop(pick)
        log.append(Suppression(str(pick), ALL, "secondary", POOL_REASON))


def _published_direct(
    estimators: Estimators,
    survey: pd.DataFrame,
    frame: pd.DataFrame,
    levels: list[str],
    rules: DisclosureRules,
) -> tuple[pd.DataFrame, pd.Index, pd.DataFrame, SuppressionLog]:
    """The direct estimates as published (complements blanked), the keys whose direct
    estimate is published, the survey counts by key and the log."""
    direct, log = _protected_direct(estimators, rules)
    rows = _rows_published(frame, levels, rules)
    shown = direct.index[direct[STATUS].isin(["ok", "flagged"]).to_numpy()].intersection(rows)
    counts = _survey_counts(survey, levels)
    shown, more = _pool_complements(shown, direct, counts, rows, rules)
    complements = [e.territory for e in more]
    direct.loc[complements, ["estimate", "se", "cv"]] = np.nan
    direct.loc[complements, STATUS] = "suppressed"
    return direct, shown, counts, log + more


def _estimator_columns(
    estimators: Estimators,
    synthetic: pd.Series,
    protected: pd.DataFrame,
    shown: pd.Index,
    small_area: FayHerriotResult | None,
) -> pd.DataFrame:
    benchmarked = estimators.benchmark.benchmarked
    if small_area is not None:
        table = compare_estimators(synthetic, small_area, protected, benchmarked)
        # rule 1: a row whose direct estimate is hidden publishes no small-area column
        hidden = (table["n_sample"] > 0).to_numpy() & ~table.index.isin(shown)
        table.loc[hidden, list(SMALL_AREA_COLUMNS)] = np.nan
    else:  # the same columns without the small-area ones
        d = protected.reindex(synthetic.index)
        table = pd.DataFrame(
            {
                "n_sample": d["n"].fillna(0).astype(int),
                "direct": d["estimate"],
                "direct_se": d["se"],
                "direct_cv": d["cv"],
                "benchmarked": benchmarked.reindex(synthetic.index),
            }
        )
    status = protected[STATUS].reindex(synthetic.index).fillna("no sample")
    table.insert(table.columns.get_loc("direct_cv") + 1, DIRECT_STATUS, status)
    return table.drop(columns="synthetic", errors="ignore")


def _finest_table(
    finest: TerritoryRisk,
    estimators: Estimators,
    cf: FactorContributions,
    ame: FactorContributions,
    levels: list[str],
    n_top: int,
    direct: pd.DataFrame,
    shown: pd.Index,
    small_area: FayHerriotResult | None,
) -> pd.DataFrame:
    frame = finest.frame.reset_index(drop=True)
    table = frame[levels + RISK_COLUMNS].assign(
        **{"class": frame["label"], "p_high": frame["p_high"], "expected": frame["expected"]}
    )
    top = cf.top_factors(n_top).merge(
        ame.top_factors(n_top).rename(columns={"top_factors": "top_factors_ame"}), on=levels
    )
    table = table.merge(top, on=levels, how="left", validate="one_to_one")
    synthetic = pd.Series(frame["risk"].to_numpy(), index=estimators.keys)
    columns = _estimator_columns(estimators, synthetic, direct, shown, small_area)
    return pd.concat([table, columns.reset_index(drop=True)], axis=1)


def complement_suppressed(
    table: pd.DataFrame, keys: list[str], group: str | None
) -> tuple[pd.DataFrame, SuppressionLog]:
    """Secondary suppression across levels: a territory suppressed alone in its parent (or,
    without a parent column, alone in the country) could be worked out from the parent's
    published total minus its siblings; the smallest published sibling is suppressed too."""
    out = table.copy()
    groups = out[group] if group else pd.Series("the country", index=out.index)
    values = [c for c in out.columns if c not in keys and c != STATUS]
    log = []
    for name, members in out.groupby(groups, sort=False).groups.items():
        rows = out.loc[members]
        hidden = rows[STATUS] == "suppressed"
        shown = rows[rows[STATUS] == "ok"]
        if hidden.sum() != 1 or shown.empty:
            continue
        pick = shown["children"].idxmin()
        out.loc[pick, values] = np.nan
        out.loc[pick, STATUS] = "suppressed"
        label = " / ".join(str(out.at[pick, k]) for k in keys)
        reason = f"complementary: protects a suppressed territory through the total of {name}"
        log.append(Suppression(label, ALL, "secondary", reason))
    return out, SuppressionLog(tuple(log))


def _fill_pooled(
    table: pd.DataFrame, finest: pd.DataFrame, levels: list[str], classify_row
) -> pd.DataFrame:
    """Pooled rows: restore the levels above the parent (a suppressed pool's too, so that it
    sits in its parent's group), and classify the pooled risk."""
    if len(levels) < 2:  # nothing is pooled without a parent
        return table
    parent = levels[-2]
    pools = table[levels[-1]] == table[parent].map(merged_name)
    if not pools.any():
        return table
    ancestors = finest[levels[:-1]].drop_duplicates(parent).set_index(parent)
    for level in levels[:-2]:
        table.loc[pools, level] = table.loc[pools, parent].map(ancestors[level])
    pooled = pools & table[STATUS].isin(["merged"]) & table["risk"].notna()
    if pooled.any():
        table.loc[pooled, "class"] = classify_row(table[pooled]).to_numpy()
    return table


def _parent_table(
    level_risk: TerritoryRisk, finest: pd.DataFrame, benchmarked: np.ndarray, levels: list[str]
) -> pd.DataFrame:
    weighted = finest[levels].assign(b=benchmarked * finest["children"], n=finest["children"])
    sums = weighted.groupby(levels, sort=True)[["b", "n"]].sum()
    table = level_risk.frame[levels + RISK_COLUMNS + ["expected"]]
    bench = (sums["b"] / sums["n"]).rename("benchmarked").reset_index()
    return table.merge(bench, on=levels, how="left", validate="one_to_one")


def sample_table(
    survey: pd.DataFrame, level: str, rules: DisclosureRules, hidden: Iterable[Any] = ()
):
    """Unweighted survey children by top-level territory and outcome, small cells suppressed,
    and the cells of the top-level territories ``hidden`` (those holding surveyed children
    whose direct estimate is not published; rule 3 of :mod:`~target87.risk.disclosure`) with
    their complements. With a single top-level territory its counts are the national ones
    (rule 4)."""
    counts = pd.crosstab(survey[level], survey[OUTCOME].map({0.0: 0, 1.0: 1}))
    counts = counts.reindex(columns=[0, 1], fill_value=0)
    counts.columns = list(SAMPLE_COLUMNS)
    rows = [r for r in counts.index if r in set(hidden)] if len(counts) > 1 else []
    return suppress_cells(counts, rules, hidden_rows=rows)


def assemble_published_tables(
    *,
    finest: TerritoryRisk,
    by_level: dict[str, TerritoryRisk],
    estimators: Estimators,
    cf: FactorContributions,
    ame: FactorContributions,
    survey: pd.DataFrame,
    rules: DisclosureRules,
    levels: list[str],
    options: RunOptions,
    synthetic: bool,
    geo: dict[str, Any] | None = None,
    code_property: str = "code",
) -> Published:
    """Assemble the territory tables and apply disclosure control (module docstring)."""
    direct, shown, counts, log = _published_direct(estimators, survey, finest.frame, levels, rules)
    small_area, notes = estimators.small_area(shown)
    table = _finest_table(
        finest, estimators, cf, ame, levels, options.top_factors, direct, shown, small_area
    )
    parent = levels[-2] if len(levels) > 1 else None
    protected, more = protect_territory_table(
        table, rules, parent, territory=levels, counts=("expected",), means=("risk", "benchmarked")
    )
    log += more
    protected, more = complement_suppressed(protected, levels, parent)
    log += more
    rows = territory_keys(protected[protected[STATUS] == "ok"], levels)
    if not rows.sort_values().equals(_rows_published(finest.frame, levels, rules).sort_values()):
        raise RiskPipelineError("disclosure control: the published rows changed between passes")
    c = finest.classification
    scope = options.classification.scope

    def classify_row(rows: pd.DataFrame) -> pd.Series:
        groups = None if c.groups is None else rows[scope].to_numpy()
        return c.assign(rows["risk"].reset_index(drop=True), groups=groups).map(
            dict(enumerate(c.labels, start=1))
        )

    protected = _fill_pooled(protected, finest.frame, levels, classify_row)
    parents: dict[str, pd.DataFrame] = {}
    benchmarked = estimators.benchmark.benchmarked.to_numpy()
    for i, level in enumerate(levels[:-1]):
        above = levels[i - 1] if i > 0 else None
        level_rules = rules if above else replace(rules, small_territories="suppress")
        parents[level], more = protect_territory_table(
            _parent_table(by_level[level], finest.frame, benchmarked, levels[: i + 1]),
            level_rules,
            above,
            territory=levels[: i + 1],
            counts=("expected",),
            means=("risk", "benchmarked"),
        )
        log += more
        parents[level], more = complement_suppressed(parents[level], levels[: i + 1], above)
        log += more
    hidden_tops = counts.loc[counts.index.difference(shown), "top"].unique()
    sample, more = sample_table(survey, levels[0], rules, hidden_tops)
    log += more
    geojson = None
    if geo is not None:
        geojson = join_boundaries(
            protected,
            geo,
            code_property,
            levels[-1],
            _pooled_codes(finest.frame, protected, levels, rules),
            synthetic,
        )
    if synthetic:
        for frame in (protected, *parents.values()):
            frame.insert(0, "synthetic", SYNTHETIC_MARK)
    return Published(protected, parents, sample, log, geojson, small_area, notes)


def _pooled_codes(
    finest: pd.DataFrame, published: pd.DataFrame, levels: list[str], rules: DisclosureRules
) -> dict[str, str]:
    """Code of each territory pooled by the merge rule -> code of its pooled row."""
    if rules.small_territories != "merge" or len(levels) < 2:
        return {}
    finest_level, parent = levels[-1], levels[-2]
    pooled = published[~published[finest_level].isin(finest[finest_level])]
    row_of_parent = dict(zip(pooled[parent], pooled[finest_level], strict=True))
    small = finest[finest["children"] < rules.min_children]
    return dict(zip(small[finest_level], small[parent].map(row_of_parent), strict=True))
