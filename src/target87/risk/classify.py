"""Territories into risk classes: the cut-point rules used for CLRISK maps, with the cuts kept.

Convention for every method: ``k - 1`` inner cut-points c_1 < ... < c_{k-1}, each the *upper*
limit of its class, so a value v is in class j when c_{j-1} < v <= c_j (as published fichas
print "13.3-17.1 / 17.2-20.4 / 20.5-26.9"). Rules (all pure numpy on the non-missing values):

* ``quantile``: c_j is the smallest value whose (weighted) cumulative share reaches j/k.
* ``equal_width``: c_j = min + j (max - min) / k.
* ``jenks``: Fisher's exact optimal partition (least within-class weighted sum of squares),
  dynamic programming on the sorted distinct values; c_j is the largest value of class j.
* ``kmeans``: 1-D Lloyd iterations from quantile seeds; c_j is the midpoint between the
  centres of classes j and j+1 (the decision boundary).
* ``dalenius_hodges``: cumulative sqrt(f) rule on a histogram of ``bins`` equal bins closed on
  the right (R's ``hist`` default); c_j is the upper edge of the bin whose cumulative sqrt(f)
  is closest to j T / k.
* ``fixed``: cut-points supplied by the country.

``groups`` classifies within each parent territory (one set of cut-points per group).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from target87.risk.errors import RiskError

METHODS = ("quantile", "equal_width", "jenks", "kmeans", "dalenius_hodges", "fixed")
THREE_LABELS = ("low", "medium", "high")
NATIONAL: Hashable = None  # key of the single set of cut-points when there are no groups


class ClassificationError(RiskError):
    """The values cannot be classified as asked."""


def default_labels(k: int) -> tuple[str, ...]:
    return THREE_LABELS if k == 3 else tuple(f"class {j}" for j in range(1, k + 1))


def _distinct(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and their summed weights (ties never straddle a cut)."""
    values, inverse = np.unique(x, return_inverse=True)
    return values, np.bincount(inverse, weights=w, minlength=len(values))


