"""The risk pages: a synthetic CLRISK run, published to a copy of the warehouse, shown as a list,
a run page (map, ranking, table, suppressions, synthetic banner) and downloads."""

from __future__ import annotations

import io
import json
import shutil

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from target87 import store
from target87.risk.catalog import publish_run
from target87.risk.outputs import write_outputs
from target87.risk.pipeline import run_file
from target87.risk.report_html import render_report
from target87.risk.synth_files import write_synthetic_run
from target87.web.app import create_app

pytestmark = pytest.mark.slow  # the module fixture runs the whole pipeline (about 3 s)


@pytest.fixture(scope="module")
def published(warehouse_url, tmp_path_factory):
    """(database url, run id, saved run document) with one synthetic run published."""
    base = tmp_path_factory.mktemp("risk-web")
    folder = write_synthetic_run(
        base / "run", n_children=20_000, n_territories=40, seed=5, sample_size=2_500
    )
    written = write_outputs(run_file(folder.run_file), base / "out")
    path = base / "warehouse.sqlite"
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    with Session(store.make_engine(url)) as s, s.begin():
        run_id = publish_run(s, written["run"], country="BRA").id
    return url, run_id, json.loads(written["run"].read_text())


@pytest.fixture(scope="module")
def client(published):
    with TestClient(create_app(published[0])) as c:
        yield c


def test_list_names_the_run_as_synthetic_in_each_language(client, published):
    _, run_id, doc = published
    page = client.get("/risk?lang=en").text
    assert f'href="/risk/{run_id}"' in page and "Synthetic data" in page
    assert len(doc["territories"]) == 40 and ">40<" in page
    assert "Données synthétiques" in client.get("/risk?lang=fr").text
    assert "Mapas de riesgo" in client.get("/risk?lang=es").text  # the navigation link


def test_run_page_has_banner_map_ranking_and_every_territory(client, published):
    _, run_id, doc = published
    response = client.get(f"/risk/{run_id}?lang=en")
    assert response.status_code == 200
    page = response.text
    assert 'class="banner synthetic"' in page and "describe no real country" in page
    assert 'id="chart-risk-map"' in page and 'id="chart-risk-ranking"' in page
    assert "<script>" not in page  # the specs travel as JSON data, not inline script
    shown = [t for t in doc["territories"] if t.get("disclosure") != "suppressed"]
    for territory in doc["territories"]:
        assert f"<td>{territory['territory']}</td>" in page
    # The highest risk, as a percentage with two decimals, is in the table.
    top = max(shown, key=lambda t: t["risk"])
    assert f"{100 * top['risk']:.2f} %" in page
    assert "Suppressions (disclosure control)" in page and "Model summary" in page


def test_map_colours_every_territory_and_greys_the_unclassified(client, published):
    from target87.presentation.charts import class_map_spec

    _, _, doc = published
    labels = list(doc["classification"]["labels"])
    spec = class_map_spec(doc["geojson"], labels, "map", "text", "suppressed")
    values = _values(spec)
    assert len(values) == len(doc["geojson"]["features"]) == 40
    # A Vega map (zoomable): one ordinal colour scale, the classes then "No data" and
    # "Suppressed", each territory in one of them; the suppressed ones say so.
    (colour,) = [s for s in spec["scales"] if s["name"] == "color"]
    domain = colour["domain"]
    assert domain[: len(labels)] == labels and len(domain) == len(labels) + 2
    assert domain[-2:] == ["No data", "Suppressed (too few observations)"]
    assert {v["properties"]["shown"] for v in values} <= set(domain)
    suppressed = [v for v in values if v["properties"].get("disclosure") == "suppressed"]
    assert suppressed and all(v["properties"]["shown"] == domain[-1] for v in suppressed)


