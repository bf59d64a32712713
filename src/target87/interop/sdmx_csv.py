"""SDMX-CSV 1.0 and 2.0 -> SDMX components, the fast way.

sdmx1 keeps one Python object per observation and does not read SDMX-CSV 1.0 at all, so
SDMX-CSV goes through pyarrow's CSV parser (a million rows in under a second) with every
column read as text; nothing is inferred, so codes like ``076`` and values keep their
exact spelling.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pacsv

from target87.ingest.errors import LoadError, Problem
from target87.interop.csv_lines import record_lines
from target87.interop.limits import arrow_reader

# Coded components whose cells may carry a label ("BRA: Brazil") in files written with
# labels=both; the label is cut off only in columns whose header is labelled too.
CODED = {
    "FREQ",
    "REPORTING_TYPE",
    "SERIES",
    "INDICATOR",
    "MEASURE",
    "REF_AREA",
    "SEX",
    "AGE",
    "URBANISATION",
    "RESIDENCE",
    "OBS_STATUS",
    "NATURE",
    "UNIT_MEASURE",
    "UNIT_MULT",
    "UNIT_MULTIPLIER",
}
FLOW = re.compile(r"^\s*([^:,]+:[^(:,]+\([^)]*\))")
ACTIONS = {"", "I", "A", "R", "M"}  # information, append, replace, merge; not D (delete)


def _problem(name: str, line: int | None, reason: str, column: str | None = None) -> LoadError:
    return LoadError([Problem(name, line, column, reason, rule="format")])


def _header(text: str, name: str) -> list[str]:
    # Parse only the start of the file: handing all of it to csv.reader costs a full copy.
    end = text.find("\n")
    head = text if end < 0 else text[: max(end + 1, 65536)]
    try:
        return next(csv.reader(io.StringIO(head)))
    except (csv.Error, StopIteration) as exc:
        raise _problem(name, 1, f"malformed CSV header: {exc}") from None


def _bad_record(text: str, width: int, name: str) -> LoadError | None:
    """Find the first record whose field count differs from the header's."""
    reader = csv.reader(io.StringIO(text))
    try:
        for record in reader:
            if record and len(record) != width:
                return _problem(
                    name,
                    reader.line_num,
                    f"malformed CSV: {len(record)} field(s) where the header has {width}",
                )
    except csv.Error as exc:
        return _problem(name, reader.line_num, f"malformed CSV: {exc}")
    return None


def read_components(
    data: bytes, name: str
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, dict[str, str]]:
    """Parse SDMX-CSV (decoded, re-encoded as UTF-8 by the caller) into (components, row
    lines, dataflow per row, spelled headers). Bytes, not text: a large file is held once."""
    if not data or data.isspace():
        raise _problem(name, None, "empty file: not SDMX-CSV")
    end = data.find(b"\n")
    header = _header(data[: max(end + 1, 65536)].decode("utf-8", errors="ignore"), name)
    ids = [h.split(":", 1)[0].strip() for h in header]
    if not ids or ids[0] not in ("DATAFLOW", "STRUCTURE"):
        raise _problem(
            name,
            1,
            "not SDMX-CSV: the first column must be DATAFLOW (SDMX-CSV 1.0) or STRUCTURE "
            f"(2.0), found {header[0][:40] if header else ''!r}",
        )
    flow_column = "DATAFLOW" if ids[0] == "DATAFLOW" else "STRUCTURE_ID"
    required = [flow_column, "TIME_PERIOD", "OBS_VALUE"]
    missing = [c for c in required if c not in ids]
    if missing:
        raise _problem(name, 1, f"SDMX-CSV without column(s) {', '.join(missing)}")
    dupes = sorted({i for i in ids if ids.count(i) > 1 or not i})
    if dupes:
        raise _problem(name, 1, f"SDMX-CSV header with empty or repeated column(s): {dupes}")

    lines = record_lines(data)
    multiline = lines is None or bool((np.diff(lines) > 1).any())
    try:
        table = pacsv.read_csv(
            arrow_reader(data),  # no Python object held by Arrow's threads (limits.py)
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=multiline),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError, ValueError) as exc:
        raise (
            _bad_record(data.decode("utf-8"), len(header), name)
            or _problem(name, None, f"malformed CSV: {str(exc).splitlines()[0][:200]}")
        ) from None

    n = table.num_rows
    if lines is not None and len(lines) == n + 1:
        rows = lines[1:].astype(np.int64)
    else:  # odd quoting we could not follow: number records plainly after the header
        rows = np.arange(2, n + 2, dtype=np.int64)
    columns = {}
    for spelled, component in zip(header, ids, strict=True):
        cells = pc.utf8_trim_whitespace(table.column(spelled))
        if component in CODED and ":" in spelled:
            cells = pc.utf8_trim_whitespace(pc.replace_substring_regex(cells, r":.*$", ""))
        columns[component] = cells
    del table  # the trimmed columns replace it
    # Arrow-backed text columns ("str" dtype): no Python object per cell.
    comp = pa.table(columns).to_pandas() if columns else pd.DataFrame()

    if "ACTION" in comp:
        bad = ~comp["ACTION"].isin(ACTIONS)
        if bad.any():
            first = int(np.flatnonzero(bad.to_numpy())[0])
            raise _problem(
                name,
                int(rows[first]),
                f"ACTION {comp['ACTION'].iloc[first]!r}: only information/append/replace "
                "rows can be loaded, not deletions",
                "ACTION",
            )
    flow_of = {f: m.group(1) if (m := FLOW.match(f)) else f for f in pd.unique(comp[flow_column])}
    flows = comp[flow_column].map(flow_of).to_numpy(dtype=object)
    spelled_by_id = dict(zip(ids, header, strict=True))
    return comp, rows, flows, spelled_by_id
