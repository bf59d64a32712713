"""Validation rules over a raw observation table, each a small declarative object.

A rule looks at whole columns at once (pandas), so checking a million rows takes seconds, and
returns ``Problem`` findings located by file, sheet, row and column as the user spells them.
Rules are built from YAML (see ``observations.yaml``) or in Python; national reporting reuses
them with its own code lists and reference populations through ``Context``.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from target87.ingest.errors import Problem
from target87.store.lookup import nearest

MAX_PER_RULE = 200  # findings listed per rule; the report counts the rest


@dataclass
class Context:
    """What rules need beyond the table: code lists, populations, today."""

    codelists: dict[str, set[str]] = field(default_factory=dict)
    # series code -> (unit, SDG indicator) as the store defines it (for "the series' unit")
    series_units: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    # (area, year) -> number of children, where known (for "not above the child population")
    child_population: dict[tuple[str, int], float] = field(default_factory=dict)
    this_year: int = field(default_factory=lambda: date.today().year)


@dataclass
class Rule:
    """Base: ``name`` is shown in reports; ``when`` limits the rule to rows with those values."""

    severity: str = "error"
    when: dict[str, str | list[str]] = field(default_factory=dict)
    name: str = ""

    def applies(self, raw: pd.DataFrame) -> pd.Series:
        mask = pd.Series(True, index=raw.index)
        for column, wanted in self.when.items():
            values = [wanted] if isinstance(wanted, str) else list(wanted)
            mask &= raw[column].isin(values)
        return mask

    def check(self, raw: pd.DataFrame, ctx: Context) -> Iterator[Problem]:
        raise NotImplementedError

    def found(
        self, raw: pd.DataFrame, bad: pd.Series, column: str | None, reason
    ) -> Iterator[Problem]:
        """One finding per bad row; ``reason`` is a text or a function of the row."""
        if not bad.any():  # the usual case: no frame slicing at all
            return
        columns = raw.attrs.get("source_columns", {})
        shown = columns.get(column, column) if column else None
        file = raw.attrs.get("file", "")
        hits = raw[bad]
        for _, row in hits.head(MAX_PER_RULE).iterrows():
            text = reason(row) if callable(reason) else reason
            yield Problem(
                file,
                int(row["_row"]),
                shown,
                text,
                sheet=row["_sheet"] or None,
                rule=self.name,
                severity=self.severity,
                row_label=raw.attrs.get("row_label"),
                part=raw.attrs.get("part", "sheet"),
            )
        if len(hits) > MAX_PER_RULE:
            more = f"... and {len(hits) - MAX_PER_RULE} more row(s) break this rule"
            yield Problem(file, None, shown, more, rule=self.name, severity=self.severity)


_NUMBERS: dict[int, tuple[weakref.ref, dict]] = {}


def column_numbers(raw: pd.DataFrame, column: str) -> pd.Series:
    """``numbers(raw[column])``, worked out once per table (several rules read the values)."""
    entry = _NUMBERS.get(id(raw))
    if entry is None or entry[0]() is not raw:  # DataFrames are unhashable: key by id
        key = id(raw)
        entry = (weakref.ref(raw, lambda _r: _NUMBERS.pop(key, None)), {})
        _NUMBERS[key] = entry
    cache = entry[1]
    if column not in cache:
        cache[column] = numbers(raw[column])
    return cache[column]


def forget_numbers(raw: pd.DataFrame) -> None:
    _NUMBERS.pop(id(raw), None)


def numbers(cells: pd.Series) -> pd.Series:
    """Text cells as floats, NaN where empty or not a number."""
    codes, uniques = pd.factorize(cells)
    if len(uniques) * 4 < len(cells):  # years, unit multipliers: parse each value once
        parsed = pd.to_numeric(pd.Series(uniques).replace("", None), errors="coerce")
        values = parsed.to_numpy(dtype=float, na_value=np.nan)[codes]
        return pd.Series(values, index=cells.index)
    try:  # clean columns (the usual case) convert in one fast cast
        out = cells.replace("", None).astype("float64")
    except (ValueError, TypeError):
        out = pd.to_numeric(cells.where(cells != "", None), errors="coerce").astype("float64")
    return out


@dataclass
class Required(Rule):
    columns: list[str] = field(default_factory=list)
    name: str = "required"

    def check(self, raw, ctx):
        scope = self.applies(raw)
        for column in self.columns:
            yield from self.found(raw, scope & (raw[column] == ""), column, "a value is required")


@dataclass
class Number(Rule):
    columns: list[str] = field(default_factory=list)
    integer: bool = False
    name: str = "type"

    def check(self, raw, ctx):
        scope = self.applies(raw)
        kind = "a whole number" if self.integer else "a number"
        for column in self.columns:
            cells = raw[column]
            parsed = column_numbers(raw, column)
            bad = (cells != "") & ~np.isfinite(parsed.to_numpy(dtype=float, na_value=np.nan))
            if self.integer:
                bad |= (cells != "") & parsed.notna() & (parsed % 1 != 0)
            yield from self.found(
                raw, scope & bad, column, lambda r, c=column, k=kind: f"{r[c]!r} is not {k}"
            )


@dataclass
class Codes(Rule):
    """Values must be in ``codes`` or in the context's code list ``codelist``."""

    column: str = ""
    codes: list[str] = field(default_factory=list)
    codelist: str = ""
    name: str = "codes"

    def check(self, raw, ctx):
        allowed = set(self.codes)
        if self.codelist:
            if self.codelist not in ctx.codelists:
                return
            allowed |= ctx.codelists[self.codelist]
        cells = raw[self.column]
        bad = self.applies(raw) & (cells != "") & ~cells.isin(allowed)
        what = self.codelist or self.column
        hints: dict[str, str] = {}  # one suggestion per distinct wrong value

        def hint(value: str) -> str:
            if len(allowed) <= 12:
                return f"allowed: {', '.join(sorted(allowed))}"
            near = nearest(value, ((c, c) for c in allowed), fallback=False)  # store.lookup
            return f"nearest: {', '.join(near)}" if near else f"{len(allowed)} codes allowed"

        def reason(row) -> str:
            value = row[self.column]
            if value not in hints:
                hints[value] = hint(str(value))
            return f"unknown {what} {value!r} ({hints[value]})"

        yield from self.found(raw, bad, self.column, reason)


