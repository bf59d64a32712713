"""Excel export: one sheet per series (columns = OBS_COLUMNS) and a sheet of sources.

Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) is
stored as text with a leading quote (``limits.neutralise``), never as a formula. Text that
already starts with quotes before such a character gets one more, so ``unprotect`` can always
remove exactly the quote we added: a footnote ``=cmd`` is written ``'=cmd`` and read back
``=cmd``; a footnote ``'=cmd`` is written ``''=cmd`` and read back ``'=cmd``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from target87.interop.limits import protect, unprotect  # noqa: F401  (re-exported)
from target87.interop.table import FLOAT_COLUMNS, INT_COLUMNS, OBS_COLUMNS, ExportError, records

SOURCES_SHEET = "Sources"
SOURCE_COLUMNS = [
    "id",
    "publisher",
    "title",
    "edition",
    "year",
    "url",
    "licence",
    "retrieved",
    "citation",
]
# Sheets a reader must never take for data; Excel itself reserves "History".
RESERVED_SHEETS = {"sources", "history", "instructions", "codes"}
MAX_SHEET_TITLE = 31
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, taken: set[str]) -> str:
    """A safe, unique sheet title of at most 31 characters for ``name``."""
    base = _BAD_TITLE.sub("_", name).strip("'").strip() or "sheet"
    base = base[:MAX_SHEET_TITLE]
    title, n = base, 1
    while title.lower() in taken or title.lower() in RESERVED_SHEETS:
        n += 1
        suffix = f"~{n}"
        title = base[: MAX_SHEET_TITLE - len(suffix)] + suffix
    taken.add(title.lower())
    return title


def text_cell(ws, value: str, font: Font | None = None) -> WriteOnlyCell:
    """A cell that holds ``value`` as text, whatever it starts with."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        raise ExportError(f"text {value[:40]!r} holds control characters xlsx cannot store")
    cell = WriteOnlyCell(ws, value=protect(value))
    cell.data_type = "s"  # belt and braces: never a formula, even if protect changes
    if font is not None:
        cell.font = font
    return cell


def _cell(ws, column: str, value: object) -> object:
    if value is None:
        return None
    if column in FLOAT_COLUMNS:
        return float(value)
    if column in INT_COLUMNS:
        return int(value)
    return text_cell(ws, str(value))


def source_rows(sources: Iterable[object] | pd.DataFrame | None) -> list[dict]:
    """Sources as dicts (from model objects, dicts or a DataFrame), sorted by id."""
    if sources is None:
        return []
    if isinstance(sources, pd.DataFrame):
        items: Iterable[object] = sources.to_dict("records")
    else:
        items = sources
    out = []
    for item in items:
        get = item.get if isinstance(item, dict) else lambda k, i=item: getattr(i, k, None)
        out.append({k: get(k) for k in SOURCE_COLUMNS})
    return sorted(out, key=lambda r: str(r["id"]))


def write_excel(
    frame: pd.DataFrame, sources: Iterable[object] | pd.DataFrame | None, path: Path
) -> Path:
    """Write a typed table as an xlsx: one sheet per series plus ``Sources``; returns ``path``."""
    path = Path(path)
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    taken: set[str] = set()
    rows = records(frame)
    by_series: dict[str, list[dict]] = {}
    for row in rows:
        by_series.setdefault(str(row["series"]), []).append(row)
    for series in sorted(by_series):
        ws = wb.create_sheet(sheet_title(series, taken))
        ws.freeze_panes = "A2"
        ws.append([text_cell(ws, c, bold) for c in OBS_COLUMNS])
        for row in by_series[series]:
            ws.append([_cell(ws, c, row[c]) for c in OBS_COLUMNS])
    ws = wb.create_sheet(SOURCES_SHEET)
    ws.append([text_cell(ws, c, bold) for c in SOURCE_COLUMNS])
    for src in source_rows(sources):
        ws.append([None if v is None else text_cell(ws, str(v)) for v in src.values()])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
