"""Writing SDMX-CSV and SDMX-ML for the SDG global DSD, and reading it back unchanged."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
import sdmx
from lxml import etree

from target87 import store
from target87.interop.codes import CodeMap
from target87.interop.sdmx_dsd import sdg_dsd, sdg_dsd_sdmx1
from target87.interop.sdmx_read import read_sdmx
from target87.interop.sdmx_write import (
    check_dsd_codes,
    components,
    dsd_gaps,
    write_sdmx_csv,
    write_sdmx_ml,
)
from target87.interop.table import OBS_COLUMNS, ExportError, raw_table, typed

from .helpers import same_observations, warehouse_slice

WRITERS = {"sdmx-csv": (write_sdmx_csv, "x.csv"), "sdmx-ml": (write_sdmx_ml, "x.xml")}


def exportable(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows SDMX can carry: a dated period and an area with an M49 code."""
    codes = CodeMap()
    keep = (frame["time_period"] != "unknown") & frame["ref_area"].map(
        lambda a: codes.m49(a) is not None
    )
    return frame[keep].reset_index(drop=True)


def tricky() -> pd.DataFrame:
    """Values and text that break naive writers: exact floats, quotes, newlines, formulas."""
    base = dict(series="SL_TLF_CHLDEC", sex="_T", age="Y5T17", urbanisation="_T", unit="PT",
                unit_mult="0", obs_status="A", reporting_type="G", source="test_src")  # fmt: skip
    rows = [
        dict(base, ref_area="BRA", time_period="2016", value=0.1 + 0.2, lower_bound=1e-7,
             upper_bound=123456789012.5, nature="CA", footnote='a "quote", a comma; é'),
        dict(base, ref_area="NPL", time_period="2013/2021", value=39.6, nature="",
             footnote="=SUM(A1:A9) line one\nline two"),
        dict(base, ref_area="WLD", time_period="2020", value=160.0, unit="NUMBER",
             unit_mult="6", obs_status="E", nature="M", footnote="@cmd|' /C calc'!A0"),
        dict(base, ref_area="M49_202", time_period="2024", value=-2.5, lower_bound=-3.25,
             upper_bound=0.0, nature="G", footnote=""),
    ]  # fmt: skip
    raw = raw_table(rows, file="tricky")
    raw["year_from"] = raw["time_period"].str[:4]
    raw["year_to"] = raw["time_period"].str[-4:]
    return typed(raw)


@pytest.mark.parametrize("fmt", WRITERS)
def test_round_trip_real_warehouse_rows(session, tmp_path, fmt):
    expected = exportable(warehouse_slice(session))
    assert expected["source"].nunique() > 3 and expected["lower_bound"].notna().any()
    write, name = WRITERS[fmt]
    assert write(expected, tmp_path / name) == len(expected)
    got = typed(read_sdmx(tmp_path / name))
    same_observations(expected, got)


@pytest.mark.parametrize("fmt", WRITERS)
def test_round_trip_exact_floats_and_awkward_text(tmp_path, fmt):
    expected = tricky()
    write, name = WRITERS[fmt]
    write(expected, tmp_path / name)
    got = typed(read_sdmx(tmp_path / name))
    same_observations(expected, got)
    by_area = got.set_index("ref_area")
    assert by_area.loc["BRA", "value"] == 0.30000000000000004
    assert by_area.loc["NPL", "footnote"] == "=SUM(A1:A9) line one\nline two"
    assert pd.isna(by_area.loc["NPL", "nature"]) and by_area.loc["NPL", "year_from"] == 2013


