"""IVTI: a territorial vulnerability index to child labour from administrative indicators.

For countries without a child labour survey (CLRISK.md section 2), the index is built as a
composite indicator in the OECD/JRC way:

1. **Orientation**: each indicator has a direction, +1 if a higher value means more vulnerable,
   -1 otherwise; it is multiplied by its direction so that higher always means more vulnerable.
2. **Normalisation**: ``minmax`` maps each indicator onto [0, 1] (onto [1, 100] under geometric
   aggregation, as COINr does, so that no value is zero); ``zscore`` subtracts the mean and
   divides by the sample standard deviation (ddof = 1).
3. **Weights**: ``equal``; ``pca``, the loadings of the first principal component of the
   correlation matrix, sign-fixed positive and rescaled to sum 1; or a mapping of user weights
   (every indicator named, none negative, rescaled to sum 1).
4. **Aggregation**: ``arithmetic`` (sum of w * x) or ``geometric`` (product of x ** w).
5. **Classification** through :func:`target87.risk.classify.classify`, the same classifier as
   the CLRISK risks.
6. **Sensitivity**: the index is recomputed under every other weighting and normalisation;
   the report gives each territory's rank (1 = most vulnerable) under each variant, the rank
   shifts against the chosen index and Spearman's rho between all variants. Cronbach's alpha
   of the normalised indicators and the Kaiser-Meyer-Olkin measure describe how far the
   indicators measure one thing.

A missing indicator value is an error naming the territory and indicator, unless
``missing="mean"`` is asked for: then it takes the indicator's mean over the other territories,
and the result's notes say how many values were filled in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from target87.risk.errors import RiskError

Normalise = Literal["minmax", "zscore"]
Aggregate = Literal["arithmetic", "geometric"]
WeightSpec = Literal["equal", "pca"] | Mapping[str, float]

#: Min-max range used under geometric aggregation: a zero would zero the whole product.
GEOMETRIC_RANGE = (1.0, 100.0)
NORMALISATIONS = ("minmax", "zscore")


class IVTIError(RiskError):
    """The indicators or options cannot give an index; the message names what is wrong."""


# --------------------------------------------------------------------------------------------
# pure math (arrays: rows = territories, columns = indicators)


def normalise(values: np.ndarray, method: Normalise, bounds: tuple[float, float] = (0.0, 1.0)):
    """Normalise each column: min-max onto ``bounds`` or z-scores (sample SD, ddof = 1)."""
    if method == "minmax":
        low, high = values.min(axis=0), values.max(axis=0)
        if (high == low).any():
            raise IVTIError("min-max normalisation of an indicator with a single value")
        return bounds[0] + (values - low) / (high - low) * (bounds[1] - bounds[0])
    if method == "zscore":
        return (values - values.mean(axis=0)) / values.std(axis=0, ddof=1)
    raise IVTIError(f"normalise must be one of {NORMALISATIONS}, not {method!r}")


def pca_weights(values: np.ndarray, names: list[str]) -> tuple[np.ndarray, float]:
    """First principal component of the correlation matrix as weights, and its variance share.

    The loadings are sign-fixed so that they sum positive and rescaled to sum 1. A loading that
    stays negative means that indicator runs against the others (check its direction): that is
    an error, as is a first component that is not unique (uncorrelated indicators).
    """
    corr = np.corrcoef(values, rowvar=False)
    eigenvalues, vectors = np.linalg.eigh(corr)  # ascending
    if eigenvalues[-1] - eigenvalues[-2] < 1e-9 * len(names):
        raise IVTIError(
            "PCA weights: the first principal component is not unique "
            "(the indicators are uncorrelated); use equal or user weights"
        )
    loadings = vectors[:, -1] if vectors[:, -1].sum() > 0 else -vectors[:, -1]
    negative = [n for n, v in zip(names, loadings, strict=True) if v < -1e-12]
    if negative:
        raise IVTIError(
            f"PCA weights: negative loading for {', '.join(negative)} on the first "
            "component; check the direction given for these indicators"
        )
    loadings = np.clip(loadings, 0.0, None)
    return loadings / loadings.sum(), float(eigenvalues[-1] / eigenvalues.sum())


def user_weights(weights: Mapping[str, float], names: list[str]) -> np.ndarray:
    """User weights in ``names`` order, checked and rescaled to sum 1."""
    missing = [n for n in names if n not in weights]
    unknown = [str(n) for n in weights if n not in names]
    if missing or unknown:
        raise IVTIError(
            f"weights must name every indicator exactly: missing {missing}, "
            f"not indicators {unknown}"
        )
    values = np.array([weights[n] for n in names], dtype=float)
    bad = [f"{n}={v}" for n, v in zip(names, values, strict=True) if not v >= 0 or v == np.inf]
    if bad or values.sum() <= 0:
        raise IVTIError(f"weights must be finite, non-negative and not all zero: {bad or values}")
    return values / values.sum()


def aggregate(normalised: np.ndarray, weights: np.ndarray, method: Aggregate) -> np.ndarray:
    """Weighted arithmetic mean or weighted geometric mean (weights sum to 1) per row."""
    if method == "arithmetic":
        return normalised @ weights
    if method == "geometric":
        if (normalised <= 0).any():
            raise IVTIError("geometric aggregation needs positive normalised values: use minmax")
        return np.exp(np.log(normalised) @ weights)
    raise IVTIError(f"aggregate must be 'arithmetic' or 'geometric', not {method!r}")


def vulnerability_ranks(index: np.ndarray) -> np.ndarray:
    """Rank 1 = highest index = most vulnerable; ties share the best rank."""
    return stats.rankdata(-index, method="min").astype(int)


def cronbach_alpha(items: np.ndarray) -> float:
    """k/(k-1) * (1 - sum of item variances / variance of the total), sample variances."""
    k = items.shape[1]
    item_var = items.var(axis=0, ddof=1).sum()
    return float(k / (k - 1) * (1.0 - item_var / items.sum(axis=1).var(ddof=1)))


def kmo(corr: np.ndarray) -> float:
    """Kaiser-Meyer-Olkin measure: sum r_ij^2 / (sum r_ij^2 + sum p_ij^2) over i != j, with
    p the partial correlations from the inverse correlation matrix; NaN if it is singular."""
    try:
        inverse = np.linalg.inv(corr)
    except np.linalg.LinAlgError:
        return float("nan")
    scale = np.sqrt(np.outer(np.diag(inverse), np.diag(inverse)))
    partial = -inverse / scale
    off = ~np.eye(len(corr), dtype=bool)
    r2, p2 = (corr[off] ** 2).sum(), (partial[off] ** 2).sum()
    return float(r2 / (r2 + p2))


# --------------------------------------------------------------------------------------------
# input


def _indicator_matrix(
    frame: pd.DataFrame, indicators: Mapping[str, int], territory: str | None, missing: str
) -> tuple[pd.Index, np.ndarray, list[str]]:
    """Oriented indicator matrix (rows = territories), checked; notes on imputation."""
    if len(indicators) < 2:
        raise IVTIError("an index needs at least two indicators")
    if missing not in ("error", "mean"):
        raise IVTIError(f"missing must be 'error' or 'mean', not {missing!r}")
    absent = [n for n in indicators if n not in frame.columns]
    if absent or (territory is not None and territory not in frame.columns):
        raise IVTIError(f"columns not in the table: {absent or [territory]}")
    for name, direction in indicators.items():
        if direction not in (1, -1):
            raise IVTIError(f"indicator {name!r}: direction must be +1 or -1, not {direction!r}")
    territories = pd.Index(frame.index if territory is None else frame[territory]).astype(str)
    duplicated = territories[territories.duplicated()].unique().tolist()
    if duplicated:
        raise IVTIError(f"territories given more than once: {duplicated[:10]}")
    if len(territories) < 3:
        raise IVTIError("an index needs at least three territories")
    raw = frame[list(indicators)].reset_index(drop=True)
    values = raw.apply(pd.to_numeric, errors="coerce")
    problems = [
        f"territory {territories[i]!r}, indicator {name!r}: "
        + ("missing value" if pd.isna(raw.at[i, name]) else f"not a number ({raw.at[i, name]!r})")
        for name in indicators
        for i in np.flatnonzero(values[name].isna().to_numpy() | np.isinf(values[name]))
        if missing != "mean" or not pd.isna(raw.at[i, name])
    ]
    if problems:
        more = f" ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise IVTIError("; ".join(problems[:10]) + more)
    notes = []
    if missing == "mean" and values.isna().any().any():
        counts = values.isna().sum()
        notes.append(
            "missing values filled with the indicator mean: "
            + ", ".join(f"{n} ({c})" for n, c in counts.items() if c)
        )
        values = values.fillna(values.mean())
    constant = [n for n in indicators if values[n].nunique() < 2]
    if constant:
        raise IVTIError(f"indicators with the same value in every territory: {constant}")
    return territories, values.to_numpy(float) * np.array(list(indicators.values())), notes


def _build(
    oriented: np.ndarray, names: list[str], method: Normalise, weights: Any, aggregation: Aggregate
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float | None]:
    """One index: (normalised, weights, index, PCA variance share or None)."""
    bounds = GEOMETRIC_RANGE if aggregation == "geometric" and method == "minmax" else (0.0, 1.0)
    normalised = normalise(oriented, method, bounds)
    share = None
    if isinstance(weights, Mapping):
        w = user_weights(weights, names)
    elif weights == "equal":
        w = np.full(len(names), 1.0 / len(names))
    elif weights == "pca":
        w, share = pca_weights(oriented, names)
    else:
        raise IVTIError(f"weights must be 'equal', 'pca' or a mapping, not {weights!r}")
    return normalised, w, aggregate(normalised, w, aggregation), share


def _weight_label(weights: Any) -> str:
    return "user" if isinstance(weights, Mapping) else str(weights)


# --------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class SensitivityReport:
    """Ranks of every territory under each variant (``weighting/normalisation``)."""

    baseline: str
    ranks: pd.DataFrame  # territory x variant, 1 = most vulnerable
    indices: pd.DataFrame  # territory x variant, index values
    notes: tuple[str, ...] = ()

    @property
    def shifts(self) -> pd.DataFrame:
        """Variant rank minus baseline rank (positive: less vulnerable under the variant)."""
        return self.ranks.sub(self.ranks[self.baseline], axis=0).drop(columns=self.baseline)

    @property
    def rho(self) -> pd.DataFrame:
        """Spearman's rho between the index values of every pair of variants."""
        return self.indices.corr(method="spearman")

    def stats(self) -> pd.DataFrame:
        """Per variant: max and mean absolute rank shift, Spearman's rho with the baseline."""
        shifts = self.shifts.abs()
        return pd.DataFrame(
            {
                "max_abs_shift": shifts.max(),
                "mean_abs_shift": shifts.mean(),
                "spearman_rho": self.rho[self.baseline].drop(self.baseline),
            }
        )

    def to_frame(self) -> pd.DataFrame:
        return self.ranks.join(self.shifts.add_prefix("shift "))

    def summary(self) -> str:
        lines = [f"Sensitivity of ranks (baseline {self.baseline}, {len(self.ranks)} territories)"]
        lines += [
            f"  {v:<18} max |shift| {r.max_abs_shift:>4.0f}  mean |shift| "
            f"{r.mean_abs_shift:6.2f}  rho {r.spearman_rho:6.3f}"
            for v, r in self.stats().iterrows()
        ]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


