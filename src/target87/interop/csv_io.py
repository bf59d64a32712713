"""Our own CSV and JSON observation files (the snapshot's observations.csv columns): the
``csv`` and ``json`` formats of the registry (``CSV``, ``JSON``, at the end)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from target87.ingest.errors import LoadError, Problem
from target87.interop.csv_lines import record_lines
from target87.interop.file_sources import clean_sources
from target87.interop.format_spec import Format, Head
from target87.interop.limits import (
    arrow_reader,
    check_size,
    decode,
    decode_text,
    protect,
    read_limited,
)
from target87.interop.table import (
    FLOAT_COLUMNS,
    OBS_COLUMNS,
    fill_period_bounds,
    raw_table,
    records,
)

REQUIRED_HEADER = ["series", "ref_area", "time_period", "value"]
# The delimiters spreadsheets write: Excel's "CSV" is comma- or, where the decimal sign is a
# comma (French, Spanish...), semicolon-separated; its "Unicode text" is tab-separated.
DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs"}
# A number with a decimal comma, as Excel writes one where the comma is the decimal sign:
# "4,6", "-0,25", ",5", "1,5E-05". Thousands separators ("1.234,5") are not guessed at.
DECIMAL_COMMA = r"[+-]?(?:\d+,\d*|,\d+)(?:[eE][+-]?\d+)?"


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
    text = decode_text(read_limited(path), name)
    delimiter = sniff_delimiter(text)
    if text.strip():  # an empty file is parse_csv_text's to refuse
        # The header first: a file split at the wrong delimiter is refused for its columns,
        # not for the rows that the wrong split makes ragged.
        _check_header(_header_cells(text, delimiter), delimiter, name)
    frame = parse_csv_text(text, name, delimiter)
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_header(list(frame.columns), delimiter, name)
    if frame.isna().any(axis=None):  # pyarrow reads a row it could not fill as nulls
        raise LoadError([_locate_csv_fault(text, name, delimiter)])
    for column in frame.columns:
        cells = frame[column] if column == "footnote" else frame[column].str.strip()
        frame[column] = _unneutralise(cells)  # footnotes keep their exact text
    if delimiter != ",":
        _read_decimal_commas(frame)
    lines = record_lines(text.encode("utf-8"))
    if lines is not None and len(lines) == len(frame) + 1:
        rows = lines[1:]  # blank lines and quoted line breaks: the line each record starts on
    else:
        rows = range(2, len(frame) + 2)
    return fill_period_bounds(raw_table(frame, file=name, rows=rows))


def sniff_delimiter(text: str) -> str:
    """The delimiter of an observation CSV (comma, semicolon or tab), told by its header line.

    Our column names hold none of the three, so the right one is the one that splits the
    header into the most of them; the rows are no guide (a semicolon file's values hold
    decimal commas, a footnote holds anything). A header of other names is split where it
    has the most of one delimiter, and the comma wins ties (and a header with none).
    """
    header = text[: text.find("\n")] if "\n" in text else text

    def cells(delimiter: str) -> list[str]:
        return [c.strip().strip('"').strip() for c in header.split(delimiter)]

    def score(delimiter: str) -> tuple[int, int]:
        split = cells(delimiter)
        return sum(c in OBS_COLUMNS for c in split), len(split)

    return max(DELIMITERS, key=score)  # max keeps the first (the comma) of equal scores


def _header_cells(text: str, delimiter: str) -> list[str]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [c.strip() for c in next(reader, [])]
    except csv.Error:  # a broken quote in the header: the parser locates it
        return list(OBS_COLUMNS)


def _check_header(columns: list[str], delimiter: str, name: str) -> None:
    """Refuse a header without the required columns, saying how it was split, or with a
    column we do not know (nothing is dropped silently)."""
    missing = [c for c in REQUIRED_HEADER if c not in columns]
    if missing:
        header = ", ".join(columns)
        if len(header) > 300:  # binary content read as text, say: enough to recognise it
            header = header[:300] + "…"
        if len(columns) > 1:
            seen = f"header split at {DELIMITERS[delimiter]}: {header}"
        else:
            seen = f"header: {header}, with no comma, semicolon or tab between column names"
        reason = f"missing column(s) {', '.join(missing)} ({seen})"
        raise LoadError([Problem(name, 1, None, reason)])
    unknown = [c for c in columns if c not in OBS_COLUMNS]
    if unknown:
        reason = f"unknown column(s) {', '.join(unknown)}: nothing is dropped silently"
        raise LoadError([Problem(name, 1, None, reason)])


def _read_decimal_commas(frame: pd.DataFrame) -> None:
    """Numbers written with a decimal comma, read as numbers (the caller checked that the
    delimiter is not a comma, so such a comma can be nothing else)."""
    for column in FLOAT_COLUMNS:
        if column not in frame.columns:
            continue
        cells = frame[column]
        has = cells.str.fullmatch(DECIMAL_COMMA)
        if has.any():
            frame.loc[has, column] = cells[has].str.replace(",", ".", regex=False)


def parse_csv_text(text: str, name: str, delimiter: str = ",") -> pd.DataFrame:
    """Every cell as text. pyarrow parses fast; on failure the csv module finds the line.

    pyarrow reads the text from memory Arrow owns (``arrow_reader``), so that none of its
    threads holds a Python object once the reader has failed.
    """
    if not text.strip():
        raise LoadError([Problem(name, 1, None, "the file is empty")])
    try:
        return pd.read_csv(
            arrow_reader(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            engine="pyarrow",
        )
    except Exception:  # pyarrow's errors carry no line number: locate the fault ourselves
        raise LoadError([_locate_csv_fault(text, name, delimiter)]) from None


def _locate_csv_fault(text: str, name: str, delimiter: str = ",") -> Problem:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
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
            writer.writerow(csv_cell(row[c]) for c in OBS_COLUMNS)
    return len(rows)


def csv_cell(value: object) -> object:
    """A typed cell as ``write_csv`` writes it: None empty, a float in full (``repr``), text a
    spreadsheet would run as a formula quoted (``limits.protect``), anything else as it is."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return protect(value) if isinstance(value, str) else value


