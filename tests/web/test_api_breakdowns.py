"""Issue 17: breakdowns beyond sex, age and urbanisation in the API: shown on every row,
filtered by ``breakdown=``, in JSON, CSV and SDMX-CSV alike, on a real national SDMX file
(Kyrgyzstan's 8.7.1, with quintiles, education, school attendance, disability, regions)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from target87 import store
from target87.interop import load_table
from target87.interop.mapping import Mapping
from target87.interop.sdmx_read import read_sdmx
from target87.web.api.routes import create_api_app

API = "/api/v1"
KGZ = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "real"
    / "sdmx"
    / "kgz-nsc-8.7.1-structurespecific.xml"
)


@pytest.fixture(scope="module")
def client(warehouse_url, tmp_path_factory):
    copy = tmp_path_factory.mktemp("api_breakdowns") / "copy.sqlite"
    shutil.copyfile(warehouse_url.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    engine = store.make_engine(url)
    raw = read_sdmx(KGZ, mapping=Mapping(area="KGZ"), source="un_sdg_871")
    load_table(engine, raw)
    engine.dispose()
    with TestClient(create_api_app(url)) as c:
        yield c


def test_rows_carry_their_breakdown_and_the_filter_keeps_one(client):
    every = client.get(f"{API}/observations", params={"area": "KGZ", "series": "SL_TLF_CHLDEC"})
    assert every.status_code == 200
    rows = every.json()["observations"]
    kinds = {r["breakdown"] for r in rows}
    assert "_T" in kinds and "INCOME_WEALTH_QUANTILE=Q1" in kinds
    # No two rows share every visible key: the breakdown tells them apart.
    keys = [
        (r["time_period"], r["sex"], r["age"], r["urbanisation"], r["breakdown"], r["source"])
        for r in rows
    ]
    assert len(keys) == len(set(keys))
    q1 = client.get(
        f"{API}/observations",
        params={"area": "KGZ", "series": "SL_TLF_CHLDEC", "breakdown": "INCOME_WEALTH_QUANTILE=Q1"},
    ).json()["observations"]
    assert q1 and {r["breakdown"] for r in q1} == {"INCOME_WEALTH_QUANTILE=Q1"}
    assert len(q1) == sum(r["breakdown"] == "INCOME_WEALTH_QUANTILE=Q1" for r in rows)
    totals = client.get(
        f"{API}/observations", params={"area": "KGZ", "series": "SL_TLF_CHLDEC", "breakdown": "_T"}
    ).json()["observations"]
    assert {r["breakdown"] for r in totals} == {"_T"}


def test_csv_has_the_breakdown_column_and_sdmx_csv_its_dimensions(client):
    params = {"area": "KGZ", "series": "SL_TLF_CHLDEC", "breakdown": "EDUCATION_LEV=ISCED11_1"}
    text = client.get(f"{API}/observations", params={**params, "format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {r["breakdown"] for r in rows} == {"EDUCATION_LEV=ISCED11_1"}
    sdmx = client.get(f"{API}/observations", params={**params, "format": "sdmx-csv"}).text
    cells = list(csv.DictReader(io.StringIO(sdmx)))
    assert cells and {c["EDUCATION_LEV"] for c in cells} == {"ISCED11_1"}


def test_a_malformed_breakdown_is_a_400_naming_it(client):
    answer = client.get(f"{API}/observations", params={"breakdown": "quintile one"})
    assert answer.status_code == 400
    assert "breakdown" in answer.json()["detail"]
