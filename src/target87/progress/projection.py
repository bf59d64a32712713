"""Projections at the observed pace, elimination years, required rates and acceleration.

* :func:`project` extends a fitted trend (log-linear = constant AARR, or linear = constant
  absolute change) to future years, with a **prediction band** by default: the interval in
  which the value of that year would fall if the fitted trend and its residual scatter held
  (Student's t, n - 2 degrees of freedom). ``band="confidence"`` gives the narrower band of
  the fitted line itself. The bands come from the regression only: they do not include the
  sampling error of the survey estimates, nor any change of pace.
* The **elimination threshold**: by default 0.5 for rates in percent (both models) and 0 for
  linear projections of counts. A log-linear projection never reaches zero, so a count
  projected log-linearly needs a positive threshold too; the default is 0.5 % of the first
  value fitted, and the result says so.
* :func:`required_acceleration` compares the rate needed to reach a target by a year with the
  observed rate, in both formulations: compound (AARR) and absolute (change a year).
  Acceleration factor = required rate / observed rate.
* :func:`acceleration_scenarios` lays out every documented way to compute a statement like
  "progress would need to be N times faster", for one series, in one tidy frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from target87.progress import text
from target87.progress.rates import (
    Band,
    Kind,
    LineFit,
    Model,
    ProgressError,
    SeriesLike,
    aarr,
    absolute_change_per_year,
    as_year_values,
    fit_linear,
    fit_log_linear,
    fit_many,
    fit_trend,
    t_quantile,
)
from target87.progress.text import year_label

#: Default elimination threshold for a rate in percent (both models).
RATE_THRESHOLD = 0.5
#: Default threshold of a count projected log-linearly, as a share of its first fitted value.
COUNT_LOG_THRESHOLD_SHARE = 0.005
#: Last year searched for the year a band crosses the threshold.
HORIZON = 2100
#: Default observed periods for :func:`acceleration_scenarios` (latest, last two rounds, all).
ACCELERATION_PERIODS: tuple[tuple[int, int], ...] = ((2020, 2024), (2016, 2024), (2000, 2024))


def default_threshold(kind: Kind, method: Model, first_value: float) -> tuple[float, str | None]:
    """The default elimination threshold and, where it needs saying, why it is that."""
    if kind == "rate":
        return RATE_THRESHOLD, None
    if method == "linear":
        return 0.0, None
    thr = COUNT_LOG_THRESHOLD_SHARE * first_value
    return thr, (
        f"a log-linear (compound) path never reaches zero: threshold for this count set to "
        f"{thr:g} ({COUNT_LOG_THRESHOLD_SHARE:.1%} of the first value fitted); pass threshold= "
        "to choose another"
    )


def count_threshold(count: float, rate: float, rate_threshold: float = RATE_THRESHOLD) -> float:
    """The count at which the prevalence would reach ``rate_threshold``, same population.

    ``count * rate_threshold / rate``: with 137.6 million children in child labour at 7.8 %,
    a 0.5 % prevalence means about 8.8 million. A threshold for compound paths of counts that
    means the same as the rate's threshold (the population is taken as unchanged).
    """
    if not rate > 0 or not count >= 0:
        raise ProgressError(
            f"need a rate above zero and a count of zero or more; got {rate:g} and {count:g}"
        )
    return count * rate_threshold / rate


@dataclass(frozen=True)
class Projection:
    """A trend extended to ``years`` with its band and the year it falls below a threshold.

    ``threshold_year`` is the first calendar year whose projected (central) value is at or
    below ``threshold``; ``threshold_crossing`` the exact fractional year. ``earliest_year`` /
    ``latest_year`` are the first years (up to 2100) in which the lower / upper band is below
    the threshold. Each is ``None`` when it never happens (say the series is not falling),
    and ``notes`` says so.
    """

    method: Model
    kind: Kind
    band: Band
    conf: float
    years: tuple[int, ...]
    central: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    threshold: float
    threshold_year: int | None
    threshold_crossing: float | None
    earliest_year: int | None
    latest_year: int | None
    last_year: float
    last_value: float
    fit: LineFit
    notes: tuple[str, ...] = ()

    @property
    def rate_label(self) -> str:
        """The fitted pace (:func:`target87.progress.text.fit_rate_label`)."""
        return text.fit_rate_label(self.fit)

    def to_frame(self) -> pd.DataFrame:
        """One row per projected year: year, central, lower, upper, method, band."""
        return pd.DataFrame(
            {
                "year": list(self.years),
                "central": list(self.central),
                "lower": list(self.lower),
                "upper": list(self.upper),
                "method": self.method,
                "band": self.band,
                "conf": self.conf,
            }
        )

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "fit"}
        for k in ("years", "central", "lower", "upper", "notes"):
            out[k] = list(out[k])
        out["fit_slope"], out["fit_slope_se"] = self.fit.slope, self.fit.slope_se
        out["fit_first_year"], out["fit_n"] = self.fit.years[0], self.fit.n
        return out

    def summary(self) -> str:
        """The projection as a text block (:func:`target87.progress.text.projection_summary`)."""
        return text.projection_summary(self, HORIZON)


def _first_at_or_below(years: np.ndarray, values: np.ndarray, thr: float) -> int | None:
    hit = np.flatnonzero(values <= thr)
    return int(years[hit[0]]) if hit.size else None


def project(
    series: SeriesLike,
    years: Iterable[int] = (2025, 2030),
    *,
    method: Model = "log-linear",
    kind: Kind = "rate",
    threshold: float | None = None,
    band: Band = "prediction",
    conf: float = 0.95,
) -> Projection:
    """Extend the fitted trend of ``series`` to ``years``.

    ``method="log-linear"`` keeps the fitted AARR; ``"linear"`` keeps the fitted absolute
    change a year (its projections are floored at zero, noted). ``threshold`` defaults as in
    :func:`default_threshold`. A log-linear threshold must be above zero.
    """
    fit = fit_trend(series, method, conf)
    notes = [n for n in fit.notes if not n.startswith("two points")]
    if threshold is None:
        threshold, why = default_threshold(kind, method, fit.values[0])
        if why:
            notes.append(why)
    if method == "log-linear" and not threshold > 0:
        raise ProgressError(
            "a log-linear projection never reaches zero: give a threshold above zero "
            f"(got {threshold:g})"
        )
    ys = np.array(sorted(set(int(y) for y in years)), dtype=float)
    central, low, high = fit.predict(ys, band=band)
    if method == "linear" and (central < 0).any():
        first_neg = int(ys[np.flatnonzero(central < 0)[0]])
        notes.append(f"the linear projection falls below zero from {first_neg}: shown as 0")
    if method == "linear":
        central, low, high = (np.maximum(a, 0.0) for a in (central, low, high))
    last_year, last_value = fit.years[-1], fit.values[-1]
    crossing = year = earliest = latest = None
    if last_value <= threshold:
        obs_years, obs_values = np.array(fit.years), np.array(fit.values)
        year = _first_at_or_below(obs_years, obs_values, threshold)
        notes.append(
            f"already at or below the threshold {threshold:g} in the data ({year}): target "
            "already met"
        )
        crossing = float(year) if year is not None else None
        earliest = latest = year
    elif fit.slope >= 0:
        notes.append(
            f"the series is not falling (fitted {'AARR' if method == 'log-linear' else 'change'}"
            f" {text.fit_rate(fit)}): at this pace it never falls below {threshold:g}"
        )
    else:
        z_thr = math.log(threshold) if method == "log-linear" else threshold
        crossing = fit.mean_year + (z_thr - fit.level) / fit.slope
        year = math.ceil(crossing - 1e-9)
        if crossing <= last_year:
            notes.append(
                f"the fitted line is below the threshold from {crossing:.1f}, though the last "
                f"value ({last_value:g} in {year_label(last_year)}) is above it"
            )
        if fit.df_resid >= 1:
            grid = np.arange(math.floor(last_year) + 1, HORIZON + 1, dtype=float)
            _, glo, ghi = fit.predict(grid, band=band)
            earliest = _first_at_or_below(grid, glo, threshold)
            latest = _first_at_or_below(grid, ghi, threshold)
            if latest is None:
                notes.append(f"the upper band does not fall below the threshold by {HORIZON}")
    if fit.df_resid < 1:
        notes.append("two points: no uncertainty band")
    if method == "log-linear":
        notes.append("log-linear band computed on the log scale; central value = fitted median")
    return Projection(
        method=method,
        kind=kind,
        band=band,
        conf=conf,
        years=tuple(int(y) for y in ys),
        central=tuple(central.tolist()),
        lower=tuple(low.tolist()),
        upper=tuple(high.tolist()),
        threshold=float(threshold),
        threshold_year=year,
        threshold_crossing=crossing,
        earliest_year=earliest,
        latest_year=latest,
        last_year=float(last_year),
        last_value=float(last_value),
        fit=fit,
        notes=tuple(dict.fromkeys(notes)),
    )


# --------------------------------------------------------------------------------------------
# required rates and acceleration


def required_aarr(current_value: float, target_value: float, years: float) -> float:
    """AARR (percent) needed to go from ``current_value`` to ``target_value`` in ``years``.

    ``100 * (1 - (target / current) ** (1 / years))``. The target must be above zero: a
    compound rate never reaches zero. Negative when the target is above the current value.
    """
    if not years > 0:
        raise ProgressError(f"the time to the target must be positive; got {years:g} years")
    if not target_value > 0:
        raise ProgressError(
            "a compound (AARR) path never reaches zero: give a small positive threshold "
            f"instead of {target_value:g}"
        )
    return aarr(current_value, target_value, 0.0, float(years))


def required_change_per_year(current_value: float, target_value: float, years: float) -> float:
    """Absolute change a year needed: ``(target - current) / years`` (negative = decline)."""
    if not years > 0:
        raise ProgressError(f"the time to the target must be positive; got {years:g} years")
    return absolute_change_per_year(current_value, target_value, 0.0, float(years))


def _factor(required: float, observed: float) -> tuple[float | None, str | None]:
    """required / observed, both as 'progress a year' (positive = in the good direction)."""
    if required <= 0:
        return None, "target already met: no acceleration needed"
    if math.isnan(observed):
        return None, "no observed rate (see the other notes)"
    if not observed > 0:
        return None, "no progress observed (flat or rising): no finite acceleration factor"
    return required / observed, None


@dataclass(frozen=True)
class AccelerationResult:
    """Required against observed pace, in both formulations.

    Compound: ``required_aarr_pct`` to reach ``compound_target`` by ``target_year`` against
    ``observed_aarr_pct``. Absolute: ``required_decline_per_year`` to reach ``linear_target``
    against ``observed_decline_per_year`` (both positive = falling). A factor is ``None``
    when it has no meaning (target met, or no progress observed); ``notes`` says which.
    """

    from_year: float
    from_value: float
    target_year: float
    observed_basis: str
    compound_target: float
    required_aarr_pct: float
    observed_aarr_pct: float
    compound_factor: float | None
    linear_target: float
    required_decline_per_year: float
    observed_decline_per_year: float
    linear_factor: float | None
    notes: tuple[str, ...] = ()

    @property
    def years_left(self) -> float:
        return self.target_year - self.from_year

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["notes"] = list(self.notes)
        return out

    def summary(self) -> str:
        """The comparison as a text block (:func:`target87.progress.text.acceleration_summary`)."""
        return text.acceleration_summary(self)


def _observed(
    years: np.ndarray, values: np.ndarray, observed: str | tuple[int, int], conf: float
) -> tuple[str, float, float, list[str]]:
    """(basis, observed AARR %, observed decline a year, notes) for one way of observing."""
    notes: list[str] = []
    s = pd.Series(values, index=years)
    if observed == "fit":
        basis = (
            f"OLS fits over all {years.size} points ({year_label(years[0])}-"
            f"{year_label(years[-1])}): log-linear for AARR, linear for decline"
        )
        try:
            obs_aarr = fit_log_linear(s, conf).aarr_pct
        except ProgressError as e:
            obs_aarr = math.nan
            notes.append(str(e))
        obs_decline = -fit_linear(s, conf).slope
        return basis, obs_aarr, obs_decline, notes
    start, end = observed
    inside = (years >= start) & (years <= end)
    t, x = years[inside], values[inside]
    if t.size < 2:
        raise ProgressError(f"the observed period {start}-{end} has fewer than two data years")
    basis = f"point to point {year_label(t[0])}-{year_label(t[-1])}"
    try:
        obs_aarr = aarr(x[0], x[-1], t[0], t[-1])
    except ProgressError as e:
        obs_aarr = math.nan
        notes.append(str(e))
    obs_decline = -absolute_change_per_year(x[0], x[-1], t[0], t[-1])
    return basis, obs_aarr, obs_decline, notes


def required_acceleration(
    series: SeriesLike,
    target_year: float,
    *,
    kind: Kind = "rate",
    threshold: float | None = None,
    linear_target: float = 0.0,
    observed: str | tuple[int, int] = "fit",
    from_year: float | None = None,
    conf: float = 0.95,
) -> AccelerationResult:
    """How many times faster than observed the series must fall to meet its target in time.

    Starts from the value of ``from_year`` (default: the latest year with data). Compound:
    the AARR needed to reach ``threshold`` (default 0.5 for a rate; for a count, 0.5 % of its
    first value) by ``target_year``, against the observed AARR. Absolute: the decline a year
    needed to reach ``linear_target`` (default 0) against the observed decline a year.
    ``observed="fit"`` uses OLS fits over all points; ``(start, end)`` the point-to-point
    change over that period.
    """
    years, values, notes = as_year_values(series)
    _need_two_points(years, values)
    notes = list(notes)
    y0, v0 = _start_point(years, values, from_year)
    if not target_year > y0:
        raise ProgressError(
            f"the target year ({target_year:g}) must come after the year started from "
            f"({year_label(y0)})"
        )
    if threshold is None:
        threshold, why = default_threshold(kind, "log-linear", float(values[0]))
        if why:
            notes.append(why)
    n_years = target_year - y0
    basis, obs_aarr, obs_decline, obs_notes = _observed(years, values, observed, conf)
    notes += obs_notes
    req_aarr = required_aarr(v0, threshold, n_years) if v0 > 0 else 0.0  # zero: met
    req_decline = -required_change_per_year(v0, linear_target, n_years)
    cf, why_c = _factor(req_aarr, obs_aarr)
    lf, why_l = _factor(req_decline, obs_decline)
    notes += [f"compound: {why_c}"] if why_c else []
    notes += [f"absolute: {why_l}"] if why_l else []
    return AccelerationResult(
        from_year=y0,
        from_value=v0,
        target_year=float(target_year),
        observed_basis=basis,
        compound_target=float(threshold),
        required_aarr_pct=req_aarr,
        observed_aarr_pct=obs_aarr,
        compound_factor=cf,
        linear_target=float(linear_target),
        required_decline_per_year=req_decline,
        observed_decline_per_year=obs_decline,
        linear_factor=lf,
        notes=tuple(dict.fromkeys(notes)),
    )


def _need_two_points(years: np.ndarray, values: np.ndarray) -> None:
    if years.size < 2:
        raise ProgressError(
            f"only one data point ({year_label(years[0])}: {values[0]:g}); an observed pace "
            "needs at least two years with data"
        )


def _start_point(
    years: np.ndarray, values: np.ndarray, from_year: float | None
) -> tuple[float, float]:
    """(year, value) the required pace starts from: ``from_year``'s, or the latest data."""
    if from_year is None:
        i = years.size - 1
    else:
        hit = np.flatnonzero(years == from_year)
        if not hit.size:
            raise ProgressError(f"no data for {from_year:g}, the year to start from")
        i = int(hit[0])
    return float(years[i]), float(values[i])


