"""Where each record of a CSV file starts: the line numbers our CSV and SDMX-CSV readers give
in their refusals (pyarrow, which parses both, counts records, not lines)."""

from __future__ import annotations

import numpy as np


def record_lines(data: bytes) -> np.ndarray | None:
    """The physical line (1-based) each CSV record starts on, header included; None if unsure.

    Vectorised over the bytes: a quoted field spanning lines leaves an odd number of quotes
    on the lines it covers, so quote parity per line tells where records start, and blank
    lines (which the parser skips) are dropped.
    """
    cr = data.count(b"\r")
    if cr and cr != data.count(b"\r\n"):
        return None  # bare CR line ends: the caller numbers rows plainly
    if b'"' not in data and not _has_blank_line(data):
        # The usual file: no quoted field, no blank line, so record n is on line n. bytes'
        # own searches (memchr) answer that in a fraction of the passes below.
        count = data.count(b"\n") + 1 - data.endswith(b"\n")
        return np.arange(1, count + 1)
    return record_lines_by_quotes(data)


def record_lines_by_quotes(data: bytes) -> np.ndarray:
    """``record_lines`` for any file with LF or CRLF line ends, quotes and blank lines: the
    general way, which ``record_lines`` skips when the file has no quote and no blank line."""
    b = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(b == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(b)]))
    lengths = ends - starts
    first = b[np.minimum(starts, max(len(b) - 1, 0))] if len(b) else np.zeros(len(starts), np.uint8)
    blank = (lengths == 0) | ((lengths == 1) & (first == 13))
    quotes = np.bincount(np.searchsorted(newlines, np.flatnonzero(b == 34)), minlength=len(starts))
    odd = quotes & 1
    outside = ((np.cumsum(odd) - odd) & 1) == 0  # not inside a quoted field when the line starts
    return np.flatnonzero(outside & ~blank) + 1


def _has_blank_line(data: bytes) -> bool:
    """A line with nothing on it (the parser skips those), other than after the last line end."""
    return b"\n\n" in data or b"\n\r\n" in data or data.startswith((b"\n", b"\r\n")) or not data
