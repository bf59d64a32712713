"""How the REST API writes what it returns: areas and series as models, observations as CSV
(the cell rules of ``interop.csv_io.write_csv``, formula text neutralised) and SDMX-CSV (rows the
SDG DSD cannot carry left out and counted), and which format a request asks for."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd

from target87 import store
from target87.interop.csv_io import _cell  # the same cell rules as ``write_csv``
from target87.interop.formats import sdmx_expressible
from target87.interop.sdmx_write import write_sdmx_csv
from target87.interop.table import OBS_COLUMNS, records
from target87.web.api.http import json_safe
from target87.web.api.models import AreaOut, Names, Regions, SeriesOut

CSV_TYPE = "text/csv; charset=utf-8"
SDMX_CSV_TYPE = "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8"


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
    if "application/vnd.sdmx.data+csv" in accept:
        return "sdmx-csv"
    if "text/csv" in accept:
        return "csv"
    return "json"


def csv_body(frame: pd.DataFrame, extra: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(OBS_COLUMNS + extra)
    for row, rest in zip(records(frame), frame[extra].to_dict("records"), strict=True):
        cells = [row[c] for c in OBS_COLUMNS] + [json_safe(rest[c]) for c in extra]
        writer.writerow(_cell(v) for v in cells)
    return out.getvalue()


def sdmx_csv_body(frame: pd.DataFrame) -> tuple[bytes, int]:
    kept, left_out = sdmx_expressible(frame)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "observations.csv"
        write_sdmx_csv(kept, path)
        return path.read_bytes(), sum(left_out.values())  # bytes: CRLF kept as written