SCENARIO_COLUMNS = [
    "formulation",
    "observed_method",
    "observed_start",
    "observed_end",
    "n_points",
    "observed_rate",
    "required_rate",
    "rate_unit",
    "acceleration_factor",
    "horizon_years",
    "from_year",
    "target_year",
    "from_value",
    "target_value",
    "note",
]


def acceleration_scenarios(
    series: SeriesLike,
    *,
    horizon_years: float | Sequence[float] = 5,
    kind: Kind = "rate",
    threshold: float | None = None,
    linear_target: float = 0.0,
    periods: Iterable[tuple[int, int]] = ACCELERATION_PERIODS,
    from_year: float | None = None,
    conf: float = 0.95,
) -> pd.DataFrame:
    """Every documented way to say "progress would need to be N times faster", as a frame.

    For each horizon (years from ``from_year``, default the latest data year) and each
    observed period, one row per formulation and way of measuring the observed pace:

    * ``compound (AARR)``: required AARR to fall from the latest value to ``threshold``
      (default 0.5 for a rate in percent; 0.5 % of the first value for a count) within the
      horizon, against the observed AARR, point to point and by log-linear fit over the
      period's points;
    * ``absolute (linear)``: required decline a year to reach ``linear_target`` (default 0),
      against the observed decline a year, point to point and by linear fit.

    ``acceleration_factor`` = required / observed; NaN (with a note) where the observed pace
    is flat or rising or the target is already met. Rates are in percent a year (compound)
    and series units a year (absolute: percentage points for a rate).
    """
    years, values, base_notes = as_year_values(series)
    _need_two_points(years, values)
    y0, v0 = _start_point(years, values, from_year)
    thr_note = None
    if threshold is None:
        threshold, thr_note = default_threshold(kind, "log-linear", float(values[0]))
    horizons = [horizon_years] if np.ndim(horizon_years) == 0 else list(horizon_years)
    lin_unit = "pp a year" if kind == "rate" else "units a year"
    rows: list[dict] = []
    for h in horizons:
        h = float(h)
        if not h > 0:
            raise ProgressError(f"a horizon must be a positive number of years; got {h:g}")
        req_aarr = required_aarr(v0, threshold, h) if v0 > 0 else 0.0  # zero: target met
        req_decline = -required_change_per_year(v0, linear_target, h)
        common = {"horizon_years": h, "from_year": y0, "target_year": y0 + h, "from_value": v0}
        for start, end in periods:
            inside = (years >= start) & (years <= end)
            t, x = years[inside], values[inside]
            if t.size < 2:
                rows += _no_pace_rows(common, start, end, int(t.size))
                continue
            observed = {
                **common,
                "observed_start": float(t[0]),
                "observed_end": float(t[-1]),
                "n_points": int(t.size),
            }
            compound = _compound_paces(t, x, conf)
            rows += _scenario_rows(
                observed, _COMPOUND, compound, req_aarr, "% a year", threshold, thr_note
            )
            absolute = _absolute_paces(t, x, conf)
            rows += _scenario_rows(
                observed, _ABSOLUTE, absolute, req_decline, lin_unit, linear_target, None
            )
    frame = pd.DataFrame(rows).reindex(columns=SCENARIO_COLUMNS)
    frame["acceleration_factor"] = pd.to_numeric(frame["acceleration_factor"], errors="coerce")
    if base_notes:
        frame.attrs["notes"] = list(base_notes)
    return frame