def test_csv_is_the_published_table_as_an_attachment(client, published):
    _, run_id, doc = published
    response = client.get(f"/risk/{run_id}/territories.csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    table = pd.read_csv(io.StringIO(response.text), dtype={"territory": str})
    assert len(table) == len(doc["territories"])
    assert "unit_scores" not in response.text and (table["synthetic"] == "SYNTHETIC").all()


def test_report_downloads_as_an_attachment_never_inline(client, published):
    _, run_id, doc = published
    response = client.get(f"/risk/{run_id}/report.html")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "SYNTHETIC" in response.text
    # The stored document keeps the run's column order: the same report as from run.json.
    assert response.text == render_report(doc)


@pytest.mark.parametrize(
    "path", ["/risk/999", "/risk/999/territories.csv", "/risk/999/report.html"]
)
def test_unknown_run_is_404(client, path):
    assert client.get(path).status_code == 404


def test_list_without_runs_says_so(warehouse_url):
    with TestClient(create_app(warehouse_url)) as c:
        page = c.get("/risk?lang=en").text
    assert "No run has been published yet" in page


def test_map_polygons_are_wound_for_d3_whichever_way_they_came():
    from target87.presentation.charts import d3_winding

    ccw = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]  # RFC 7946's outer ring
    hole = [[0.2, 0.2], [0.2, 0.4], [0.4, 0.4], [0.2, 0.2]]  # clockwise: must turn around
    wound = d3_winding({"type": "Polygon", "coordinates": [ccw, hole]})
    assert wound["coordinates"] == [ccw[::-1], hole[::-1]]
    multi = d3_winding({"type": "MultiPolygon", "coordinates": [[ccw[::-1]]]})
    assert multi["coordinates"] == [[ccw[::-1]]]  # already clockwise: unchanged


def test_ranking_is_drawn_highest_risk_first_with_each_interval_on_its_line(published):
    """Both layers sort the territories the same way (by risk, not by id); the order holds in
    the SVG that vl-convert draws (the same Vega-Lite as the page's bundle)."""
    import re

    import vl_convert as vlc

    from target87.presentation.charts import risk_ranking_spec

    _, _, doc = published
    territories = pd.DataFrame(doc["territories"])
    spec = risk_ranking_spec(territories, "Highest risks", "text", top=30)
    ranked = territories.dropna(subset=["risk"]).sort_values("risk", ascending=False).head(30)
    expected = list(ranked["territory"])
    svg = vlc.vegalite_to_svg({**spec, "width": 600})

    def drawn(name: str, shape: str) -> dict[str, float]:
        group = re.search(rf'role-mark {name}_marks"[^>]*>(.*?)</g>', svg, re.S).group(1)
        y_of = {}
        for element in re.finditer(rf"<{shape} [^>]*>", group):
            tag = element.group(0)
            territory = re.search(r"territory: ([^;\"]+)", tag).group(1).strip()
            y_of[territory] = float(re.search(r"translate\([-\d.]+,([-\d.]+)\)", tag).group(1))
        return y_of

    points, rules = drawn("risk", "path"), drawn("interval", "line")
    assert sorted(points, key=points.get) == expected
    assert rules == points  # each 90% interval on its territory's line


def _spec(page: str, chart: str) -> dict:
    import re

    found = re.search(
        rf'<script type="application/json" class="vega-spec" data-target="{chart}">(.*?)</script>',
        page,
        re.S,
    )
    return json.loads(found.group(1))


def _values(spec: dict) -> list[dict]:
    if "datasets" in spec:
        return [v for values in spec["datasets"].values() for v in values]
    if isinstance(spec["data"], list):  # a Vega spec (the zoomable map): its inline data sets
        return [v for data in spec["data"] for v in data.get("values", [])]
    return spec["data"]["values"]


