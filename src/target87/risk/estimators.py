"""The three territory estimators of a run (direct, synthetic, small-area) and the benchmark.

* direct: the survey's weighted proportion per territory with its linearised SE
  (:func:`~target87.risk.direct.direct_estimates`), and the same for the whole country;
* synthetic: the CLRISK census mean of predicted probabilities (computed upstream);
* small-area: the Fay-Herriot EBLUP on the direct estimates with the synthetic risk as the
  area covariate; the sampling variances are smoothed by a GVF, ``deff p (1 - p) / n`` with
  ``p`` the synthetic risk and ``deff`` pooled over the design strata, where the linearised
  variances rest on many PSUs (a territory's own variance from two or three PSUs is unstable).
  It is fitted by :meth:`Estimators.small_area` on the direct estimates that are published
  only, once disclosure control has said which (:mod:`~target87.risk.disclosure`, "What a
  suppressed direct estimate may not be recovered from"): every other territory gets the
  regression prediction, so nothing published rests on a suppressed direct estimate;
* benchmarked: the synthetic risk ratio-adjusted so that its child-weighted mean equals the
  direct national estimate (povmap's ex-post benchmarking).

Territories are keyed by all their levels joined with `` / ``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from target87.risk.benchmarking import BenchmarkResult, benchmark
from target87.risk.config import STRATUM
from target87.risk.direct import design_effect, direct_estimates
from target87.risk.factors import (
    FactorContributions,
    ame_contributions,
    counterfactual_contributions,
)
from target87.risk.run_result import RiskPipelineError
from target87.risk.scoring import PATTERN_WEIGHT
from target87.risk.small_area import FayHerriotResult, SmallAreaError, fay_herriot, gvf_variance
from target87.risk.survey_model import RiskModel
from target87.risk.uncertainty import TerritoryRisk

KEY = "__territory_key__"
NATIONAL_KEY = "national"


def territory_keys(frame: pd.DataFrame, levels: list[str]) -> pd.Index:
    """One text key per row: the territory codes of every level, joined by `` / ``."""
    if len(levels) == 1:
        return pd.Index(frame[levels[0]].astype(str), name=KEY)
    return pd.Index(frame[levels].astype(str).agg(" / ".join, axis=1), name=KEY)


@dataclass(frozen=True)
class Estimators:
    keys: pd.Index  # the finest territories, in the order of the territory table
    direct: pd.DataFrame  # direct_estimates by key (sampled territories only)
    benchmark: BenchmarkResult
    national: pd.Series  # direct, direct_se, n_sample, deff
    synthetic: pd.Series  # the synthetic (CLRISK) risk by key: the small-area covariate
    small_area_variance: pd.Series | None  # GVF sampling variances by key; None: no small area
    notes: tuple[str, ...] = ()

    def small_area(self, shown: pd.Index) -> tuple[FayHerriotResult | None, tuple[str, ...]]:
        """The Fay-Herriot fit on the direct estimates of the territories ``shown`` (those
        published) only, and its notes; ``(None, ())`` when the run has no small area."""
        if self.small_area_variance is None:
            return None, ()
        direct = self.direct["estimate"].reindex(self.keys)
        direct = direct.where(direct.index.isin(shown))
        try:
            fh = fay_herriot(
                direct, self.small_area_variance, pd.DataFrame({"synthetic": self.synthetic})
            )
        except SmallAreaError as exc:
            raise RiskPipelineError(
                f"small-area estimation on the published direct estimates: {exc}; to go on "
                "without it, set run.small_area: false"
            ) from exc
        notes = []
        if not fh.converged:
            notes.append(
                "the Fay-Herriot variance did not converge: small-area estimates are unreliable"
            )
        if fh.sigma2_v == 0:
            notes.append(
                "Fay-Herriot area variance estimated as 0: the small-area estimates "
                "equal the regression on the synthetic risk"
            )
        return fh, tuple(notes)


def estimate_territories(
    survey: pd.DataFrame,
    finest: TerritoryRisk,
    levels: list[str],
    small_area: bool = True,
    singleton: str = "fail",
) -> Estimators:
    """Direct and benchmarked estimates for the territories of ``finest``, and the inputs of
    the small-area fit (made by :meth:`Estimators.small_area` once the published direct
    estimates are known)."""
    keys = territory_keys(finest.frame, levels)
    sample = survey.assign(**{KEY: territory_keys(survey, levels)})
    direct = direct_estimates(sample, territory=KEY, singleton=singleton)
    whole = direct_estimates(
        sample.assign(**{KEY: NATIONAL_KEY}), territory=KEY, singleton=singleton
    ).iloc[0]
    notes = []
    outside = direct.index.difference(keys)
    if len(outside):
        notes.append(
            f"{len(outside)} surveyed territory(ies) not in the census, left out of the "
            f"territory estimates: {', '.join(outside[:10])}"
        )
    synthetic = pd.Series(finest.frame["risk"].to_numpy(), index=keys, name="synthetic")
    children = pd.Series(finest.frame["children"].to_numpy(), index=keys)
    deff = design_effect(direct_estimates(sample, territory=STRATUM, singleton=singleton))
    psi = None
    if small_area:
        try:
            psi = gvf_variance(synthetic, direct["n"].reindex(keys), deff)
        except SmallAreaError as exc:
            raise RiskPipelineError(
                f"small-area estimation: {exc}; to go on without it, set run.small_area: false"
            ) from exc
    national = pd.Series(
        {
            "direct": whole["estimate"],
            "direct_se": whole["se"],
            "n_sample": float(whole["n"]),
            "deff": deff,
        }
    )
    return Estimators(
        keys,
        direct,
        benchmark(synthetic, children, float(whole["estimate"])),
        national,
        synthetic,
        psi,
        tuple(notes),
    )


def factor_summary(
    model: RiskModel,
    patterns: pd.DataFrame,
    ame: pd.Series,
    by_territory: FactorContributions,
    reference: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Per factor, nationally: counterfactual contribution, AME, mean, AME x mean, direction,
    and in how many territories it is a risk or a protective factor."""
    everyone = patterns.assign(**{KEY: NATIONAL_KEY})
    cf = counterfactual_contributions(
        everyone, model.params, model.link, [KEY], reference=reference
    )
    weighted = ame_contributions(everyone, ame, [KEY])
    factors = by_territory.factors
    signs = by_territory.contributions[factors]
    table = pd.DataFrame(
        {
            "factor": factors,
            "contribution": cf.contributions[factors].iloc[0].to_numpy(),
            "reference": cf.basis.reindex(factors).to_numpy(),
            "ame": ame.reindex(factors).to_numpy(),
            "ame_x_mean": weighted.contributions[factors].iloc[0].to_numpy(),
            "risk_territories": (signs > 0).sum().to_numpy(),
            "protective_territories": (signs < 0).sum().to_numpy(),
        }
    )
    w = patterns[PATTERN_WEIGHT].to_numpy(dtype=float)
    table["mean"] = (patterns[factors].mul(w, axis=0).sum() / w.sum()).to_numpy()
    table["direction"] = table["contribution"].map(
        lambda c: "risk" if c > 0 else "protective" if c < 0 else "none"
    )
    order = table["contribution"].abs().sort_values(ascending=False).index
    return table.loc[order].reset_index(drop=True)
