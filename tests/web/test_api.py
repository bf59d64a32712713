"""The REST API through FastAPI's test client on a real SQLite warehouse (the bundled
snapshot): every endpoint, filters, pagination, the three formats agreeing, citations,
ETags, errors, and escaping of hostile text."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from target87 import store
from target87.interop.sdmx_read import read_sdmx
from target87.web.api.routes import MAX_LIMIT, create_api_app

API = "/api/v1"
HOSTILE = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(scope="module")
def client(warehouse_url):
    with TestClient(create_api_app(warehouse_url)) as c:
        yield c


def _copy_of(warehouse_url: str, tmp_path: Path) -> str:
    copy = tmp_path / "copy.sqlite"
    shutil.copyfile(warehouse_url.removeprefix("sqlite:///"), copy)
    return f"sqlite:///{copy}"


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.text)))


def _key(series, area, period, sex, age, value, source) -> tuple:
    return (series, area, period, sex, age, round(float(value), 9), source)


# --- areas, series, sources ------------------------------------------------------------


def test_areas_filters(client):
    every = client.get(f"{API}/areas").json()
    countries = client.get(f"{API}/areas", params={"kind": "country"}).json()
    assert len(countries) == 250 and len(every) > len(countries)
    assert {a["kind"] for a in countries} == {"country"}
    ilo = client.get(f"{API}/areas", params={"grouping": "ILO"}).json()
    assert ilo and {a["grouping"] for a in ilo} == {"ILO"}
    pathfinders = client.get(f"{API}/areas", params={"pathfinder": "true"}).json()
    assert pathfinders and all(a["pathfinder"] for a in pathfinders)
    assert len(pathfinders) < len(countries)
    for name, code in [("Francia", "FRA"), ("allemagne", "DEU"), ("brazil", "BRA")]:
        found = client.get(f"{API}/areas", params={"q": name}).json()
        assert code in [a["code"] for a in found], name
    assert client.get(f"{API}/areas", params={"q": "%"}).json() == []  # no LIKE wildcards


def test_area_by_code_and_unknown_area(client):
    fra = client.get(f"{API}/areas/fra").json()
    assert fra["iso3"] == "FRA" and fra["m49"] == "250"
    assert fra["names"] == {"en": "France", "fr": "France", "es": "Francia"}
    assert fra["regions"]["ilo_region"] == "ILO_EUROPE_CENTRAL_ASIA"
    assert fra["income_group"] == "WB_HIC" and fra["pathfinder"] is True
    missing = client.get(f"{API}/areas/NOWHERE")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/json"
    assert missing.json()["value"] == "NOWHERE" and "NOWHERE" in missing.json()["detail"]


def test_series(client):
    every = client.get(f"{API}/series").json()
    assert "GE_CHLD_LAB_PT" in [s["code"] for s in every]
    one = client.get(f"{API}/series/GE_CHLD_LAB_PT").json()
    assert one["unit"] == "PT" and one["sdg_indicator"] == "8.7.1" and one["names"]["fr"]
    assert client.get(f"{API}/series/NOPE").status_code == 404


def test_sources_carry_citations(client):
    sources = client.get(f"{API}/sources").json()
    by_id = {s["id"]: s for s in sources}
    assert "ilo_unicef_2025" in by_id
    assert set(by_id["ilo_unicef_2025"]) >= {"publisher", "title", "licence", "citation", "url"}
    assert all(s["citation"] and s["licence"] for s in sources)


# --- observations ----------------------------------------------------------------------


def test_observations_json_filters(client):
    doc = client.get(
        f"{API}/observations",
        params={"series": "GE_CHLD_LAB", "area": "World", "sex": "F", "from": 2016, "to": 2024},
    ).json()
    assert doc["total"] == len(doc["observations"]) > 0 and doc["next"] is None
    for row in doc["observations"]:
        assert (row["series"], row["ref_area"], row["sex"]) == ("GE_CHLD_LAB", "WLD", "F")
        assert row["year_to"] >= 2016 and row["year_from"] <= 2024  # overlaps the years
        assert row["lower_bound"] is None  # missing values are null, not absent or NaN
        assert "preferred" not in row and "citation" not in row
    assert {s["id"] for s in doc["sources"]} == {r["source"] for r in doc["observations"]}
    assert all(s["citation"] and s["licence"] for s in doc["sources"])


def test_observations_two_series_and_names(client):
    params = [("series", "GE_CHLD_LAB"), ("series", "GE_CHLD_LAB_PT"), ("area", "World")]
    doc = client.get(f"{API}/observations", params=params).json()
    assert {r["series"] for r in doc["observations"]} == {"GE_CHLD_LAB", "GE_CHLD_LAB_PT"}


def test_region_is_expanded_only_with_members(client, session):
    params = {"series": "SL_TLF_CHLDEA", "area": "ILO_AFRICA", "limit": MAX_LIMIT}
    alone = client.get(f"{API}/observations", params=params).json()
    assert {r["ref_area"] for r in alone["observations"]} <= {"ILO_AFRICA"}
    expanded = client.get(f"{API}/observations", params={**params, "members": "true"}).json()
    areas = {r["ref_area"] for r in expanded["observations"]}
    members = set(store.region_members(session, session.get(store.Area, "ILO_AFRICA")))
    assert areas and areas <= members


def test_all_sources_adds_the_preferred_flag(client):
    params = {"series": "GE_CHLD_LAB_PT", "area": "WLD"}
    preferred = client.get(f"{API}/observations", params=params).json()
    every = client.get(f"{API}/observations", params={**params, "all_sources": "true"}).json()
    assert every["total"] >= preferred["total"]
    assert all(isinstance(r["preferred"], bool) for r in every["observations"])
    assert sum(r["preferred"] for r in every["observations"]) == preferred["total"]


def test_pagination_follows_next_links_to_the_whole_result(client):
    params = {"series": "GE_CHLD_LAB_PT", "limit": MAX_LIMIT}
    whole = client.get(f"{API}/observations", params=params).json()
    assert whole["total"] > 12 and whole["next"] is None
    collected, url, pages = [], f"{API}/observations?series=GE_CHLD_LAB_PT&limit=5", 0
    while url:
        response = client.get(url)
        doc = response.json()
        assert doc["limit"] == 5 and doc["offset"] == 5 * pages
        assert doc["total"] == whole["total"]
        if doc["next"]:
            assert response.headers["link"] == f'<{doc["next"]}>; rel="next"'
        else:
            assert "link" not in response.headers
        collected += doc["observations"]
        url, pages = doc["next"], pages + 1
    assert collected == whole["observations"]
    assert pages == -(-whole["total"] // 5)


@pytest.mark.parametrize("params", [{"limit": MAX_LIMIT + 1}, {"limit": 0}, {"offset": -1}])
def test_bad_paging_is_refused(client, params):
    response = client.get(f"{API}/observations", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"


def test_json_csv_and_sdmx_csv_give_the_same_values(client, tmp_path):
    params = {"series": "SL_TLF_CHLDEC", "limit": 300, "offset": 20}
    doc = client.get(f"{API}/observations", params=params).json()
    from_json = [
        _key(
            r["series"],
            r["ref_area"],
            r["time_period"],
            r["sex"],
            r["age"],
            r["value"],
            r["source"],
        )
        for r in doc["observations"]
    ]
    response = client.get(f"{API}/observations", params={**params, "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    from_csv = [
        _key(
            r["series"],
            r["ref_area"],
            r["time_period"],
            r["sex"],
            r["age"],
            r["value"],
            r["source"],
        )
        for r in _rows(response)
    ]
    assert from_csv == from_json and len(from_json) == 300
    sdmx = client.get(f"{API}/observations", params={**params, "format": "sdmx-csv"})
    assert sdmx.headers["content-type"].startswith("application/vnd.sdmx.data+csv")
    path = tmp_path / "page.csv"
    path.write_bytes(sdmx.content)
    raw = read_sdmx(path)
    from_sdmx = [
        _key(r.series, r.ref_area, r.time_period, r.sex, r.age, r.value, r.source)
        for r in raw.itertuples()
    ]
    left_out = int(sdmx.headers["x-left-out"])
    assert len(from_sdmx) + left_out == len(from_json)
    assert set(from_sdmx) <= set(from_json)
    inexpressible = [k for k in from_json if k[2] == "unknown" or k not in set(from_sdmx)]
    assert len(inexpressible) == left_out


def test_sdmx_csv_counts_rows_it_cannot_carry(client):
    doc = client.get(f"{API}/observations", params={"limit": MAX_LIMIT}).json()
    undated = sum(r["time_period"] == "unknown" for r in doc["observations"])
    assert undated > 0
    sdmx = client.get(f"{API}/observations", params={"limit": MAX_LIMIT, "format": "sdmx-csv"})
    assert int(sdmx.headers["x-left-out"]) >= undated
    assert sdmx.text.count("\r\n") - 1 + int(sdmx.headers["x-left-out"]) == doc["total"]


def test_content_negotiation_by_accept(client):
    params = {"series": "GE_CHLD_LAB", "area": "WLD"}
    as_csv = client.get(f"{API}/observations", params=params, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.startswith("series,ref_area,time_period")
    sdmx_type = "application/vnd.sdmx.data+csv; version=1.0.0"
    as_sdmx = client.get(f"{API}/observations", params=params, headers={"Accept": sdmx_type})
    assert as_sdmx.text.startswith("DATAFLOW,")
    assert as_sdmx.headers["vary"] == "Accept"
    forced = client.get(
        f"{API}/observations", params={**params, "format": "json"}, headers={"Accept": "text/csv"}
    )
    assert forced.json()["total"] == len(_rows(as_csv))


def test_downloads_carry_citations(client, session):
    params = {"series": "GE_CHLD_LAB", "area": "WLD", "format": "csv", "with_citations": "true"}
    response = client.get(f"{API}/observations", params=params)
    rows = _rows(response)
    citations = {s.id: s.citation for s in store.sources(session)}
    assert rows and all(r["citation"] == citations[r["source"]] for r in rows)
    assert all(r["publisher"] for r in rows)
    listed = response.headers["x-sources"].split(", ")
    assert set(listed) == {r["source"] for r in rows}
    sdmx = client.get(f"{API}/observations", params={**params, "format": "sdmx-csv"})
    assert set(sdmx.headers["x-sources"].split(", ")) == set(listed)
    assert all(source in sdmx.text for source in listed)  # SOURCE_DETAIL on every row


@pytest.mark.parametrize(
    ("params", "token"),
    [
        ({"series": "NOPE"}, "NOPE"),
        ({"area": "Atlantis"}, "Atlantis"),
        ({"area": "Frnce"}, "Frnce"),
    ],
)
def test_unknown_series_or_area_is_a_json_error_naming_it(client, params, token):
    response = client.get(f"{API}/observations", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["value"] == token and token in body["detail"]


# --- progress --------------------------------------------------------------------------


def test_progress_world_child_labour(client):
    doc = client.get(f"{API}/progress", params={"series": "GE_CHLD_LAB", "area": "WLD"}).json()
    assert len(doc["points"]) == 7
    assert doc["points"][-1] == {"year": 2024, "value": 137.6, "source": "ilo_unicef_2025"}
    assert doc["status"]["category"]
    assert doc["rates"] and set(doc["projections"]) == {"log-linear", "linear"}
    assert doc["acceleration"]["required_aarr_pct"] > 0
    assert {c["id"] for c in doc["citations"]} == {p["source"] for p in doc["points"]}
    assert all(c["citation"] for c in doc["citations"])


def test_progress_without_target_and_unknowns(client):
    doc = client.get(f"{API}/progress", params={"series": "VC_HTF_DETV", "area": "France"})
    assert doc.status_code == 200
    assert doc.json()["area"] == "FRA" and doc.json()["status"] is None
    assert any("no target" in note for note in doc.json()["notes"])
    for params in (
        {"series": "NOPE", "area": "WLD"},
        {"series": "GE_CHLD_LAB", "area": "Atlantis"},
        {"series": "GE_CHLD_LAB", "area": "ATA"},  # a real area without data
    ):
        response = client.get(f"{API}/progress", params=params)
        assert response.status_code == 404, params
        assert response.headers["content-type"] == "application/json"
        assert response.json()["detail"]


# --- caching, security, documentation --------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/areas",
        "/areas/FRA",
        "/series",
        "/series/GE_CHLD_LAB",
        "/sources",
        "/observations?series=GE_CHLD_LAB&area=WLD",
        "/observations?series=GE_CHLD_LAB&area=WLD&format=csv",
        "/observations?series=GE_CHLD_LAB&area=WLD&format=sdmx-csv",
        "/progress?series=GE_CHLD_LAB&area=WLD",
    ],
)
def test_etag_cache_headers_and_304(client, path):
    first = client.get(API + path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "public, max-age=300"
    assert first.headers["x-content-type-options"] == "nosniff"
    assert client.get(API + path).headers["etag"] == etag  # stable
    for header in (etag, f"W/{etag}", f'"other", {etag}'):
        again = client.get(API + path, headers={"If-None-Match": header})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
    stale = client.get(API + path, headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_different_answers_have_different_etags(client):
    a = client.get(f"{API}/observations", params={"series": "GE_CHLD_LAB"})
    b = client.get(f"{API}/observations", params={"series": "GE_CHLD_LAB", "format": "csv"})
    c = client.get(f"{API}/observations", params={"series": "GE_CHLD_LAB_PT"})
    assert len({a.headers["etag"], b.headers["etag"], c.headers["etag"]}) == 3


def test_hostile_text_comes_back_as_json_strings_and_neutralised_csv(warehouse_url, tmp_path):
    url = _copy_of(warehouse_url, tmp_path)
    engine = store.make_engine(url)
    with Session(engine) as s:
        s.add(
            store.Source(
                id="hostile",
                publisher=FORMULA,
                title=HOSTILE,
                licence=HOSTILE,
                citation=f"{HOSTILE} (2024)",
                priority=1,
            )
        )
        s.flush()
        s.add(
            store.Observation(
                series="GE_CHLD_LAB",
                ref_area="FRA",
                time_period="2023",
                year_from=2023,
                year_to=2023,
                value=1.0,
                unit="NUMBER",
                footnote=FORMULA,
                source="hostile",
            )
        )
        s.commit()
    engine.dispose()
    with TestClient(create_api_app(url)) as client:
        response = client.get(f"{API}/sources")
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-content-type-options"] == "nosniff"
        hostile = next(s for s in response.json() if s["id"] == "hostile")
        assert hostile["title"] == HOSTILE and hostile["citation"] == f"{HOSTILE} (2024)"
        params = {"series": "GE_CHLD_LAB", "area": "FRA"}
        doc = client.get(f"{API}/observations", params=params)
        assert doc.headers["content-type"] == "application/json"
        assert doc.json()["sources"][0]["title"] == HOSTILE
        assert doc.json()["observations"][0]["footnote"] == FORMULA  # JSON keeps true text
        cells = _rows(
            client.get(
                f"{API}/observations", params={**params, "format": "csv", "with_citations": "true"}
            )
        )[0]
        assert cells["footnote"] == "'" + FORMULA and cells["publisher"] == "'" + FORMULA
        for path in ("/areas/<script>", "/observations?area=<script>alert(1)</script>"):
            error = client.get(API + path)
            assert error.headers["content-type"] == "application/json"
            assert error.headers["x-content-type-options"] == "nosniff"


def test_unexpected_error_is_a_json_500_without_details(tmp_path):
    app = create_api_app(f"sqlite:///{tmp_path / 'empty.sqlite'}")  # no tables at all
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(f"{API}/sources")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json() == {"detail": "internal server error", "value": None, "suggestions": []}
    assert "Traceback" not in response.text and "sqlite" not in response.text.lower()


def test_openapi_describes_every_endpoint(client):
    schema = client.get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "areas",
        "areas/{code}",
        "series",
        "series/{code}",
        "sources",
        "observations",
        "progress",
    ):
        assert "get" in paths[f"{API}/{path}"], path
    params = {p["name"] for p in paths[f"{API}/observations"]["get"]["parameters"]}
    assert params >= {
        "series",
        "area",
        "members",
        "sex",
        "age",
        "from",
        "to",
        "all_sources",
        "limit",
        "offset",
        "format",
        "with_citations",
    }
    content = paths[f"{API}/observations"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv", "application/vnd.sdmx.data+csv"} <= set(content)
    docs = client.get(f"{API}/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
