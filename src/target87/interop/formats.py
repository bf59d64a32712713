"""The formats we read and write, in one list (``FORMATS``), and one entry point per direction:
``read_any`` for every input format, ``export`` for output, ``detect_format`` to tell them apart.

Each format family is one module declaring its ``Format`` (see ``interop.format_spec``): our
``csv`` and ``json`` (``csv_io``); ``xlsx``, our workbook or the template (``xlsx``);
``sdmx-csv``, ``sdmx-ml`` (SDMX-ML 2.1, generic or structure-specific) and ``sdmx-json``
(``sdmx_formats``); ``opensdg``, a folder of Open SDG indicator CSVs with metadata
(``opensdg``). Adding a format is one new module and one line in ``FORMATS``: the ``load``,
``check`` and ``export`` commands and the API's media types come from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from target87.interop import csv_io, opensdg, sdmx_formats, xlsx
from target87.interop.codes import CodeMap
from target87.interop.format_spec import SNIFF_BYTES, Format, Head
from target87.interop.limits import check_size, refuse
from target87.interop.mapping import Mapping
from target87.interop.sdmx_write import sdmx_expressible  # here before, still importable
from target87.store.lookup import nearest
from target87.store.query import observations, sources

# Listed in this order (help texts, --format choices), and asked in this order by detection,
# ``fallback`` formats last: the first to recognise a file wins, so our JSON (which has
# "observations") is asked before SDMX-JSON (any JSON object), SDMX-CSV before Open SDG.
FORMATS: tuple[Format, ...] = (
    csv_io.CSV,
    csv_io.JSON,
    xlsx.XLSX,
    sdmx_formats.SDMX_CSV,
    sdmx_formats.SDMX_ML,
    sdmx_formats.SDMX_JSON,
    opensdg.OPENSDG,
)


def readers() -> tuple[Format, ...]:
    """The registered formats we read, in registry order."""
    return tuple(f for f in FORMATS if f.read is not None)


def writers() -> tuple[Format, ...]:
    """The registered formats we write, in registry order."""
    return tuple(f for f in FORMATS if f.write is not None)


def format_named(name: str) -> Format | None:
    """The registered format of that name (``--format``'s spelling), or None."""
    return next((f for f in FORMATS if f.name == name), None)


# The names, for callers that want them as constants (``readers()`` and ``writers()`` see the
# registry as it is when called).
READ_FORMATS = tuple(f.name for f in readers())
WRITE_FORMATS = tuple(f.name for f in writers())


def detect_format(path: Path) -> str:
    """Tell the format from the path and the first bytes; never from the extension alone.

    The formats we read are asked in registry order, ``fallback`` ones last; the first that
    recognises the file wins. A folder is offered only to formats whose files may be folders.
    """
    order = sorted(readers(), key=lambda f: f.fallback)  # stable: registry order kept
    if path.is_dir():
        head = Head(path)
        order = [f for f in order if f.folder]
    else:
        check_size(path)
        with path.open("rb") as file:
            head = Head(path, file.read(SNIFF_BYTES))
    for fmt in order:
        if fmt.recognise is not None and fmt.recognise(head):
            return fmt.name
    what = "a folder" if head.is_folder else "a file"
    known = ", ".join(f.name for f in order)
    raise refuse(path, f"{what} in no format we recognise (known: {known})")


def read_any(
    path: Path,
    fmt: str | None = None,
    *,
    source: str | None = None,
    codes: CodeMap | None = None,
    mapping: Mapping | None = None,
) -> pd.DataFrame:
    """Read any supported input into a raw observation table (see ``interop.table``).

    ``mapping`` (from ``target87 map``, see ``interop.mapping``) is honoured by the formats
    whose ``Format.mapped`` says so; for others it is refused, never ignored."""
    fmt = fmt or detect_format(path)
    spec = format_named(fmt)
    if spec is None or spec.read is None:
        known = ", ".join(f.name for f in readers())
        raise refuse(path, f"unknown format {fmt!r} (known: {known})")
    if mapping is not None:
        if not spec.mapped:
            takes = ", ".join(f.label for f in readers() if f.mapped)
            raise refuse(path, f"a mapping file applies to {takes} for now, not {spec.label}")
        raw = spec.read(path, source=source, codes=codes, mapping=mapping)
    else:
        raw = spec.read(path, source=source, codes=codes)
    if source:
        raw.loc[raw["source"] == "", "source"] = source
    return raw


@dataclass
class ExportResult:
    rows: int
    # Why rows were left out of a format that cannot carry them, and how many.
    left_out: dict[str, int] = field(default_factory=dict)


def export(
    session: Session,
    path: Path,
    fmt: str,
    series: list[str] | None = None,
    areas: list[str] | None = None,
    preferred_only: bool = False,
    source_ids: list[str] | None = None,
) -> ExportResult:
    """Write the selected observations (every source unless ``preferred_only``) to ``path``.

    ``source_ids``: only these sources' rows (with ``preferred_only``, those of their rows
    that are the preferred value of their key). Formats that cannot carry every row (SDMX)
    leave those out and say how many in ``left_out``.
    """
    spec = format_named(fmt)
    if spec is None or spec.write is None:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(f.name for f in writers())})")
    if source_ids:
        known = {s.id for s in sources(session)}
        for wanted in source_ids:
            if wanted not in known:
                near = nearest(wanted, ((k, k) for k in known), fallback=False)
                hint = f" (did you mean {', '.join(near)}?)" if near else ""
                raise ValueError(f"unknown source {wanted!r}{hint}")
    frame = observations(session, series=series, areas=areas, all_sources=not preferred_only)
    if source_ids:
        frame = frame[frame["source"].isin(source_ids)].reset_index(drop=True)
    left_out: dict[str, int] = {}
    if spec.select is not None:
        frame, left_out = spec.select(frame)
    used = set(frame["source"])
    cited = [
        {
            "id": s.id,
            "publisher": s.publisher,
            "title": s.title,
            "edition": s.edition,
            "year": s.year,
            "retrieved": s.retrieved,
            "licence": s.licence,
            "url": s.url,
            "citation": s.citation,
        }
        for s in sources(session)
        if s.id in used
    ]
    spec.write(frame, path, sources=cited, session=session)
    return ExportResult(len(frame), left_out)


__all__ = [
    "FORMATS",
    "READ_FORMATS",
    "WRITE_FORMATS",
    "ExportResult",
    "Format",
    "Head",
    "detect_format",
    "export",
    "format_named",
    "read_any",
    "readers",
    "sdmx_expressible",
    "writers",
]
