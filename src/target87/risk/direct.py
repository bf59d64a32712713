"""Direct survey estimates per territory: Hajek proportions with Taylor-linearised variances.

For territory ``d`` the estimate is the weighted (Hajek) mean ``p_d = sum_d w y / sum_d w``.
Its linearised values are ``z_k = w_k 1[k in d] (y_k - p_d) / N_d`` with ``N_d = sum_d w``;
the variance is the with-replacement variance of their PSU totals within strata,

    v(p_d) = sum_h n_h / (n_h - 1) * sum_i (z_dhi - zbar_dh)^2,

``n_h`` being the number of PSUs of stratum ``h`` in the whole sample (a territory is a domain,
not a stratum: PSUs without any of its children count with ``z = 0``). This is R
``survey::svyby(~y, ~d, design, svymean)`` and svy's ``mean(y, by=d)`` without a finite
population correction, the same variance as :mod:`target87.risk.design` gives for a model.
Only the diagonal is computed, from (territory, PSU) totals, so thousands of territories cost
no more than one pass over the sample.

Singleton strata follow ``singleton`` as in :mod:`target87.risk.design`: ``"fail"`` raises,
``"center"`` lets a lone PSU contribute its deviation from the grand mean of PSU totals (factor
1). Since ``z`` sums to zero over the sample, that grand mean is zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from target87.risk.config import SINGLETON_RULES
from target87.risk.design import RiskDesignError, design_index
from target87.risk.errors import RiskError

RESULT_COLUMNS = ("n", "n_psu", "weight_sum", "estimate", "variance", "se", "cv")


class DirectEstimateError(RiskError):
    """The sample cannot give direct estimates; the message names the column and rows."""


def _checked(sample: pd.DataFrame, columns: dict[str, str]) -> None:
    missing = [f"{role} {name!r}" for role, name in columns.items() if name not in sample]
    if missing:
        raise DirectEstimateError(f"sample has no column for {', '.join(missing)}")
    for role, name in columns.items():
        bad = sample.index[sample[name].isna().to_numpy()]
        if len(bad):
            raise DirectEstimateError(
                f"{role} column {name!r} is missing in {len(bad)} row(s), "
                f"first rows {list(bad[:5])}"
            )
    w = sample[columns["weight"]].to_numpy(dtype=float)
    bad = sample.index[~(np.isfinite(w) & (w > 0))]
    if len(bad):
        raise DirectEstimateError(
            f"weight column {columns['weight']!r} must be positive and "
            f"finite: {len(bad)} row(s) are not, first {list(bad[:5])}"
        )
    y = pd.to_numeric(sample[columns["outcome"]], errors="coerce")
    bad = sample.index[y.isna().to_numpy()]
    if len(bad):
        raise DirectEstimateError(
            f"outcome column {columns['outcome']!r} is not numeric in "
            f"{len(bad)} row(s), first {list(bad[:5])}"
        )


def direct_estimates(
    sample: pd.DataFrame,
    territory: str = "territory",
    outcome: str = "y",
    weight: str = "weight",
    stratum: str = "stratum",
    psu: str = "psu",
    singleton: str = "fail",
) -> pd.DataFrame:
    """Per-territory weighted proportion, its linearised variance and the unweighted count.

    Returns one row per territory present in the sample (indexed by territory, sorted) with
    columns ``n`` (children), ``n_psu`` (PSUs holding them), ``weight_sum``, ``estimate``,
    ``variance``, ``se`` and ``cv`` (``se / estimate``, NaN where the estimate is 0).
    """
    if singleton not in SINGLETON_RULES:
        raise DirectEstimateError(
            f"singleton must be one of {', '.join(SINGLETON_RULES)}, got {singleton!r}"
        )
    _checked(
        sample,
        {
            "territory": territory,
            "outcome": outcome,
            "weight": weight,
            "stratum": stratum,
            "psu": psu,
        },
    )
    y = sample[outcome].to_numpy(dtype=float)
    w = sample[weight].to_numpy(dtype=float)
    index = design_index(sample[stratum].to_numpy(), sample[psu].to_numpy(), len(sample))
    domain, labels = pd.factorize(sample[territory], sort=True)
    g = len(labels)
    total_w = np.bincount(domain, w, g)
    estimate = np.bincount(domain, w * y, g) / total_w
    z = w * (y - estimate[domain]) / total_w[domain]

    # totals of z per (territory, PSU) pair, then their sums per (territory, stratum)
    pair, pair_of_obs = np.unique(domain * index.n_psu + index.psu_of_obs, return_inverse=True)
    pair_domain, pair_psu = pair // index.n_psu, pair % index.n_psu
    z_pair = np.bincount(pair_of_obs, z, len(pair))
    pair_stratum = index.stratum_of_psu[pair_psu]
    n_h = index.psus_per_stratum[pair_stratum].astype(float)
    lonely = n_h == 1
    if lonely.any() and singleton == "fail":
        names = ", ".join(map(str, np.unique(index.stratum_labels[pair_stratum[lonely]])[:10]))
        raise RiskDesignError(
            f"stratum/strata with a single PSU ({names}): no within-stratum "
            f"variance. Collapse them with a neighbour or use "
            f"singleton='center'"
        )
    cell, cell_of_pair = np.unique(pair_domain * index.n_strata + pair_stratum, return_inverse=True)
    s1 = np.bincount(cell_of_pair, z_pair, len(cell))
    s2 = np.bincount(cell_of_pair, z_pair**2, len(cell))
    cell_n = index.psus_per_stratum[cell % index.n_strata].astype(float)
    within = np.where(
        cell_n > 1, cell_n / np.maximum(cell_n - 1, 1) * (s2 - s1**2 / cell_n), s2
    )  # a lone PSU: deviation from the grand mean, which is 0
    variance = np.bincount(cell // index.n_strata, np.maximum(within, 0.0), g)
    se = np.sqrt(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(estimate > 0, se / estimate, np.nan)
    return pd.DataFrame(
        {
            "n": np.bincount(domain, minlength=g),
            "n_psu": np.bincount(pair_domain, minlength=g),
            "weight_sum": total_w,
            "estimate": estimate,
            "variance": variance,
            "se": se,
            "cv": cv,
        },
        index=pd.Index(labels, name=territory),
    )


def design_effect(table: pd.DataFrame) -> float:
    """Pooled design effect of a table of :func:`direct_estimates`: sum of the linearised
    variances over sum of the binomial ones ``p (1 - p) / n`` (Kish's deff, with replacement).

    Compute it over domains with many PSUs (regions, strata): there the linearised variance is
    reliable, unlike for territories with a handful of PSUs.
    """
    binomial = table["estimate"] * (1 - table["estimate"]) / table["n"]
    usable = (binomial > 0) & (table["n"] > 1)
    if not usable.any():
        raise DirectEstimateError(
            "no domain with n > 1 and an estimate strictly between 0 and 1: no design effect"
        )
    return float(table.loc[usable, "variance"].sum() / binomial[usable].sum())
