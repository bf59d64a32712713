"""How the REST API writes what it returns: areas and series as models, observations as CSV
(the cell rules of ``interop.csv_io.write_csv``, formula text neutralised) and SDMX-CSV (rows the
SDG DSD cannot carry left out and counted), and which format a request asks for."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from target87 import store
from target87.interop.csv_io import observations_csv
from target87.interop.formats import format_named
from target87.interop.sdmx_write import sdmx_expressible, write_sdmx_csv
from target87.web.api.models import AreaOut, Names, Regions, SeriesOut

# The registered formats observations are also served in (besides the JSON page), the most
# specific first: the first whose media type the Accept header names is chosen.
DOWNLOADS = ("sdmx-csv", "csv")
CSV_TYPE = format_named("csv").media_type
SDMX_CSV_TYPE = format_named("sdmx-csv").media_type


def area_out(a: store.Area) -> AreaOut:
    return AreaOut(
        code=a.code,
        kind=a.kind,
        grouping=a.grouping,
        iso3=a.iso3,
        iso2=a.iso2,
        m49=a.m49,
        names=Names(en=a.name_en, fr=a.name_fr, es=a.name_es),
        regions=Regions(
            m49_region=a.m49_region,
            m49_subregion=a.m49_subregion,
            m49_intermediate_region=a.m49_intermediate_region,
            ilo_region=a.ilo_region,
            wb_region=a.wb_region,
        ),
        income_group=a.wb_income_group,
        un_member=a.un_member,
        pathfinder=bool(a.pathfinder),
        pathfinder_year=a.pathfinder_year,
        sources=[s for s in (a.source or "").split(";") if s],
    )


def series_out(s: store.Series) -> SeriesOut:
    return SeriesOut(
        code=s.code,
        sdg_indicator=s.sdg_indicator,
        names=Names(en=s.name_en, fr=s.name_fr, es=s.name_es),
        unit=s.unit,
        unit_mult=s.unit_mult,
        direction=s.direction,
        target_value=s.target_value,
        target_year=s.target_year,
        definition=s.definition_en,
        standard=s.standard,
        topic=s.topic,
    )


def negotiate(fmt: str | None, accept: str) -> str:
    if fmt:
        return fmt
    accept = accept.lower()
    for name in DOWNLOADS:
        if format_named(name).bare_media_type in accept:
            return name
    return "json"


def csv_body(frame: pd.DataFrame, extra: list[str]) -> str:
    return observations_csv(frame, extra)  # the CLI's `query --format csv` writes the same


def sdmx_csv_body(frame: pd.DataFrame) -> tuple[bytes, int]:
    kept, left_out = sdmx_expressible(frame)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "observations.csv"
        write_sdmx_csv(kept, path)
        return path.read_bytes(), sum(left_out.values())  # bytes: CRLF kept as written
