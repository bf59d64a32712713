"""Write observations as SDMX-CSV 1.0 and SDMX-ML 2.1 structure-specific data for the SDG
global DSD (``IAEG-SDGs:SDG``), the files a ministry sends to a custodian agency.

Mapping: REF_AREA is the M49 code as the DSD's CL_AREA spells it (no leading zeros, world
``1``); dimensions we do not hold are ``_T``; UNIT_MEASURE is a series attribute; a window
period ``2013/2021`` becomes TIME_PERIOD ``2021`` with TIME_DETAIL ``2013/2021`` (the
reader turns it back); our source id goes in SOURCE_DETAIL and the footnote in COMMENT_OBS.
An ``unknown`` period or an area without an M49 code cannot be expressed: ExportError
listing them, and nothing is written.

SDMX-ML is written with lxml to the shape of the SDMX 2.1 schema (sdmx1 2.28's writer leaves
out the header ``namespace`` and the data set's ``xsi:type`` a structure-specific message
needs); tests read the result back through sdmx1 with the bundled DSD.
"""

from __future__ import annotations

import csv
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

from target87.interop.codes import CodeMap
from target87.interop.sdmx_dsd import NOT_HELD, Dsd, sdg_dsd
from target87.interop.table import OBS_COLUMNS, ExportError
from target87.store.breakdown import parse

