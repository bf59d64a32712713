"""UN SDG progress status of a series: actual against required growth from a base year.

The method (UNSD "SDG Progress Chart", as implemented for national platforms by Open SDG):

1. Base year ``b``: 2015, or the first year after it with data. Latest year ``t``: the last
   year with data. At least two such years are needed.
2. Actual compound annual growth rate ``CAGR_a = (x_t / x_b) ** (1 / (t - b)) - 1``.
3. Required rate to reach the target value ``x_T`` in the target year ``T``:
   ``CAGR_r = (x_T / x_b) ** (1 / (T - b)) - 1``. A target of zero has no CAGR (a
   compound path never reaches zero), so a small floor replaces it: 0.001, as Open SDG does.
   A base value of zero is replaced by the same floor.
4. Ratio ``R = d * CAGR_a / |CAGR_r|`` with ``d = -1`` when lower is better (all Target 8.7
   series: child labour, forced labour, trafficking) and ``+1`` when higher is better. This is
   Open SDG's form; it equals UNSD's plain ``CAGR_a / CAGR_r`` whenever the required change
   is in the good direction, and stays meaningful when the base value already beat the target.
5. Category: "target achieved" when the latest value meets the target, otherwise by ``R``
   against the method's thresholds.

Thresholds, with where they were found (read in the stored copies of public repositories):

* ``UNSD`` (default), UNSD SDG Progress Chart Technical Note (2022; the UNDP SDG Accelerator
  cites it as its method): ``R >= 0.95`` substantial progress / on track;
  ``0.5 <= R < 0.95`` fair progress but acceleration needed; ``-0.1 <= R < 0.5`` limited or
  no progress; ``R < -0.1`` deterioration. Source read: UNDP-Data/SDG-Accelerator,
  ``src/utils/getStatus.tsx`` (commit 30374346b21989c45f83ff0d7d764f9840a34515):
  ``if (CR >= 0.95) return 'On Track'; if (CR >= 0.5 && CR < 0.95) return 'Fair progress
  but acceleration needed'; if (CR >= -0.1 && CR < 0.5) return 'Limited or No Progress';
  return 'Deterioration';``. The UNSD PDF itself was not readable here.
* ``OPEN_SDG``, open-sdg/sdg-build ``sdg/ProgressMeasure.py`` (commit
  139fede74ba534d2ed8b9eee4cd878b41f54cb67), method 2 (quantitative target):
  ``progress_thresholds = {'high': 0.95, 'med': 0.6, 'low': 0}``; ``base_year`` defaults to
  2015 (else the next year with data), ``target_year`` to 2030, ``direction`` to negative;
  ``if self.target == 0: ... self.target = 0.001``; progress value
  ``sign * direction * cagr_o / abs(cagr_r)``. open-sdg/open-sdg ``docs/progress-methodology.md``
  (commit 26d2e38700e4fee329fea4823e908c4298064693, Statistics Canada's method): "If the
  target value is zero, it is replaced by 0.001 in the calculation of the progress measure.
  If the base value is zero, it is replaced by 0.001"; categories R >= 95 % on track,
  60 % <= R < 95 % progress made but acceleration needed, 0 % <= R < 60 % limited
  progress, R < 0 % deterioration.

The floor is in the series' own units (0.001 percent, or 0.001 of a count), so the
required rate depends strongly on it; the result says when it was used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
import pandas as pd

from target87.progress import text
from target87.progress.rates import (
    ProgressError,
    SeriesLike,
    as_year_values,
    group_codes,
    long_values,
)
from target87.progress.text import year_label

Direction = Literal["decrease", "increase"]

#: Base year of the SDG progress assessments.
BASE_YEAR = 2015
#: Default target year of the SDGs.
TARGET_YEAR = 2030
#: Target 8.7: "by 2025 end child labour in all its forms".
CHILD_LABOUR_TARGET_YEAR = 2025
#: Value used instead of a target (or base value) of zero; Open SDG's 0.001.
ZERO_FLOOR = 0.001

TARGET_ACHIEVED = "target_achieved"
ON_TRACK = "on_track"
FAIR_PROGRESS = "fair_progress"
LIMITED_PROGRESS = "limited_progress"
DETERIORATION = "deterioration"
CATEGORIES = (TARGET_ACHIEVED, ON_TRACK, FAIR_PROGRESS, LIMITED_PROGRESS, DETERIORATION)


@dataclass(frozen=True)
class StatusMethod:
    """Ratio thresholds and labels of one progress-status method."""

    name: str
    on_track: float  # R >= on_track
    fair: float  # fair <= R < on_track
    limited: float  # limited <= R < fair; below: deterioration
    label_achieved: str
    label_on_track: str
    label_fair: str
    label_limited: str
    label_deterioration: str
    source: str

    def label(self, category: str) -> str:
        return {
            TARGET_ACHIEVED: self.label_achieved,
            ON_TRACK: self.label_on_track,
            FAIR_PROGRESS: self.label_fair,
            LIMITED_PROGRESS: self.label_limited,
            DETERIORATION: self.label_deterioration,
        }[category]

    def categorise(self, ratio: float) -> str:
        if ratio >= self.on_track:
            return ON_TRACK
        if ratio >= self.fair:
            return FAIR_PROGRESS
        if ratio >= self.limited:
            return LIMITED_PROGRESS
        return DETERIORATION

    def thresholds_text(self) -> str:
        """The thresholds in words (:func:`target87.progress.text.status_thresholds`)."""
        return text.status_thresholds(self)


UNSD = StatusMethod(
    name="unsd",
    on_track=0.95,
    fair=0.5,
    limited=-0.1,
    label_achieved="Target achieved",
    label_on_track="Substantial progress/on track",
    label_fair="Fair progress but acceleration needed",
    label_limited="Limited or no progress",
    label_deterioration="Deterioration",
    source="UNSD SDG Progress Chart Technical Note 2022 (as coded in UNDP SDG Accelerator)",
)

OPEN_SDG = StatusMethod(
    name="open_sdg",
    on_track=0.95,
    fair=0.6,
    limited=0.0,
    label_achieved="Target achieved",
    label_on_track="On track",
    label_fair="Progress made but acceleration needed",
    label_limited="Limited progress",
    label_deterioration="Deterioration",
    source="Open SDG sdg-build ProgressMeasure.py (Statistics Canada method)",
)

METHODS = {"unsd": UNSD, "open_sdg": OPEN_SDG}


def _method(method: str | StatusMethod) -> StatusMethod:
    if isinstance(method, StatusMethod):
        return method
    try:
        return METHODS[method]
    except KeyError:
        raise ProgressError(
            f"unknown status method {method!r}; choose one of {', '.join(METHODS)}"
        ) from None


def cagr(start_value: float, end_value: float, start_year: float, end_year: float) -> float:
    """Compound annual growth rate, as a fraction: ``(end/start) ** (1/(t1-t0)) - 1``."""
    if not end_year > start_year:
        raise ProgressError(
            f"the end year ({end_year:g}) must come after the start year ({start_year:g})"
        )
    if not start_value > 0 or end_value < 0:
        raise ProgressError(
            f"a growth rate needs a start value above zero and an end value of zero or more; "
            f"got {start_value:g} and {end_value:g}"
        )
    return float((end_value / start_value) ** (1.0 / (end_year - start_year)) - 1.0)


@dataclass(frozen=True)
class StatusResult:
    """Progress status of one series against one target.

    Rates are in percent a year. ``ratio`` is ``None`` when the required rate is zero
    (the base value equals the target). ``floor_used`` says whether a zero target (or base
    value) was replaced by ``zero_floor``; ``target_used`` is the value the required rate
    was computed with.
    """

    method: str
    direction: Direction
    base_year: float
    base_value: float
    latest_year: float
    latest_value: float
    target_year: float
    target_value: float
    target_used: float
    floor_used: bool
    actual_cagr_pct: float
    required_cagr_pct: float
    ratio: float | None
    category: str
    label: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["notes"] = list(self.notes)
        return out

    def summary(self) -> str:
        """The status as a text block (:func:`target87.progress.text.status_summary`)."""
        return text.status_summary(self, _method(self.method))


def progress_status(
    series: SeriesLike,
    target: float = 0.0,
    target_year: float = TARGET_YEAR,
    *,
    base_year: float = BASE_YEAR,
    direction: Direction = "decrease",
    method: str | StatusMethod = "unsd",
    zero_floor: float = ZERO_FLOOR,
) -> StatusResult:
    """UN SDG progress status of ``series`` toward ``target`` by ``target_year``.

    ``method="unsd"`` (thresholds 0.95 / 0.5 / -0.1) or ``"open_sdg"`` (0.95 / 0.6 / 0).
    Raises :class:`ProgressError` with fewer than two data years from ``base_year`` on, or
    with a negative value. For the child labour target use ``target_year=2025``
    (:data:`CHILD_LABOUR_TARGET_YEAR`).
    """
    m = _method(method)
    if direction not in ("decrease", "increase"):
        raise ProgressError(f"direction must be 'decrease' or 'increase'; got {direction!r}")
    if target < 0:
        raise ProgressError(f"a target below zero ({target:g}) cannot be assessed")
    if not zero_floor > 0:
        raise ProgressError(f"the floor must be above zero; got {zero_floor:g}")
    years, values, notes_in = as_year_values(series)
    notes = list(notes_in)
    by, bv, ly, lv = _base_and_latest(years, values, base_year, target_year, notes)
    floor_used = False
    target_used = float(target)
    if target == 0:
        target_used, floor_used = zero_floor, True
        notes.append(
            f"target of zero replaced by the floor {zero_floor:g} (in the series' units) to "
            "compute the required rate: a compound rate never reaches zero"
        )
    base_used = bv
    if bv == 0:
        base_used, floor_used = zero_floor, True
        notes.append(f"base value of zero replaced by the floor {zero_floor:g}")
    d = -1.0 if direction == "decrease" else 1.0
    actual = cagr(base_used, lv, by, ly)
    required = cagr(base_used, target_used, by, target_year)
    achieved = lv <= target if direction == "decrease" else lv >= target
    ratio: float | None
    if required == 0:
        ratio = None
        notes.append("the base value equals the target: no required rate, no ratio")
        category = DETERIORATION if d * actual < 0 else LIMITED_PROGRESS
    else:
        ratio = d * actual / abs(required)
        category = m.categorise(ratio)
    if achieved:
        category = TARGET_ACHIEVED
        notes.append(f"the latest value ({lv:g}) meets the target ({target:g})")
    elif d * required < 0 and ratio is not None:
        notes.append("the base value already met the target; the series has since moved away")
    return StatusResult(
        method=m.name,
        direction=direction,
        base_year=by,
        base_value=bv,
        latest_year=ly,
        latest_value=lv,
        target_year=float(target_year),
        target_value=float(target),
        target_used=target_used,
        floor_used=floor_used,
        actual_cagr_pct=100.0 * actual,
        required_cagr_pct=100.0 * required,
        ratio=ratio,
        category=category,
        label=m.label(category),
        notes=tuple(dict.fromkeys(notes)),
    )


def _base_and_latest(
    years: np.ndarray,
    values: np.ndarray,
    base_year: float,
    target_year: float,
    notes: list[str],
) -> tuple[float, float, float, float]:
    """Step 1 of the method: ``(base year, base value, latest year, latest value)``.

    The base year is ``base_year`` or the first year after it with data (noted); refuses
    fewer than two data years from the base year on, a negative value, and a target year
    not after the base year. Appends its notes to ``notes``.
    """
    since = np.flatnonzero(years >= base_year)
    if since.size == 0:
        raise ProgressError(
            f"no data in or after the base year {base_year:g} (latest data year: "
            f"{year_label(years[-1])}); progress since {base_year:g} cannot be assessed"
        )
    b, t = int(since[0]), years.size - 1
    if b == t:
        raise ProgressError(
            f"only one data point since {base_year:g} ({year_label(years[b])}: {values[b]:g});"
            " progress needs a base year and a later year with data"
        )
    by, bv, ly, lv = float(years[b]), float(values[b]), float(years[t]), float(values[t])
    if by != base_year:
        notes.append(
            f"no data for {base_year:g}: base year {year_label(by)}, the first year after it "
            "with data"
        )
    for y, v in ((by, bv), (ly, lv)):
        if v < 0:
            raise ProgressError(
                f"a growth rate needs values of zero or more; {year_label(y)} has {v:g}"
            )
    if not target_year > by:
        raise ProgressError(
            f"the target year ({target_year:g}) must come after the base year ({year_label(by)})"
        )
    if ly > target_year:
        notes.append(
            f"the latest data ({year_label(ly)}) are after the target year ({target_year:g})"
        )
    return by, bv, ly, lv


def status_many(
    frame: pd.DataFrame,
    by: Sequence[str],
    target: float | str = 0.0,
    target_year: float | str = TARGET_YEAR,
    *,
    year: str = "year",
    value: str = "value",
    base_year: float = BASE_YEAR,
    direction: Direction = "decrease",
    method: str | StatusMethod = "unsd",
    zero_floor: float = ZERO_FLOOR,
) -> pd.DataFrame:
    """:func:`progress_status` for every series of a long frame at once (vectorised).

    One row per series (the ``by`` columns) with the fields of :class:`StatusResult` except
    ``notes``, replaced by ``note``: why a series has no status (``category`` is then
    ``"not_assessed"``), or that the floor or a later base year was used. The figures match
    :func:`progress_status` series by series. A series-year given twice raises
    :class:`ProgressError`. ``target`` and ``target_year`` are numbers for all series, or
    the names of columns of ``frame`` holding each series' own (the same on all its rows):
    many indicators, each with its target, in one call.
    """
    m = _method(method)
    by = list(by)
    own = [c for c in (target, target_year) if isinstance(c, str)]
    data = long_values(frame, by, year, value, extra=own)
    codes, keys = group_codes(data, by)
    g = len(keys)
    t = data[year].to_numpy(float)
    x = data[value].to_numpy(float)
    order = np.lexsort((t, codes))
    ends = np.r_[np.flatnonzero(np.diff(codes[order])), codes.size - 1]
    last_idx = order[ends]
    since = order[t[order] >= base_year]  # rows from the base year on, by series then year
    groups_since, first_at = np.unique(codes[since], return_index=True)
    first_idx = np.full(g, -1)
    first_idx[groups_since] = since[first_at]
    no_base = first_idx < 0
    ly, lv = t[last_idx], x[last_idx]
    by_ = np.where(no_base, np.nan, t[first_idx])
    bv = np.where(no_base, np.nan, x[first_idx])
    target_value = _per_series(data, target, last_idx, g)
    target_years = _per_series(data, target_year, last_idx, g)
    if (target_value < 0).any() or not zero_floor > 0:
        raise ProgressError("the target must be zero or more and the floor above zero")
    note = np.full(g, "", dtype=object)
    one = ~no_base & (by_ == ly)
    negative = ~no_base & ((bv < 0) | (lv < 0))
    with np.errstate(invalid="ignore"):
        late_target = ~no_base & ~(target_years > by_)
    valid = ~(no_base | one | negative | late_target)
    later_base = valid & (by_ != base_year)
    note[later_base] = f"no data for {base_year:g}: later base year"
    base_zero = valid & (bv == 0)
    base_used = np.where(base_zero, zero_floor, bv)
    floor_target = target_value == 0
    target_used = np.where(floor_target, zero_floor, target_value)
    with np.errstate(divide="ignore", invalid="ignore"):
        actual = np.where(valid, (lv / base_used) ** (1.0 / (ly - by_)) - 1.0, np.nan)
        required = np.where(
            valid, (target_used / base_used) ** (1.0 / (target_years - by_)) - 1.0, np.nan
        )
        d = -1.0 if direction == "decrease" else 1.0
        ratio = np.where(valid & (required != 0), d * actual / np.abs(required), np.nan)
    category = np.select(
        [ratio >= m.on_track, ratio >= m.fair, ratio >= m.limited, ~np.isnan(ratio)],
        [ON_TRACK, FAIR_PROGRESS, LIMITED_PROGRESS, DETERIORATION],
        default="not_assessed",
    ).astype(object)
    zero_req = valid & (required == 0)
    category[zero_req] = np.where(d * actual[zero_req] < 0, DETERIORATION, LIMITED_PROGRESS)
    achieved = valid & ((lv <= target_value) if direction == "decrease" else (lv >= target_value))
    category[achieved] = TARGET_ACHIEVED
    floored = valid & floor_target
    note[floored] = np.where(
        note[floored] == "",
        "floor used for zero target",
        note[floored] + "; floor used for zero target",
    )
    note[base_zero] = note[base_zero] + "; base value of zero floored"
    note[no_base] = f"no data in or after {base_year:g}"
    note[one] = f"only one data point since {base_year:g}"
    note[negative] = "a value below zero"
    note[late_target] = "target year not after the base year"
    labels = {c: m.label(c) for c in CATEGORIES}
    out = keys.copy()
    out["method"] = m.name
    out["direction"] = direction
    out["base_year"] = by_
    out["base_value"] = bv
    out["latest_year"] = ly
    out["latest_value"] = lv
    out["target_year"] = target_years
    out["target_value"] = target_value
    out["target_used"] = np.where(valid, target_used, np.nan)
    out["floor_used"] = valid & (floor_target | base_zero)
    out["actual_cagr_pct"] = 100.0 * actual
    out["required_cagr_pct"] = 100.0 * required
    out["ratio"] = ratio
    out["category"] = category
    out["label"] = [labels.get(c, "Not assessed") for c in category]
    out["note"] = note
    return out


def _per_series(data: pd.DataFrame, given: float | str, rows: np.ndarray, g: int) -> np.ndarray:
    """A number for every series, or each series' own from the column named ``given``."""
    if isinstance(given, str):
        return data[given].to_numpy(float)[rows]
    return np.full(g, float(given))


def status_table(results: Sequence[StatusResult]) -> pd.DataFrame:
    """A frame with one row per :class:`StatusResult` (notes joined by '; ')."""
    rows = []
    for r in results:
        d = r.to_dict()
        d["notes"] = "; ".join(r.notes)
        rows.append(d)
    return pd.DataFrame(rows, columns=[f.name for f in fields(StatusResult)])