def quantile_cutpoints(x: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    values, weight = _distinct(x, w)
    share = np.cumsum(weight) / weight.sum()
    targets = np.arange(1, k) / k - 1e-12  # tolerance: 3 of 9 equal weights is exactly 1/3
    return values[np.searchsorted(share, targets, side="left")]


def equal_width_cutpoints(x: np.ndarray, k: int) -> np.ndarray:
    low, high = float(np.min(x)), float(np.max(x))
    return low + np.arange(1, k) * (high - low) / k


def jenks_cutpoints(x: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    values, weight = _distinct(x, w)
    n = len(values)
    centred = values - np.average(values, weights=weight)  # less cancellation in the sums
    cw = np.concatenate([[0.0], np.cumsum(weight)])
    c1 = np.concatenate([[0.0], np.cumsum(weight * centred)])
    c2 = np.concatenate([[0.0], np.cumsum(weight * centred**2)])

    def ssd(first: np.ndarray, last: int) -> np.ndarray:
        """Within sum of squares of values[first..last] for an array of starts."""
        s1, s0 = c1[last + 1] - c1[first], cw[last + 1] - cw[first]
        return np.maximum(c2[last + 1] - c2[first] - s1 * s1 / s0, 0.0)

    cost = np.full((k, n), np.inf)
    start = np.zeros((k, n), dtype=np.int64)
    for last in range(n):
        cost[0, last] = ssd(np.zeros(1, dtype=np.int64), last)[0]
    for c in range(1, k):
        for last in range(c, n):
            firsts = np.arange(c, last + 1)  # first index of class c (0-based) ending at last
            total = cost[c - 1, firsts - 1] + ssd(firsts, last)
            best = int(np.argmin(total))
            cost[c, last], start[c, last] = total[best], firsts[best]
    cuts, last = [], n - 1
    for c in range(k - 1, 0, -1):
        first = int(start[c, last])
        cuts.append(values[first - 1])
        last = first - 1
    return np.array(cuts[::-1])


def kmeans_cutpoints(x: np.ndarray, w: np.ndarray, k: int, max_iter: int = 300) -> np.ndarray:
    values, weight = _distinct(x, w)
    share = np.cumsum(weight) / weight.sum()
    centres = values[np.searchsorted(share, (np.arange(k) + 0.5) / k - 1e-12)]
    centres = np.unique(centres)
    if len(centres) < k:  # heavy ties at the quantiles: spread the seeds over the range
        centres = np.quantile(values, (np.arange(k) + 0.5) / k)
    labels = None
    for _ in range(max_iter):
        bounds = (centres[1:] + centres[:-1]) / 2
        new = np.searchsorted(bounds, values, side="left")
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        mass = np.bincount(labels, weights=weight, minlength=k)
        sums = np.bincount(labels, weights=weight * values, minlength=k)
        centres = np.where(mass > 0, sums / np.where(mass > 0, mass, 1), centres)
        centres = np.sort(centres)
    return (centres[1:] + centres[:-1]) / 2


def dalenius_hodges_cutpoints(
    x: np.ndarray, w: np.ndarray, k: int, bins: int | None = None
) -> np.ndarray:
    n_bins = bins or max(2 * k, math.ceil(math.sqrt(len(x))))
    if n_bins < k:
        raise ClassificationError(f"Dalenius-Hodges needs at least k={k} bins, got {n_bins}")
    edges = np.linspace(float(np.min(x)), float(np.max(x)), n_bins + 1)
    which = np.searchsorted(edges[1:-1], x, side="left")  # bins closed on the right
    frequency = np.bincount(which, weights=w, minlength=n_bins)
    cum = np.cumsum(np.sqrt(frequency))
    chosen: list[int] = []
    for target in np.arange(1, k) * cum[-1] / k:
        i = int(np.argmin(np.abs(cum - target)))
        if chosen and i <= chosen[-1]:
            i = chosen[-1] + 1  # two targets in one bin: the class between would be empty
        if i >= n_bins - 1:
            raise ClassificationError(
                f"Dalenius-Hodges: {n_bins} bins are too few for {k} classes here"
            )
        chosen.append(i)
    return edges[np.array(chosen) + 1]


def _cutpoints(method: str, x: np.ndarray, w: np.ndarray, k: int, bins: int | None, where: str):
    if len(x) == 0:
        raise ClassificationError(f"{where}: no non-missing value to classify")
    if method in ("jenks", "kmeans") and len(np.unique(x)) < k:
        raise ClassificationError(
            f"{where}: {len(np.unique(x))} distinct value(s) cannot make {k} {method} classes"
        )
    if method == "quantile":
        return quantile_cutpoints(x, w, k)
    if method == "equal_width":
        return equal_width_cutpoints(x, k)
    if method == "jenks":
        return jenks_cutpoints(x, w, k)
    if method == "kmeans":
        return kmeans_cutpoints(x, w, k)
    return dalenius_hodges_cutpoints(x, w, k, bins)


def _checked_cuts(cuts: Sequence[float], k: int, where: str) -> np.ndarray:
    array = np.asarray(cuts, dtype=float)
    if array.ndim != 1 or len(array) != k - 1:
        raise ClassificationError(f"{where}: {k} classes need {k - 1} cut-points, got {cuts!r}")
    if not np.all(np.isfinite(array)) or np.any(np.diff(array) <= 0):
        raise ClassificationError(f"{where}: cut-points must be finite and increasing: {cuts!r}")
    return array


def assign_classes(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Class numbers 1..k (0 for a missing value) under the upper-inclusive convention.

    ``cuts`` is one set of k-1 cut-points, or one row of them per value.
    """
    classes = np.sum(values[:, None] > np.atleast_2d(cuts), axis=1) + 1
    return np.where(np.isnan(values), 0, classes)


def _aligned(name: str, data, index: pd.Index) -> pd.Series | None:
    if data is None:
        return None
    series = data if isinstance(data, pd.Series) else pd.Series(list(data), index=index)
    if len(series) != len(index):
        raise ClassificationError(f"{name} has {len(series)} entries for {len(index)} values")
    return pd.Series(series.to_numpy(), index=index)


@dataclass(frozen=True)
class Classification:
    """Classes of territories with the rule and the cut-points that made them."""

    method: str
    k: int
    labels: tuple[str, ...]
    cutpoints: dict[Hashable, np.ndarray]  # NATIONAL -> cuts, or parent group -> cuts
    values: pd.Series
    classes: pd.Series  # Int64, 1..k, <NA> for a missing value
    groups: pd.Series | None = None

    @property
    def label(self) -> pd.Series:
        names = pd.Series(self.labels, index=range(1, self.k + 1))
        return self.classes.map(names)

    @property
    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame({"value": self.values, "class": self.classes, "label": self.label})
        if self.groups is not None:
            out.insert(0, "group", self.groups)
        return out

    def cuts_per_value(self, groups=None, index: pd.Index | None = None) -> np.ndarray:
        """A (values x k-1) array of the cut-points that apply to each value."""
        if self.groups is None:
            n = len(index) if index is not None else len(self.values)
            return np.tile(self.cutpoints[NATIONAL], (n, 1))
        keys = self.groups if groups is None else pd.Series(list(groups))
        unknown = sorted({str(g) for g in keys if g not in self.cutpoints})
        if unknown:
            raise ClassificationError(f"no cut-points for the group(s) {unknown}")
        return np.vstack([self.cutpoints[g] for g in keys])

    def assign(self, values, groups=None) -> pd.Series:
        """Classes of new values (e.g. simulated risks) under the stored cut-points."""
        series = values if isinstance(values, pd.Series) else pd.Series(list(values))
        if groups is None and self.groups is not None and len(series) != len(self.groups):
            raise ClassificationError("cut-points are per group: give the groups of the values")
        x = series.to_numpy(dtype=float)
        classes = assign_classes(x, self.cuts_per_value(groups, index=series.index))
        return pd.Series(classes, index=series.index, dtype="Int64").mask(classes == 0)

    def counts(self) -> pd.DataFrame:
        """Number of values per class label: one row per group, or one row "all"."""
        frame = self.frame.dropna(subset=["class"])
        group = frame["group"] if self.groups is not None else pd.Series("all", frame.index)
        table = pd.crosstab(group.rename("group"), frame["label"])
        return table.reindex(columns=list(self.labels), fill_value=0)

    def limits(self) -> pd.DataFrame:
        """Cut-point table: per group and class, the (lower, upper] limits."""
        rows = []
        for group, cuts in self.cutpoints.items():
            bounds = [-np.inf, *cuts, np.inf]
            for j in range(self.k):
                rows.append((group, j + 1, self.labels[j], bounds[j], bounds[j + 1]))
        out = pd.DataFrame(rows, columns=["group", "class", "label", "above", "up_to"])
        return out.drop(columns="group") if self.groups is None else out

    def summary(self) -> str:
        scope = "national" if self.groups is None else f"within {len(self.cutpoints)} groups"
        lines = [f"Classification: {self.method}, {self.k} classes, {scope}"]
        for group, cuts in self.cutpoints.items():
            head = "  cut-points" if group is NATIONAL else f"  {group}:"
            lines.append(f"{head} " + ", ".join(f"{c:.6g}" for c in cuts))
        totals = self.counts().sum(axis=0)
        lines.append("  " + " / ".join(f"{lab} {int(totals[lab])}" for lab in self.labels))
        missing = int(self.classes.isna().sum())
        if missing:
            lines.append(f"  not classified (missing value): {missing}")
        return "\n".join(lines)


def classify(
    values,
    method: str,
    k: int = 3,
    cutpoints: Sequence[float] | Mapping[Hashable, Sequence[float]] | None = None,
    groups=None,
    weights=None,
    labels: Sequence[str] | None = None,
    bins: int | None = None,
) -> Classification:
    """Classify territory values (e.g. mean risks) into ``k`` classes; see the module notes.

    ``groups`` (aligned with ``values``) classifies within each parent territory. ``weights``
    (e.g. children) weight the quantile, jenks, kmeans and Dalenius-Hodges rules. ``fixed``
    takes ``cutpoints``: one sequence for all, or a mapping parent group -> sequence.
    """
    if method not in METHODS:
        raise ClassificationError(f"method {method!r} is not one of {', '.join(METHODS)}")
    if k < 2:
        raise ClassificationError(f"k must be at least 2, got {k}")
    if (cutpoints is None) == (method == "fixed"):
        raise ClassificationError("cut-points are given with method 'fixed' and only with it")
    series = values if isinstance(values, pd.Series) else pd.Series(list(values))
    x = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    group_of = _aligned("groups", groups, series.index)
    w_series = _aligned("weights", weights, series.index)
    w = np.ones(len(x)) if w_series is None else w_series.to_numpy(dtype=float)
    if np.any(np.isnan(w) | (w < 0)):
        raise ClassificationError("weights must be non-negative numbers")
    names = tuple(labels) if labels is not None else default_labels(k)
    if len(names) != k:
        raise ClassificationError(f"{k} classes need {k} labels, got {list(names)}")
    if group_of is not None and group_of.isna().any():
        raise ClassificationError("a value has no group: fill every entry of groups")

    keys = [NATIONAL] if group_of is None else list(pd.unique(group_of))
    cuts: dict[Hashable, np.ndarray] = {}
    classes = np.zeros(len(x), dtype=np.int64)
    for key in keys:
        where = "all values" if key is NATIONAL else f"group {key!r}"
        member = np.ones(len(x), bool) if key is NATIONAL else (group_of == key).to_numpy()
        if method == "fixed":
            if isinstance(cutpoints, Mapping) and key not in cutpoints:
                raise ClassificationError(f"{where}: no cut-points supplied")
            given = cutpoints[key] if isinstance(cutpoints, Mapping) else cutpoints
            cuts[key] = _checked_cuts(given, k, where)
        else:
            ok = member & ~np.isnan(x)
            cuts[key] = _cutpoints(method, x[ok], w[ok], k, bins, where)
        classes[member] = assign_classes(x[member], cuts[key])
    result = pd.Series(classes, index=series.index, dtype="Int64").mask(classes == 0)
    return Classification(
        method=method,
        k=k,
        labels=names,
        cutpoints=cuts,
        values=pd.Series(x, index=series.index),
        classes=result,
        groups=group_of,
    )
