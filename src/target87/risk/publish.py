"""The published tables of a run: estimates assembled, then disclosure control on every one.

The territory table (finest level) has, per territory: the synthetic risk with its SE, 90%
interval and CV, the class and P(high class), the expected number of children in child
labour, the children, the top factors (counterfactual and AME x prevalence), and the
estimators side by side (direct with its disclosure status, small-area, benchmarked).
Parent levels get the same figures aggregated. The rules of
:class:`~target87.risk.disclosure.DisclosureRules` are applied to all of them: direct
estimates from small samples suppressed or flagged, small territories suppressed (or merged
within their parent), expected counts rounded, and small cells of the survey sample table
suppressed with their complements. Every action is in the returned log.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from target87.risk.benchmarking import compare_estimators
from target87.risk.config import OUTCOME
from target87.risk.disclosure import (
    ALL,
    STATUS,
    DisclosureRules,
    Suppression,
    SuppressionLog,
    _merged_name,
    protect_direct_estimates,
    protect_territory_table,
    suppress_cells,
)
from target87.risk.estimators import KEY, Estimators
from target87.risk.factors import FactorContributions
from target87.risk.outputs import join_boundaries
from target87.risk.run_options import RunOptions
from target87.risk.run_result import SYNTHETIC_MARK
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


def _estimator_columns(
    estimators: Estimators, synthetic: pd.Series, rules: DisclosureRules
) -> tuple[pd.DataFrame, SuppressionLog]:
    direct = estimators.direct.reset_index()[[KEY, "n", "estimate", "se", "cv"]]
    protected, log = protect_direct_estimates(
        direct, rules, n="n", territory=KEY, columns=["estimate", "se", "cv"]
    )
    protected = protected.set_index(KEY)
    benchmarked = estimators.benchmark.benchmarked
    if estimators.small_area is not None:
        table = compare_estimators(synthetic, estimators.small_area, protected, benchmarked)
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
    return table.drop(columns="synthetic", errors="ignore"), log


def _finest_table(
    finest: TerritoryRisk,
    estimators: Estimators,
    cf: FactorContributions,
    ame: FactorContributions,
    levels: list[str],
    n_top: int,
    rules: DisclosureRules,
) -> tuple[pd.DataFrame, SuppressionLog]:
    frame = finest.frame.reset_index(drop=True)
    table = frame[levels + RISK_COLUMNS].assign(
        **{"class": frame["label"], "p_high": frame["p_high"], "expected": frame["expected"]}
    )
    top = cf.top_factors(n_top).merge(
        ame.top_factors(n_top).rename(columns={"top_factors": "top_factors_ame"}), on=levels
    )
    table = table.merge(top, on=levels, how="left", validate="one_to_one")
    synthetic = pd.Series(frame["risk"].to_numpy(), index=estimators.keys)
    columns, log = _estimator_columns(estimators, synthetic, rules)
    return pd.concat([table, columns.reset_index(drop=True)], axis=1), log


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
    pools = table[levels[-1]] == table[parent].map(_merged_name)
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


def sample_table(survey: pd.DataFrame, level: str, rules: DisclosureRules):
    """Unweighted survey children by top-level territory and outcome, small cells suppressed."""
    counts = pd.crosstab(survey[level], survey[OUTCOME].map({0.0: 0, 1.0: 1}))
    counts = counts.reindex(columns=[0, 1], fill_value=0)
    counts.columns = list(SAMPLE_COLUMNS)
    return suppress_cells(counts, rules)


def publish(
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
    table, log = _finest_table(finest, estimators, cf, ame, levels, options.top_factors, rules)
    parent = levels[-2] if len(levels) > 1 else None
    protected, more = protect_territory_table(
        table, rules, parent, territory=levels, counts=("expected",), means=("risk", "benchmarked")
    )
    log += more
    protected, more = complement_suppressed(protected, levels, parent)
    log += more
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
    sample, more = sample_table(survey, levels[0], rules)
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
    return Published(protected, parents, sample, log, geojson)


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
