"""Plain-text summaries of the progress results: the words and number formats, apart from the math.

The results of :mod:`target87.progress.rates`, :mod:`~target87.progress.projection` and
:mod:`~target87.progress.status` keep a ``summary()`` method (as statsmodels results do); each
calls the builder here. The builders read a result's fields and return a block of text:

.. code-block:: text

    Title
    ============================================================
    Label:    value
    ------------------------------------------------------------
    Note: ...
    ============================================================

This module imports nothing of the progress package, so the math modules can import it (for
``summary()``, and :func:`year_label` in their error messages) without an import cycle. The
builders take the result objects by what they hold (each docstring names the class).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

#: Width of the rules above and below a block (wider when the title is longer).
RULE_WIDTH = 60


# --------------------------------------------------------------------------------------------
# numbers


def year_label(year: float) -> str:
    """A year as written: ``2024`` for a whole year, ``2012.5`` for a fractional one."""
    return str(int(year)) if float(year).is_integer() else f"{year:g}"


def number(x: float | None, spec: str = ".4g") -> str:
    """``x`` in the format ``spec``; ``"n/a"`` for None or NaN."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return format(x, spec)


def percent_a_year(x: float | None) -> str:
    """A rate in percent a year, two decimals (``"5.06 % a year"``); ``"n/a"`` for None/NaN."""
    return "n/a" if x is None or math.isnan(x) else f"{x:.2f} % a year"


def interval(p: tuple[float, float], spec: str, suffix: str = "") -> str:
    """A confidence interval ``[low, high]``; when either end is NaN, says it needs 3 points."""
    if any(math.isnan(v) for v in p):
        return "n/a (needs three or more points)"
    return f"[{format(p[0], spec)}{suffix}, {format(p[1], spec)}{suffix}]"


def times_observed(factor: float | None) -> str:
    """An acceleration factor as ``"2.50 times the observed pace"``; ``"n/a"`` for None."""
    return "n/a" if factor is None else f"{factor:.2f} times the observed pace"


def change_unit(kind: str) -> str:
    """The unit of an absolute change a year: percentage points for a rate, else series units."""
    return "percentage points a year" if kind == "rate" else "a year (series units)"


def _has_aarr(fit: Any) -> bool:
    return hasattr(fit, "aarr_pct")  # a LogLinearFit, not a LinearFit


def fit_rate(fit: Any) -> str:
    """The pace of a fitted trend (a :class:`~target87.progress.rates.LineFit`): its AARR
    for a log-linear fit, else its change a year."""
    if _has_aarr(fit):
        return f"{fit.aarr_pct:.2f} % a year"
    return f"{fit.slope:+.4g} a year"


def fit_rate_label(fit: Any) -> str:
    """:func:`fit_rate` named: ``"AARR 5.06 % a year"`` or ``"-0.35 a year"``."""
    return f"AARR {fit_rate(fit)}" if _has_aarr(fit) else fit_rate(fit)


# --------------------------------------------------------------------------------------------
# blocks


def block(title: str, rows: Sequence[tuple[str, str]], notes: Sequence[str] = ()) -> str:
    """A titled block of ``label: value`` rows, aligned, with the notes below a rule."""
    width = max(len(k) for k, _ in rows) + 2
    rule = max(len(title), RULE_WIDTH)
    lines = [title, "=" * rule]
    lines += [f"{k + ':':<{width}} {v}" for k, v in rows]
    if notes:
        lines.append("-" * rule)
        lines += [f"Note: {n}" for n in notes]
    lines.append("=" * rule)
    return "\n".join(lines)


def line_fit_rows(fit: Any) -> list[tuple[str, str]]:
    """The rows every trend fit (:class:`~target87.progress.rates.LineFit`) shows: model,
    points, slope, its error and interval, residual degrees of freedom."""
    first, last = year_label(fit.years[0]), year_label(fit.years[-1])
    return [
        ("Model", f"{'ln x' if fit.model == 'log-linear' else 'x'} = a + b * year (OLS)"),
        ("Points", f"{fit.n} ({first}-{last})"),
        ("Slope b", number(fit.slope, ".6g")),
        ("Std. error of b", number(fit.slope_se, ".6g")),
        (f"{fit.conf:.0%} CI of b", interval(fit.slope_ci(), ".6g")),
        ("Residual d.o.f.", str(fit.df_resid)),
    ]


def log_linear_fit_summary(fit: Any) -> str:
    """Summary of a :class:`~target87.progress.rates.LogLinearFit`: the common rows, then the
    fitted AARR and its interval."""
    rows = line_fit_rows(fit) + [
        ("Fitted AARR", percent_a_year(fit.aarr_pct)),
        (f"{fit.conf:.0%} CI of AARR", interval(fit.aarr_ci_pct(), ".2f", " %")),
    ]
    return block("Log-linear trend fit", rows, fit.notes)


def linear_fit_summary(fit: Any) -> str:
    """Summary of a :class:`~target87.progress.rates.LinearFit`: the common rows, then the
    fitted change a year."""
    rows = line_fit_rows(fit) + [("Fitted change a year", number(fit.slope, "+.4g"))]
    return block("Linear trend fit", rows, fit.notes)


