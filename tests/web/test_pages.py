"""The pages through FastAPI's test client on a real SQLite warehouse: content, language,
escaping and security headers. (Browser tests with Chromium come with the rest of issue 5.)"""

from __future__ import annotations

import re
import shutil

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from target87 import store
from target87.store import models as M
from target87.web.app import create_app


@pytest.fixture
def client(warehouse_url):
    with TestClient(create_app(warehouse_url)) as c:
        yield c


@pytest.mark.parametrize("path", ["/", "/countries", "/countries/BRA", "/sources", "/about"])
def test_every_page_has_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text  # no inline script anywhere


def test_home_shows_world_child_labour_with_sources(client):
    page = client.get("/?lang=en").text
    assert "160" in page and "137.6" in page and "ilo_unicef_2025" in page
    assert "Child Labour: Global estimates 2024" in page  # a citation line


def test_language_choice_formats_numbers_and_persists(client):
    fr = client.get("/?lang=fr")
    assert "Tableau de bord" in fr.text and "137,6" in fr.text  # French decimal comma
    assert fr.cookies.get("lang") == "fr"
    again = client.get("/countries")  # no ?lang=: the cookie keeps French
    assert "Pays" in again.text and "Brésil" in again.text
    es = client.get("/countries/BRA?lang=es")
    assert "Brasil" in es.text and "Trabajo infantil" in es.text


def test_country_list_filters(client):
    page = client.get("/countries?pathfinder=true&lang=en").text
    assert "34 countries" in page and "Brazil" in page and "France" in page
    search = client.get("/countries?q=nep").text
    assert "Nepal" in search and "Brazil" not in search
    low = client.get("/countries?income=WB_LIC&with_data=true").text
    assert "Uganda" in low and "France" not in low


def test_an_unknown_country_is_a_404_page(client):
    response = client.get("/countries/ATLANTIS")
    assert response.status_code == 404 and "ATLANTIS" in response.text


def test_a_script_in_a_source_title_is_inert(warehouse_url, tmp_path):
    path = tmp_path / "w.sqlite"
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    engine = store.make_engine(url)
    with Session(engine) as s, s.begin():
        s.add(
            M.Source(
                id="evil",
                publisher="<script>alert(1)</script>",
                title="<script>alert(1)</script>",
                licence="x",
                citation="<script>alert(1)</script>",
                priority=99,
            )
        )
    engine.dispose()
    with TestClient(create_app(url)) as c:
        page = c.get("/sources").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_explorer_lists_every_country_with_no_data_never_zero(client):
    page = client.get("/explore?series=SL_TLF_CHLDEC&lang=en&sort=name").text
    assert "no data" in page and "Nepal" in page and "France" in page
    assert page.count("<tr>") == 250 + 1  # every country plus the header row
    fr = client.get("/explore?series=GE_CHLD_LAB&lang=fr").text  # world only: all "no data"
    assert "Explorateur" in fr


def test_names_sort_as_a_reader_of_the_language_expects(client):
    """Accented initials file with their letter: Équateur and Éthiopie among the Es, not after Z."""
    page = client.get("/explore?series=SL_TLF_CHLDEC&lang=fr&sort=name").text
    table = page[page.index("<tbody") :]
    names = re.findall(r'<tr><td><a href="/countries/[A-Z]+">([^<]+)</a>', table)
    assert names.index("Équateur") < names.index("Espagne") < names.index("Éthiopie")
    assert names.index("Éthiopie") < names.index("France") and names[-1] == "Zimbabwe"
    listing = client.get("/countries?lang=es").text
    assert listing.index("Egipto") < listing.index("España") < listing.index("Etiopía")