@dataclass(frozen=True)
class IVTIResult:
    """The index per territory with its ingredients and diagnostics."""

    indicators: dict[str, int]
    normalise: str
    aggregate: str
    weighting: str
    weights: pd.Series
    normalised: pd.DataFrame  # territory x indicator, oriented and normalised
    index: pd.Series
    rank: pd.Series
    classification: Any  # target87.risk.classify.Classification, or None when not asked for
    sensitivity: SensitivityReport
    alpha: float
    kmo: float
    pca_variance_share: float | None = None
    notes: tuple[str, ...] = ()

    @property
    def classes(self) -> pd.Series | None:
        """Class label per territory (low/medium/high for k = 3), or None."""
        if self.classification is None:
            return None
        return self.classification.label.rename("class")

    def to_frame(self) -> pd.DataFrame:
        out = pd.DataFrame({"ivti": self.index, "rank": self.rank})
        if self.classes is not None:
            out["class"] = self.classes
        return out.join(self.normalised)

    def summary(self) -> str:
        lines = [
            f"IVTI vulnerability index: {len(self.index)} territories, "
            f"{len(self.indicators)} indicators",
            f"  normalisation {self.normalise}, weights {self.weighting}, "
            f"aggregation {self.aggregate}",
            f"  Cronbach's alpha {self.alpha:.3f}   KMO {self.kmo:.3f}",
        ]
        if self.pca_variance_share is not None:
            lines.append(f"  first component explains {self.pca_variance_share:.1%} of variance")
        lines += [
            f"  {n:<24} direction {self.indicators[n]:+d}  weight {w:.4f}"
            for n, w in self.weights.items()
        ]
        if self.classification is not None:
            lines.append("  " + self.classification.summary().replace("\n", "\n  "))
        top = self.to_frame().sort_values("rank").head(10)
        lines += ["  most vulnerable:"] + [
            f"    {r:>4}  {t:<24} {v:.4f}"
            for t, r, v in zip(top.index, top["rank"], top["ivti"], strict=True)
        ]
        lines.append(self.sensitivity.summary())
        return "\n".join(lines + [f"note: {n}" for n in self.notes])


