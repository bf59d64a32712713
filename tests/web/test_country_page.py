"""The country profile's parts beyond the child labour table: progress status, bounds, region
comparison, ratification timeline, downloads with their sources; and the About page's methods."""

from __future__ import annotations

import io
import json
import re
import shutil

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from target87 import store
from target87.interop import load_file
from target87.store import models as M
from target87.web.app import create_app

HEADER = (
    "series,ref_area,time_period,year_from,year_to,sex,age,urbanisation,value,lower_bound,"
    "upper_bound,unit,unit_mult,obs_status,nature,reporting_type,footnote,source\n"
)
NATIONAL = {
    "id": "npl_cls",
    "publisher": "Central Bureau of Statistics, Nepal",
    "title": "Nepal Child Labour Survey (test extract)",
    "licence": "test",
    "citation": "CBS Nepal, Nepal Child Labour Survey, test extract.",
    "priority": 5,
}


@pytest.fixture
def client(warehouse_url):
    with TestClient(create_app(warehouse_url)) as c:
        yield c


@pytest.fixture
def nepal_client(warehouse_url, tmp_path):
    """A warehouse where Nepal also has two dated national values, the later one with bounds."""
    path = tmp_path / "w.sqlite"
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    csv = tmp_path / "npl.csv"
    csv.write_text(
        HEADER
        + "SL_TLF_CHLDEC,NPL,2015,2015,2015,_T,Y5T17,_T,30,,,PT,0,A,C,N,,npl_cls\n"
        + "SL_TLF_CHLDEC,NPL,2021,2021,2021,_T,Y5T17,_T,20,18.5,21.5,PT,0,A,C,N,,npl_cls\n"
    )
    engine = store.make_engine(url)
    load_file(engine, csv, new_sources=[NATIONAL])
    engine.dispose()
    with TestClient(create_app(url)) as c:
        yield c


def specs(page: str) -> dict[str, dict]:
    found = re.findall(
        r'<script type="application/json" class="vega-spec" data-target="([^"]+)">(.*?)</script>',
        page,
        re.S,
    )
    return {target: json.loads(body) for target, body in found}


def rows_of(spec: dict) -> list[dict]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def test_progress_status_says_why_it_cannot_be_computed_from_one_value(client):
    page = client.get("/countries/NPL?lang=en").text
    assert "Progress towards ending child labour by 2025" in page
    assert "not computable: 1 dated value(s) held, two are needed" in page
    fr = client.get("/countries/NPL?lang=fr").text
    assert "non calculable : 1 valeur(s)" in fr


def test_progress_status_and_published_bounds_show_for_two_dated_values(nepal_client):
    page = nepal_client.get("/countries/NPL?lang=en").text
    # 30 -> 20 from 2015 to 2021 is -6.53 % a year; reaching 0 (floor 0.001) by 2025 needs
    # -64.33 % a year: ratio 0.10, "limited" under UNSD's thresholds (-0.1 <= R < 0.5).
    assert 'status-limited_progress">Limited or no progress<' in page
    assert "2015: 30" in page and "2021: 20" in page
    assert "-6.53" in page and "-64.33" in page
    chart = specs(page)["chart-SL_TLF_CHLDEC"]
    bounds = [layer for layer in chart["layer"] if layer.get("name") == "bounds"]
    assert len(bounds) == 1, "published bounds are drawn as error bars"
    rows = [r for r in rows_of(chart) if r.get("lower_bound") is not None]
    assert {(r["year"], r["lower_bound"], r["upper_bound"]) for r in rows} == {(2021, 18.5, 21.5)}
    assert "CBS Nepal, Nepal Child Labour Survey, test extract." in page


def test_region_comparison_sets_the_survey_value_beside_modelled_estimates(client, session):
    page = client.get("/countries/BRA?lang=en").text
    chart = specs(page)["chart-regions"]
    rows = rows_of(chart)
    kinds = {r["area"]: r["kind"] for r in rows}
    assert kinds["Brazil"] == "survey or country data"
    assert kinds["World"] == "modelled estimate"
    world = store.observations(session, series=["GE_CHLD_LAB_PT"], areas=["WLD"], sex=["_T"])
    latest = world.sort_values("year_to").iloc[-1]
    assert next(r["value"] for r in rows if r["area"] == "World") == latest["value"]


def test_the_ratification_timeline_places_every_dated_ratification(client, session):
    page = client.get("/countries/BRA?lang=es").text
    rats = session.execute(select(M.Ratification).where(M.Ratification.area == "BRA")).scalars()
    dated = [r for r in rats if r.year or r.date]
    assert dated, "the snapshot has dated ratifications for Brazil"
    timeline = specs(page)["chart-ratifications"]
    assert len(rows_of(timeline)) == len(dated)
    assert "fecha no disponible" in page or len(dated) == len(list(rats))


def test_the_excel_download_has_every_series_and_a_sources_sheet(client, session):
    response = client.get("/countries/BRA/download.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    held = store.observations(session, areas=["BRA"])
    assert set(book.sheetnames) == set(held["series"]) | {"Sources"}
    cited = {row[0] for row in book["Sources"].iter_rows(min_row=2, values_only=True)}
    assert cited == set(held["source"])


def test_every_download_link_on_the_profile_works(client):
    page = client.get("/countries/BRA").text
    links = re.findall(r'href="(/(?:countries/BRA/download|api/v1/observations)[^"]*)"', page)
    assert len(links) == 4
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
        assert response.content
    csv = client.get("/api/v1/observations?area=BRA&format=csv&with_citations=true").text
    assert "citation" in csv.splitlines()[0]
    assert client.get("/countries/BRA/download.exe").status_code == 404


def test_about_explains_methods_and_definitions_in_three_languages(client):
    en = client.get("/about?lang=en").text
    assert "Methods and definitions" in en and "SL_TLF_CHLDEA" in en and "No data is not zero" in en
    assert "Méthodes et définitions" in client.get("/about?lang=fr").text
    assert "Métodos y definiciones" in client.get("/about?lang=es").text


def test_dates_are_written_the_way_each_language_writes_them(client, session):
    rat = (
        session.execute(
            select(M.Ratification).where(
                M.Ratification.area == "BRA", M.Ratification.date.isnot(None)
            )
        )
        .scalars()
        .first()
    )
    year, month, day = (int(part) for part in rat.date.split("-"))
    months = {
        "fr": [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ]
    }
    fr = client.get("/countries/BRA?lang=fr").text
    assert f"{day} {months['fr'][month - 1]} {year}" in fr
    assert rat.date not in fr.split("<main", 1)[1].split('class="vega-spec"')[0]
    sources = client.get("/sources?lang=es").text
    assert "Consultado el" in sources and " de 2026" in sources
