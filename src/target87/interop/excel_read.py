"""Reading observation workbooks (our export, our template, or a user's own) cell by cell.

Nothing in a workbook is ever run: the archive is checked for size and zip bombs before
openpyxl opens it, formulas are read as formulas (``data_only=False``, so no cached result is
trusted) and refused with their sheet, row and column, and text we quoted on export is turned
back into the text. Only our own non-data sheets (instructions, codes, sources, in every
language the template is written in) and completely empty sheets are skipped; every other
sheet must be an observation sheet (our column names in row 1, at least series, ref_area,
time_period and value) or the workbook is refused: a sheet skipped by mistake would, in replace
mode, delete the stored rows it was meant to cover.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from target87.ingest.errors import LoadError, Problem
from target87.interop.codes import CodeMap
from target87.interop.excel_template import CODES_SHEET, TEXT
from target87.interop.excel_write import RESERVED_SHEETS, SOURCES_SHEET, unprotect
from target87.interop.file_sources import clean_sources
from target87.interop.limits import check_zip
from target87.interop.table import OBS_COLUMNS, fill_period_bounds, raw_table

REQUIRED_HEADER = ("series", "ref_area", "time_period", "value")
# Sheets we write that are not data (excel_write's Sources, the template's instructions in each
# language and its codes): skipped, unless row 1 makes them an observation sheet.
OUR_SHEETS = frozenset(
    RESERVED_SHEETS | {CODES_SHEET} | {t.lower() for t in TEXT["sheet_instructions"]}
)
# A row with none of these filled is an unused (pre-filled template) row, not an observation.
OBSERVED = ("time_period", "value", "lower_bound", "upper_bound", "footnote")
MAX_PROBLEMS = 500


def read_xlsx(
    path: Path, *, codes: CodeMap | None = None, display_name: str | None = None
) -> pd.DataFrame:
    """Read every data sheet of an xlsx into one raw table (``_sheet``, ``_row`` = sheet row).

    Rows with no period, value, bounds or footnote are unused template rows and are skipped.
    Raises ``LoadError`` for an oversize file, a zip bomb, XML with a DOCTYPE or entities, a
    sheet that cannot be parsed, a sheet that is not an observation sheet or lacks one of
    series, ref_area, time_period and value, formulas, error values, unknown or repeated
    columns, and values in columns without a header.
    """
    path = Path(path)
    name = display_name or str(path)
    check_zip(path)  # before any parsing: oversize files, zip bombs, DOCTYPE / entities
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError) as exc:
        raise LoadError(
            [Problem(name, None, None, f"not a readable xlsx workbook ({exc})")]
        ) from None
    found: list[dict] = []
    rows: list[int] = []
    problems: list[Problem] = []
    carried: list[dict] = []
    try:
        for ws in wb.worksheets:
            try:
                if ws.title.strip().lower() == SOURCES_SHEET.lower():
                    carried = _source_sheet(ws)
                _read_sheet(ws, name, found, rows, problems)
            except LoadError:
                raise
            except Exception as exc:  # openpyxl raises many kinds on a malformed sheet
                problems.append(Problem(name, None, None, _unreadable(exc), sheet=ws.title))
    finally:
        wb.close()
    if problems:
        raise LoadError(problems[:MAX_PROBLEMS])
    raw = raw_table(found, file=name, rows=rows, source_columns={c: c for c in OBS_COLUMNS})
    _map_areas(raw, codes or CodeMap())
    raw = fill_period_bounds(raw)
    raw.attrs["sources"] = carried  # what our export's Sources sheet says of each source
    return raw


def _source_sheet(ws) -> list[dict]:
    """The rows of our ``Sources`` sheet as dicts (an empty list when it is not ours)."""
    lines = ws.iter_rows(values_only=True)
    header = [str(c).strip().lower() if c is not None else "" for c in next(lines, ())]
    if "id" not in header:
        return []
    entries = [
        dict(zip(header, (unprotect(v) if isinstance(v, str) else v for v in line), strict=False))
        for line in lines
    ]
    return clean_sources(entries, f"sheet {ws.title!r}")


def _unreadable(exc: Exception) -> str:
    kind = "malformed sheet XML" if isinstance(exc, ParseError) else "unreadable"
    return f"the sheet cannot be read: {kind} ({type(exc).__name__}: {str(exc)[:200]})"


def _read_sheet(ws, name: str, found: list[dict], rows: list[int], problems: list[Problem]):
    lines = ws.iter_rows()
    header_cells = next(lines, ())
    header = [_header(c) for c in header_cells]
    ours = [h for h in header if h in OBS_COLUMNS]
    missing = [c for c in REQUIRED_HEADER if c not in header]
    if missing and ws.title.strip().lower() in OUR_SHEETS:
        return  # our instructions, codes or sources (row 1 does not make it data)
    if not ours:
        if _empty(header_cells) and all(_empty(cells) for cells in lines):
            return  # a completely empty sheet
        reason = (
            f"sheet {ws.title!r} is not an observation sheet: its first row holds none of the "
            f"columns {', '.join(REQUIRED_HEADER)}; remove the sheet or give it those columns "
            "(nothing is skipped silently)"
        )
        problems.append(Problem(name, 1, None, reason, sheet=ws.title, rule="columns"))
        return
    reasons = []
    if missing:
        reasons.append(f"missing required column(s) {', '.join(missing)}")
    unknown = [h for h in header if h and h not in OBS_COLUMNS]
    if unknown:
        reasons.append(f"unknown column(s) {', '.join(unknown)}: nothing is dropped silently")
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        reasons.append(f"column(s) {', '.join(twice)} appear more than once")
    if reasons:
        problems.append(Problem(name, 1, None, "; ".join(reasons), sheet=ws.title))
        return
    for number, cells in enumerate(lines, start=2):
        record: dict[str, str] = {}
        for index, cell in enumerate(cells):
            column = header[index] if index < len(header) else ""
            text = _cell_text(cell, ws.title, number, column or _letter(index), name, problems)
            if text == "":
                continue
            if not column:
                reason = "a value in a column without a header"
                problems.append(Problem(name, number, _letter(index), reason, sheet=ws.title))
                continue
            record[column] = text
        if any(record.get(c) for c in OBSERVED):
            record["_sheet"] = ws.title
            found.append(record)
            rows.append(number)


def _empty(cells) -> bool:
    """No cell holds anything (blank text counts as nothing)."""
    for cell in cells:
        value = cell.value
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return False
    return True


def _header(cell) -> str:
    value = cell.value
    return unprotect(value.strip()).lower() if isinstance(value, str) else ""


def _letter(index: int) -> str:
    return get_column_letter(index + 1)


def _cell_text(cell, sheet: str, row: int, column: str, name: str, problems) -> str:
    """A cell as text: numbers as written (4.1 stays "4.1"), dates in ISO; formulas refused."""
    value = cell.value
    if value is None:
        return ""
    kind = getattr(cell, "data_type", None)
    if kind == "f" or (kind != "s" and isinstance(value, str) and value.startswith("=")):
        shown = str(value)[:60]
        reason = f"formula not allowed ({shown}): type the value itself"
        problems.append(Problem(name, row, column, reason, sheet=sheet, rule="formula"))
        return ""
    if kind == "e":
        reason = f"spreadsheet error value {value!r}"
        problems.append(Problem(name, row, column, reason, sheet=sheet))
        return ""
    if isinstance(value, str):
        return unprotect(value.strip())
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _map_areas(raw: pd.DataFrame, codes: CodeMap) -> None:
    """ISO3 or M49 codes to ours; codes we do not know stay for the rules to report per cell."""
    values = raw["ref_area"]
    mapping = {v: codes.area(v) or v for v in values.unique() if v}
    raw["ref_area"] = values.map(lambda v: mapping.get(v, v))
