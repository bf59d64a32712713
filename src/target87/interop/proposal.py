"""The mapping proposed for one national file, with the store's code lists: what
``target87 map`` prints and the upload page shows (both call ``propose_for_file``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from target87 import store
from target87.interop.codes import CodeMap
from target87.interop.mapping import Mapping, propose, propose_sdmx
from target87.interop.opensdg import raw_columns
from target87.interop.sdmx_read import component_values


def area_tables(session: Session) -> tuple[CodeMap, dict[str, str]]:
    """Area codes (ISO3, M49) and names in three languages and ISO2, from the store."""
    areas = list(session.query(store.Area))
    codes = CodeMap([(a.code, a.iso3, a.iso2, a.m49) for a in areas])
    names: dict[str, str] = {}
    for a in areas:
        for text in (a.iso2, a.name_en, a.name_fr, a.name_es):
            if text:
                names.setdefault(text, a.code)
    return codes, names


def propose_for_file(
    session: Session,
    path: Path,
    fmt: str,
    area: str | None = None,
    series: str | None = None,
    source: str | None = None,
) -> Mapping:
    """The proposed mapping of the file at ``path`` in format ``fmt`` (an SDMX format or an
    Open SDG folder or CSV); ``area``, ``series`` and ``source`` are what the file leaves
    implicit. Raises ``LoadError`` when the file cannot be read."""
    codes, names = area_tables(session)
    known_series = [s.code for s in session.query(store.Series)]
    if fmt.startswith("sdmx"):
        return propose_sdmx(
            component_values(path),
            area=area,
            series=series,
            source=source,
            codes=codes,
            known_series=known_series,
        )
    columns, metadata = raw_columns(path)
    return propose(
        columns,
        metadata,
        area=area,
        series=series,
        source=source,
        codes=codes,
        area_names=names,
        known_series=known_series,
        known_sources=[s.id for s in store.sources(session)],
    )
