"""The supply-chain section (issue 20, item 6) on a copy of the loaded warehouse, with the
demonstration system (no TARGET87_MRIO): every page in three languages with the DEMONSTRATION
notice and no English left, the maps of both "linked to exports" definitions with their chart
files, a region's sectors and tiers, and the sourcing screen: a real supplier list
(tests/data/supply/screen/suppliers.csv) ranked with its flags, the Excel, PDF and CSV answers
opened again, refusals (too large, no CSRF token, another site), the same for a signed-in
reader, and nothing written to the database."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import create_engine, func, inspect, select, table

from target87.supply.demo import REGIONS, load_shown
from target87.web.app import create_app
from tests.conftest import ROOT
from tests.web import test_reporting_support as support
from tests.web.crawler import EnglishLeftovers, parse
from tests.web.test_reporting_support import demo_db  # noqa: F401 (fixture)

SUPPLIERS = ROOT / "tests" / "data" / "supply" / "screen" / "suppliers.csv"
PAGES = ("/supply", "/supply?definition=gross", "/supply/regions/CIV", "/supply/screen")
DEMO = {"en": "DEMONSTRATION", "fr": "DÉMONSTRATION", "es": "DEMOSTRACIÓN"}


@pytest.fixture(scope="module")
def site_db(warehouse_url, tmp_path_factory) -> str:
    from sqlalchemy.engine import make_url

    copy = tmp_path_factory.mktemp("supply-site") / "site.sqlite"
    shutil.copyfile(make_url(warehouse_url).database, copy)
    return str(copy)


@pytest.fixture(scope="module")
def app(site_db, monkeypatch_module):
    monkeypatch_module.delenv("TARGET87_MRIO", raising=False)
    app = create_app(f"sqlite:///{site_db}")
    yield app
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture
def client(app):
    with TestClient(app, follow_redirects=False) as c:
        yield c


def _token(client: TestClient, lang: str = "en") -> str:
    page = client.get(f"/supply/screen?lang={lang}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    form = page.text.split('id="screen-form"')[1]  # not the sign-out form's token
    return re.search(r'name="csrf" value="([^"]+)"', form).group(1)


def _screen(client: TestClient, output: str = "html", token: str | None = None, **extra):
    data = {"output": output, **({"csrf": token} if token is not None else {})}
    files = {"file": ("suppliers.csv", SUPPLIERS.read_bytes(), "text/csv")}
    return client.post("/supply/screen", data=data, files=files, **extra)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_every_page_in_three_languages_says_demonstration_and_leaves_no_english(client, lang):
    leftovers = EnglishLeftovers(lang) if lang != "en" else None
    for url in PAGES:
        sep = "&" if "?" in url else "?"
        r = client.get(f"{url}{sep}lang={lang}")
        assert r.status_code == 200, (url, r.text[:300])
        assert f'lang="{lang}"' in r.text
        if url != "/supply/screen":
            assert 'id="supply-demo"' in r.text and DEMO[lang] in r.text, url
        if leftovers is not None:
            found = leftovers.find(parse(url, r.text).texts)
            assert found == [], (url, found)


def test_the_footer_of_every_page_links_the_section(client):
    assert 'href="/supply"' in client.get("/").text
    assert 'href="/supply"' in client.get("/about").text


def test_overview_maps_both_definitions_each_labelled_with_its_text(client):
    shown = load_shown()
    page = client.get("/supply?lang=en").text
    assert "target87.supply.demo" in page  # the origin of the system shown
    assert "Final-demand definition (pymrio&#39;s D_exp)" in page
    assert "the inputs it sells them" in page  # the final-demand definition's text
    gross = client.get("/supply?definition=gross&lang=en").text
    assert "Gross-exports definition (ILO, OECD, IOM and UNICEF, 2019)" in gross
    assert "domestic suppliers" in gross and "chart-exports" in gross
    # The table shows the accounts with pymrio's names and both shares, per region.
    for name in ("D_cba_reg", "D_pba_reg", "D_imp_reg", "D_exp_reg"):
        assert name in page
    assert page.count('href="/supply/regions/') == len(REGIONS) + 1
    share = shown.gross["child_labour"].share.loc["child labour, 5-17", "CIV"] * 100
    assert f"{share:.1f}" in gross


def test_the_maps_csv_holds_each_country_and_the_definition_changes_the_values(client):
    footprint = client.get("/charts/supply/chart-footprint.csv?lang=en")
    assert footprint.status_code == 200
    rows = list(csv.reader(io.StringIO(footprint.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["M49 country (code)", "Name", "Value (persons)"]
    valued = {r[1]: r for r in rows[1:] if r[2]}
    assert {"Ghana", "Germany", "Ivory Coast"} <= set(valued)
    assert len(valued) == len(REGIONS)  # ROW is in the table, not on the map
    assert "UNICEF" in valued["Ghana"][-1]  # each row cites the account's sources
    final = client.get("/charts/supply/chart-exports.csv?definition=final_demand&lang=en")
    gross = client.get("/charts/supply/chart-exports.csv?definition=gross&lang=en")
    assert final.status_code == gross.status_code == 200 and final.content != gross.content
    svg = client.get("/charts/supply/chart-footprint.svg?lang=fr")
    assert svg.status_code == 200 and svg.content.lstrip().startswith(b"<svg")
    assert client.get("/embed/supply/chart-exports?lang=es").status_code == 200


def test_a_region_page_shows_its_sectors_and_tiers_summing_to_its_footprint(client):
    shown = load_shown()
    view = shown.region_view("child_labour", "GHA")
    page = client.get("/supply/regions/GHA?lang=en").text
    assert "Supply chains of Ghana" in page and 'id="supply-tiers"' in page
    assert all(sector in page for sector in shown.mrio.sectors)
    parts = sum(v for k, v in view["tiers"].items() if k != "total")
    assert parts == pytest.approx(view["tiers"]["total"], rel=1e-9)
    assert view["tiers"]["total"] == pytest.approx(view["footprint"], rel=1e-9)
    exports = sum(r["exports_direct"] + r["exports_upstream"] for r in view["sectors"])
    assert exports == pytest.approx(sum(r["exports_gross"] for r in view["sectors"]))
    tiers = client.get("/charts/supply/regions/GHA/chart-tiers.csv?lang=en")
    assert tiers.status_code == 200 and "Tier 1" in tiers.content.decode("utf-8-sig")
    assert client.get("/supply/regions/ATL").status_code == 404


def test_the_screen_ranks_ivorian_cocoa_first_with_its_dol_flag(client):
    r = _screen(client, token=_token(client))
    assert r.status_code == 200, r.text[:500]
    first = r.text.split('id="screen-results"')[1].split("</tr>")[1]
    assert "Abidjan Cocoa Traders" in first and "Ivory Coast" in first
    assert "List of Goods Produced by Child Labor or Forced Labor" in first
    assert "forced child labour" in first and "US Department of Labor" in first
    assert "Atlantis" in r.text  # the unknown country's line is still screened and said
    assert r.text.count('<tr class="priority-') == 10


def test_the_screen_in_french_and_as_excel_pdf_and_csv_files(client):
    token = _token(client, "fr")
    page = _screen(client, token=token)
    assert page.status_code == 200 and "Fournisseur" in page.text and "Cacao" in page.text
    xlsx = _screen(client, "xlsx", token)
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.worksheets[0]["D2"].value == "Abidjan Cocoa Traders"
    pdf = _screen(client, "pdf", token)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    answer = _screen(client, "csv", token)
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Rang" and rows[1][3] == "Abidjan Cocoa Traders" and len(rows) == 11


def test_a_too_large_upload_is_refused_with_the_limit_named(client):
    token = _token(client)
    big = b"supplier,country,commodity\n" + b"x" * (51 * 1024 * 1024)
    r = client.post(
        "/supply/screen",
        data={"csrf": token, "output": "html"},
        files={"file": ("big.csv", big, "text/csv")},
    )
    assert r.status_code == 413
    assert "over the limit of 50 MB" in r.text


def test_no_token_a_wrong_one_or_another_site_is_refused(client):
    _token(client)  # the pre-session cookie is set: only the token is missing
    assert _screen(client).status_code == 403
    assert _screen(client, token="forged").status_code == 403
    token = _token(client)
    other = _screen(client, token=token, headers={"Origin": "https://evil.example"})
    assert other.status_code == 403
    assert _screen(client, token=token).status_code == 200


def test_a_file_the_screen_cannot_read_is_refused_with_its_row_and_column(client):
    token = _token(client)
    bad = b"supplier,nation,commodity\nA,Ghana,cocoa\n"
    r = client.post(
        "/supply/screen",
        data={"csrf": token},
        files={"file": ("bad.csv", bad, "text/csv")},
    )
    assert r.status_code == 400 and "bad.csv, row 1" in r.text and "country" in r.text
    r = client.post("/supply/screen", data={"csrf": token})
    assert r.status_code == 400 and "Choose a supplier list" in r.text


def _database_state(path: str) -> tuple[str, dict[str, int]]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as c:
            names = inspect(c).get_table_names()
            counts = {
                n: c.execute(select(func.count()).select_from(table(n))).scalar() for n in names
            }
    finally:
        engine.dispose()
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest(), counts


def test_nothing_of_the_list_is_written_to_the_database(client, site_db):
    token = _token(client)
    before = _database_state(site_db)
    for output in ("html", "xlsx", "pdf", "csv"):
        assert _screen(client, output, token).status_code == 200
    assert _database_state(site_db) == before


def test_a_signed_in_reader_screens_too(demo_db, tmp_path):  # noqa: F811
    site = support.make_site(demo_db, tmp_path / "site")
    try:
        with site.client("focal.npl") as client:
            assert 'href="/account"' in client.get("/supply/screen").text
            r = _screen(client, token=_token(client))
            assert r.status_code == 200 and "Abidjan Cocoa Traders" in r.text
    finally:
        site.app.state.engine.dispose()


def test_a_configured_table_without_child_labour_shows_its_accounts_and_no_map(
    site_db, tmp_path, monkeypatch
):
    import pymrio

    pymrio.load_test().save_all(tmp_path / "testmrio")
    monkeypatch.setenv("TARGET87_MRIO", str(tmp_path / "testmrio"))
    app = create_app(f"sqlite:///{site_db}")
    try:
        with TestClient(app) as client:
            page = client.get("/supply?lang=en").text
            assert "pymrio folder" in page and "not ISO3" in page
            assert "no child labour account" in page and "chart-footprint" not in page
            assert 'href="/supply/regions/reg1"' in page  # pymrio's test system is flagged
            assert 'id="supply-demo"' in page  # a test system, so it says DEMONSTRATION
            region = client.get("/supply/regions/reg1?lang=fr")
            assert region.status_code == 200 and "Rang 1" in region.text
    finally:
        app.state.engine.dispose()