@dataclass
class Pattern(Rule):
    column: str = ""
    regex: str = ""
    message: str = ""
    name: str = "format"

    def check(self, raw, ctx):
        cells = raw[self.column]
        # Once per distinct value: a column of a million rows holds a handful of codes.
        positions, uniques = pd.factorize(cells)
        matches = pd.Series(uniques).str.fullmatch(self.regex).fillna(False).to_numpy(bool)
        fails = np.append(~matches & (np.asarray(uniques, dtype=object) != ""), False)
        bad = self.applies(raw) & pd.Series(fails[positions], index=raw.index)
        message = self.message or f"does not match {self.regex}"
        yield from self.found(raw, bad, self.column, lambda r: f"{r[self.column]!r} {message}")


@dataclass
class Range(Rule):
    column: str = "value"
    min: float | None = None
    max: float | None = None
    label: str = ""
    name: str = "range"

    def check(self, raw, ctx):
        values = column_numbers(raw, self.column)
        bad = pd.Series(False, index=raw.index)
        if self.min is not None:
            bad |= values < self.min
        if self.max is not None:
            bad |= values > self.max
        bad &= self.applies(raw)
        if self.min is not None and self.max is not None:
            bounds = f"{_fmt(self.min)}-{_fmt(self.max)}"
        else:
            bounds = f">= {_fmt(self.min)}" if self.min is not None else f"<= {_fmt(self.max)}"
        label = f"a {self.label} " if self.label else ""
        yield from self.found(
            raw, bad, self.column, lambda r: f"{r[self.column]} is outside {label}range {bounds}"
        )


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


@dataclass
class PeriodBounds(Rule):
    """``year_from``/``year_to`` agree with ``time_period`` (YYYY, YYYY/YYYY or unknown)."""

    name: str = "time_period"

    def check(self, raw, ctx):
        # Few distinct periods in any file: work each out once, then index by its code.
        period = raw["time_period"]
        codes, uniques = pd.factorize(period)
        bounds = [_period_bounds(p) for p in uniques]
        malformed = pd.Series(
            np.array([b is None for b in bounds], dtype=bool)[codes], index=raw.index
        )
        yield from self.found(
            raw,
            malformed,
            "time_period",
            lambda r: (
                f"{r['time_period']!r} is not a year (YYYY), a window (YYYY/YYYY) or 'unknown'"
            ),
        )
        wanted_from = np.array([_num(b[0]) if b else np.nan for b in bounds])[codes]
        wanted_to = np.array([_num(b[1]) if b else np.nan for b in bounds])[codes]
        got_from = column_numbers(raw, "year_from").to_numpy(float)
        got_to = column_numbers(raw, "year_to").to_numpy(float)
        bad = ~malformed & (_differ(got_from, wanted_from) | _differ(got_to, wanted_to))
        yield from self.found(
            raw,
            bad,
            "year_from",
            lambda r: (
                f"year_from/year_to ({r['year_from']}, {r['year_to']}) disagree with "
                f"time_period {r['time_period']!r}"
            ),
        )
        backwards = np.array([b is not None and b[0] > b[1] for b in bounds], dtype=bool)
        inverted = pd.Series(backwards[codes], index=raw.index)
        yield from self.found(raw, inverted, "time_period", "the window ends before it starts")