def test_sdmx_csv_layout_follows_the_dsd(tmp_path):
    write_sdmx_csv(tricky(), tmp_path / "x.csv")
    with open(tmp_path / "x.csv", encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    dsd = sdg_dsd()
    dims = list(dsd.dimensions)
    assert header[: len(dims) + 3] == ["DATAFLOW", *dims, "TIME_PERIOD", "OBS_VALUE"]
    assert header[len(dims) + 3 :] == [
        "OBS_STATUS", "UNIT_MULT", "UNIT_MEASURE", "NATURE", "TIME_DETAIL", "COMMENT_OBS",
        "UPPER_BOUND", "LOWER_BOUND", "SOURCE_DETAIL",
    ]  # fmt: skip
    record = dict(zip(header, rows[1], strict=True))
    assert record["DATAFLOW"] == "IAEG-SDGs:DF_SDG_GLH(1.14)"
    assert (record["REF_AREA"], record["TIME_PERIOD"], record["TIME_DETAIL"]) == (
        "524", "2021", "2013/2021"
    )  # fmt: skip
    # Exact text: a formula-looking cell is not neutralised in SDMX-CSV.
    assert record["COMMENT_OBS"] == "=SUM(A1:A9) line one\nline two"
    assert all(r[header.index("INCOME_WEALTH_QUANTILE")] == "_T" for r in rows)


def test_sdmx_ml_reads_with_the_dsd_in_dimension_order_with_m49_areas(session, tmp_path):
    frame = exportable(warehouse_slice(session))
    write_sdmx_ml(frame, tmp_path / "x.xml")
    dsd = sdg_dsd_sdmx1()
    msg = sdmx.read_sdmx(tmp_path / "x.xml", structure=dsd)
    order = [d.id for d in dsd.dimensions.components if d.id != "TIME_PERIOD"]
    cl_area = {code.id for code in dsd.dimensions.get("REF_AREA").local_representation.enumerated}
    codes = CodeMap()
    m49 = {codes.m49(a).lstrip("0") for a in frame["ref_area"]}
    areas, count = set(), 0
    for ds in msg.data:
        for key, observations in ds.series.items():
            assert list(key.values) == order
            assert key.attrib["UNIT_MEASURE"].value in {"PT", "NUMBER"}
            value = key.values["REF_AREA"].value  # a Code of CL_AREA when read with the DSD
            areas.add(getattr(value, "id", value))
            count += len(observations)
    assert count == len(frame)
    assert areas == m49 and areas <= cl_area and all(a.isdigit() for a in areas)
    root = etree.parse(str(tmp_path / "x.xml")).getroot()
    ns = {"m": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"}
    structure = root.find("m:Header/m:Structure", ns)
    assert structure.get("namespace").endswith("IAEG-SDGs:SDG(1.14):ObsLevelDim:TIME_PERIOD")
    xsi = "{http://www.w3.org/2001/XMLSchema-instance}type"
    assert {d.get(xsi) for d in root.findall("m:DataSet", ns)} == {"ns1:DataSetType"}
    assert len(root.findall("m:DataSet", ns)) == frame["source"].nunique()  # one per source


@pytest.mark.parametrize("fmt", WRITERS)
def test_what_sdmx_cannot_hold_is_refused_and_nothing_written(session, tmp_path, fmt):
    frame = warehouse_slice(session, extra=False)
    assert (frame["time_period"] == "unknown").any()
    odd = frame.iloc[[0]].assign(ref_area="ILO_AFRICA", time_period="2020")
    write, name = WRITERS[fmt]
    with pytest.raises(ExportError) as exc:
        write(pd.concat([frame, odd], ignore_index=True), tmp_path / name)
    message = str(exc.value)
    assert "no M49 code for area(s) ILO_AFRICA" in message
    assert "period 'unknown' cannot be expressed" in message and "nothing was written" in message
    assert list(tmp_path.iterdir()) == []


def test_codes_outside_the_dsd_are_reported(session, tmp_path):
    every = exportable(store.observations(session, all_sources=True)[OBS_COLUMNS])
    gaps = dsd_gaps({c: pd.unique(v) for c, v in components(every).items()})
    # Only our global-estimate series (GE_...) are not SDG series; every other code we use,
    # NATURE and OBS_STATUS included, is in the DSD's code lists.
    assert set(gaps) == {"SERIES"} and all(s.startswith("GE_") for s in gaps["SERIES"])
    ours = {"NATURE": ["C", "CA", "E", "M", "G", "N", "_X"], "OBS_STATUS": ["A", "E", "B", "P"]}
    assert dsd_gaps(ours) == {}
    assert dsd_gaps({"NATURE": ["C", "Z9"], "UNIT_MEASURE": ["PT", "PCNT"]}) == {
        "NATURE": ["Z9"],
        "UNIT_MEASURE": ["PCNT"],
    }
    frame = exportable(warehouse_slice(session))
    n = int((frame["series"] == "GE_CHLD_LAB").sum())
    assert check_dsd_codes(frame) == [
        f"SERIES 'GE_CHLD_LAB' is not in the DSD code list ({n} row(s))"
    ]
    with pytest.raises(ExportError, match="GE_CHLD_LAB"):
        write_sdmx_ml(frame, tmp_path / "x.xml", strict=True)
    assert not (tmp_path / "x.xml").exists()
