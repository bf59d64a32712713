"""The pure math of progress toward Target 8.7: rates, projections and SDG progress status.

Functions take one series as year -> value (a pandas Series indexed by year, a dict, or
(year, value) pairs) and return small frozen results with ``summary()`` and ``to_dict()``;
the ``*_many`` functions do the same for a long frame of many series at once. Nothing here
touches the database (see ``target87.progress.data`` for that). The formulas live in
``rates``, ``projection`` and ``status``; the words of ``summary()`` in ``text``.

>>> from target87.progress import rate_between, project, progress_status
>>> world = {2000: 16.0, 2004: 14.2, 2008: 13.6, 2012: 10.6, 2016: 9.6, 2020: 9.6, 2024: 7.8}
>>> round(rate_between(world, 2020, 2024).aarr_pct, 2)
5.06
"""

from target87.progress.projection import (
    ACCELERATION_PERIODS,
    AccelerationResult,
    Projection,
    acceleration_scenarios,
    count_threshold,
    default_threshold,
    project,
    project_many,
    required_aarr,
    required_acceleration,
    required_change_per_year,
)
from target87.progress.rates import (
    GAP_NOTE_YEARS,
    WORLD_PERIODS,
    LinearFit,
    LineFit,
    LogLinearFit,
    PeriodRate,
    ProgressError,
    aarr,
    absolute_change_per_year,
    as_year_values,
    fit_linear,
    fit_log_linear,
    fit_many,
    fit_trend,
    period_rates,
    rate_between,
)
from target87.progress.status import (
    BASE_YEAR,
    CHILD_LABOUR_TARGET_YEAR,
    OPEN_SDG,
    TARGET_YEAR,
    UNSD,
    ZERO_FLOOR,
    StatusMethod,
    StatusResult,
    cagr,
    progress_status,
    status_many,
    status_table,
)

__all__ = [
    "ACCELERATION_PERIODS",
    "BASE_YEAR",
    "CHILD_LABOUR_TARGET_YEAR",
    "GAP_NOTE_YEARS",
    "OPEN_SDG",
    "TARGET_YEAR",
    "UNSD",
    "WORLD_PERIODS",
    "ZERO_FLOOR",
    "AccelerationResult",
    "LineFit",
    "LinearFit",
    "LogLinearFit",
    "PeriodRate",
    "ProgressError",
    "Projection",
    "StatusMethod",
    "StatusResult",
    "aarr",
    "absolute_change_per_year",
    "acceleration_scenarios",
    "as_year_values",
    "cagr",
    "count_threshold",
    "default_threshold",
    "fit_linear",
    "fit_log_linear",
    "fit_many",
    "fit_trend",
    "period_rates",
    "progress_status",
    "project",
    "project_many",
    "rate_between",
    "required_aarr",
    "required_acceleration",
    "required_change_per_year",
    "status_many",
    "status_table",
]