def _period_bounds(period: str) -> tuple[str, str] | None:
    """'2019' -> ('2019', '2019'); '2013/2021' -> ('2013', '2021'); 'unknown' -> ('', '')."""
    if period == "" or period == "unknown":
        return ("", "")
    match = re.fullmatch(r"(\d{4})(?:/(\d{4}))?", period)
    if not match:
        return None
    return (match.group(1), match.group(2) or match.group(1))


def _num(text: str) -> float:
    return float(text) if text else np.nan


def _differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise "not equal", where two missing values are equal."""
    return ~((a == b) | (np.isnan(a) & np.isnan(b)))


@dataclass
class NotFuture(Rule):
    column: str = "year_to"
    name: str = "not_future"

    def check(self, raw, ctx):
        years = column_numbers(raw, self.column)
        bad = self.applies(raw) & (years > ctx.this_year)
        yield from self.found(
            raw, bad, self.column, lambda r: f"{r[self.column]} is in the future ({ctx.this_year})"
        )


@dataclass
class Unique(Rule):
    key: list[str] = field(default_factory=list)
    name: str = "duplicate"

    def check(self, raw, ctx):
        later = raw.duplicated(self.key, keep="first")
        if not later.any():
            return
        # Where each repeated key first appears, by position: rows on two sheets (or two
        # files of a folder) can share a row number.
        first = raw[raw.duplicated(self.key, keep=False) & ~later]
        where = {
            tuple(k): (int(r), sheet)
            for k, r, sheet in zip(
                first[self.key].itertuples(index=False),
                first["_row"],
                first["_sheet"],
                strict=True,
            )
        }
        keys = ", ".join(self.key)

        def reason(row) -> str:
            line, sheet = where[tuple(row[k] for k in self.key)]
            on = f" of sheet {sheet!r}" if sheet and sheet != row["_sheet"] else ""
            return f"duplicate of row {line}{on} (same {keys})"

        yield from self.found(raw, later, None, reason)


@dataclass
class _Groups(Rule):
    """Shared by the rules that compare a total with its parts (e.g. sex _T with F and M)."""

    by: str = "sex"
    total: str = "_T"
    parts: list[str] = field(default_factory=lambda: ["F", "M"])
    key: list[str] = field(
        default_factory=lambda: [
            "series",
            "ref_area",
            "time_period",
            "age",
            "urbanisation",
            "breakdown",
            "source",
        ]
    )

    def wide(self, raw: pd.DataFrame) -> pd.DataFrame:
        """One row per group holding a total and every part: their values and the total's row.

        Groups are found by hashing the key columns (numpy, no pivot): fast on a million rows.
        """
        codes = [self.total, *self.parts]
        scope = self.applies(raw) & raw[self.by].isin(codes)
        if not scope.any():
            return pd.DataFrame(columns=[*codes, "_at"])
        part = raw[scope]
        group, uniques = pd.factorize(
            pd.util.hash_pandas_object(part[self.key], index=False).to_numpy()
        )
        values = column_numbers(raw, "value")[scope].to_numpy(dtype=float)
        by = part[self.by].to_numpy()
        table = {}
        for code in codes:
            column = np.full(len(uniques), np.nan)
            hit = by == code
            column[group[hit]] = values[hit]
            table[code] = column
        rows = np.full(len(uniques), -1)
        hit = by == self.total
        rows[group[hit]] = part.index.to_numpy()[hit]  # positions: row numbers can repeat
        out = pd.DataFrame(table)
        out["_at"] = rows
        return out.dropna(subset=codes).reset_index(drop=True)

    def report(self, raw: pd.DataFrame, table: pd.DataFrame, bad: pd.Series, reason):
        by_position = table[bad].set_index("_at")
        mask = raw.index.isin(by_position.index)
        yield from self.found(raw, mask, "value", lambda r: reason(by_position.loc[r.name]))


@dataclass
class Bracket(_Groups):
    """A rate's total lies between its parts (girls and boys bracket the total)."""

    tolerance: float = 0.1
    name: str = "bracket"

    def check(self, raw, ctx):
        table = self.wide(raw)
        if table.empty:
            return
        low = table[self.parts].min(axis=1) - self.tolerance
        high = table[self.parts].max(axis=1) + self.tolerance
        bad = (table[self.total] < low) | (table[self.total] > high)
        parts = self.parts
        yield from self.report(
            raw,
            table,
            bad,
            lambda t: (
                f"total {t[self.total]:g} is not between "
                + " and ".join(f"{p} {t[p]:g}" for p in parts)
            ),
        )


