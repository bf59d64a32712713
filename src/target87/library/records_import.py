"""Good practices and directory entries imported from a CSV or Excel file: all rows or none.

The first row names the columns (a kind's ``FIELDS``, in any order, case and spaces folded:
``What was done`` is ``what_was_done``); an unknown column, a missing required one, an empty
file and every bad cell are refused together, each problem naming the file, the row (as a
spreadsheet numbers it: the header is row 1) and the column. The format is read from the
file's first bytes (an .xlsx workbook is a zip), never from its name. Imported records enter
as drafts of the importing user, or submitted when asked and allowed; never published.
Lists in a cell (themes, languages, roadmap actions) are ``;``-joined.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from target87.library import records
from target87.reporting.errors import FieldProblem, Forbidden, ReportingError, ValidationFailed
from target87.reporting.locking import writing
from target87.reporting.permissions import Actor, require

MAX_ROWS = 5000


class ImportRefused(ValidationFailed):
    """The file was refused and nothing saved; every problem names the file, row and column."""

    def __init__(self, file: str | Path, problems: list[FieldProblem]):
        self.file = str(file)
        super().__init__(problems)
        shown = "\n".join(f"  {self.file}: {where(p)}" for p in problems[:30])
        more = f"\n  ... and {len(problems) - 30} more" if len(problems) > 30 else ""
        self.args = (f"{self.file}: {len(problems)} problem(s); nothing was saved:\n{shown}{more}",)

    def __str__(self) -> str:
        return self.args[0]


def where(problem: FieldProblem) -> str:
    place = [f"row {problem.row}"] if problem.row is not None else []
    if problem.column:
        place.append(f"column {problem.column!r}")
    return f"{', '.join(place) or 'file'}: {problem.message}"


@dataclass(frozen=True)
class Imported:
    file: str
    ids: tuple[int, ...]
    status: str


def column_name(header: object) -> str:
    return "_".join(str(header or "").strip().lower().replace("-", " ").split())


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """(header, [(row number, cells)]) of the file's first sheet or of its CSV text; blank
    rows are skipped. ``ValueError`` when it is neither."""
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        return _excel_rows(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"the file is neither an Excel workbook (.xlsx) nor UTF-8 CSV text "
            f"(byte {exc.start} cannot be read as UTF-8)"
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    return _split(rows)


def _excel_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValueError(f"the workbook cannot be read ({exc})") from None
    try:
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return _split(rows)


def _split(rows: list[list[Any]]) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    numbered = [(n, r) for n, r in enumerate(rows, start=1) if any(_cell(c) for c in r)]
    if not numbered:
        return [], []
    (_, header), body = numbered[0], numbered[1:]
    return [column_name(h) for h in header], body


def _cell(value: Any) -> str:
    """A cell as text: whole numbers without ``.0``, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_problems(header: list[str], kind: ModuleType) -> list[FieldProblem]:
    problems = []
    known = set(kind.FIELDS)
    for name in header:
        if not name:
            continue
        if name not in known:
            problems.append(
                FieldProblem(
                    None,
                    f"unknown column {name!r} (the columns are: {', '.join(kind.FIELDS)})",
                    "columns",
                    row=1,
                    column=name,
                )
            )
    if dupes := sorted({n for n in header if n and header.count(n) > 1}):
        for name in dupes:
            problems.append(FieldProblem(None, "column given twice", "columns", row=1, column=name))
    for name in kind.REQUIRED:
        if name not in header:
            problems.append(
                FieldProblem(None, "required column missing", "columns", row=1, column=name)
            )
    return problems


def import_records(
    session: Session,
    actor: Actor,
    kind: ModuleType,
    path: str | Path,
    *,
    status: str = "draft",
    known_interventions: Collection[str] | None = None,
) -> Imported:
    """Import every row of ``path`` as a record of ``kind`` (``library.practices`` or
    ``library.services``), in one transaction, or refuse the file (``ImportRefused``) with
    nothing saved. ``status`` is draft (default) or submitted."""
    path = Path(path)
    if status not in ("draft", "submitted"):
        raise ImportRefused(path, [FieldProblem(None, f"status {status!r}: draft or submitted")])
    try:
        header, rows = read_rows(path)
    except (OSError, ValueError) as exc:
        raise ImportRefused(path, [FieldProblem(None, str(exc), "format")]) from None
    if not header:
        raise ImportRefused(path, [FieldProblem(None, "the file is empty", "empty")])
    problems = _header_problems(header, kind)
    if not rows:
        problems.append(
            FieldProblem(None, "the file holds no records under its header", "empty", row=2)
        )
    if len(rows) > MAX_ROWS:
        problems.append(FieldProblem(None, f"over {MAX_ROWS} rows: split the file", "size"))
    if problems:
        raise ImportRefused(path, problems)
    checked_rows = []
    for number, cells in rows:
        data = {name: _cell(v) for name, v in zip(header, cells, strict=False) if name}
        if extra := [c for c in cells[len(header) :] if _cell(c)]:
            problems.append(
                FieldProblem(
                    None,
                    f"{len(extra)} value(s) beyond the last named column",
                    "columns",
                    row=number,
                )
            )
        try:
            checked = kind.clean(session, data, known_interventions)
        except ValidationFailed as exc:
            problems += [replace(p, row=number, column=p.field, field=None) for p in exc.problems]
            continue
        country = checked.values["country"]
        for right in ("edit_report", "submit") if status == "submitted" else ("edit_report",):
            try:
                require(actor, right, country)
            except Forbidden as exc:
                problems.append(
                    FieldProblem(None, str(exc), "rights", row=number, column="country")
                )
                break
        checked_rows.append(checked)
    if problems:
        session.rollback()
        raise ImportRefused(path, problems)
    ids = []
    try:
        with writing(session):
            for checked in checked_rows:
                record = records.add_record(
                    session, actor, kind.KIND, checked.values, status=status
                )
                kind.attach(session, record, checked)
                ids.append(record.id)
    except ReportingError as exc:  # a right or state lost between the check and the write
        raise ImportRefused(path, [FieldProblem(None, str(exc), "rights")]) from None
    return Imported(str(path), tuple(ids), status)
