"""Pages and API answers kept in memory are dropped when a load changes the data."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from target87 import store
from target87.interop import load_table
from target87.interop.table import fill_period_bounds, raw_table
from target87.web.app import create_app

NEPAL_2025 = {
    "series": "SL_TLF_CHLDEC",
    "ref_area": "NPL",
    "time_period": "2025",
    "sex": "_T",
    "age": "Y5T17",
    "urbanisation": "_T",
    "value": "12.5",
    "unit": "PT",
    "unit_mult": "0",
    "obs_status": "A",
    "reporting_type": "N",
    "source": "un_sdg_871",
}


@pytest.fixture
def copy_url(warehouse_url, tmp_path):
    path = tmp_path / "w.sqlite"
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


def load_nepal_2025(url: str) -> None:
    engine = store.make_engine(url)
    load_table(engine, fill_period_bounds(raw_table([NEPAL_2025], file="n.csv")), mode="merge")
    engine.dispose()


def test_pages_follow_the_data_version(copy_url):
    with TestClient(create_app(copy_url)) as c:
        first = c.get("/countries/NPL?lang=en").text
        assert c.get("/countries/NPL?lang=en").text == first
        load_nepal_2025(copy_url)
        fresh = c.get("/countries/NPL?lang=en").text
    assert fresh != first and "12.5" in fresh


def test_api_answers_follow_the_data_version(copy_url):
    query = "/api/v1/observations?series=SL_TLF_CHLDEC&area=NPL&sex=_T&age=Y5T17"
    with TestClient(create_app(copy_url)) as c:
        before = c.get(query).json()
        assert c.get(query).json() == before
        load_nepal_2025(copy_url)
        after = c.get(query).json()
    assert after["total"] == before["total"] + 1
    assert 12.5 in [o["value"] for o in after["observations"]]
