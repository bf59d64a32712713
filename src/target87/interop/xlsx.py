"""The registry's ``xlsx`` format: Excel workbooks, our export, our template or a user's own.

Read by ``excel_read`` (cell by cell, nothing in the workbook ever run), written by
``excel_write`` (one sheet per series and a Sources sheet); ``excel_template`` makes the
template. Both are imported when first used: openpyxl takes a while to load.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from target87.interop.codes import CodeMap
from target87.interop.format_spec import Format, Head
from target87.interop.limits import refuse

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read_workbook(
    path: Path, *, source: str | None = None, codes: CodeMap | None = None
) -> pd.DataFrame:
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


def _write(frame: pd.DataFrame, path: Path, *, sources=(), session=None) -> None:
    from target87.interop.excel_write import write_excel

    write_excel(frame, sources, path)


def _is_zip(head: Head) -> bool:
    return head.data.startswith(b"PK\x03\x04")


XLSX = Format(
    "xlsx",
    "Excel",
    read=read_workbook,
    write=_write,
    recognise=_is_zip,
    media_type=MEDIA_TYPE,
)
