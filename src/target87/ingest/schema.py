"""Declarative column rules of the files we load, and a CSV reader that applies them.

Every cell is checked before anything touches the database; every problem is reported with its
file, line and column, and a file with one bad row loads nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from target87.ingest.errors import LoadError, Problem
from target87.store.models import OBSERVATION_KEY

MAX_PROBLEMS = 200
TIME_PERIOD = re.compile(r"^(\d{4})$|^(\d{4})/(\d{4})$|^unknown$")
TRUE = {"1", "true", "yes", "y"}
FALSE = {"0", "false", "no", "n"}


def _parse_int(text: str) -> int:
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return value


def _parse_bool(text: str) -> bool:
    low = text.lower()
    if low in TRUE:
        return True
    if low in FALSE:
        return False
    raise ValueError("expected 1/0, yes/no or true/false")


PARSERS: dict[str, Callable[[str], Any]] = {
    "str": str,
    "int": _parse_int,
    "float": _parse_float,
    "bool": _parse_bool,
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "str"  # str | int | float | bool
    required: bool = False
    choices: frozenset[str] | None = None
    refers_to: str | None = None  # name of a key set the value must belong to
    # A column a file may leave out (added after the first files were written): read as
    # ``default`` when absent.
    optional: bool = False
    default: str | None = None


@dataclass(frozen=True)
class FileSchema:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _codes(*codes: str) -> frozenset[str]:
    return frozenset(codes)


SEX = _codes("_T", "F", "M")
URBANISATION = _codes("_T", "U", "R")
REPORTING_TYPE = _codes("G", "N", "R")
# SDMX CL_OBS_STATUS 2.1 and the SDG CL_NATURE.
OBS_STATUS = _codes(*"ABDEFGHIJKLMNOPQSUVW")
NATURE = _codes("C", "CA", "E", "G", "M", "N", "_X")

SOURCES = FileSchema(
    "sources.csv",
    (
        Column("id", required=True),
        Column("publisher", required=True),
        Column("title", required=True),
        Column("edition"),
        Column("year", "int"),
        Column("url"),
        Column("licence", required=True),
        Column("retrieved"),
        Column("citation", required=True),
        Column("sha256"),
        Column("priority", "int", required=True),
        Column("notes"),
    ),
    key=("id",),
)

AREAS = FileSchema(
    "areas.csv",
    (
        Column("code", required=True),
        Column("kind", required=True, choices=_codes("country", "region", "world")),
        Column("grouping", choices=_codes("M49", "ILO", "WB_INCOME")),
        Column("iso3"),
        Column("iso2"),
        Column("m49"),
        Column("name_en", required=True),
        Column("name_fr"),
        Column("name_es"),
        Column("m49_region"),
        Column("m49_subregion"),
        Column("m49_intermediate_region"),
        Column("ilo_region"),
        Column("wb_region"),
        Column("wb_income_group"),
        Column("un_member", "bool"),
        Column("source"),
    ),
    key=("code",),
)

PATHFINDERS = FileSchema(
    "pathfinders.csv",
    (
        Column("area", required=True, refers_to="area"),
        Column("year_joined", "int"),
        Column("roadmap"),
        Column("source", required=True, refers_to="source"),
        Column("verification"),
    ),
    key=("area",),
)

SERIES = FileSchema(
    "series.csv",
    (
        Column("code", required=True),
        Column("sdg_indicator"),
        Column("name_en", required=True),
        Column("name_fr"),
        Column("name_es"),
        Column("unit", required=True),
        Column("unit_mult", "int", required=True),
        Column("direction", required=True),
        Column("target_value", "float"),
        Column("target_year", "int"),
        Column("definition_en"),
        Column("standard"),
        Column("topic"),
    ),
    key=("code",),
)

OBSERVATIONS = FileSchema(
    "observations.csv",
    (
        Column("series", required=True, refers_to="series"),
        Column("ref_area", required=True, refers_to="area"),
        Column("time_period", required=True),
        Column("year_from", "int"),
        Column("year_to", "int"),
        Column("sex", required=True, choices=SEX),
        Column("age", required=True),
        Column("urbanisation", required=True, choices=URBANISATION),
        Column("breakdown", optional=True, default="_T"),
        Column("value", "float", required=True),
        Column("lower_bound", "float"),
        Column("upper_bound", "float"),
        Column("unit", required=True),
        Column("unit_mult", "int", required=True),
        Column("obs_status", required=True, choices=OBS_STATUS),
        Column("nature", choices=NATURE),
        Column("reporting_type", required=True, choices=REPORTING_TYPE),
        Column("footnote"),
        Column("source_detail", optional=True),
        Column("source", required=True, refers_to="source"),
    ),
    key=OBSERVATION_KEY,
)

INSTRUMENTS = FileSchema(
    "instruments.csv",
    (
        Column("code", required=True),
        Column("name_en", required=True),
        Column("name_fr"),
        Column("name_es"),
        Column("body", required=True, choices=_codes("UN", "ILO")),
        Column("adopted_year", "int"),
        Column("url"),
    ),
    key=("code",),
)

RATIFICATIONS = FileSchema(
    "ratifications.csv",
    (
        Column("area", required=True, refers_to="area"),
        Column("instrument", required=True, refers_to="instrument"),
        Column("status", required=True, choices=_codes("ratified", "signed", "not_ratified")),
        Column("date"),
        Column("year", "int"),
        Column("minimum_age", "int"),
        Column("source", required=True, refers_to="source"),
        Column("note"),
    ),
    key=("area", "instrument", "source"),
)

GOODS = FileSchema(
    "goods.csv",
    (
        Column("area", required=True, refers_to="area"),
        Column("good", required=True),
        Column("sector"),
        Column("child_labour", "bool", required=True),
        Column("forced_labour", "bool", required=True),
        Column("forced_child_labour", "bool", required=True),
        Column("derived_labour_exploitation", "bool"),
        Column("derived_country", refers_to="area"),
        Column("edition", "int", required=True),
        Column("source", required=True, refers_to="source"),
    ),
    key=("area", "good", "edition", "source"),
)


def _row_problems(schema: FileSchema, row: dict[str, Any], line: int, name: str) -> list[Problem]:
    """Checks that span several cells of one row."""
    out: list[Problem] = []
    if schema is OBSERVATIONS:
        period = row["time_period"]
        match = TIME_PERIOD.match(period or "")
        if not match:
            reason = f"{period!r} is not a year (YYYY), a window (YYYY/YYYY) or 'unknown'"
            out.append(Problem(name, line, "time_period", reason))
        else:
            if match.group(1):
                expected = (int(match.group(1)),) * 2
            elif match.group(2):
                expected = (int(match.group(2)), int(match.group(3)))
            else:
                expected = (None, None)
            if (row["year_from"], row["year_to"]) != expected:
                reason = f"year_from/year_to must be {expected} for time_period {period!r}"
                out.append(Problem(name, line, "year_from", reason))
        lo, hi, value = row["lower_bound"], row["upper_bound"], row["value"]
        if lo is not None and value is not None and lo > value:
            out.append(Problem(name, line, "lower_bound", "lower bound above the value"))
        if hi is not None and value is not None and hi < value:
            out.append(Problem(name, line, "upper_bound", "upper bound below the value"))
        if row["unit"] == "PT" and value is not None and not 0 <= value <= 100:
            out.append(Problem(name, line, "value", f"{value} is not a percentage"))
    return out


def read_csv(
    path: Path,
    schema: FileSchema,
    known: dict[str, set[str]] | None = None,
    display_name: str | None = None,
) -> list[dict[str, Any]]:
    """Read and check a whole file; return typed rows or raise ``LoadError``.

    ``known`` maps a reference name (``area``, ``series``, ``source``, ``instrument``) to the
    keys a value may take; a missing name means "not checked here".
    """
    name = display_name or path.name
    known = known or {}
    problems: list[Problem] = []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise LoadError([Problem(name, None, None, "file not found")]) from None
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8: undecodable byte at position {exc.start}"
        raise LoadError([Problem(name, None, None, reason)]) from None
    reader = csv.DictReader(text.splitlines(keepends=True), strict=True)
    header = reader.fieldnames or []
    missing = [c.name for c in schema.columns if c.name not in header and not c.optional]
    if missing:
        reason = f"missing column(s) {', '.join(missing)}"
        raise LoadError([Problem(name, 1, None, reason)])
    rows: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    # Each column's checks looked up once per file, not once per cell (issue 22: this loop
    # was a quarter of `init`): name, default, parser (None for text), whether required,
    # allowed codes, the keys it must be one of.
    checks = [
        (
            col,
            col.default or "",
            None if col.kind == "str" else PARSERS[col.kind],
            col.required,
            col.choices,
            known.get(col.refers_to) if col.refers_to else None,
        )
        for col in schema.columns
    ]
    try:
        for raw in reader:
            line = reader.line_num
            if None in raw:
                problems.append(Problem(name, line, None, "more cells than header columns"))
                continue
            row: dict[str, Any] = {}
            for col, default, parse, required, choices, keys_of in checks:
                text_value = (raw.get(col.name) or default).strip()
                if not text_value:
                    if required:
                        problems.append(Problem(name, line, col.name, "required value is empty"))
                    row[col.name] = None
                    continue
                value: Any = text_value
                if parse is not None:
                    try:
                        value = parse(text_value)
                    except ValueError as exc:
                        reason = f"{text_value!r} is not a valid {col.kind}: {exc}"
                        problems.append(Problem(name, line, col.name, reason))
                        row[col.name] = None
                        continue
                if choices is not None and value not in choices:
                    allowed = ", ".join(sorted(choices))
                    reason = f"unknown code {text_value!r} (allowed: {allowed})"
                    problems.append(Problem(name, line, col.name, reason))
                if keys_of is not None and value not in keys_of:
                    reason = f"unknown {col.refers_to} {text_value!r}"
                    problems.append(Problem(name, line, col.name, reason))
                row[col.name] = value
            problems.extend(_row_problems(schema, row, line, name))
            key = tuple(row[k] for k in schema.key)
            if key in seen:
                reason = f"duplicate of line {seen[key]} (key {', '.join(schema.key)})"
                problems.append(Problem(name, line, None, reason))
            else:
                seen[key] = line
            rows.append(row)
            if len(problems) >= MAX_PROBLEMS:
                break
    except csv.Error as exc:
        problems.append(Problem(name, reader.line_num, None, f"malformed CSV: {exc}"))
    if problems:
        raise LoadError(problems)
    return rows


def keys(rows: Iterable[dict[str, Any]], column: str) -> set[str]:
    return {r[column] for r in rows}
