"""A report's values as an observation table, checked by the same rules as every load.

Whether values come from the web form (a dict keyed by ``Cell.field``) or from an uploaded
Excel template, they become a raw observation table (``interop.table``): the country as
``ref_area``, reporting type ``N``, the report as the source, the series' unit. The default
rules of ``validation/observations.yaml`` run on it, plus the report's own: the series is one
the country agreed to report, the (sex, age) cell is one agreed for it, the unit is the
series' unit, and no value is for a year after the report's. Each finding is located by the
form field (``Cell.field``) and, for a workbook, by sheet, row and column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.ingest.errors import Problem
from target87.interop.table import fill_period_bounds, raw_table, records, typed
from target87.reporting.errors import FieldProblem
from target87.reporting.models import AgreedIndicator, Report
from target87.store.models import Area, Series, Source
from target87.validation import Context, RuleSet, validate
from target87.validation.rules import Codes, numbers

ENTRY_COLUMNS = ("value", "lower_bound", "upper_bound", "obs_status", "nature", "footnote")
DEFAULTS = {"obs_status": "A", "nature": "C", "urbanisation": "_T", "reporting_type": "N"}
STORED_COLUMNS = ("series", "time_period", "sex", "age", "urbanisation", *ENTRY_COLUMNS)


@dataclass(frozen=True, order=True)
class Cell:
    """One value of a report: series, period and breakdown. ``field`` names it in a form."""

    series: str
    time_period: str
    sex: str = "_T"
    age: str = "_T"
    urbanisation: str = "_T"

    @property
    def field(self) -> str:
        return ":".join((self.series, self.time_period, self.sex, self.age, self.urbanisation))

    @classmethod
    def from_field(cls, text: str) -> Cell:
        parts = str(text).split(":")
        if len(parts) != 5 or not all(parts):
            raise ValueError(f"{text!r} is not SERIES:PERIOD:SEX:AGE:URBANISATION")
        return cls(*parts)

    @classmethod
    def of(cls, row: Mapping | object) -> Cell:
        get = row.get if isinstance(row, Mapping) else lambda k: getattr(row, k)
        return cls(*(str(get(k)) for k in ("series", "time_period", "sex", "age", "urbanisation")))


def report_source_id(report: Report) -> str:
    """The id of the Source row the report becomes when it is published."""
    return f"natrep_{report.country.lower()}_{report.year}_{report.id}"


def report_cells(agreed: Sequence[AgreedIndicator], year: int) -> list[Cell]:
    """The form's cells: each agreed series by each of its agreed (sex, age) cells."""
    return [Cell(a.series, str(year), sex, age) for a in agreed for sex, age in a.cells]


@dataclass
class ReportTable:
    """A raw observation table and, per row, the cell it holds (None if unreadable)."""

    raw: pd.DataFrame
    cells: list[Cell | None]
    cleared: list[Cell] = field(default_factory=list)
    problems: list[FieldProblem] = field(default_factory=list)

    def where(self, problem: Problem) -> Cell | None:
        if problem.line is None:
            return None
        matches = (self.raw["_row"] == problem.line) & (self.raw["_sheet"] == (problem.sheet or ""))
        hits = matches.to_numpy().nonzero()[0]
        return self.cells[hits[0]] if len(hits) else None


def series_info(session: Session, codes: Iterable[str]) -> dict[str, Series]:
    codes = sorted({c for c in codes if c})
    rows = session.execute(select(Series).where(Series.code.in_(codes))).scalars()
    return {s.code: s for s in rows}


def form_table(
    session: Session, report: Report, entries: Mapping[str, Mapping[str, object] | object]
) -> ReportTable:
    """Form entries (``{Cell.field: {"value": "4.2", "footnote": ...}}``, or just the value)
    as a report table. A cell whose every entry is blank is to be cleared."""
    found, cells, cleared, problems = [], [], [], []
    for name, entry in entries.items():
        try:
            cell = Cell.from_field(name)
        except ValueError as exc:
            problems.append(FieldProblem(name, str(exc), "field"))
            continue
        entry = dict(entry) if isinstance(entry, Mapping) else {"value": entry}
        if unknown := sorted(set(entry) - set(ENTRY_COLUMNS)):
            problems.append(FieldProblem(name, f"unknown entries {unknown}", "field"))
            continue
        text = {k: "" if v is None else str(v).strip() for k, v in entry.items()}
        if not any(text.values()):
            cleared.append(cell)
            continue
        found.append({**DEFAULTS, **{k: v for k, v in text.items() if v}, **_key(cell)})
        cells.append(cell)
    raw = raw_table(found, file="form", rows=range(1, len(found) + 1))
    table = ReportTable(raw, cells, cleared, problems)
    complete(session, report, table)
    return table