_COMPOUND = "compound (AARR)"
_ABSOLUTE = "absolute (linear)"
#: One observed pace: (how it was measured, the rate, why it is missing or "").
_Pace = tuple[str, float, str]


def _compound_paces(t: np.ndarray, x: np.ndarray, conf: float) -> list[_Pace]:
    """Observed AARR over a window: point to point, and by log-linear fit from three points."""
    paces: list[_Pace] = []
    try:
        paces.append(("point to point", aarr(x[0], x[-1], t[0], t[-1]), ""))
    except ProgressError as e:
        paces.append(("point to point", math.nan, str(e)))
    if t.size >= 3:
        if (x > 0).all():
            fit = fit_log_linear(pd.Series(x, index=t), conf)
            paces.append(("log-linear fit", fit.aarr_pct, ""))
        else:
            paces.append(("log-linear fit", math.nan, "a value is zero or below"))
    return paces


def _absolute_paces(t: np.ndarray, x: np.ndarray, conf: float) -> list[_Pace]:
    """Observed decline a year over a window: point to point, and by linear fit from three."""
    paces = [("point to point", -absolute_change_per_year(x[0], x[-1], t[0], t[-1]), "")]
    if t.size >= 3:
        paces.append(("linear fit", -fit_linear(pd.Series(x, index=t), conf).slope, ""))
    return paces