def period_rate_summary(rate: Any) -> str:
    """Summary of a :class:`~target87.progress.rates.PeriodRate`: the rates over one period,
    point to point and fitted, with intervals."""
    ci = f"{rate.conf:.0%} CI"
    rows = [
        ("Period asked", f"{rate.period_start}-{rate.period_end}"),
        (
            "Data used",
            f"{year_label(rate.start_year)} ({rate.start_value:g}) to "
            f"{year_label(rate.end_year)} ({rate.end_value:g}), {rate.n_points} points",
        ),
        ("AARR (point to point)", percent_a_year(rate.aarr_pct)),
        ("Change a year", f"{number(rate.change_per_year, '+.4g')} {rate.unit}"),
        ("AARR (log-linear fit)", percent_a_year(rate.fit_aarr_pct)),
        (f"  {ci}", interval((rate.fit_aarr_ci_low_pct, rate.fit_aarr_ci_high_pct), ".2f", " %")),
        ("Change a year (linear fit)", f"{number(rate.fit_change_per_year, '+.4g')} {rate.unit}"),
        (f"  {ci}", interval((rate.fit_change_ci_low, rate.fit_change_ci_high), "+.4g")),
    ]
    return block("Rate of change", rows, rate.notes)


def band_range(projection: Any, horizon: int) -> str:
    """The years the band of a :class:`~target87.progress.projection.Projection` crosses the
    threshold: ``"2031 to 2040"``, ``"n/a"`` when never."""
    if projection.earliest_year is None and projection.latest_year is None:
        return "n/a"
    latest = projection.latest_year if projection.latest_year is not None else f"after {horizon}"
    return f"{projection.earliest_year} to {latest}"


def projection_summary(projection: Any, horizon: int) -> str:
    """Summary of a :class:`~target87.progress.projection.Projection`: method, fit, each
    projected year with its band, threshold.

    ``horizon`` is the last year searched for the band's crossing (said when the upper band
    does not cross by then).
    """
    p = projection
    rows = [
        ("Method", f"{p.method} trend, {p.rate_label}"),
        (
            "Fitted on",
            f"{p.fit.n} points, {year_label(p.fit.years[0])}-{year_label(p.fit.years[-1])}",
        ),
        ("Band", f"{p.conf:.0%} {p.band} band from the regression"),
    ]
    for y, c, lo, hi in zip(p.years, p.central, p.lower, p.upper, strict=True):
        band = "" if math.isnan(lo) else f"  [{lo:.4g}, {hi:.4g}]"
        rows.append((f"Projected {y}", f"{c:.4g}{band}"))
    rows += [
        ("Threshold", f"{p.threshold:g}"),
        (
            "Falls below it in",
            "never at this pace" if p.threshold_year is None else str(p.threshold_year),
        ),
        ("  band range", band_range(p, horizon)),
    ]
    return block("Projection at the observed pace", rows, p.notes)


def acceleration_summary(result: Any) -> str:
    """Summary of an :class:`~target87.progress.projection.AccelerationResult`: required
    against observed pace, compound then absolute."""
    a = result
    rows = [
        ("From", f"{a.from_value:g} in {year_label(a.from_year)}"),
        ("Target year", f"{year_label(a.target_year)} ({a.years_left:g} years)"),
        ("Observed pace", a.observed_basis),
        ("Compound: target", f"{a.compound_target:g}"),
        ("  required AARR", f"{number(a.required_aarr_pct, '.2f')} % a year"),
        ("  observed AARR", f"{number(a.observed_aarr_pct, '.2f')} % a year"),
        ("  acceleration", times_observed(a.compound_factor)),
        ("Absolute: target", f"{a.linear_target:g}"),
        ("  required decline", f"{number(a.required_decline_per_year, '.4g')} a year"),
        ("  observed decline", f"{number(a.observed_decline_per_year, '.4g')} a year"),
        ("  acceleration", times_observed(a.linear_factor)),
    ]
    return block("Required acceleration", rows, a.notes)


def status_thresholds(method: Any) -> str:
    """The ratio thresholds of a :class:`~target87.progress.status.StatusMethod`, in words."""
    m = method
    return (
        f"on track R >= {m.on_track:g}; fair {m.fair:g} <= R < {m.on_track:g}; "
        f"limited {m.limited:g} <= R < {m.fair:g}; deterioration R < {m.limited:g}"
    )


def status_summary(result: Any, method: Any) -> str:
    """Summary of a :class:`~target87.progress.status.StatusResult`: base, latest, target, the
    two rates, ratio and label.

    ``method`` is the :class:`~target87.progress.status.StatusMethod` the result was
    computed with (its source and thresholds are shown).
    """
    r = result
    better = "lower" if r.direction == "decrease" else "higher"
    target = f"{r.target_value:g} by {year_label(r.target_year)}"
    if r.floor_used and r.target_used != r.target_value:
        target += f" (computed with floor {r.target_used:g})"
    rows = [
        ("Method", method.source),
        ("Direction", f"{better} is better"),
        ("Base year (value)", f"{year_label(r.base_year)} ({r.base_value:g})"),
        ("Latest year (value)", f"{year_label(r.latest_year)} ({r.latest_value:g})"),
        ("Target", target),
        ("Actual CAGR", f"{number(r.actual_cagr_pct, '+.3f')} % a year"),
        ("Required CAGR", f"{number(r.required_cagr_pct, '+.3f')} % a year"),
        ("Ratio actual/required", number(r.ratio, ".3f")),
        ("Status", r.label),
        ("Thresholds", status_thresholds(method)),
    ]
    return block("UN SDG progress status", rows, r.notes)