# --------------------------------------------------------------------------------------------
# the index


def ivti(
    frame: pd.DataFrame,
    indicators: Mapping[str, int],
    normalise: Normalise = "minmax",
    weights: WeightSpec = "equal",
    aggregate: Aggregate = "arithmetic",
    classify_method: str | None = "quantile",
    k: int = 3,
    *,
    territory: str | None = None,
    missing: Literal["error", "mean"] = "error",
    classify_options: Mapping[str, Any] | None = None,
) -> IVTIResult:
    """Build the IVTI from one row per territory (see the module docstring for the method).

    ``indicators`` maps column -> direction (+1: higher is more vulnerable, -1: lower is).
    Territories are the frame's index, or the column ``territory``. ``classify_method=None``
    skips classification; ``classify_options`` go to ``classify`` (e.g. ``cutpoints``,
    ``groups``, ``weights``).
    """
    # ``normalise`` and ``aggregate`` name options here (the brief's signature); the module
    # functions of the same names are called from _build.
    indicators = dict(indicators)
    names = list(indicators)
    territories, oriented, notes = _indicator_matrix(frame, indicators, territory, missing)
    norm, w, index, share = _build(oriented, names, normalise, weights, aggregate)
    baseline = f"{_weight_label(weights)}/{normalise}"
    report = _sensitivity(oriented, names, territories, baseline, weights, aggregate)
    classification = None
    if classify_method is not None:
        # Imported here: the classifier is shared with CLRISK and optional for the index itself.
        from target87.risk.classify import classify

        values = pd.Series(index, index=territories, name="ivti")
        classification = classify(values, classify_method, k=k, **dict(classify_options or {}))
    corr = np.corrcoef(oriented, rowvar=False)
    return IVTIResult(
        indicators=indicators,
        normalise=normalise,
        aggregate=aggregate,
        weighting=_weight_label(weights),
        weights=pd.Series(w, index=names, name="weight"),
        normalised=pd.DataFrame(norm, index=territories, columns=names),
        index=pd.Series(index, index=territories, name="ivti"),
        rank=pd.Series(vulnerability_ranks(index), index=territories, name="rank"),
        classification=classification,
        sensitivity=report,
        alpha=cronbach_alpha(norm),
        kmo=kmo(corr),
        pca_variance_share=share,
        notes=tuple(notes),
    )


def _sensitivity(
    oriented: np.ndarray,
    names: list[str],
    territories: pd.Index,
    baseline: str,
    weights: Any,
    aggregation: Aggregate,
) -> SensitivityReport:
    """Recompute the index under every weighting x normalisation; note those that cannot be."""
    schemes: list[Any] = ["equal", "pca"] + ([weights] if isinstance(weights, Mapping) else [])
    indices, notes = {}, []
    for scheme in schemes:
        for method in NORMALISATIONS:
            label = f"{_weight_label(scheme)}/{method}"
            try:
                indices[label] = _build(oriented, names, method, scheme, aggregation)[2]
            except IVTIError as exc:
                if label == baseline:
                    raise
                notes.append(f"{label} left out: {exc}")
    frame = pd.DataFrame(indices, index=territories)
    ranks = frame.apply(lambda col: pd.Series(vulnerability_ranks(col.to_numpy()), col.index))
    order = [baseline] + [c for c in frame.columns if c != baseline]
    return SensitivityReport(baseline, ranks[order], frame[order], tuple(notes))
