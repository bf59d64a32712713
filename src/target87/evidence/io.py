"""The evidence base in and out of files: CSV and Excel, checked like observation loads.

Two layouts (``docs/evidence-format.md``):

- **flat** (CSV, or one sheet of a workbook): one row per effect, with its study's columns
  repeated on each of the study's rows (they must agree);
- **two sheets** (Excel): a sheet ``studies`` (one row per study) and a sheet ``effects``
  (one row per effect, its study named by ``study_id``).

:func:`read_evidence` reads a file into an :class:`EvidenceTable`; :func:`import_evidence`
checks every cell (codes, numbers, that each effect has an estimate with its variance or SE or
the raw counts or means it can be computed from, positive variances, years, countries the
store knows, DOIs) and writes all of it in one transaction, or nothing: any problem raises
``LoadError`` naming the file, sheet, row and column. Importing a study again (same
``study_id``) updates it and its effects (same ``effect_id``), never duplicates them; nothing
is removed unless ``replace=True``. :func:`export_evidence` writes the same layouts.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from target87 import store
from target87.evidence import taxonomy
from target87.evidence.models import (
    COUNT_COLUMNS,
    MEANS_COLUMNS,
    NUMBER_COLUMNS,
    Effect,
    Study,
    StudyCountry,
)
from target87.ingest.errors import LoadError, Problem

Progress = Callable[[str, int, int], None]

STUDY_COLUMNS = (
    "study_id",
    "citation",
    "doi",
    "url",
    "year",
    "countries",
    "design",
    "quality",
    "programme",
    "worked_example",
    "dataset",
    "study_notes",
)
EFFECT_COLUMNS = (
    "study_id",
    "effect_id",
    "intervention",
    "intervention_label",
    "outcome",
    "outcome_label",
    "measure",
    *NUMBER_COLUMNS,
    "age_band",
    "sex",
    "follow_up_months",
    "effect_notes",
)
FLAT_COLUMNS = tuple(dict.fromkeys(STUDY_COLUMNS + EFFECT_COLUMNS))
REQUIRED_STUDY = ("study_id", "citation", "year", "design")
REQUIRED_EFFECT = ("study_id", "effect_id", "intervention", "outcome", "measure")
MODERATOR_PREFIX = "mod_"  # any column named mod_<name> is a moderator of the effect
SHEETS = ("studies", "effects")
SUFFIXES = (".csv", ".xlsx")
RULE = "evidence"

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")
URL_PATTERN = re.compile(r"^https?://\S+$")
AGE_PATTERN = re.compile(r"^(\d{1,2})\s*[-–]\s*(\d{1,2})$")
FIRST_YEAR = 1900
TRUE = {"true", "yes", "1", "y", "t"}
FALSE = {"false", "no", "0", "n", "f", ""}
DESIGN_ALIASES = {
    "randomised_controlled_trial": "rct",
    "randomized_controlled_trial": "rct",
    "quasi": "quasi_experimental",
    "quasiexperimental": "quasi_experimental",
}
SEX_ALIASES = {"T": "_T", "BOTH": "_T", "TOTAL": "_T", "FEMALE": "F", "MALE": "M"}


# --- reading ---------------------------------------------------------------------------


@dataclass
class Row:
    """One row of a file: its cells as text (blank cells are ``""``) and where it stands."""

    values: dict[str, str]
    line: int
    sheet: str | None = None

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()


@dataclass
class EvidenceTable:
    """What a file holds, not yet checked. ``layout``: ``flat`` (each row an effect with its
    study's columns) or ``sheets`` (``studies`` and ``effects``)."""

    name: str
    layout: str
    studies: list[Row] = field(default_factory=list)
    effects: list[Row] = field(default_factory=list)
    moderators: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        return len(self.effects)


def _problem(name: str, row: Row | None, column: str | None, reason: str) -> Problem:
    return Problem(
        file=name,
        line=row.line if row else None,
        column=column,
        reason=reason,
        sheet=row.sheet if row else None,
        rule=RULE,
    )


def _text(value: Any) -> str:
    """An Excel cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _header_problems(
    name: str, header: list[str], allowed: tuple[str, ...], required: tuple[str, ...], sheet
) -> list[Problem]:
    where = Row({}, 1, sheet)
    problems = []
    seen: set[str] = set()
    for column in header:
        if column in seen:
            problems.append(_problem(name, where, column, "this column appears twice"))
        seen.add(column)
        if column and column not in allowed and not column.startswith(MODERATOR_PREFIX):
            problems.append(
                _problem(
                    name,
                    where,
                    column,
                    f"unknown column; known: {', '.join(allowed)}, and moderators named "
                    f"{MODERATOR_PREFIX}<name>",
                )
            )
    for column in required:
        if column not in seen:
            problems.append(_problem(name, where, column, "this required column is missing"))
    return problems


def _rows(records: Iterable[tuple[int, list[str]]], header: list[str], sheet) -> list[Row]:
    rows = []
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue  # blank lines are no rows
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        rows.append(Row(values, line, sheet))
    return rows


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        records = []
        start = reader.line_num + 1
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    return header, records


def _read_sheet(sheet) -> tuple[list[str], list[tuple[int, list[str]]]]:
    rows = sheet.iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, ())]
    while header and not header[-1]:
        header.pop()
    records = [(n, [_text(v) for v in cells]) for n, cells in enumerate(rows, start=2)]
    return header, records


def read_evidence(path: Path | str) -> EvidenceTable:
    """Read a CSV (flat) or Excel file (two sheets ``studies`` and ``effects``, else its
    first sheet flat). Raises ``LoadError`` for a file that cannot be read or whose columns
    are wrong (unknown, missing, repeated)."""
    path = Path(path)
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise LoadError(
            [_problem(name, None, None, "evidence files are CSV (.csv) or Excel (.xlsx)")]
        )
    try:
        if suffix == ".csv":
            header, records = _read_csv(path)
            return _flat(name, header, records, None)
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, KeyError) as exc:
        raise LoadError([_problem(name, None, None, f"cannot read the file: {exc}")]) from None
    try:
        names = {s.lower(): s for s in book.sheetnames}
        if all(s in names for s in SHEETS):
            return _two_sheets(name, book[names["studies"]], book[names["effects"]])
        if "effects" in names:
            raise LoadError(
                [
                    _problem(
                        name,
                        None,
                        None,
                        "a workbook with an 'effects' sheet needs a "
                        "'studies' sheet too (or one flat sheet)",
                    )
                ]
            )
        sheet = book[book.sheetnames[0]]
        header, records = _read_sheet(sheet)
        return _flat(name, header, records, sheet.title)
    finally:
        book.close()


def _flat(name: str, header: list[str], records, sheet: str | None) -> EvidenceTable:
    required = tuple(dict.fromkeys(REQUIRED_STUDY + REQUIRED_EFFECT))
    problems = _header_problems(name, header, FLAT_COLUMNS, required, sheet)
    if problems:
        raise LoadError(problems)
    rows = _rows(records, header, sheet)
    mods = tuple(h for h in header if h.startswith(MODERATOR_PREFIX))
    return EvidenceTable(name, "flat", studies=rows, effects=rows, moderators=mods)


def _two_sheets(name: str, studies_sheet, effects_sheet) -> EvidenceTable:
    s_header, s_records = _read_sheet(studies_sheet)
    e_header, e_records = _read_sheet(effects_sheet)
    problems = _header_problems(name, s_header, STUDY_COLUMNS, REQUIRED_STUDY, studies_sheet.title)
    problems += _header_problems(
        name, e_header, EFFECT_COLUMNS, REQUIRED_EFFECT, effects_sheet.title
    )
    if problems:
        raise LoadError(problems)
    return EvidenceTable(
        name,
        "sheets",
        studies=_rows(s_records, s_header, studies_sheet.title),
        effects=_rows(e_records, e_header, effects_sheet.title),
        moderators=tuple(h for h in e_header if h.startswith(MODERATOR_PREFIX)),
    )


# --- checking ----------------------------------------------------------------------------


@dataclass
class CheckedStudy:
    values: dict[str, Any]  # the Study's columns
    countries: list[str]
    row: Row


@dataclass
class CheckedEffect:
    study_id: str
    effect_id: str
    values: dict[str, Any]  # the Effect's columns but study_id and effect_id
    row: Row


@dataclass
class Checked:
    studies: dict[str, CheckedStudy]
    effects: list[CheckedEffect]


class _Checker:
    """Collects the problems of one table; each parse method returns a value or None."""

    def __init__(self, table: EvidenceTable, session: Session, worked_example: bool | None):
        self.table = table
        self.session = session
        self.forced_example = worked_example
        self.problems: list[Problem] = []
        self.areas: dict[str, tuple[str | None, str]] = {}  # token: (code, or None and why)
        self.interventions = {t.code for t in taxonomy.interventions()}
        self.outcomes = {t.code for t in taxonomy.outcomes()}
        self.measures = {m.code: m for m in taxonomy.measures()}
        self.designs = {t.code for t in taxonomy.designs()}
        self.qualities = {t.code for t in taxonomy.quality_ratings()}
        self.sexes = {t.code for t in taxonomy.sexes()}
        self.last_year = datetime.now(UTC).year + 1

    def bad(self, row: Row, column: str, reason: str) -> None:
        self.problems.append(_problem(self.table.name, row, column, reason))

    # cells

    def required(self, row: Row, column: str) -> str | None:
        text = row.get(column)
        if not text:
            self.bad(row, column, "a value is required")
            return None
        return text

    def identifier(self, row: Row, column: str) -> str | None:
        text = self.required(row, column)
        if text and not ID_PATTERN.match(text):
            self.bad(
                row,
                column,
                f"{text!r} is no id: up to 64 letters, digits and . _ : / - (starting with a "
                "letter or digit)",
            )
            return None
        return text

    def code(self, row: Row, column: str, known: set[str], aliases=None, upper=False):
        text = row.get(column)
        if not text:
            return None
        key = text.upper() if upper else re.sub(r"[\s-]+", "_", text.lower())
        key = (aliases or {}).get(key, key)
        if key not in known:
            self.bad(row, column, f"unknown code {text!r}; known: {', '.join(sorted(known))}")
            return None
        return key

    def number(self, row: Row, column: str) -> float | None:
        text = row.get(column)
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            self.bad(row, column, f"{text!r} is not a number")
            return None
        if not math.isfinite(value):
            self.bad(row, column, f"{text!r} is not a finite number")
            return None
        return value

    def year(self, row: Row, column: str) -> int | None:
        value = self.number(row, column)
        if value is None:
            return None
        if not value.is_integer() or not FIRST_YEAR <= value <= self.last_year:
            self.bad(
                row,
                column,
                f"{row.get(column)!r} is no year from {FIRST_YEAR} to {self.last_year}",
            )
            return None
        return int(value)

    def boolean(self, row: Row, column: str) -> bool:
        text = row.get(column).lower()
        if text in TRUE:
            return True
        if text not in FALSE:
            self.bad(row, column, f"{row.get(column)!r} is neither true nor false")
        return False

    def doi(self, row: Row, column: str) -> str | None:
        text = row.get(column)
        if not text:
            return None
        bare = text
        for prefix in DOI_PREFIXES:
            if bare.lower().startswith(prefix):
                bare = bare[len(prefix) :]
                break
        if not DOI_PATTERN.match(bare) or len(bare) > 255:
            self.bad(row, column, f"{text!r} is no DOI (10.<registrant>/<suffix>)")
            return None
        return bare

    def url(self, row: Row, column: str) -> str | None:
        text = row.get(column)
        if text and not URL_PATTERN.match(text):
            self.bad(row, column, f"{text!r} is no web address (http:// or https://)")
            return None
        return text or None

    def countries(self, row: Row, column: str) -> list[str]:
        codes = []
        for token in filter(None, (t.strip() for t in re.split(r"[;,|]", row.get(column)))):
            if token not in self.areas:
                try:
                    area = store.resolve_area(self.session, token)
                except store.UnknownArea as exc:
                    self.areas[token] = (None, str(exc))
                else:
                    why = f"{token!r} is {area.code}, a {area.kind}, not a country"
                    self.areas[token] = (area.code if area.kind == "country" else None, why)
            code, why = self.areas[token]
            if code is None:
                self.bad(row, column, why)
            elif code not in codes:
                codes.append(code)
        return codes

    def age_band(self, row: Row, column: str) -> str | None:
        text = row.get(column)
        if not text:
            return None
        match = AGE_PATTERN.match(text)
        if not match or int(match[1]) > int(match[2]):
            self.bad(row, column, f"{text!r} is no age band (from-to in years, e.g. 5-17)")
            return None
        return f"{int(match[1])}-{int(match[2])}"

    # rows

    def study(self, row: Row) -> CheckedStudy | None:
        before = len(self.problems)
        study_id = self.identifier(row, "study_id")
        citation = self.required(row, "citation")
        year = self.year(row, "year") if self.required(row, "year") else None
        design = self.code(row, "design", self.designs, DESIGN_ALIASES)
        if not row.get("design"):
            self.required(row, "design")
        example = self.boolean(row, "worked_example")
        values = {
            "id": study_id,
            "citation": citation,
            "doi": self.doi(row, "doi"),
            "url": self.url(row, "url"),
            "year": year,
            "design": design,
            "quality": self.code(row, "quality", self.qualities),
            "programme": row.get("programme") or None,
            "notes": row.get("study_notes") or None,
            "worked_example": example if self.forced_example is None else self.forced_example,
            "dataset": row.get("dataset")[:64] or None,
        }
        countries = self.countries(row, "countries")
        if len(self.problems) > before:
            return None
        return CheckedStudy(values, countries, row)

    def effect(self, row: Row) -> CheckedEffect | None:
        before = len(self.problems)
        # In the flat layout the row's study columns, study_id among them, are checked as
        # its study's: each problem is told once.
        flat = self.table.layout == "flat"
        study_id = row.get("study_id") if flat else self.identifier(row, "study_id")
        effect_id = self.identifier(row, "effect_id")
        for column in ("intervention", "outcome", "measure"):
            if not row.get(column):
                self.required(row, column)
        values: dict[str, Any] = {
            "intervention": self.code(row, "intervention", self.interventions),
            "intervention_label": row.get("intervention_label") or None,
            "outcome": self.code(row, "outcome", self.outcomes),
            "outcome_label": row.get("outcome_label") or None,
            "measure": self.code(row, "measure", set(self.measures), upper=True),
            "age_band": self.age_band(row, "age_band"),
            "sex": self.code(row, "sex", self.sexes, SEX_ALIASES, upper=True) or "_T",
            "notes": row.get("effect_notes") or None,
        }
        unreadable = len(self.problems)
        numbers = {c: self.number(row, c) for c in NUMBER_COLUMNS}
        numbers_ok = len(self.problems) == unreadable
        follow_up = self.number(row, "follow_up_months")
        if follow_up is not None and follow_up < 0:
            self.bad(row, "follow_up_months", "a follow-up cannot be negative")
        values["follow_up_months"] = follow_up
        values["moderators"] = self.moderators(row)
        if numbers_ok:
            self.data(row, numbers, values["measure"])
        values.update(numbers)
        if len(self.problems) > before:
            return None
        return CheckedEffect(study_id, effect_id, values, row)

    def moderators(self, row: Row) -> str | None:
        found: dict[str, Any] = {}
        for column in self.table.moderators:
            text = row.get(column)
            if not text:
                continue
            try:
                value: Any = float(text)
            except ValueError:
                value = text
            else:
                value = int(value) if value.is_integer() and math.isfinite(value) else value
                if isinstance(value, float) and not math.isfinite(value):
                    value = text
            found[column[len(MODERATOR_PREFIX) :]] = value
        return json.dumps(found, sort_keys=True, ensure_ascii=False) if found else None

    def data(self, row: Row, n: dict[str, float | None], measure: str | None) -> None:
        """The effect's numbers: an estimate with its variance or SE, or raw data."""
        for column in ("vi", "sei"):
            if n[column] is not None and n[column] <= 0:
                what = "variance" if column == "vi" else "standard error"
                self.bad(row, column, f"a {what} must be positive, not {row.get(column)}")
        for column in COUNT_COLUMNS:
            if n[column] is not None and n[column] < 0:
                self.bad(row, column, "a count cannot be negative")
        for column in ("n1i", "n2i"):
            if n[column] is not None and n[column] == 0:
                self.bad(row, column, "a group size must be positive")
        for column in ("sd1i", "sd2i"):
            if n[column] is not None and n[column] <= 0:
                self.bad(row, column, "a standard deviation must be positive")
        vi, sei = n["vi"], n["sei"]
        if vi and sei and vi > 0 and sei > 0 and not math.isclose(vi, sei**2, rel_tol=1e-3):
            self.bad(row, "sei", f"sei squared ({sei**2:g}) disagrees with vi ({vi:g})")
        for a, b, total in (("ai", "bi", "n1i"), ("ci", "di", "n2i")):
            if None not in (n[a], n[b], n[total]) and not math.isclose(n[a] + n[b], n[total]):
                self.bad(row, total, f"{total} must equal {a} + {b}")
            if n[a] is not None and n[total] is not None and n[a] > n[total]:
                self.bad(row, a, f"{a} exceeds the group size {total}")
        estimate = n["yi"] is not None and (vi is not None or sei is not None)
        if n["yi"] is not None and not estimate:
            self.bad(row, "vi", "yi needs its variance (vi) or standard error (sei)")
            return
        if n["yi"] is None and (vi is not None or sei is not None):
            self.bad(row, "yi", "a variance or standard error needs its estimate (yi)")
            return
        binary = all(n[c] is not None for c in ("ai", "bi", "ci", "di")) or all(
            n[c] is not None for c in ("ai", "ci", "n1i", "n2i")
        )
        continuous = all(n[c] is not None for c in (*MEANS_COLUMNS, "n1i", "n2i"))
        if estimate:
            return
        kind = self.measures[measure].raw if measure in self.measures else None
        if not binary and not continuous:
            self.bad(
                row,
                "yi",
                "no effect: give yi with vi or sei, or the counts ai, bi, ci, di (or ai, ci "
                "with n1i, n2i), or the means m1i, m2i with sd1i, sd2i and n1i, n2i",
            )
        elif kind is not None and kind != ("binary" if binary else "continuous"):
            given = "counts" if binary else "means"
            self.bad(row, "measure", f"{measure} cannot be computed from {given}; give yi and vi")


def check_table(
    table: EvidenceTable, session: Session, worked_example: bool | None = None
) -> Checked:
    """Every study and effect of ``table`` checked; ``LoadError`` with every problem."""
    checker = _Checker(table, session, worked_example)
    problems = checker.problems
    if not table.effects and not table.studies:
        problems.append(_problem(table.name, None, None, "the file holds no rows"))
    studies: dict[str, CheckedStudy] = {}
    for row in table.studies:
        study = checker.study(row)
        if study is None:
            continue
        first = studies.get(study.values["id"])
        if first is None:
            studies[study.values["id"]] = study
        elif table.layout == "sheets":
            checker.bad(
                row,
                "study_id",
                f"study {study.values['id']!r} appears again (first on row {first.row.line})",
            )
        else:
            _agree(checker, first, study)
    effects: list[CheckedEffect] = []
    seen: dict[tuple[str, str], Row] = {}
    for row in table.effects:
        effect = checker.effect(row)
        if effect is None:
            continue
        key = (effect.study_id, effect.effect_id)
        if key in seen:
            checker.bad(
                row,
                "effect_id",
                f"effect {effect.effect_id!r} of study {effect.study_id!r} appears again "
                f"(first on row {seen[key].line})",
            )
            continue
        seen[key] = row
        if (
            table.layout == "sheets"
            and effect.study_id not in studies
            and not any(r.get("study_id") == effect.study_id for r in table.studies)
        ):
            checker.bad(row, "study_id", f"no study {effect.study_id!r} in the studies sheet")
        effects.append(effect)
    if problems:
        raise LoadError(problems)
    return Checked(studies, effects)


def _agree(checker: _Checker, first: CheckedStudy, again: CheckedStudy) -> None:
    """The flat layout repeats a study's columns on each of its rows: they must agree."""
    for column, key in (
        ("citation", "citation"),
        ("doi", "doi"),
        ("url", "url"),
        ("year", "year"),
        ("design", "design"),
        ("quality", "quality"),
        ("programme", "programme"),
        ("worked_example", "worked_example"),
        ("dataset", "dataset"),
        ("study_notes", "notes"),
    ):
        if first.values[key] != again.values[key]:
            checker.bad(
                again.row,
                column,
                f"differs from row {first.row.line} of the same study "
                f"({again.row.get(column)!r} there {first.row.get(column)!r})",
            )
    if first.countries != again.countries:
        checker.bad(again.row, "countries", f"differs from row {first.row.line} of the same study")


# --- writing -----------------------------------------------------------------------------


@dataclass
class Counts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0

    def text(self) -> str:
        return (
            f"added {self.added}, changed {self.changed}, unchanged {self.unchanged}, "
            f"removed {self.removed}"
        )


@dataclass
class ImportSummary:
    file: str
    studies: Counts
    effects: Counts
    replace: bool
    worked_examples: int  # studies of the file that are worked examples


def import_evidence(
    engine: Engine,
    source: Path | str | EvidenceTable,
    *,
    replace: bool = False,
    worked_example: bool | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Check a file (or a table already read) and write it: all of it, or nothing.

    Studies and effects already stored (same ``study_id``; same ``study_id`` and
    ``effect_id``) are updated, new ones added, nothing removed. ``replace=True``: the file
    is the whole evidence base of its kind (real evidence, or worked examples): stored
    studies of that kind it does not hold are removed with their effects, and so are the
    stored effects of its studies it does not hold. ``worked_example``: set (or clear) the
    flag on every study of the file, whatever its column says.
    """
    table = source if isinstance(source, EvidenceTable) else read_evidence(source)
    with Session(engine) as session, session.begin():
        checked = check_table(table, session, worked_example)
        taxonomy.sync_interventions(session)
        return _write(session, table.name, checked, replace, progress)


def _write(
    session: Session, name: str, checked: Checked, replace: bool, progress: Progress | None
) -> ImportSummary:
    now = datetime.now(UTC).replace(tzinfo=None)
    studies, effects = Counts(), Counts()
    stored = {
        s.id: s
        for s in session.execute(
            select(Study)
            .where(Study.id.in_(list(checked.studies)))
            .options(selectinload(Study.countries), selectinload(Study.effects))
        ).scalars()
    }
    by_study: dict[str, list[CheckedEffect]] = {}
    for effect in checked.effects:
        by_study.setdefault(effect.study_id, []).append(effect)
    total = len(checked.studies)
    for done, (study_id, data) in enumerate(checked.studies.items(), start=1):
        study = stored.get(study_id)
        if study is None:
            study = Study(**data.values, updated_at=now)
            session.add(study)
            studies.added += 1
            changed = True
        else:
            changed = _assign(study, data.values)
            if study.country_codes != data.countries:
                changed = True
            studies.changed += changed
            studies.unchanged += not changed
        if study.country_codes != data.countries:
            study.countries.clear()
            session.flush()
            study.countries.extend(
                StudyCountry(country=code, position=i) for i, code in enumerate(data.countries)
            )
        held = {e.effect_id: e for e in study.effects}
        touched = False
        for item in by_study.get(study_id, []):
            effect = held.get(item.effect_id)
            if effect is None:
                study.effects.append(Effect(effect_id=item.effect_id, **item.values))
                effects.added += 1
                touched = True
            elif _assign(effect, item.values):
                effects.changed += 1
                touched = True
            else:
                effects.unchanged += 1
        if replace:
            keep = {e.effect_id for e in by_study.get(study_id, [])}
            for effect in [e for e in study.effects if e.effect_id not in keep]:
                study.effects.remove(effect)
                effects.removed += 1
                touched = True
        if changed or touched:
            study.updated_at = now
        if progress:
            progress("studies", done, total)
    if replace:
        kinds = {s.values["worked_example"] for s in checked.studies.values()}
        gone = session.execute(
            select(Study)
            .where(Study.worked_example.in_(kinds), Study.id.not_in(list(checked.studies)))
            .options(selectinload(Study.effects))
        ).scalars()
        for study in gone:
            effects.removed += len(study.effects)
            studies.removed += 1
            session.delete(study)
    session.flush()
    examples = sum(s.values["worked_example"] for s in checked.studies.values())
    return ImportSummary(name, studies, effects, replace, examples)


def _assign(row: Study | Effect, values: dict[str, Any]) -> bool:
    """Set the row's columns; whether any differed."""
    changed = False
    for key, value in values.items():
        if key == "id":
            continue
        current = getattr(row, key)
        same = (
            current == value
            if not (isinstance(current, float) and isinstance(value, float))
            else math.isclose(current, value, rel_tol=1e-12, abs_tol=0.0)
        )
        if not same:
            setattr(row, key, value)
            changed = True
    return changed


# --- exporting ---------------------------------------------------------------------------


@dataclass
class ExportSummary:
    file: str
    studies: int
    effects: int
    layout: str
    left_out: int = 0  # studies without effects, which a flat file cannot hold


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _number_text(value)
    return str(value)


def _study_cells(study: Study) -> dict[str, str]:
    return {
        "study_id": study.id,
        "citation": study.citation,
        "doi": _cell(study.doi),
        "url": _cell(study.url),
        "year": str(study.year),
        "countries": ";".join(study.country_codes),
        "design": study.design,
        "quality": _cell(study.quality),
        "programme": _cell(study.programme),
        "worked_example": _cell(study.worked_example),
        "dataset": _cell(study.dataset),
        "study_notes": _cell(study.notes),
    }


def _effect_cells(effect: Effect, moderators: list[str]) -> dict[str, str]:
    cells = {"study_id": effect.study_id, "effect_id": effect.effect_id}
    for column in EFFECT_COLUMNS[2:]:
        key = "notes" if column == "effect_notes" else column
        cells[column] = _cell(getattr(effect, key))
    values = effect.moderator_values
    for name in moderators:
        cells[MODERATOR_PREFIX + name] = _cell(values.get(name))
    return cells


def stored_studies(session: Session, examples: bool = False) -> list[Study]:
    """The real evidence base (default) or the worked examples, with countries and effects."""
    return list(
        session.execute(
            select(Study)
            .where(Study.worked_example.is_(examples))
            .options(selectinload(Study.countries), selectinload(Study.effects))
            .order_by(Study.id)
        ).scalars()
    )


def export_evidence(
    engine: Engine, path: Path | str, *, examples: bool = False, flat: bool = False
) -> ExportSummary:
    """Write the evidence base (or, ``examples=True``, the worked examples) to ``path``: CSV
    flat; Excel in two sheets ``studies`` and ``effects`` (``flat=True``: one flat sheet)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{path}: evidence files are CSV (.csv) or Excel (.xlsx)")
    with Session(engine) as session:
        studies = stored_studies(session, examples)
        effects = [e for s in studies for e in s.effects]
        moderators = sorted({k for e in effects for k in e.moderator_values})
        mod_columns = [MODERATOR_PREFIX + m for m in moderators]
        study_rows = [_study_cells(s) for s in studies]
        effect_rows = [_effect_cells(e, moderators) for e in effects]
        by_id = dict(zip([s.id for s in studies], study_rows, strict=True))
    layout = "flat" if suffix == ".csv" or flat else "sheets"
    path.parent.mkdir(parents=True, exist_ok=True)
    if layout == "flat":
        header = [*FLAT_COLUMNS, *mod_columns]
        rows = [{**by_id[e["study_id"]], **e} for e in effect_rows]
        left_out = len({s.id for s in studies} - {e["study_id"] for e in effect_rows})
        if suffix == ".csv":
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=header)
                writer.writeheader()
                writer.writerows(rows)
        else:
            _write_book(path, [("evidence", header, rows)])
        return ExportSummary(str(path), len(studies) - left_out, len(rows), layout, left_out)
    _write_book(
        path,
        [
            ("studies", list(STUDY_COLUMNS), study_rows),
            ("effects", [*EFFECT_COLUMNS, *mod_columns], effect_rows),
        ],
    )
    return ExportSummary(str(path), len(studies), len(effect_rows), layout)


def _write_book(path: Path, sheets: list[tuple[str, list[str], list[dict[str, str]]]]) -> None:
    """Numbers as numbers, the rest as text."""
    numeric = {*NUMBER_COLUMNS, "year", "follow_up_months"}
    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(header)
        for row in rows:
            cells: list[Any] = []
            for column in header:
                text = row.get(column, "")
                if text and (column in numeric or column.startswith(MODERATOR_PREFIX)):
                    try:
                        number = float(text)
                    except ValueError:
                        cells.append(text)
                        continue
                    cells.append(int(number) if number.is_integer() else number)
                else:
                    cells.append(text or None)
            sheet.append(cells)
    book.save(path)
