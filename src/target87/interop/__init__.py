"""Data in and out: SDMX, Open SDG, Excel, CSV and JSON, checked by the validation rules.

from target87.interop import load_file, export
summary = load_file(engine, Path("ministry.xlsx"))   # all rows or none
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from target87.interop.formats import READ_FORMATS, WRITE_FORMATS, detect_format, export, read_any
from target87.interop.load import LoadSummary, check_table, load_table
from target87.validation import Context, RuleSet


def load_file(
    engine: Engine,
    path: Path,
    fmt: str | None = None,
    *,
    source: str | None = None,
    rules: RuleSet | None = None,
    ctx: Context | None = None,
    new_sources: list[dict] | None = None,
    progress=None,
    mode: str = "replace",
) -> LoadSummary:
    """Read ``path`` in any supported format, check it, and load it: all rows or none."""
    raw = read_any(path, fmt, source=source)
    return load_table(
        engine,
        raw,
        rules=rules,
        ctx=ctx,
        new_sources=new_sources or [],
        progress=progress,
        mode=mode,
    )


__all__ = [
    "READ_FORMATS",
    "WRITE_FORMATS",
    "LoadSummary",
    "check_table",
    "detect_format",
    "export",
    "load_file",
    "load_table",
    "read_any",
]
