"""Rates of change of one series (year -> value): AARR, absolute change, and fitted trends.

Definitions (all rates are reported in percent, all changes in the series' own units):

* **AARR** between two years, as UNICEF computes it:
  ``AARR = 1 - (x_t2 / x_t1) ** (1 / (t2 - t1))``, times 100. Positive = falling.
* **Absolute change per year**: ``(x_t2 - x_t1) / (t2 - t1)``. For a rate in percent this is
  in percentage points a year; for a count, in the count's units. Negative = falling.
* **Fitted AARR** over all points: ordinary least squares of ``ln x = a + b t``;
  ``AARR = 1 - exp(b)``. With three or more points its confidence interval comes from the
  t-distribution (n - 2 degrees of freedom) on the slope's standard error, mapped through
  ``1 - exp(.)``. With two points the fit is exact and there is no interval.
* **Fitted absolute change**: OLS slope of ``x = a + b t``, with the same kind of interval.

The fits are closed-form numpy (no statsmodels per series); :func:`fit_many` does the same for
thousands of series at once with grouped sums.

Everything here is pure: plain data in, small frozen results out; their ``summary()`` text
is written by :mod:`target87.progress.text`. Inputs are a
:class:`pandas.Series` indexed by year, a mapping ``{year: value}`` or a sequence of
``(year, value)`` pairs. Missing values (NaN) are dropped and said; a year given twice is an
error (:class:`ProgressError`), as is a value that a formula cannot take.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd

from target87.progress import text
from target87.progress.text import year_label

Kind = Literal["rate", "count"]
Model = Literal["log-linear", "linear"]
Band = Literal["prediction", "confidence"]
SeriesLike = pd.Series | Mapping[float, float] | Sequence[tuple[float, float]]

#: A gap between two consecutive data points longer than this many years is noted.
GAP_NOTE_YEARS = 8

#: The periods the issue asks for on the world series: the whole period, then sub-periods.
WORLD_PERIODS: tuple[tuple[int, int], ...] = (
    (2000, 2024),
    (2000, 2012),
    (2012, 2020),
    (2016, 2024),
    (2020, 2024),
)


class ProgressError(ValueError):
    """The numbers given cannot answer the question; the message says why in plain words."""


# --------------------------------------------------------------------------------------------
# input


def as_year_values(series: SeriesLike) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Check a series and return ``(years, values, notes)`` as float arrays sorted by year.

    Missing values are dropped (and noted). A year given twice, a year that is not a number
    or a series with no value at all raises :class:`ProgressError`. Long gaps are noted.
    """
    if isinstance(series, pd.Series):
        raw_years = series.index.to_numpy()
        raw_values = series.to_numpy()
    elif isinstance(series, Mapping):
        raw_years = np.fromiter(series.keys(), dtype=object, count=len(series))
        raw_values = np.fromiter(series.values(), dtype=object, count=len(series))
    else:
        pairs = list(series)
        if any(not isinstance(p, Sequence) or len(p) != 2 for p in pairs):
            raise ProgressError(
                "give the series as year -> value: a pandas Series indexed by "
                "year, a dict, or (year, value) pairs"
            )
        raw_years = np.array([p[0] for p in pairs], dtype=object)
        raw_values = np.array([p[1] for p in pairs], dtype=object)
    try:
        years = np.asarray(raw_years, dtype=float)
    except (TypeError, ValueError):
        raise ProgressError(f"the years must be numbers; got {list(raw_years)[:5]!r}") from None
    try:
        values = np.asarray(raw_values, dtype=float)
    except (TypeError, ValueError):
        raise ProgressError(f"the values must be numbers; got {list(raw_values)[:5]!r}") from None
    if np.isnan(years).any():
        raise ProgressError("a year is missing (NaN) in the series index")
    notes: list[str] = []
    finite = np.isfinite(values)
    if not finite.all():
        if np.isinf(values).any():
            raise ProgressError("the series has an infinite value")
        notes.append(
            "no value for " + ", ".join(year_label(y) for y in years[~finite]) + ": left out"
        )
        years, values = years[finite], values[finite]
    if years.size == 0:
        raise ProgressError("the series has no values")
    if years.size > 1:
        gaps = np.diff(years)
        if (gaps <= 0).any():
            order = np.argsort(years, kind="stable")
            years, values = years[order], values[order]
            gaps = np.diff(years)
            dup = gaps == 0
            if dup.any():
                twice = sorted({year_label(y) for y in years[1:][dup]})
                raise ProgressError(
                    f"year {', '.join(twice)} appears more than once; pass one value per year "
                    "(choose the preferred source before computing progress)"
                )
        if gaps.max() > GAP_NOTE_YEARS:
            for i in np.flatnonzero(gaps > GAP_NOTE_YEARS):
                notes.append(
                    f"gap of {gaps[i]:g} years between {year_label(years[i])} and "
                    f"{year_label(years[i + 1])}: the trend assumes steady change across it"
                )
    return years, values, tuple(notes)