@dataclass
class SumOfParts(_Groups):
    """A count's total equals the sum of its parts within a relative tolerance."""

    tolerance: float = 0.01
    name: str = "sum_of_parts"

    def check(self, raw, ctx):
        table = self.wide(raw)
        if table.empty:
            return
        total = table[self.parts].sum(axis=1)
        bad = (table[self.total] - total).abs() > self.tolerance * table[self.total].abs().clip(
            lower=1
        )
        yield from self.report(
            raw,
            table,
            bad,
            lambda t: (
                f"total {t[self.total]:g} differs from the sum of "
                f"{'+'.join(self.parts)} = {sum(t[p] for p in self.parts):g}"
            ),
        )


@dataclass
class NotAbovePopulation(Rule):
    """A number of children is not above the child population, where the context knows it."""

    column: str = "value"
    name: str = "not_above_population"

    def check(self, raw, ctx):
        if not ctx.child_population:
            return
        scope = raw[self.applies(raw)]
        if scope.empty:
            return
        scale = 10.0 ** numbers(scope["unit_mult"]).fillna(0)
        count = numbers(scope[self.column]) * scale
        year = numbers(scope["year_to"])
        pop = [
            ctx.child_population.get((a, int(y))) if y == y else None
            for a, y in zip(scope["ref_area"], year, strict=True)
        ]
        pop = pd.Series(pop, index=scope.index, dtype=float)
        bad = pd.Series(False, index=raw.index)
        bad[scope.index] = count > pop
        yield from self.found(
            raw,
            bad,
            self.column,
            lambda r: (
                f"{r[self.column]} children is more than the child population "
                f"{pop[r.name]:,.0f} of {r['ref_area']} in {r['year_to']}"
            ),
        )


@dataclass
class SeriesUnit(Rule):
    """A row's unit is its series' unit: a count never goes into a percentage series.

    Where the store has a series of the same SDG indicator in the row's unit, the finding
    names it (a national file often mixes counts and percentages of one indicator)."""

    column: str = "unit"
    name: str = "series_unit"

    def check(self, raw, ctx):
        if not ctx.series_units:
            return
        scope = self.applies(raw) & raw["series"].isin(ctx.series_units.keys())
        expected = raw["series"].map(lambda c: ctx.series_units.get(c, ("", None))[0])
        bad = scope & (raw[self.column] != "") & (raw[self.column] != expected)
        if not bad.any():
            return
        by_indicator: dict[tuple[str | None, str], list[str]] = {}
        for code, (unit, indicator) in sorted(ctx.series_units.items()):
            if indicator:
                by_indicator.setdefault((indicator, unit), []).append(code)

        def reason(row) -> str:
            unit, indicator = ctx.series_units[row["series"]]
            text = (
                f"unit {row[self.column]!r} is not the unit of series {row['series']} "
                f"({unit!r}): a value in {row[self.column]} cannot be stored as {unit}"
            )
            others = by_indicator.get((indicator, row[self.column]), [])
            if others:
                text += f"; series of indicator {indicator} in {row[self.column]}: "
                text += ", ".join(others)
            return text

        yield from self.found(raw, bad, self.column, reason)


RULES: dict[str, type[Rule]] = {
    "required": Required,
    "number": Number,
    "codes": Codes,
    "pattern": Pattern,
    "range": Range,
    "time_period": PeriodBounds,
    "not_future": NotFuture,
    "unique": Unique,
    "bracket": Bracket,
    "sum_of_parts": SumOfParts,
    "not_above_population": NotAbovePopulation,
    "series_unit": SeriesUnit,
}


def rule_from_dict(spec: dict) -> Rule:
    """``{"rule": "range", "column": "value", ...}`` -> a Rule; unknown keys are errors."""
    spec = dict(spec)
    kind = spec.pop("rule", None)
    if kind not in RULES:
        raise ValueError(f"unknown rule {kind!r}; known: {', '.join(sorted(RULES))}")
    if "integer" in spec and kind != "number":
        raise ValueError(f"rule {kind!r} has no option 'integer'")
    try:
        rule = RULES[kind](**spec)
    except TypeError as exc:
        raise ValueError(f"rule {kind!r}: {exc}") from None
    if rule.severity not in ("error", "warning"):
        raise ValueError(f"rule {kind!r}: severity must be error or warning")
    if isinstance(rule, Pattern):
        try:
            re.compile(rule.regex)
        except re.error as exc:
            raise ValueError(f"rule 'pattern': bad regex {rule.regex!r}: {exc}") from None
    return rule
