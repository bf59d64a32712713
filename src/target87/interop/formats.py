"""One entry point per direction: ``read_any`` for every input format, ``export`` for output.

Formats: ``csv`` (ours), ``json`` (ours), ``xlsx`` (our workbook or the template),
``sdmx-csv``, ``sdmx-ml`` (SDMX-ML 2.1, generic or structure-specific), ``sdmx-json``,
``opensdg`` (a folder of Open SDG indicator CSVs with metadata).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from target87.interop.codes import CodeMap
from target87.interop.limits import check_size, refuse, text_encoding
from target87.store.query import observations, sources

READ_FORMATS = ("csv", "json", "xlsx", "sdmx-csv", "sdmx-ml", "sdmx-json", "opensdg")
WRITE_FORMATS = ("csv", "json", "xlsx", "sdmx-csv", "sdmx-ml", "opensdg")
SNIFF_BYTES = 4096


def detect_format(path: Path) -> str:
    """Tell the format from the path and the first bytes; never from the extension alone."""
    if path.is_dir():
        return "opensdg"
    check_size(path)
    head = path.open("rb").read(SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    announced = text_encoding(head)  # UTF-16 (Excel's "Unicode text") and UTF-32 as well
    codec = announced[1] if announced else "utf-8"
    text = head.decode(codec, errors="replace").lstrip("\ufeff").lstrip()
    if text.startswith("<"):
        return "sdmx-ml"
    if text.startswith("{"):
        return "json" if '"observations"' in text[:200] else "sdmx-json"
    first = text.splitlines()[0] if text else ""
    header = [c.strip().strip('"').upper() for c in first.split(",")]
    if header and header[0] in ("DATAFLOW", "STRUCTURE"):
        return "sdmx-csv"
    if "YEAR" in header and "VALUE" in header:
        return "opensdg"
    return "csv"


def read_any(
    path: Path, fmt: str | None = None, *, source: str | None = None, codes: CodeMap | None = None
) -> pd.DataFrame:
    """Read any supported input into a raw observation table (see ``interop.table``)."""
    fmt = fmt or detect_format(path)
    if fmt == "csv":
        from target87.interop.csv_io import read_csv

        raw = read_csv(path)
    elif fmt == "json":
        from target87.interop.csv_io import read_json

        raw = read_json(path)
    elif fmt == "xlsx":
        raw = _read_workbook(path, codes)
    elif fmt in ("sdmx-csv", "sdmx-ml", "sdmx-json"):
        from target87.interop.sdmx_read import read_sdmx

        raw = read_sdmx(path, codes=codes, source=source)
    elif fmt == "opensdg":
        from target87.interop.opensdg import read_opensdg

        raw = read_opensdg(path, codes=codes, source=source)
    else:
        raise refuse(path, f"unknown format {fmt!r} (known: {', '.join(READ_FORMATS)})")
    if source:
        raw.loc[raw["source"] == "", "source"] = source
    return raw


def _read_workbook(path: Path, codes: CodeMap | None) -> pd.DataFrame:
    """``read_xlsx``, with a refusal (not openpyxl's traceback) for a zip archive that is no
    workbook or a workbook whose name does not end in .xlsx: openpyxl goes by the name."""
    from openpyxl.utils.exceptions import InvalidFileException

    from target87.interop.excel_read import read_xlsx

    try:
        return read_xlsx(path, codes=codes)
    except InvalidFileException:
        with zipfile.ZipFile(path) as archive:  # read_xlsx checked that it opens
            workbook = "xl/workbook.xml" in archive.namelist()
        if not workbook:
            reason = "a zip archive, not an xlsx workbook (it holds no xl/workbook.xml)"
        else:
            reason = (
                f"an xlsx workbook under the name {path.name!r}: the workbook reader opens "
                "only .xlsx and .xlsm names; rename it to .xlsx to load it"
            )
        raise refuse(path, reason) from None


@dataclass
class ExportResult:
    rows: int
    # Why rows were left out of a format that cannot carry them, and how many.
    left_out: dict[str, int] = field(default_factory=dict)


def sdmx_expressible(frame: pd.DataFrame, codes: CodeMap | None = None):
    """Split off rows SDMX cannot carry: an undated value, or an area without an M49 code."""
    codes = codes or CodeMap()
    undated = frame["time_period"] == "unknown"
    no_m49 = frame["ref_area"].map(lambda a: codes.m49(a) is None).astype(bool)
    left_out = {
        "period 'unknown' (no year to give TIME_PERIOD)": int(undated.sum()),
        "area without an M49 code (REF_AREA is M49)": int((no_m49 & ~undated).sum()),
    }
    return frame[~undated & ~no_m49], {k: v for k, v in left_out.items() if v}


def export(
    session: Session,
    path: Path,
    fmt: str,
    series: list[str] | None = None,
    areas: list[str] | None = None,
    preferred_only: bool = False,
) -> ExportResult:
    """Write the selected observations (every source unless ``preferred_only``) to ``path``.

    SDMX formats leave out rows they cannot carry and say how many in ``left_out``.
    """
    frame = observations(session, series=series, areas=areas, all_sources=not preferred_only)
    left_out: dict[str, int] = {}
    if fmt in ("sdmx-csv", "sdmx-ml"):
        frame, left_out = sdmx_expressible(frame)
    used = set(frame["source"])
    cited = [
        {
            "id": s.id,
            "publisher": s.publisher,
            "title": s.title,
            "licence": s.licence,
            "url": s.url,
            "citation": s.citation,
        }
        for s in sources(session)
        if s.id in used
    ]
    _write(session, frame, path, fmt, cited)
    return ExportResult(len(frame), left_out)


def _write(session: Session, frame: pd.DataFrame, path: Path, fmt: str, cited: list) -> None:
    if fmt == "csv":
        from target87.interop.csv_io import write_csv

        write_csv(frame, path)
    elif fmt == "json":
        from target87.interop.csv_io import write_json

        write_json(frame, path, cited)
    elif fmt == "xlsx":
        from target87.interop.excel_write import write_excel

        write_excel(frame, cited, path)
    elif fmt == "sdmx-csv":
        from target87.interop.sdmx_write import write_sdmx_csv

        write_sdmx_csv(frame, path)
    elif fmt == "sdmx-ml":
        from target87.interop.sdmx_write import write_sdmx_ml

        write_sdmx_ml(frame, path)
    elif fmt == "opensdg":
        from target87.interop.opensdg import write_opensdg

        write_opensdg(frame, path, session)
    else:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(WRITE_FORMATS)})")
