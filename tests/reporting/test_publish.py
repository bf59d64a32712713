"""Publishing: the values join the warehouse with the report as their source, and only then
do the store's queries, the country profile and the API show them; SDMX-CSV for the
custodian conforms to the SDG global DSD."""

from __future__ import annotations

import csv
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from target87 import reporting, store
from target87.interop.sdmx_read import read_sdmx
from target87.interop.sdmx_write import check_dsd_codes
from target87.interop.table import typed
from target87.profiles import country_profile
from target87.web.api.routes import create_api_app

from .conftest import CHLDEC_F, CHLDEC_M, CHLDEC_T, INSPECTIONS, actor, audit, cell, draft

ENTRIES = {
    CHLDEC_T: "15.3",
    CHLDEC_F: {"value": "16.1", "footnote": "NCLS 2021"},
    CHLDEC_M: "14.6",
    INSPECTIONS: "1180",
    cell("VC_HTF_DETVFL", sex="F", age="Y0T17"): "31",
}


def approved(db):
    fp, sec = actor(db, "focal.npl"), actor(db, "secretariat")
    report = draft(db, ENTRIES)
    report = reporting.submit(db, fp, report.id, report.version)
    return reporting.approve(db, sec, report.id, report.version)


def nepal_2024(session, series="SL_TLF_CHLDEC"):
    frame = store.observations(session, series=[series], areas=["NPL"], with_sources=True)
    return frame[frame["time_period"] == "2024"]


def data_version(session) -> int:
    return session.execute(select(func.max(store.LoadRecord.id))).scalar()


def test_nothing_unpublished_is_in_the_warehouse_and_publishing_puts_it_there(db, rep_url):
    report = approved(db)
    version = data_version(db)
    with TestClient(create_api_app(rep_url)) as api:
        query = "/api/v1/observations?series=SL_TLF_CHLDEC&area=NPL&from=2024&with_citations=true"
        assert api.get(query).json()["observations"] == []
        assert nepal_2024(db).empty and nepal_2024(db, "NAT_LAB_INSP").empty
        report = reporting.publish(db, actor(db, "secretariat"), report.id, report.version)
        rows = api.get(query).json()["observations"]
    assert report.state == "published" and report.published_at is not None
    frame = nepal_2024(db)
    assert sorted(zip(frame["sex"], frame["value"], strict=True)) == [
        ("F", 16.1),
        ("M", 14.6),
        ("_T", 15.3),
    ]
    assert set(frame["reporting_type"]) == {"N"} and set(frame["source"]) == {report.source_id}
    citation = frame["citation"].iloc[0]
    for words in ("Government of Nepal", "Nepal, 2024", f"national report {report.id}"):
        assert words in citation
    assert nepal_2024(db, "NAT_LAB_INSP")["value"].tolist() == [1180.0]
    assert data_version(db) > version  # the web caches see a new data version
    assert sorted(r["value"] for r in rows) == [14.6, 15.3, 16.1]
    assert {r["citation"] for r in rows} == {citation}
    (event,) = audit(db, report_id=report.id, action="report.publish")
    assert event.after_data == {"state": "published"}


def test_the_country_profile_shows_the_published_value_with_the_report_as_source(db):
    report = approved(db)
    before = [line.time_period for line in country_profile(db, "NPL").child_labour]
    assert "2024" not in before
    reporting.publish(db, actor(db, "admin"), report.id, report.version)
    profile = country_profile(db, "NPL")
    (line,) = [x for x in profile.child_labour if x.time_period == "2024"]
    assert (line.total, line.girls, line.boys) == (15.3, 16.1, 14.6)
    assert line.source == report.source_id and report.source_id in profile.citations


def test_a_published_report_is_public_and_frozen_with_its_roadmap(db):
    report = approved(db)
    with pytest.raises(reporting.Forbidden):
        reporting.get_report(db, actor(db, None), report.id)
    report = reporting.publish(db, actor(db, "secretariat"), report.id, report.version)
    public = actor(db, None)
    assert reporting.get_report(db, public, report.id).state == "published"
    assert len(reporting.report_values(db, public, report.id)) == len(ENTRIES)
    assert [r.id for r in reporting.list_reports(db, public)] == [report.id]
    with pytest.raises(reporting.StateError):
        reporting.save_values(db, actor(db, "focal.npl"), report.id, {CHLDEC_T: "1"}, None)
    snapshot = json.loads(report.roadmap_snapshot)
    titles = [a["title"] for c in snapshot["commitments"] for a in c["actions"]]
    assert (
        "Register every brick kiln" in titles
        and snapshot["as_of"] == f"{report.published_at:%Y-%m-%d}"
    )


def test_sdmx_csv_of_approved_values_conforms_to_the_sdg_dsd(db, tmp_path):
    report = approved(db)
    path = tmp_path / "npl_2024.csv"
    done = reporting.export_sdmx(db, actor(db, "secretariat"), report.id, path)
    assert done.left_out == ["NAT_LAB_INSP"] and done.rows == 4
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert {r["DATAFLOW"] for r in rows} == {"IAEG-SDGs:DF_SDG_GLH(1.14)"}
    assert {(r["REF_AREA"], r["REPORTING_TYPE"], r["TIME_PERIOD"]) for r in rows} == {
        ("524", "N", "2024")  # Nepal's M49 code
    }
    back = typed(read_sdmx(path))
    assert check_dsd_codes(back) == []  # every code is in the DSD's code lists
    assert sorted(zip(back["series"], back["sex"], back["age"], back["value"], strict=True)) == [
        ("SL_TLF_CHLDEC", "F", "Y5T17", 16.1),
        ("SL_TLF_CHLDEC", "M", "Y5T17", 14.6),
        ("SL_TLF_CHLDEC", "_T", "Y5T17", 15.3),
        ("VC_HTF_DETVFL", "F", "Y0T17", 31.0),
    ]
    assert set(back["reporting_type"]) == {"N"} and set(back["ref_area"]) == {"NPL"}


def test_sdmx_export_needs_approval_and_the_right_to_read(db, tmp_path):
    report = draft(db, ENTRIES)
    with pytest.raises(reporting.StateError, match="only approved values"):
        reporting.export_sdmx(db, actor(db, "secretariat"), report.id, tmp_path / "x.csv")
    report = approved(db)
    with pytest.raises(reporting.Forbidden):
        reporting.export_sdmx(db, actor(db, "focal.uga"), report.id, tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