def test_pages_show_only_what_the_published_schema_allows(client, published):
    """The risk pages read nothing the schema of a published run does not require, the stored
    document passes the publish checks again, and the CSV, the map and the ranking on the page
    hold only the schema's columns (a map feature: its row, its pool, the boundary's names)."""
    from target87.risk.catalog import run_document
    from target87.risk.run_check import check_run_document, run_schema
    from target87.risk.run_record import RiskRunRecord

    url, run_id, doc = published
    schema = run_schema()
    read = {  # what risk_pages.py, risk_list.html and risk_run.html read from a document
        "": ["name", "synthetic", "label", "outcome", "levels", "national", "territories",
             "classification", "model", "suppression_log", "provenance", "geojson"],
        "national": ["risk", "lo90", "hi90", "direct"],
        "classification": ["labels", "method", "cutpoints"],
        "model": ["summary", "coefficients", "link"],
    }  # fmt: skip
    for where, fields in read.items():
        node = schema["properties"][where] if where else schema
        assert set(fields) <= set(node["required"]), where
    row_fields = ["risk", "lo90", "hi90", "cv", "class", "p_high", "expected", "children",
                  "top_factors", "disclosure"]  # fmt: skip
    assert set(row_fields) <= set(schema["$defs"]["territory_row"]["required"])
    with Session(store.make_engine(url)) as s:
        stored = run_document(s.get(RiskRunRecord, run_id))
    assert stored == doc
    check_run_document(stored)

    columns = set(schema["$defs"]["territory_row"]["properties"]) | set(doc["levels"])
    csv = pd.read_csv(io.StringIO(client.get(f"/risk/{run_id}/territories.csv").text))
    assert set(csv.columns) <= columns
    page = client.get(f"/risk/{run_id}?lang=en").text
    boundary = {"code", "name"}  # the synthetic boundaries' own properties
    for feature in _values(_spec(page, "chart-risk-map")):
        assert set(feature["properties"]) <= columns | boundary | {"merged_into", "shown"}
    for point in _values(_spec(page, "chart-risk-ranking")):
        assert set(point) <= {"territory", "risk", "lo90", "hi90"}


def test_a_refused_run_never_reaches_the_pages(published, tmp_path):
    """A hand-edited run (a territory of 3 children shown with a 100 % direct estimate) is
    refused by publishing: the site lists the same runs and has no page for it."""
    from target87.risk.catalog import RiskPublishError, published_runs

    url, run_id, doc = published
    path = tmp_path / "warehouse.sqlite"
    shutil.copy(url.removeprefix("sqlite:///"), path)
    copy_url = f"sqlite:///{path}"
    edited = json.loads(json.dumps(doc))
    small = next(r for r in edited["territories"] if r["disclosure"] == "suppressed")
    small.update({"children": 3.0, "risk": 1.0, "n_sample": 3.0, "direct": 1.0,
                  "direct_disclosure": "ok", "disclosure": "ok"})  # fmt: skip
    (tmp_path / "run.json").write_text(json.dumps(edited))
    engine = store.make_engine(copy_url)
    with Session(engine) as s, s.begin():
        before = [r.id for r in published_runs(s)]
    with pytest.raises(RiskPublishError, match="min_children"), Session(engine) as s, s.begin():
        publish_run(s, tmp_path / "run.json", country="BRA")
    with Session(engine) as s:
        assert [r.id for r in published_runs(s)] == before
    engine.dispose()
    with TestClient(create_app(copy_url)) as c:
        listing = c.get("/risk?lang=en").text
        assert listing.count('href="/risk/') == len(before)
        assert c.get(f"/risk/{max(before) + 1}").status_code == 404


def test_a_run_stored_around_the_checks_is_never_shown(published, tmp_path):
    """A document written into the database by other means (or before today's checks) with an
    unsuppressed small territory: the list leaves it out and its pages answer 404."""
    from target87.risk.run_record import RiskRunRecord

    url, run_id, doc = published
    path = tmp_path / "warehouse.sqlite"
    shutil.copy(url.removeprefix("sqlite:///"), path)
    copy_url = f"sqlite:///{path}"
    edited = json.loads(json.dumps(doc))
    small = next(r for r in edited["territories"] if r["disclosure"] == "suppressed")
    small.update({"children": 3.0, "risk": 1.0, "n_sample": 3.0, "direct": 1.0,
                  "direct_disclosure": "ok", "disclosure": "ok"})  # fmt: skip
    engine = store.make_engine(copy_url)
    with Session(engine) as s, s.begin():
        s.get(RiskRunRecord, run_id).document = json.dumps(edited)
    engine.dispose()
    with TestClient(create_app(copy_url)) as c:
        assert f'href="/risk/{run_id}"' not in c.get("/risk?lang=en").text
        for page in (f"/risk/{run_id}", f"/risk/{run_id}/territories.csv",
                     f"/risk/{run_id}/report.html"):  # fmt: skip
            assert c.get(page).status_code == 404, page
