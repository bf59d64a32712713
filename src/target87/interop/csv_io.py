"""Our own CSV and JSON observation files (the snapshot's observations.csv columns)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd

from target87.ingest.errors import LoadError, Problem
from target87.interop.limits import check_size, decode, protect, read_limited
from target87.interop.sdmx_csv import _record_lines  # the same line counting
from target87.interop.table import OBS_COLUMNS, fill_period_bounds, raw_table, records

REQUIRED_HEADER = ["series", "ref_area", "time_period", "value"]


def _unneutralise(cells: pd.Series) -> pd.Series:
    """Undo the quote ``protect`` put before a formula-looking cell on export."""
    starts = cells.str.startswith("'")
    if not starts.any():  # the usual case, checked by one fast vectorised pass
        return cells
    quoted = starts & cells.str.match(r"'+[=+\-@\t\r]")
    return cells.where(~quoted, cells.str[1:])


def read_csv(path: Path, *, display_name: str | None = None) -> pd.DataFrame:
    """Read an observation CSV into a raw table; refuse malformed files with a located error."""
    name = display_name or str(path)
    check_size(path)
    text = decode(read_limited(path), name)
    frame = parse_csv_text(text, name)
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in REQUIRED_HEADER if c not in frame.columns]
    if missing:
        reason = f"missing column(s) {', '.join(missing)} (header: {', '.join(frame.columns)})"
        raise LoadError([Problem(name, 1, None, reason)])
    unknown = [c for c in frame.columns if c not in OBS_COLUMNS]
    if unknown:
        reason = f"unknown column(s) {', '.join(unknown)}: nothing is dropped silently"
        raise LoadError([Problem(name, 1, None, reason)])
    if frame.isna().any(axis=None):  # pyarrow reads a row it could not fill as nulls
        raise LoadError([_locate_csv_fault(text, name)])
    for column in frame.columns:
        cells = frame[column] if column == "footnote" else frame[column].str.strip()
        frame[column] = _unneutralise(cells)  # footnotes keep their exact text
    lines = _record_lines(text.encode("utf-8"))
    if lines is not None and len(lines) == len(frame) + 1:
        rows = lines[1:]  # blank lines and quoted line breaks: the line each record starts on
    else:
        rows = range(2, len(frame) + 2)
    return fill_period_bounds(raw_table(frame, file=name, rows=rows))


def parse_csv_text(text: str, name: str) -> pd.DataFrame:
    """Every cell as text. pyarrow parses fast; on failure the csv module finds the line."""
    if not text.strip():
        raise LoadError([Problem(name, 1, None, "the file is empty")])
    try:
        return pd.read_csv(
            io.BytesIO(text.encode("utf-8")), dtype=str, keep_default_na=False, engine="pyarrow"
        )
    except Exception:  # pyarrow's errors carry no line number: locate the fault ourselves
        raise LoadError([_locate_csv_fault(text, name)]) from None


def _locate_csv_fault(text: str, name: str) -> Problem:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        width = len(next(reader))
        for row in reader:
            if row and len(row) != width:
                what = "more" if len(row) > width else "fewer"
                return Problem(
                    name,
                    reader.line_num,
                    None,
                    f"{what} cells than header columns ({len(row)} instead of {width})",
                )
    except csv.Error as exc:
        return Problem(name, reader.line_num, None, f"malformed CSV: {exc}")
    return Problem(name, None, None, "malformed CSV")


def write_csv(frame: pd.DataFrame, path: Path) -> int:
    """Write a typed table as CSV; formula-looking text is neutralised for spreadsheets."""
    rows = records(frame)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(OBS_COLUMNS)
        for row in rows:
            writer.writerow(_cell(row[c]) for c in OBS_COLUMNS)
    return len(rows)


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return protect(value) if isinstance(value, str) else value


def write_json(frame: pd.DataFrame, path: Path, sources: list[dict] | None = None) -> int:
    """``{"observations": [...], "sources": [...]}``: values as numbers, missing as null."""
    rows = records(frame)
    for row in rows:
        for key, value in row.items():
            if hasattr(value, "item"):
                row[key] = value.item()
    doc = {"observations": rows, "sources": sources or []}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(rows)


def read_json(path: Path, *, display_name: str | None = None) -> pd.DataFrame:
    name = display_name or str(path)
    check_size(path)
    text = decode(read_limited(path), name)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError([Problem(name, exc.lineno, None, f"malformed JSON: {exc.msg}")]) from None
    rows = doc.get("observations") if isinstance(doc, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise LoadError([Problem(name, None, None, 'expected {"observations": [{...}, ...]}')])
    unknown = sorted({k for r in rows for k in r} - set(OBS_COLUMNS))
    if unknown:
        raise LoadError([Problem(name, None, None, f"unknown field(s) {', '.join(unknown)}")])
    cleaned = [{k: _json_text(v) for k, v in r.items()} for r in rows]
    raw = fill_period_bounds(raw_table(cleaned, file=name, rows=range(1, len(rows) + 1)))
    raw.attrs["row_label"] = "observation"  # numbered in the "observations" list
    return raw


def _json_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bool | dict | list):
        return json.dumps(value)  # kept as text; the type rules then reject it
    return str(value)
