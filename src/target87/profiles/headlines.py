"""The answer first: a profile's (or the world's) headline figures, each the latest value of a
series with its year and source, the change since the first value the status is measured from,
and the UN progress status with its words (``progress.report``), so a card can say all of it.
A series with one value gets no change and no status, and says why."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from target87.presentation import format_number, format_value
from target87.presentation.codes import age_label
from target87.presentation.messages import label
from target87.progress import ProgressError
from target87.progress.data import NoData, series_points
from target87.store import models as M


@dataclass
class Headline:
    """One headline figure, ready to print in ``lang``."""

    series: str
    name: str  # the series' name
    value: float
    value_label: str  # "10,5 %" in French
    year: int
    source: str
    age_label: str
    base_year: int | None = None  # the value the change is measured from
    change: float | None = None  # latest - base: points for a rate, the count for a count
    change_label: str | None = None  # "-2.3 percentage points since 2012"
    trend: str | None = None  # "down", "up" or "flat": for an arrow and its words
    status: str | None = None  # a progress.status category
    status_label: str | None = None
    points: int = 1


def _change_label(change: float, base_year: int, unit: str, mult: int, lang: str) -> str:
    signed = format_number(abs(change), lang, 1)
    signed = ("+" if change > 0 else "−" if change < 0 else "") + signed
    if unit == "PT":
        return label("headline_change_points", lang).format(change=signed, year=base_year)
    counted = format_value(abs(change), unit, mult, lang)
    sign = "+" if change > 0 else ("−" if change < 0 else "")
    return label("headline_change_count", lang).format(change=sign + counted, year=base_year)


def status_words(status, lang: str) -> str:
    """The status in words: the method's own in English, the platform's translation else."""
    return status.label if lang == "en" else label(status.category, lang)


def report_of(session: Session, series: str, area: str, reports: dict | None = None):
    """``progress.report.progress_report(session, series, area)``, computed once per
    ``reports`` (a dict the caller keeps for one profile: the progress lines and the headlines
    ask for the same reports); what it raised is raised again. ``None``: computed each time."""
    from target87.progress.report import progress_report

    if reports is None:
        return progress_report(session, series, area)
    key = (series, area)
    if key not in reports:
        try:
            reports[key] = progress_report(session, series, area)
        except Exception as exc:  # noqa: BLE001 - kept to be raised to every asker
            reports[key] = exc
    found = reports[key]
    if isinstance(found, Exception):
        raise found
    return found


def _status(session: Session, series: str, area: str, reports: dict | None = None):
    """The UN progress status (``progress.status.StatusResult``), or None when none is
    computed (one value, no target, ...)."""
    try:
        return report_of(session, series, area, reports).status
    except (NoData, ProgressError, ValueError):
        return None


def _points(session: Session, series: str, area: str, reports: dict | None):
    """``series_points(session, series, area)``: the progress report's own when the profile
    keeps reports (it read them with the same arguments), else read."""
    if reports is not None:
        try:
            return report_of(session, series, area, reports).points
        except NoData:
            raise  # the report's first step is this very read: it would fail the same way
        except Exception:  # noqa: BLE001, S110 - a later step failed: read the points alone
            pass
    return series_points(session, series, area)


def headline(
    session: Session, series: str, area: str, lang: str = "en", reports: dict | None = None
) -> Headline | None:
    """The headline of ``series`` for ``area`` (both sexes, all ages or 5-17), or None.
    ``reports``: the progress reports computed for this profile (``report_of``)."""
    try:
        points = _points(session, series, area, reports)
    except NoData:
        return None
    values = points.values
    if values.empty:
        return None
    year, value = int(values.index[-1]), float(values.iloc[-1])
    info = session.get(M.Series, series)
    line = Headline(
        series=series,
        name=info.name(lang) if info else series,
        value=value,
        value_label=format_value(value, points.unit, points.unit_mult, lang),
        year=year,
        source=points.sources[year],
        age_label=age_label(points.age, lang),
        points=len(values),
    )
    if len(values) > 1:
        # The change is measured from the status's base value when there is a status (so the
        # card's two statements agree), else from the first value.
        status = _status(session, series, area, reports)
        if status is not None:
            base_year, base = int(status.base_year), float(status.base_value)
            line.status, line.status_label = status.category, status_words(status, lang)
        else:
            base_year, base = int(values.index[0]), float(values.iloc[0])
        line.base_year, line.change = base_year, value - base
        line.change_label = _change_label(
            line.change, base_year, points.unit, points.unit_mult, lang
        )
        line.trend = "down" if line.change < 0 else ("up" if line.change > 0 else "flat")
    return line


def headlines(
    session: Session, area: str, series: list[str], lang: str = "en", reports: dict | None = None
) -> list[Headline]:
    """The headlines of those of ``series`` the warehouse holds for ``area``, in that order."""
    found = (headline(session, code, area, lang, reports) for code in series)
    return [h for h in found if h is not None]