NS = {
    "message": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "common": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
    "ss": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
SENDER = "TARGET87"
# Our columns behind each SDMX component (dimensions and attributes we write).
FROM = {
    "REPORTING_TYPE": "reporting_type",
    "SERIES": "series",
    "SEX": "sex",
    "AGE": "age",
    "URBANISATION": "urbanisation",
    "UNIT_MEASURE": "unit",
    "OBS_STATUS": "obs_status",
    "NATURE": "nature",
    "COMMENT_OBS": "footnote",
    "SOURCE_DETAIL": "source",
}
WRITTEN_ATTRIBUTES = set(FROM) - {"REPORTING_TYPE", "SERIES", "SEX", "AGE", "URBANISATION"}
WRITTEN_ATTRIBUTES |= {"UNIT_MULT", "LOWER_BOUND", "UPPER_BOUND", "TIME_DETAIL"}
CODED = ("REPORTING_TYPE", "SERIES", "REF_AREA", "SEX", "AGE", "URBANISATION")
CODED += ("UNIT_MEASURE", "OBS_STATUS", "UNIT_MULT", "NATURE")
YEAR = re.compile(r"^\d{4}$")
WINDOW = re.compile(r"^\d{4}/\d{4}$")


def _number(value: object) -> str:
    """Shortest text that reads back to the same float (integers without '.0')."""
    if value is None or pd.isna(value):
        return ""
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def _text(cells: pd.Series) -> np.ndarray:
    return np.array(["" if v is None or v is pd.NA or v != v else str(v) for v in cells], object)


def _fail(problems: list[str]) -> ExportError:
    more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
    shown = "\n  ".join(problems[:20])
    return ExportError(f"{len(problems)} problem(s); nothing was written:\n  {shown}{more}")


def sdmx_expressible(frame: pd.DataFrame, codes: CodeMap | None = None):
    """Split off rows SDMX cannot carry: an undated value, or an area without an M49 code."""
    codes = codes or CodeMap()
    undated = frame["time_period"] == "unknown"
    no_m49 = frame["ref_area"].map(lambda a: codes.m49(a) is None).astype(bool)
    national = frame["breakdown"].map(_has_national_dimension).astype(bool) & ~undated & ~no_m49
    left_out = {
        "period 'unknown' (no year to give TIME_PERIOD)": int(undated.sum()),
        "area without an M49 code (REF_AREA is M49)": int((no_m49 & ~undated).sum()),
        "a national breakdown the SDG DSD has no dimension for": int(national.sum()),
    }
    return frame[~undated & ~no_m49 & ~national], {k: v for k, v in left_out.items() if v}


def _has_national_dimension(text: str | None) -> bool:
    return any(d not in NOT_HELD for d in parse(text))


def components(frame: pd.DataFrame, codes: CodeMap | None = None) -> pd.DataFrame:
    """A typed table -> one text column per SDMX component of the SDG DSD, in DSD order."""
    codes = codes or CodeMap()
    dsd = sdg_dsd()
    rec = frame[OBS_COLUMNS].reset_index(drop=True)
    problems: list[str] = []
    area = _text(rec["ref_area"])
    m49 = {a: codes.m49(a) for a in pd.unique(area)}
    if missing := sorted(a or "(empty)" for a, code in m49.items() if not code):
        problems.append(f"no M49 code for area(s) {', '.join(missing)}: SDMX REF_AREA is M49")
    period = _text(rec["time_period"])
    for i in np.flatnonzero([not (YEAR.match(p) or WINDOW.match(p)) for p in period]):
        r = rec.iloc[i]
        problems.append(
            f"row {i + 1} ({r['series']} {r['ref_area']} {r['sex']} {r['age']} source "
            f"{r['source']}): period {period[i]!r} cannot be expressed in SDMX TIME_PERIOD"
        )
    for column in ("series", "sex", "age", "urbanisation", "reporting_type"):
        empty = np.flatnonzero(_text(rec[column]) == "")
        if len(empty):
            problems.append(f"{len(empty)} row(s) without {column}, first row {empty[0] + 1}")
    if problems:
        raise _fail(problems)

    window = np.array([bool(WINDOW.match(p)) for p in period], dtype=bool)
    by_text = {t: parse(t) for t in pd.unique(_text(rec["breakdown"]))}
    breakdowns = [by_text[t] for t in _text(rec["breakdown"])]
    out: dict[str, object] = {}
    for dim in dsd.dimensions:
        if dim == "FREQ":
            out[dim] = "A"
        elif dim == "REF_AREA":
            out[dim] = [m49[a].lstrip("0") or "0" for a in area]  # CL_AREA: "76", "1"
        elif dim in NOT_HELD:  # the row's breakdown in this dimension, _T where it has none
            out[dim] = [parts.get(dim, "_T") for parts in breakdowns]
        else:
            out[dim] = _text(rec[FROM[dim]])
    out[dsd.time_dimension] = np.where(window, [p[-4:] for p in period], period)
    out["OBS_VALUE"] = [_number(v) for v in rec["value"]]
    columns = {
        "UNIT_MULT": [_number(v) for v in rec["unit_mult"]],  # 6.0 from a NULL-able column: "6"
        "LOWER_BOUND": [_number(v) for v in rec["lower_bound"]],
        "UPPER_BOUND": [_number(v) for v in rec["upper_bound"]],
        "TIME_DETAIL": np.where(window, period, ""),
    }
    for attr in dsd.attributes:  # DSD order
        if attr in WRITTEN_ATTRIBUTES:
            out[attr] = columns[attr] if attr in columns else _text(rec[FROM[attr]])
    return pd.DataFrame(out, index=rec.index).astype(object)


def dsd_gaps(values: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """For each component, the given codes its DSD code list does not hold."""
    lists = sdg_dsd().codes
    gaps = {}
    for component, codes in values.items():
        allowed = lists.get(component)
        if allowed is not None:
            missing = sorted({c for c in codes if c and c not in allowed})
            if missing:
                gaps[component] = missing
    return gaps


def check_dsd_codes(frame: pd.DataFrame, codes: CodeMap | None = None) -> list[str]:
    """Codes in a typed table that the SDG DSD's code lists do not hold, one line each.

    Our own ``GE_`` series (global estimates) are not SDG series: they are reported here,
    and written only when the caller accepts that (``strict=False``).
    """
    comp = components(frame, codes)
    gaps = dsd_gaps({c: pd.unique(comp[c]) for c in CODED if c in comp})
    return [
        f"{component} {code!r} is not in the DSD code list "
        f"({int((comp[component] == code).sum())} row(s))"
        for component, missing in gaps.items()
        for code in missing
    ]


def _replace(path: Path, write) -> None:
    """Write to a temporary file beside ``path`` and move it in place, so that a failure
    never leaves a half-written file under the real name."""
    path = Path(path)
    part = path.with_name(path.name + ".part")
    try:
        write(part)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def _strict(frame: pd.DataFrame, codes: CodeMap | None, strict: bool) -> pd.DataFrame:
    comp = components(frame, codes)
    if strict and (gaps := check_dsd_codes(frame, codes)):
        raise _fail(gaps)
    return comp


def write_sdmx_csv(
    frame: pd.DataFrame, path: Path, codes: CodeMap | None = None, *, strict: bool = False
) -> int:
    """Write SDMX-CSV 1.0 for the SDG DSD; returns the number of observations written.

    Text is written exactly as held: no spreadsheet formula neutralising here, because
    SDMX-CSV is a machine exchange format and a custodian must receive the true values.
    """
    comp = _strict(frame, codes, strict)
    dsd = sdg_dsd()
    header = ["DATAFLOW", *comp.columns]

    def write(target: Path) -> None:
        with open(target, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\r\n")  # RFC 4180, as SDMX-CSV asks
            writer.writerow(header)
            flow = dsd.dataflow
            for row in comp.itertuples(index=False, name=None):
                writer.writerow((flow, *row))

    _replace(path, write)
    return len(comp)


def _header(root: etree._Element, dsd: Dsd, structure_id: str, namespace: str) -> None:
    m = f"{{{NS['message']}}}"
    header = etree.SubElement(root, m + "Header")
    etree.SubElement(header, m + "ID").text = f"{SENDER}_{uuid.uuid4().hex[:16].upper()}"
    etree.SubElement(header, m + "Test").text = "false"
    prepared = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    etree.SubElement(header, m + "Prepared").text = prepared
    etree.SubElement(header, m + "Sender", id=SENDER)
    structure = etree.SubElement(
        header,
        m + "Structure",
        structureID=structure_id,
        namespace=namespace,
        dimensionAtObservation=dsd.time_dimension,
    )
    ref = etree.SubElement(structure, f"{{{NS['common']}}}Structure")
    etree.SubElement(ref, "Ref", agencyID=dsd.agency, id=dsd.id, version=dsd.version)
    etree.SubElement(header, m + "DataSetAction").text = "Information"


def write_sdmx_ml(
    frame: pd.DataFrame, path: Path, codes: CodeMap | None = None, *, strict: bool = False
) -> int:
    """Write an SDMX-ML 2.1 structure-specific data message for the SDG DSD.

    One data set per source (SOURCE_DETAIL), so that two sources' values for the same key
    and year never collide inside a data set. Returns the number of observations written.
    """
    comp = _strict(frame, codes, strict)
    dsd = sdg_dsd()
    series_attrs = [a for a in dsd.attributes if dsd.attributes[a] == "series" and a in comp]
    obs_attrs = [a for a in dsd.attributes if dsd.attributes[a] == "observation" and a in comp]
    key = [*dsd.dimensions, *series_attrs]
    duplicated = comp.duplicated([*dsd.dimensions, dsd.time_dimension, "SOURCE_DETAIL"])
    clash = comp.groupby([*dsd.dimensions, "SOURCE_DETAIL"])[series_attrs].nunique().gt(1)
    if duplicated.any() or clash.any().any():
        rows = [int(i) + 1 for i in np.flatnonzero(duplicated)][:20]
        raise _fail(
            [
                f"rows {rows} repeat a key and year of the same source, or one series "
                "has two units: SDMX cannot hold that"
            ]
        )

    structure_id = f"{dsd.agency}_{dsd.id}_{dsd.version.replace('.', '_')}"
    namespace = f"{dsd.urn}:ObsLevelDim:{dsd.time_dimension}"
    root = etree.Element(
        f"{{{NS['message']}}}StructureSpecificData", nsmap={**NS, "ns1": namespace}
    )
    _header(root, dsd, structure_id, namespace)
    ss = f"{{{NS['ss']}}}"
    time_dim = dsd.time_dimension
    ordered = comp.sort_values(["SOURCE_DETAIL", *key, time_dim], kind="stable")
    at = {name: i for i, name in enumerate(ordered.columns)}
    key_at = [at[k] for k in key]
    dataset = series = None
    last_source = last_key = None
    for row in ordered.itertuples(index=False, name=None):
        if dataset is None or row[at["SOURCE_DETAIL"]] != last_source:
            last_source, last_key = row[at["SOURCE_DETAIL"]], None
            dataset = etree.SubElement(root, f"{{{NS['message']}}}DataSet")
            dataset.set(ss + "dataScope", "DataStructure")
            dataset.set(f"{{{NS['xsi']}}}type", "ns1:DataSetType")
            dataset.set(ss + "structureRef", structure_id)
            dataset.set(ss + "action", "Information")
        values = tuple(row[i] for i in key_at)
        if values != last_key:
            last_key = values
            series = etree.SubElement(dataset, "Series")
            for name, value in zip(key, values, strict=True):
                if value != "":
                    series.set(name, value)
        obs = etree.SubElement(series, "Obs")
        obs.set(time_dim, row[at[time_dim]])
        obs.set("OBS_VALUE", row[at["OBS_VALUE"]] or "NaN")
        for name in obs_attrs:
            if row[at[name]] != "":
                obs.set(name, row[at[name]])

    def write(target: Path) -> None:
        etree.ElementTree(root).write(
            str(target), xml_declaration=True, encoding="UTF-8", pretty_print=True
        )

    _replace(path, write)
    return len(comp)