def _scenario_rows(
    observed: dict,
    formulation: str,
    paces: list[_Pace],
    required: float,
    unit: str,
    target_value: float,
    extra_note: str | None,
) -> list[dict]:
    """One row per observed pace: the required rate against it and the factor between them.

    ``observed`` holds the columns shared by the window's rows (horizon, start point, span).
    """
    rows = []
    for how, obs, why in paces:
        factor, why_f = _factor(required, obs)
        rows.append(
            {
                **observed,
                "formulation": formulation,
                "observed_method": how,
                "observed_rate": obs,
                "required_rate": required,
                "rate_unit": unit,
                "acceleration_factor": factor,
                "target_value": target_value,
                "note": "; ".join(n for n in (why, why_f, extra_note) if n),
            }
        )
    return rows


def _no_pace_rows(common: dict, start: int, end: int, n_points: int) -> list[dict]:
    """The rows of a period with fewer than two data years: no pace, a note saying why."""
    return [
        {
            **common,
            "formulation": form,
            "observed_start": start,
            "observed_end": end,
            "n_points": n_points,
            "note": f"fewer than two data years in {start}-{end}",
        }
        for form in (_COMPOUND, _ABSOLUTE)
    ]


# --------------------------------------------------------------------------------------------
# many series at once


def project_many(
    frame: pd.DataFrame,
    by: Sequence[str],
    years: Iterable[int] = (2025, 2030),
    *,
    year: str = "year",
    value: str = "value",
    method: Model = "log-linear",
    threshold: float = RATE_THRESHOLD,
    band: Band = "prediction",
    conf: float = 0.95,
) -> pd.DataFrame:
    """:func:`project` for every series of a long frame at once (vectorised).

    Returns one row per series and projected year: the ``by`` columns, ``year``,
    ``central``, ``lower``, ``upper``, ``threshold``, ``threshold_crossing`` (fractional
    year, NaN when the series is not falling or has no fit), ``threshold_year`` (first
    calendar year at or below the threshold; the first observed such year when the data
    already are) and ``note``. Bands need three points. Unlike :func:`project`, the
    threshold is one number for all series (no per-series default for counts).
    """
    if method == "log-linear" and not threshold > 0:
        raise ProgressError("a log-linear projection never reaches zero: give a threshold > 0")
    fits = fit_many(frame, by, year=year, value=value, model=method, conf=conf)
    ys = np.array(sorted(set(int(y) for y in years)), dtype=float)
    g, k = len(fits), ys.size
    slope = fits["slope"].to_numpy()
    level = fits["level"].to_numpy()
    tm = fits["mean_year"].to_numpy()
    sxx = fits["sxx"].to_numpy()
    s2 = fits["resid_var"].to_numpy()
    n = fits["n"].to_numpy().astype(float)
    dfr = n - 2
    t = np.broadcast_to(ys, (g, k))
    z = level[:, None] + slope[:, None] * (t - tm[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        lever = 1.0 / n[:, None] + (t - tm[:, None]) ** 2 / sxx[:, None]
        if band == "prediction":
            lever = lever + 1.0
        # One quantile per distinct degrees of freedom, not one call per series.
        dfs, at = np.unique(dfr, return_inverse=True)
        q = np.array([t_quantile(conf, int(d)) if d >= 1 else np.nan for d in dfs])[at]
        half = q[:, None] * np.sqrt(s2[:, None] * lever)
        z_thr = math.log(threshold) if method == "log-linear" else threshold
        crossing = np.where(slope < 0, tm + (z_thr - level) / slope, np.nan)
    low, high = z - half, z + half
    if method == "log-linear":
        z, low, high = np.exp(z), np.exp(low), np.exp(high)
    else:
        z, low, high = (np.maximum(a, 0.0) for a in (z, low, high))
    last_value = fits["last_value"].to_numpy()
    met = last_value <= threshold
    note = fits["note"].to_numpy(dtype=object).copy()
    rising = (slope >= 0) & ~met
    note[rising] = "not falling: never reaches the threshold at this pace"
    note[met] = "already at or below the threshold in the data"
    crossing = np.where(met, np.nan, crossing)
    threshold_year = np.ceil(crossing - 1e-9)
    if met.any():
        # first observed year at or below the threshold, per series already there
        data = frame.loc[frame[value].notna(), list(by) + [year, value]]
        below = data[data[value] <= threshold]
        first_below = below.groupby(list(by), dropna=False)[year].min()
        idx = pd.MultiIndex.from_frame(fits[list(by)]) if len(by) > 1 else fits[by[0]]
        first = first_below.reindex(idx).to_numpy(dtype=float)
        threshold_year = np.where(met, first, threshold_year)
        crossing = np.where(met, first, crossing)
    out = fits.loc[np.repeat(np.arange(g), k), list(by)].reset_index(drop=True)
    out["year"] = np.tile(ys.astype(int), g)
    out["central"] = z.ravel()
    out["lower"] = low.ravel()
    out["upper"] = high.ravel()
    out["method"] = method
    out["band"] = band
    out["threshold"] = threshold
    out["threshold_crossing"] = np.repeat(crossing, k)
    out["threshold_year"] = pd.array(np.repeat(threshold_year, k), dtype="Float64").astype("Int64")
    out["note"] = np.repeat(note, k)
    return out
