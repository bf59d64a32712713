"""The observation table: what every reader returns and every writer takes.

A *raw table* comes straight from a file: a DataFrame with one column per observation field
(``OBS_COLUMNS``, all text, ``""`` for an empty cell) plus where each row came from:
``_row`` (CSV line, sheet row, or SDMX observation number, 1-based as a user counts) and
``_sheet`` (sheet name, or ``""``). ``frame.attrs`` holds ``file`` (the name to show in
errors) and ``source_columns`` (our column -> the column name as the file spells it), so a
problem is reported in the user's terms. Readers only translate layout and codes; checking
is the validation rules' job, and typing (``typed``) comes after the checks pass.

A *typed table* (from the store or ``typed``) has floats for value and bounds, nullable
integers for ``unit_mult``, ``year_from`` and ``year_to``, and None for empty text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from target87.interop.breakdowns import canonical_column
from target87.store.query import OBSERVATION_COLUMNS

OBS_COLUMNS: list[str] = list(OBSERVATION_COLUMNS)
POSITION_COLUMNS = ["_row", "_sheet"]
FREE_TEXT = ("footnote", "source_detail")  # kept exactly as written, spaces and all
FLOAT_COLUMNS = ["value", "lower_bound", "upper_bound"]
INT_COLUMNS = ["unit_mult", "year_from", "year_to"]
TEXT_COLUMNS = [c for c in OBS_COLUMNS if c not in FLOAT_COLUMNS + INT_COLUMNS]
# Defaults a reader may apply when its format has no such field.
DEFAULTS = {
    "urbanisation": "_T",
    "breakdown": "_T",
    "obs_status": "A",
    "reporting_type": "G",
    "unit_mult": "0",
}


def raw_table(
    records: Iterable[Mapping[str, object]] | pd.DataFrame,
    *,
    file: str,
    rows: Iterable[int] | None = None,
    sheet: str = "",
    source_columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Build a raw table; missing fields become ``""``, every cell becomes text."""
    frame = records if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    out = pd.DataFrame(index=frame.index)
    for column in OBS_COLUMNS:
        if column not in frame.columns:
            out[column] = ""
            continue
        cells = frame[column]
        if pd.api.types.is_string_dtype(cells) and not cells.isna().any():
            out[column] = cells  # already text (CSV readers): no per-cell work
        else:
            text = cells.map(_text, na_action="ignore").fillna("").astype(str)
            # Codes lose stray spaces; a footnote keeps its exact text.
            out[column] = text if column in FREE_TEXT else text.str.strip()
    if (out["breakdown"] != "_T").any():  # blank is none; other text in canonical order
        out["breakdown"] = canonical_column(out["breakdown"])
    out["_row"] = _row_numbers(rows, len(out))
    out["_sheet"] = frame["_sheet"] if "_sheet" in frame.columns else sheet
    out.attrs["file"] = file
    out.attrs["source_columns"] = dict(source_columns or {})
    return out.reset_index(drop=True)


def _row_numbers(rows: Iterable[int] | None, count: int) -> np.ndarray:
    # An int64 array, not a list: a million Python ints cost pandas half a second to take in.
    if rows is None:
        return np.arange(1, count + 1, dtype=np.int64)
    if isinstance(rows, range):
        return np.arange(rows.start, rows.stop, rows.step, dtype=np.int64)
    return np.asarray(rows if isinstance(rows, np.ndarray | pd.Series) else list(rows), np.int64)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None or value != value:  # None, NaN, NA
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def fill_period_bounds(raw: pd.DataFrame) -> pd.DataFrame:
    """Derive ``year_from``/``year_to`` from ``time_period`` where a reader has only the latter."""
    empty_from, empty_to = raw["year_from"] == "", raw["year_to"] == ""
    need = empty_from | empty_to
    if not need.any():
        return raw
    period = raw["time_period"].where(need, "")
    # One vectorised pass for single years; the slower regex extract only for what is left.
    year = period.str.fullmatch(r"\d{4}").astype(bool)
    raw.loc[year & empty_from, "year_from"] = period[year & empty_from]
    raw.loc[year & empty_to, "year_to"] = period[year & empty_to]
    other = need & ~year & period.str.contains("/", regex=False).astype(bool)
    if other.any():
        window = period[other].str.extract(r"^(\d{4})/(\d{4})$")
        has = window[0].notna()
        rows = window.index[has]
        fill_from = rows[empty_from[rows].to_numpy()]
        fill_to = rows[empty_to[rows].to_numpy()]
        raw.loc[fill_from, "year_from"] = window.loc[fill_from, 0]
        raw.loc[fill_to, "year_to"] = window.loc[fill_to, 1]
    return raw


def typed(raw: pd.DataFrame) -> pd.DataFrame:
    """Convert a checked raw table into a typed one (call only after validation passed)."""
    out = pd.DataFrame(index=raw.index)
    for column in OBS_COLUMNS:
        cells = raw[column]
        if column in FLOAT_COLUMNS:
            out[column] = cells.replace("", None).astype("float64")
        elif column in INT_COLUMNS:
            out[column] = cells.replace("", None).astype("float64").astype("Int64")
        else:
            out[column] = cells.astype(object).where(cells != "", None)
    return out


def records(frame: pd.DataFrame) -> list[dict]:
    """Typed table -> list of dicts with Python scalars (None for missing), for writers."""
    out = frame[OBS_COLUMNS].astype(object).where(frame[OBS_COLUMNS].notna(), None)
    rows = out.to_dict("records")
    for row in rows:
        for column in INT_COLUMNS:  # the store hands back 2014.0 where a column has NULLs
            if row[column] is not None:
                row[column] = int(row[column])
        for column in FLOAT_COLUMNS:
            if row[column] is not None:
                row[column] = float(row[column])
    return rows


class ExportError(ValueError):
    """Data that a format cannot carry (say, an undated value in SDMX); nothing was written."""


def drop_empty_values(raw: pd.DataFrame) -> pd.DataFrame:
    """National files list cells with no data (a blank Value, SDMX's missing OBS_VALUE):
    no observation, so left out and counted in ``attrs["no_value"]``, never stored as 0."""
    empty = raw["value"].astype(str).str.strip() == ""
    if not empty.any():
        return raw
    attrs = dict(raw.attrs)
    out = raw[~empty].reset_index(drop=True)
    out.attrs.update(attrs, no_value=int(empty.sum()))
    return out
