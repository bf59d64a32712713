"""The registry's SDMX formats: ``sdmx-csv`` (SDMX-CSV 1.0 and 2.0), ``sdmx-ml`` (SDMX-ML 2.1,
generic or structure-specific) and ``sdmx-json`` (SDMX-JSON 1.0, read only).

One family behind three names: ``sdmx_read.read_sdmx`` reads all three, telling them apart by
content (so a file named with the wrong one of them is still read), after ``sdmx_csv``,
``sdmx_json`` or lxml have parsed it; ``sdmx_write`` writes SDMX-CSV and SDMX-ML for the SDG
DSD. Neither carries an undated value or an area without an M49 code: export leaves those
rows out and counts them (``sdmx_expressible``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from target87.interop.format_spec import Format, Head
from target87.interop.sdmx_read import read_sdmx
from target87.interop.sdmx_write import sdmx_expressible, write_sdmx_csv, write_sdmx_ml


def _write_csv(frame: pd.DataFrame, path: Path, *, sources=(), session=None) -> None:
    write_sdmx_csv(frame, path)


def _write_ml(frame: pd.DataFrame, path: Path, *, sources=(), session=None) -> None:
    write_sdmx_ml(frame, path)


def _is_sdmx_csv(head: Head) -> bool:
    """SDMX-CSV 1.0 starts with a DATAFLOW column, 2.0 with STRUCTURE."""
    return bool(head.header) and head.header[0] in ("DATAFLOW", "STRUCTURE")


def _is_xml(head: Head) -> bool:
    return head.text.startswith("<")


def _is_json(head: Head) -> bool:
    """Any JSON object: the registry asks our own JSON (with "observations") first."""
    return head.text.startswith("{")


SDMX_CSV = Format(
    "sdmx-csv",
    "SDMX-CSV",
    read=read_sdmx,
    mapped=True,
    write=_write_csv,
    recognise=_is_sdmx_csv,
    select=sdmx_expressible,
    media_type="application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8",
)
SDMX_ML = Format(
    "sdmx-ml",
    "SDMX-ML",
    read=read_sdmx,
    mapped=True,
    write=_write_ml,
    recognise=_is_xml,
    select=sdmx_expressible,
    media_type="application/vnd.sdmx.structurespecificdata+xml; version=2.1",
)
SDMX_JSON = Format(
    "sdmx-json",
    "SDMX-JSON",
    read=read_sdmx,
    mapped=True,
    recognise=_is_json,
    media_type="application/vnd.sdmx.data+json; version=1.0.0",
)
