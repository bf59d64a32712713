"""Which factors push each territory's risk up (risk factors) or down (protective factors).

Two measures of the contribution C_dk of covariate k in territory d, both on the probability
scale and both computed on the territory x pattern table (``scoring.pattern_table``):

* counterfactual removal: C_dk = Risk_d - Risk_d(x_k := reference_k), re-predicting every
  pattern with factor k at its reference level (0 for a binary or dummy, the national mean for
  a numeric covariate unless given): "children's risk removed if factor k were eliminated".
* AME x prevalence: C_dk = AME_k * mean_d(x_k), with AME_k the survey-weighted average
  marginal effect (discrete change 0 -> 1 for a binary) and mean_d(x_k) the factor's
  prevalence or mean in the territory's census. ``centre`` gives AME_k * (mean_d - centre_k),
  the share of the gap to the national level.

Weight_dk = |C_dk| / sum_k |C_dk|; positive contributions are risk factors, negative ones
protective.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from target87.risk.scoring import PATTERN_WEIGHT, ScoringError, check_model, covariate_names
from target87.risk.uncertainty import design_matrix, inverse_link, link_density


def binary_columns(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """Columns whose non-missing values are all 0 or 1 (dummies and indicators)."""
    return [c for c in columns if frame[c].dropna().isin([0, 1]).all()]


def _weighted_mean(values: pd.DataFrame | pd.Series, w: np.ndarray):
    return (values.mul(w, axis=0)).sum() / w.sum()


def reference_levels(
    patterns: pd.DataFrame,
    params: pd.Series,
    weight: str = PATTERN_WEIGHT,
    reference: Mapping[str, float] | None = None,
) -> pd.Series:
    """0 for binaries, the national weighted mean for numeric covariates; ``reference`` wins."""
    names = covariate_names(params)
    unknown = sorted(set(reference or {}) - set(names))
    if unknown:
        raise ScoringError(f"reference levels given for covariates not in the model: {unknown}")
    means = _weighted_mean(patterns[names], patterns[weight].to_numpy(dtype=float))
    levels = pd.Series(
        {n: 0.0 if n in binary_columns(patterns, names) else means[n] for n in names}
    )
    for name, value in (reference or {}).items():
        levels[name] = float(value)
    return levels


def _by_territory(values: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    return np.vstack([np.bincount(codes, weights=col, minlength=n) for col in values.T]).T


@dataclass(frozen=True)
class FactorContributions:
    """Per territory (rows) and factor (columns) contributions, with the basis that made them."""

    contributions: pd.DataFrame  # territory columns, then one column per factor
    territory: tuple[str, ...]
    method: str  # "counterfactual" or "ame_prevalence"
    basis: pd.Series  # reference levels, or the average marginal effects

    @property
    def factors(self) -> list[str]:
        return [c for c in self.contributions.columns if c not in self.territory]

    def shares(self) -> pd.DataFrame:
        """|C_dk| / sum_k |C_dk| (0 where a territory has no contribution at all)."""
        size = self.contributions[self.factors].abs()
        total = size.sum(axis=1).replace(0.0, np.nan)
        shares = size.div(total, axis=0).fillna(0.0)
        return pd.concat([self.contributions[list(self.territory)], shares], axis=1)

    def long(self) -> pd.DataFrame:
        """One row per territory and factor: contribution, share, direction."""
        keys = list(self.territory)
        value = self.contributions.melt(keys, self.factors, "factor", "contribution")
        share = self.shares().melt(keys, self.factors, "factor", "share")
        out = value.merge(share, on=[*keys, "factor"])
        out["direction"] = np.select(
            [out["contribution"] > 0, out["contribution"] < 0], ["risk", "protective"], "none"
        )
        return out.sort_values([*keys, "share"], ascending=[True] * len(keys) + [False])

    def risk_factors(self) -> pd.DataFrame:
        return self.long().query("direction == 'risk'").reset_index(drop=True)

    def protective_factors(self) -> pd.DataFrame:
        return self.long().query("direction == 'protective'").reset_index(drop=True)

    def top_factors(self, n: int = 3, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
        """Territory columns and a ``top_factors`` text: the n largest |C_dk|, signed, in pp."""
        names = [dict(labels or {}).get(f, f) for f in self.factors]
        values = self.contributions[self.factors].to_numpy(dtype=float)
        shares = self.shares()[self.factors].to_numpy(dtype=float)
        order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :n]
        texts = [
            "; ".join(
                f"{names[j]} {100 * values[i, j]:+.1f} pp ({shares[i, j]:.0%})"
                for j in row
                if values[i, j] != 0
            )
            for i, row in enumerate(order)
        ]
        out = self.contributions[list(self.territory)].copy()
        out["top_factors"] = texts
        return out

    def summary(self) -> str:
        long = self.long()
        mean = long.groupby("factor")["contribution"].mean().sort_values()
        lines = [
            f"Factor contributions ({self.method}), {len(self.contributions)} territories",
            "  factor: mean contribution (pp), territories where it is a risk / protective factor",
        ]
        for factor, value in mean.items():
            rows = long[long["factor"] == factor]
            n_risk = int((rows["direction"] == "risk").sum())
            n_prot = int((rows["direction"] == "protective").sum())
            lines.append(f"  {factor}: {100 * value:+.2f} pp, {n_risk} / {n_prot}")
        return "\n".join(lines)


def _setup(patterns: pd.DataFrame, territory: list[str], weight: str):
    lacking = [c for c in (*territory, weight) if c not in patterns.columns]
    if lacking:
        raise ScoringError(f"pattern table lacks the column(s) {lacking}")
    groups = patterns.groupby(list(territory), sort=True, dropna=False)
    keys = groups.size().reset_index()[list(territory)]
    return groups.ngroup().to_numpy(), keys, patterns[weight].to_numpy(dtype=float)


def counterfactual_contributions(
    patterns: pd.DataFrame,
    params: pd.Series,
    link: str,
    territory: list[str],
    weight: str = PATTERN_WEIGHT,
    reference: Mapping[str, float] | None = None,
    factors: Sequence[str] | None = None,
) -> FactorContributions:
    """C_dk = Risk_d - Risk_d with factor k set to its reference level, for every pattern."""
    check_model(params, link)
    codes, keys, w = _setup(patterns, territory, weight)
    levels = reference_levels(patterns, params, weight, reference)
    chosen = list(factors) if factors is not None else covariate_names(params)
    unknown = sorted(set(chosen) - set(covariate_names(params)))
    if unknown:
        raise ScoringError(f"factors not in the model: {unknown}")
    eta = design_matrix(patterns, params) @ params.to_numpy(dtype=float)
    columns = [inverse_link(eta, link)]
    for name in chosen:
        shift = float(params[name]) * (levels[name] - patterns[name].to_numpy(dtype=float))
        columns.append(inverse_link(eta + shift, link))
    sums = _by_territory(np.column_stack(columns) * w[:, None], codes, len(keys))
    children = np.bincount(codes, weights=w, minlength=len(keys))
    with np.errstate(invalid="ignore", divide="ignore"):
        risk = sums / children[:, None]
    contributions = pd.DataFrame(risk[:, :1] - risk[:, 1:], columns=chosen)
    return FactorContributions(
        contributions=pd.concat([keys, contributions], axis=1),
        territory=tuple(territory),
        method="counterfactual",
        basis=levels[chosen],
    )


def average_marginal_effects(
    data: pd.DataFrame,
    params: pd.Series,
    link: str,
    weights=None,
    binary: Sequence[str] | None = None,
) -> pd.Series:
    """Survey-weighted average marginal effects on the probability scale.

    For a binary covariate (0/1 columns, or those named in ``binary``) the discrete change
    mean_w[F(eta | x_k=1) - F(eta | x_k=0)]; otherwise mean_w[f(eta)] * beta_k.
    """
    check_model(params, link)
    names = covariate_names(params)
    w = np.ones(len(data)) if weights is None else np.asarray(weights, dtype=float)
    if len(w) != len(data) or np.any(~np.isfinite(w) | (w < 0)) or w.sum() <= 0:
        raise ScoringError("AME weights must be non-negative, finite, one per row, not all 0")
    dummies = set(binary_columns(data, names) if binary is None else binary)
    beta = params.to_numpy(dtype=float)
    eta = design_matrix(data, params) @ beta
    density = np.average(link_density(eta, link), weights=w)
    effects = {}
    for name in names:
        if name in dummies:
            base = eta - params[name] * data[name].to_numpy(dtype=float)
            change = inverse_link(base + params[name], link) - inverse_link(base, link)
            effects[name] = np.average(change, weights=w)
        else:
            effects[name] = density * params[name]
    return pd.Series(effects)


def ame_contributions(
    patterns: pd.DataFrame,
    ame: pd.Series,
    territory: list[str],
    weight: str = PATTERN_WEIGHT,
    centre: pd.Series | None = None,
) -> FactorContributions:
    """C_dk = AME_k x (territory prevalence or mean of x_k [- centre_k])."""
    codes, keys, w = _setup(patterns, territory, weight)
    names = [str(n) for n in ame.index]
    lacking = [n for n in names if n not in patterns.columns]
    if lacking:
        raise ScoringError(f"pattern table lacks the covariate column(s) {lacking}")
    x = patterns[names].to_numpy(dtype=float)
    sums = _by_territory(x * w[:, None], codes, len(keys))
    children = np.bincount(codes, weights=w, minlength=len(keys))
    with np.errstate(invalid="ignore", divide="ignore"):
        prevalence = sums / children[:, None]
    if centre is not None:
        prevalence = prevalence - centre.reindex(names).to_numpy(dtype=float)
    contributions = pd.DataFrame(prevalence * ame.to_numpy(dtype=float), columns=names)
    return FactorContributions(
        contributions=pd.concat([keys, contributions], axis=1),
        territory=tuple(territory),
        method="ame_prevalence",
        basis=ame,
    )