def _key(cell: Cell) -> dict[str, str]:
    return {k: getattr(cell, k) for k in ("series", "time_period", "sex", "age", "urbanisation")}


def complete(session: Session, report: Report, table: ReportTable) -> None:
    """Fill what a national report implies: its country, its source, reporting type N, the
    series' unit, and defaults for blank status, nature and urbanisation."""
    raw = table.raw
    if raw.empty:
        return
    info = series_info(session, raw["series"].unique())
    raw["source"] = report_source_id(report)
    raw.loc[raw["ref_area"] == "", "ref_area"] = report.country
    for column, default in DEFAULTS.items():
        raw.loc[raw[column] == "", column] = default
    for column in ("unit", "unit_mult"):
        blank = raw[column] == ""
        raw.loc[blank, column] = [
            str(getattr(info[s], column)) if s in info else "" for s in raw.loc[blank, "series"]
        ]
    fill_period_bounds(raw)


def check(session: Session, report: Report, table: ReportTable) -> list[FieldProblem]:
    """Every finding of the default rules and the report's rules, located by field."""
    raw = table.raw
    if raw.empty:
        return list(table.problems)
    agreed = {
        a.series: set(a.cells)
        for a in session.execute(
            select(AgreedIndicator).where(AgreedIndicator.country == report.country)
        ).scalars()
    }
    ctx = Context(
        codelists={
            "series": set(session.execute(select(Series.code)).scalars()),
            "area": set(session.execute(select(Area.code)).scalars()),
            "source": {*session.execute(select(Source.id)).scalars(), report_source_id(report)},
            "agreed_series": set(agreed),
        }
    )
    rules = RuleSet.default()
    rules += [
        Codes(column="series", codelist="agreed_series", name="agreed"),
        Codes(column="ref_area", codes=[report.country], name="country"),
        Codes(column="reporting_type", codes=["N"], name="reporting_type"),
    ]
    found = validate(raw, rules, ctx).findings + list(_report_rules(session, report, raw, agreed))
    problems = list(table.problems)
    for p in found:
        cell = table.where(p)
        problems.append(
            FieldProblem(
                cell.field if cell else None,
                p.reason,
                p.rule,
                p.severity,
                sheet=p.sheet,
                row=p.line if raw.attrs.get("file") != "form" else None,
                column=p.column,
            )
        )
    return problems


def _report_rules(session: Session, report: Report, raw: pd.DataFrame, agreed: dict):
    """The report's own rules: agreed breakdown, the series' unit, not after the report."""
    info = series_info(session, raw["series"].unique())
    file = raw.attrs.get("file", "")
    year_to = numbers(raw["year_to"])
    unit_mult = numbers(raw["unit_mult"])
    for i, row in raw.iterrows():

        def problem(column: str, reason: str, rule: str, row=row) -> Problem:
            sheet = row["_sheet"] or None
            return Problem(file, int(row["_row"]), column, reason, sheet=sheet, rule=rule)

        series = info.get(row["series"])
        cells = agreed.get(row["series"])
        if cells is not None and (
            (row["sex"], row["age"]) not in cells or row["urbanisation"] != "_T"
        ):
            shown = ", ".join(f"{s}/{a}" for s, a in sorted(cells))
            reason = (
                f"{row['series']} is reported by sex/age {shown} (urbanisation _T), not "
                f"{row['sex']}/{row['age']} ({row['urbanisation']})"
            )
            yield problem("age", reason, "breakdown")
        if series is not None and (
            row["unit"] != series.unit or unit_mult[i] != float(series.unit_mult)
        ):
            reason = f"{series.code} is in {series.unit} x 10^{series.unit_mult}"
            yield problem("unit", f"{reason}, not {row['unit']} x 10^{row['unit_mult']}", "unit")
        if year_to[i] > report.year:
            reason = f"{row['time_period']} is after the report's year {report.year}"
            yield problem("time_period", reason, "report_year")


def stored_rows(table: ReportTable) -> dict[Cell, dict]:
    """The checked table as the rows to store, by cell."""
    rows = records(typed(table.raw)) if not table.raw.empty else []
    return {Cell.of(r): {k: r[k] for k in STORED_COLUMNS} for r in rows}