def _need_two(years: np.ndarray, values: np.ndarray, what: str) -> None:
    if years.size < 2:
        raise ProgressError(
            f"only one data point ({year_label(years[0])}: {values[0]:g}); {what} needs at "
            "least two years with data"
        )


def _need_positive(years: np.ndarray, values: np.ndarray, what: str) -> None:
    bad = values <= 0
    if bad.any():
        where = ", ".join(
            f"{year_label(y)}: {v:g}" for y, v in zip(years[bad], values[bad], strict=True)
        )
        raise ProgressError(
            f"{what} needs values above zero (the logarithm of zero or of a negative number is "
            f"undefined); the series has {where}. Use the linear (absolute change) figures "
            "instead, or leave those years out"
        )


# --------------------------------------------------------------------------------------------
# two-point rates


def aarr(start_value: float, end_value: float, start_year: float, end_year: float) -> float:
    """Annual average rate of reduction between two years, in percent (positive = falling).

    ``100 * (1 - (end_value / start_value) ** (1 / (end_year - start_year)))``. An end value of
    zero gives 100 %; a start value of zero or below, or a negative end value, has no AARR.
    """
    if not end_year > start_year:
        raise ProgressError(
            f"the end year ({end_year:g}) must come after the start year ({start_year:g})"
        )
    if not start_value > 0:
        raise ProgressError(
            f"an AARR needs a start value above zero; got {start_value:g} in "
            f"{year_label(start_year)}"
        )
    if end_value < 0:
        raise ProgressError(
            f"an AARR needs an end value of zero or more; got {end_value:g} in "
            f"{year_label(end_year)}"
        )
    return float(100.0 * (1.0 - (end_value / start_value) ** (1.0 / (end_year - start_year))))


def absolute_change_per_year(
    start_value: float, end_value: float, start_year: float, end_year: float
) -> float:
    """``(end_value - start_value) / (end_year - start_year)``: units a year, negative = falling."""
    if not end_year > start_year:
        raise ProgressError(
            f"the end year ({end_year:g}) must come after the start year ({start_year:g})"
        )
    return float((end_value - start_value) / (end_year - start_year))


# --------------------------------------------------------------------------------------------
# fitted trends


@lru_cache(maxsize=256)
def t_quantile(conf: float, df: int) -> float:
    """Two-sided critical value of Student's t for confidence ``conf`` with ``df`` d.o.f."""
    if not 0 < conf < 1:
        raise ProgressError(f"the confidence level must be between 0 and 1; got {conf!r}")
    from scipy import stats  # imported when first needed: scipy.stats alone takes 0.6 s

    return float(stats.t.ppf(0.5 + conf / 2.0, df))