def observations_csv(frame: pd.DataFrame, extra: Sequence[str] = ()) -> str:
    """Observations as CSV text: the observation columns, then ``extra`` ones (``preferred``,
    ``publisher``...), cells as ``write_csv`` writes them. The API's CSV and the CLI's
    ``query --format csv``: one question, one file."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    extra = list(extra)
    writer.writerow(OBS_COLUMNS + extra)
    rest = frame[extra].astype(object).where(frame[extra].notna(), None).to_dict("records")
    for row, more in zip(records(frame), rest, strict=True):
        cells = [row[c] for c in OBS_COLUMNS] + [_plain(more[c]) for c in extra]
        writer.writerow(csv_cell(v) for v in cells)
    return out.getvalue()


def _plain(value: object) -> object:
    """A numpy scalar as Python's (``True`` not ``np.True_``), a non-finite float as empty."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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
    listed = doc.get("sources", [])
    if not isinstance(listed, list) or not all(isinstance(s, dict) for s in listed):
        raise LoadError([Problem(name, None, None, '"sources" must be a list of {...}')])
    cleaned = [{k: _json_text(v) for k, v in r.items()} for r in rows]
    raw = fill_period_bounds(raw_table(cleaned, file=name, rows=range(1, len(rows) + 1)))
    raw.attrs["row_label"] = "observation"  # numbered in the "observations" list
    raw.attrs["sources"] = clean_sources(listed, '"sources"')
    return raw


def _json_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bool | dict | list):
        return json.dumps(value)  # kept as text; the type rules then reject it
    return str(value)


# The registry's declarations (``interop.formats.FORMATS``) -------------------------------


def _read_csv(path: Path, *, source: str | None = None, codes=None) -> pd.DataFrame:
    return read_csv(path)


def _write_csv(frame: pd.DataFrame, path: Path, *, sources=(), session=None) -> None:
    write_csv(frame, path)


def _read_json(path: Path, *, source: str | None = None, codes=None) -> pd.DataFrame:
    return read_json(path)


def _write_json(frame: pd.DataFrame, path: Path, *, sources=(), session=None) -> None:
    write_json(frame, path, list(sources))


def _is_our_json(head: Head) -> bool:
    return head.text.startswith("{") and '"observations"' in head.text[:200]


CSV = Format(
    "csv",
    "CSV",
    read=_read_csv,
    write=_write_csv,
    recognise=lambda head: True,  # any file no other format recognised
    fallback=True,
    media_type="text/csv; charset=utf-8",
)
JSON = Format(
    "json",
    "JSON",
    read=_read_json,
    write=_write_json,
    recognise=_is_our_json,
    media_type="application/json",
)
