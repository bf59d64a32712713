"""Data in and out: SDMX, Open SDG, Excel, CSV and JSON, checked by the validation rules.

from target87.interop import load_file, export
summary = load_file(engine, Path("ministry.xlsx"))   # all rows or none; adds and updates
summary.changes.text()                               # "added 2, changed 1, removed 0"
load_file(engine, Path("ministry.xlsx"), mode="replace")   # also removes what the file lacks

Every load is logged: ``target87.interop.history`` lists, shows and undoes them.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from target87.interop.formats import READ_FORMATS, WRITE_FORMATS, detect_format, export, read_any
from target87.interop.load import Changes, LoadSummary, check_table, file_sha256, load_table
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
    mode: str = "upsert",
    actor: str | None = None,
) -> LoadSummary:
    """Read ``path`` in any supported format, check it, and load it: all rows or none.

    ``mode="upsert"`` (default) adds and updates rows and never deletes; ``mode="replace"``
    also removes the stored rows of each source and series in the file that it does not hold.
    """
    raw = read_any(Path(path), fmt, source=source)
    return load_table(
        engine,
        raw,
        rules=rules,
        ctx=ctx,
        new_sources=new_sources or [],
        progress=progress,
        mode=mode,
        actor=actor,
        file_sha256=file_sha256(path),
    )


__all__ = [
    "READ_FORMATS",
    "WRITE_FORMATS",
    "Changes",
    "LoadSummary",
    "check_table",
    "detect_format",
    "export",
    "load_file",
    "load_table",
    "read_any",
]
