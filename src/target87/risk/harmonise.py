"""Harmonisation check: does each covariate mean the same thing in the survey and the census?

CLRISK projects a survey model onto census (or registry) records, which is only sound if every
covariate is measured alike in both. The check compares, for every covariate, the weighted
survey mean with the census mean (weighted by the census person weight when there is one):
the share of each level of a categorical covariate, the share of 1s of a binary one, the mean
of a numeric one. ``difference = census - survey``; ``std_difference`` divides it by the
pooled standard deviation ``sqrt((var_survey + var_census) / 2)``. A share is flagged when
``|difference| > share_threshold`` (default 0.05), a mean when ``|std_difference| >
std_threshold`` (default 0.1), and a level found on one side only is always flagged. This is
the survey-vs-census covariate comparison of the World Bank poverty-mapping practice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from target87.risk.config import WEIGHT, RunConfig
from target87.risk.microdata import level_sort_key, level_text

COLUMNS = [
    "covariate",
    "level",
    "statistic",
    "survey",
    "census",
    "difference",
    "std_difference",
    "flagged",
    "reason",
]


def weighted_mean_var(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Weighted mean and (population) variance ``sum w (x - m)^2 / sum w``."""
    mean = float(np.sum(weights * values) / np.sum(weights))
    return mean, float(np.sum(weights * (values - mean) ** 2) / np.sum(weights))


def standardised_difference(m_s: float, v_s: float, m_c: float, v_c: float) -> float:
    pooled = math.sqrt((v_s + v_c) / 2)
    if pooled == 0:
        return 0.0 if m_c == m_s else math.inf
    return (m_c - m_s) / pooled


@dataclass(frozen=True)
class HarmonisationReport:
    table: pd.DataFrame
    share_threshold: float
    std_threshold: float
    census_weighted: bool

    @property
    def flagged(self) -> pd.DataFrame:
        return self.table[self.table["flagged"]]

    @property
    def ok(self) -> bool:
        return not self.table["flagged"].any()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        census = "weighted" if self.census_weighted else "unweighted"
        lines = [
            f"Harmonisation check: survey (weighted) vs census ({census}); "
            f"{int(self.table['flagged'].sum())} of {len(self.table)} flagged "
            f"(share |diff| > {self.share_threshold:g}, mean |std diff| > {self.std_threshold:g})",
            f"{'covariate':<24}{'level':<14}{'survey':>10}{'census':>10}{'diff':>10}"
            f"{'std diff':>10}  flag",
        ]
        for row in self.table.itertuples(index=False):
            level = "" if row.level is None or pd.isna(row.level) else str(row.level)
            flag = f"** {row.reason}" if row.flagged else ""
            lines.append(
                f"{row.covariate:<24}{level:<14}{row.survey:>10.4f}{row.census:>10.4f}"
                f"{row.difference:>+10.4f}{row.std_difference:>+10.3f}  {flag}"
            )
        return "\n".join(lines)


def _row(name, level, statistic, survey, census, share_t, std_t, only=None) -> dict:
    (m_s, v_s), (m_c, v_c) = survey, census
    diff = m_c - m_s
    std_diff = standardised_difference(m_s, v_s, m_c, v_c)
    if only:
        flagged, reason = True, f"level only in the {only}"
    elif statistic == "share":
        flagged, reason = abs(diff) > share_t, f"|diff| > {share_t:g}"
    else:
        flagged, reason = abs(std_diff) > std_t, f"|std diff| > {std_t:g}"
    return dict(
        zip(
            COLUMNS,
            (
                name,
                level,
                statistic,
                m_s,
                m_c,
                diff,
                std_diff,
                bool(flagged),
                reason if flagged else "",
            ),
            strict=True,
        )
    )


def harmonisation_check(
    survey: pd.DataFrame,
    census: pd.DataFrame,
    config: RunConfig,
    share_threshold: float = 0.05,
    std_threshold: float = 0.1,
) -> HarmonisationReport:
    """Compare covariate means of prepared survey and census frames (module docstring)."""
    ws, wc = survey[WEIGHT].to_numpy(float), census[WEIGHT].to_numpy(float)
    rows = []
    for cov in config.covariates:
        if cov.kind != "categorical":
            statistic = "share" if cov.kind == "binary" else "mean"
            rows.append(
                _row(
                    cov.name,
                    None,
                    statistic,
                    weighted_mean_var(survey[cov.name].to_numpy(float), ws),
                    weighted_mean_var(census[cov.name].to_numpy(float), wc),
                    share_threshold,
                    std_threshold,
                )
            )
            continue
        s_levels = survey[cov.name].map(level_text).to_numpy(dtype=object)
        c_levels = census[cov.name].map(level_text).to_numpy(dtype=object)
        in_survey, in_census = set(s_levels), set(c_levels)
        for level in sorted(in_survey | in_census, key=level_sort_key):
            only = (
                "survey" if level not in in_census else "census" if level not in in_survey else None
            )
            rows.append(
                _row(
                    cov.name,
                    level,
                    "share",
                    weighted_mean_var((s_levels == level).astype(float), ws),
                    weighted_mean_var((c_levels == level).astype(float), wc),
                    share_threshold,
                    std_threshold,
                    only,
                )
            )
    census_weighted = bool(config.census.weight)
    return HarmonisationReport(
        pd.DataFrame(rows, columns=COLUMNS), share_threshold, std_threshold, census_weighted
    )