@dataclass(frozen=True)
class LineFit:
    """An OLS straight line ``z = level + slope * (year - mean_year)`` through ``n`` points.

    ``z`` is ``ln(value)`` for the log-linear model and ``value`` for the linear one. With fewer
    than three points there are no residual degrees of freedom: ``slope_se`` and
    ``resid_var`` are NaN and no interval is given.
    """

    model: Model
    years: tuple[float, ...]
    values: tuple[float, ...]
    slope: float
    level: float  # fitted z at mean_year
    mean_year: float
    sxx: float  # sum of squared year deviations
    resid_var: float  # s^2 = SSR / (n - 2)
    slope_se: float
    conf: float
    notes: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return len(self.years)

    @property
    def df_resid(self) -> int:
        return self.n - 2

    @property
    def intercept(self) -> float:
        """Fitted z at year 0 (the constant of ``z = a + b * year``)."""
        return self.level - self.slope * self.mean_year

    def slope_ci(self, conf: float | None = None) -> tuple[float, float]:
        """Confidence interval of the slope (NaN, NaN with fewer than three points)."""
        if self.df_resid < 1:
            return (math.nan, math.nan)
        half = t_quantile(self.conf if conf is None else conf, self.df_resid) * self.slope_se
        return (self.slope - half, self.slope + half)

    def linear_predictor(self, years: Iterable[float] | float) -> np.ndarray:
        """Fitted z (ln value or value) at ``years``."""
        t = np.asarray(years, dtype=float)
        return self.level + self.slope * (t - self.mean_year)

    def predict(
        self,
        years: Iterable[float] | float,
        band: Band = "prediction",
        conf: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Central value and band at ``years``, in the series' units.

        ``band="prediction"``: where a new observation in that year would fall
        (``s * sqrt(1 + 1/n + (t - mean)^2 / Sxx)``); ``"confidence"``: where the fitted line
        itself lies (``s * sqrt(1/n + (t - mean)^2 / Sxx)``). The log-linear band is computed
        on the log scale and exponentiated, so its central value is the fitted median.
        With two points the band is NaN.
        """
        t = np.asarray(years, dtype=float)
        z = self.linear_predictor(t)
        if self.df_resid < 1:
            low = high = np.full_like(z, np.nan)
        else:
            lever = 1.0 / self.n + (t - self.mean_year) ** 2 / self.sxx
            if band == "prediction":
                lever = lever + 1.0
            elif band != "confidence":
                raise ProgressError(f"band must be 'prediction' or 'confidence'; got {band!r}")
            half = t_quantile(self.conf if conf is None else conf, self.df_resid) * np.sqrt(
                self.resid_var * lever
            )
            low, high = z - half, z + half
        if self.model == "log-linear":
            with np.errstate(over="ignore"):  # a steeply rising series: an unbounded band
                return np.exp(z), np.exp(low), np.exp(high)
        return z, low, high

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["years"], out["values"] = list(self.years), list(self.values)
        out["notes"] = list(self.notes)
        out["n"], out["intercept"] = self.n, self.intercept
        out["slope_ci_low"], out["slope_ci_high"] = self.slope_ci()
        return out


@dataclass(frozen=True)
class LogLinearFit(LineFit):
    """``ln x = a + b t``; the fitted AARR is ``1 - exp(b)``."""

    @property
    def aarr_pct(self) -> float:
        return 100.0 * (1.0 - math.exp(self.slope))

    def aarr_ci_pct(self, conf: float | None = None) -> tuple[float, float]:
        """(low, high) of the fitted AARR in percent: the slope's interval through 1 - exp."""
        lo, hi = self.slope_ci(conf)
        return (100.0 * (1.0 - math.exp(hi)), 100.0 * (1.0 - math.exp(lo)))

    def summary(self) -> str:
        """The fit as a text block (:func:`target87.progress.text.log_linear_fit_summary`)."""
        return text.log_linear_fit_summary(self)

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["aarr_pct"] = self.aarr_pct
        out["aarr_ci_low_pct"], out["aarr_ci_high_pct"] = self.aarr_ci_pct()
        return out


@dataclass(frozen=True)
class LinearFit(LineFit):
    """``x = a + b t``; ``b`` is the fitted change a year (negative = falling)."""

    @property
    def change_per_year(self) -> float:
        return self.slope

    def summary(self) -> str:
        """The fit as a text block (:func:`target87.progress.text.linear_fit_summary`)."""
        return text.linear_fit_summary(self)


def _ols(t: np.ndarray, z: np.ndarray) -> tuple[float, float, float, float, float, float]:
    """Closed-form OLS of z on t: (slope, level at mean t, mean t, Sxx, s^2, se of slope).

    Pure Python for the handful of points a series has (numpy's per-call cost dominates
    there); two-pass (centred) sums, so large years lose no precision.
    """
    tl, zl = t.tolist(), z.tolist()
    n = len(tl)
    tm = math.fsum(tl) / n
    zm = math.fsum(zl) / n
    tc = [ti - tm for ti in tl]
    zc = [zi - zm for zi in zl]
    sxx = math.fsum(d * d for d in tc)
    slope = math.fsum(a * b for a, b in zip(tc, zc, strict=True)) / sxx
    if n > 2:
        s2 = math.fsum((b - slope * a) ** 2 for a, b in zip(tc, zc, strict=True)) / (n - 2)
        se = math.sqrt(s2 / sxx)
    else:
        s2 = se = math.nan
    return slope, zm, tm, sxx, s2, se


def _fit(series: SeriesLike, model: Model, conf: float) -> LineFit:
    years, values, notes = as_year_values(series)
    what = "a log-linear fit" if model == "log-linear" else "a linear fit"
    _need_two(years, values, what)
    if model == "log-linear":
        _need_positive(years, values, what)
        z = np.log(values)
    else:
        z = values
    slope, level, tm, sxx, s2, se = _ols(years, z)
    if years.size == 2:
        notes = notes + ("two points: the line passes through both, so there is no interval",)
    cls = LogLinearFit if model == "log-linear" else LinearFit
    return cls(
        model=model,
        years=tuple(years.tolist()),
        values=tuple(values.tolist()),
        slope=slope,
        level=level,
        mean_year=tm,
        sxx=sxx,
        resid_var=s2,
        slope_se=se,
        conf=conf,
        notes=notes,
    )


def fit_log_linear(series: SeriesLike, conf: float = 0.95) -> LogLinearFit:
    """OLS fit of ``ln x = a + b t`` over all points; needs two points, all above zero."""
    return _fit(series, "log-linear", conf)  # type: ignore[return-value]


def fit_linear(series: SeriesLike, conf: float = 0.95) -> LinearFit:
    """OLS fit of ``x = a + b t`` over all points; needs two points."""
    return _fit(series, "linear", conf)  # type: ignore[return-value]


def fit_trend(series: SeriesLike, model: Model = "log-linear", conf: float = 0.95) -> LineFit:
    """:func:`fit_log_linear` or :func:`fit_linear` by name."""
    if model not in ("log-linear", "linear"):
        raise ProgressError(f"model must be 'log-linear' or 'linear'; got {model!r}")
    return _fit(series, model, conf)


# --------------------------------------------------------------------------------------------
# rates over a period


@dataclass(frozen=True)
class PeriodRate:
    """Rates of one series over one period: point to point and fitted over the points inside.

    ``aarr_pct`` and ``change_per_year`` use the first and last data years inside the period
    (noted when they differ from the period asked for). ``fit_*`` use every point inside.
    A figure that cannot be computed is NaN, and a note says why.
    """

    period_start: int
    period_end: int
    start_year: float
    end_year: float
    start_value: float
    end_value: float
    n_points: int
    kind: Kind
    aarr_pct: float
    change_per_year: float
    fit_aarr_pct: float
    fit_aarr_ci_low_pct: float
    fit_aarr_ci_high_pct: float
    fit_change_per_year: float
    fit_change_ci_low: float
    fit_change_ci_high: float
    conf: float
    notes: tuple[str, ...] = ()

    @property
    def unit(self) -> str:
        """Unit of the changes a year (:func:`target87.progress.text.change_unit`)."""
        return text.change_unit(self.kind)

    def summary(self) -> str:
        """The rates as a text block (:func:`target87.progress.text.period_rate_summary`)."""
        return text.period_rate_summary(self)

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["notes"] = list(self.notes)
        out["unit"] = self.unit
        return out


def rate_between(
    series: SeriesLike,
    start: int,
    end: int,
    *,
    kind: Kind = "rate",
    conf: float = 0.95,
) -> PeriodRate:
    """Rates of ``series`` between ``start`` and ``end`` (inclusive).

    Raises :class:`ProgressError` when fewer than two years inside the period have data.
    """
    if not end > start:
        raise ProgressError(f"a period must end after it starts; got {start}-{end}")
    years, values, base_notes = as_year_values(series)
    inside = (years >= start) & (years <= end)
    t, x = years[inside], values[inside]
    if t.size < 2:
        have = ", ".join(year_label(y) for y in t) or "none"
        raise ProgressError(
            f"the period {start}-{end} has fewer than two years with data (have: {have}); "
            "a rate needs two"
        )
    notes = [n for n in base_notes if not n.startswith("gap")]
    notes += [n for n in as_year_values(pd.Series(x, index=t))[2]]
    if t[0] != start or t[-1] != end:
        notes.append(
            f"no data for {start if t[0] != start else end}: used "
            f"{year_label(t[0])}-{year_label(t[-1])}, the data years inside the period"
        )
    nan = math.nan
    try:
        p2p = aarr(x[0], x[-1], t[0], t[-1])
    except ProgressError as e:
        p2p = nan
        notes.append(f"no point-to-point AARR: {e}")
    change = absolute_change_per_year(x[0], x[-1], t[0], t[-1])
    fa = fa_lo = fa_hi = nan
    if (x > 0).all():
        lf = fit_log_linear(pd.Series(x, index=t), conf)
        fa = lf.aarr_pct
        fa_lo, fa_hi = lf.aarr_ci_pct()
    else:
        notes.append("no log-linear fit: a value is zero or below")
    li = fit_linear(pd.Series(x, index=t), conf)
    li_lo, li_hi = li.slope_ci()
    if t.size == 2:
        notes.append("two points: fits equal the point-to-point figures and have no interval")
    return PeriodRate(
        period_start=int(start),
        period_end=int(end),
        start_year=float(t[0]),
        end_year=float(t[-1]),
        start_value=float(x[0]),
        end_value=float(x[-1]),
        n_points=int(t.size),
        kind=kind,
        aarr_pct=p2p,
        change_per_year=change,
        fit_aarr_pct=fa,
        fit_aarr_ci_low_pct=fa_lo,
        fit_aarr_ci_high_pct=fa_hi,
        fit_change_per_year=li.slope,
        fit_change_ci_low=li_lo,
        fit_change_ci_high=li_hi,
        conf=conf,
        notes=tuple(dict.fromkeys(notes)),
    )


PERIOD_COLUMNS = [f.name for f in fields(PeriodRate)] + ["unit"]


def period_rates(
    series: SeriesLike,
    periods: Iterable[tuple[int, int]] = WORLD_PERIODS,
    *,
    kind: Kind = "rate",
    conf: float = 0.95,
) -> pd.DataFrame:
    """One row per ``(start, end)`` period with every figure of :class:`PeriodRate`.

    A period that cannot be computed (fewer than two points inside) still gets a row, with
    NaN figures and the reason in ``notes`` (notes joined by "; "); the series itself is
    checked once up front.
    """
    as_year_values(series)  # a bad series is an error for the whole table
    rows = []
    for start, end in periods:
        try:
            row = rate_between(series, start, end, kind=kind, conf=conf).to_dict()
            row["notes"] = "; ".join(row["notes"])
            rows.append(row)
        except ProgressError as e:
            rows.append(
                {
                    "period_start": int(start),
                    "period_end": int(end),
                    "kind": kind,
                    "conf": conf,
                    "notes": str(e),
                }
            )
    frame = pd.DataFrame(rows)
    return frame.reindex(columns=PERIOD_COLUMNS)


# --------------------------------------------------------------------------------------------
# many series at once


def long_values(
    frame: pd.DataFrame, by: list[str], year: str, value: str, extra: Sequence[str] = ()
) -> pd.DataFrame:
    """The non-missing rows of a long frame (``by``, ``year``, ``value`` and the ``extra``
    columns); refuses a series-year given twice."""
    data = frame.loc[frame[value].notna(), by + [year, value, *extra]]
    dup = data.duplicated(by + [year])
    if dup.any():
        first = data.loc[dup].iloc[0]
        raise ProgressError(
            f"{int(dup.sum())} series-year(s) appear more than once, e.g. "
            f"{dict(first[by + [year]])}; pass one value per series and year"
        )
    return data


def group_codes(frame: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's series number and the series' ``by`` values, in sorted order."""
    grouped = frame.groupby(list(by), sort=True, dropna=False)
    codes = grouped.ngroup().to_numpy()
    keys = grouped.size().reset_index()[list(by)]
    return codes, keys


def fit_many(
    frame: pd.DataFrame,
    by: Sequence[str],
    *,
    year: str = "year",
    value: str = "value",
    model: Model = "log-linear",
    conf: float = 0.95,
) -> pd.DataFrame:
    """Fit every series of a long frame at once (closed-form OLS on grouped sums).

    ``frame`` has one row per series and year: the ``by`` columns name the series (say
    ``["area", "series", "sex"]``), ``year`` and ``value`` hold the data. Returns one row per
    series: the ``by`` columns, ``n``, ``first_year``, ``last_year``, ``last_value``,
    ``slope``, ``slope_se``, ``level``, ``mean_year``, ``sxx``, ``resid_var``,
    ``slope_ci_low``, ``slope_ci_high`` and, for the log-linear model, ``aarr_pct``,
    ``aarr_ci_low_pct``, ``aarr_ci_high_pct``; ``note`` says why a series has no fit
    (one point, a value at or below zero for the log model). The figures match
    :func:`fit_log_linear` / :func:`fit_linear` series by series.

    A year given twice within one series raises :class:`ProgressError`.
    """
    if model not in ("log-linear", "linear"):
        raise ProgressError(f"model must be 'log-linear' or 'linear'; got {model!r}")
    by = list(by)
    data = long_values(frame, by, year, value)
    codes, keys = group_codes(data, by)
    g = len(keys)
    t = data[year].to_numpy(dtype=float)
    x = data[value].to_numpy(dtype=float)
    ok_row = x > 0 if model == "log-linear" else np.ones(x.size, dtype=bool)
    bad = np.bincount(codes, weights=~ok_row, minlength=g) > 0
    z = np.log(np.where(ok_row, x, 1.0)) if model == "log-linear" else x
    n = np.bincount(codes, minlength=g).astype(float)
    tm = np.bincount(codes, weights=t, minlength=g) / n
    zm = np.bincount(codes, weights=z, minlength=g) / n
    tc = t - tm[codes]
    zc = z - zm[codes]
    sxx = np.bincount(codes, weights=tc * tc, minlength=g)
    sxz = np.bincount(codes, weights=tc * zc, minlength=g)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(n >= 2, sxz / sxx, np.nan)
        resid = zc - slope[codes] * tc
        ssr = np.bincount(codes, weights=resid * resid, minlength=g)
        dfr = n - 2
        s2 = np.where(dfr >= 1, ssr / dfr, np.nan)
        se = np.sqrt(s2 / sxx)
        from scipy import stats

        q = np.where(dfr >= 1, stats.t.ppf(0.5 + conf / 2.0, np.maximum(dfr, 1)), np.nan)
    slope = np.where(bad, np.nan, slope)
    se = np.where(bad, np.nan, se)
    s2 = np.where(bad, np.nan, s2)
    order = np.lexsort((t, codes))
    last_idx = order[np.r_[np.flatnonzero(np.diff(codes[order])), codes.size - 1]]
    first_idx = order[np.r_[0, np.flatnonzero(np.diff(codes[order])) + 1]]
    out = keys.copy()
    out["model"] = model
    out["n"] = n.astype(int)
    out["first_year"] = t[first_idx]
    out["last_year"] = t[last_idx]
    out["last_value"] = x[last_idx]
    out["slope"] = slope
    out["slope_se"] = se
    out["level"] = np.where(bad, np.nan, zm)
    out["mean_year"] = tm
    out["sxx"] = sxx
    out["resid_var"] = s2
    out["slope_ci_low"] = slope - q * se
    out["slope_ci_high"] = slope + q * se
    if model == "log-linear":
        out["aarr_pct"] = 100.0 * (1.0 - np.exp(slope))
        out["aarr_ci_low_pct"] = 100.0 * (1.0 - np.exp(out["slope_ci_high"].to_numpy()))
        out["aarr_ci_high_pct"] = 100.0 * (1.0 - np.exp(out["slope_ci_low"].to_numpy()))
    note = np.full(g, "", dtype=object)
    note[n == 2] = "two points: no interval"
    note[n < 2] = "one data point: no trend"
    note[bad] = "a value is zero or below: no log-linear fit"
    out["conf"] = conf
    out["note"] = note
    return out
