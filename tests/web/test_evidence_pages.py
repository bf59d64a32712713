"""The evidence section on a copy of the demonstration database with the worked examples and
two invented test studies (tests/evidence/data/web_two_studies.csv, marked as test data):
pages in three languages with no English left, facets, the analysis equal to ``rma`` on the
same rows, the downloads, the R script, clear messages, the API and the country profile."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from target87.evidence import rma
from target87.evidence.datasets import frame, load_worked_examples
from target87.evidence.io import import_evidence
from target87.web.app import create_app
from tests.conftest import ROOT
from tests.web.crawler import EnglishLeftovers, parse

TEST_STUDIES = ROOT / "tests" / "evidence" / "data" / "web_two_studies.csv"


@pytest.fixture(scope="module")
def evidence_db(warehouse_url, tmp_path_factory) -> str:
    from sqlalchemy.engine import make_url

    path = tmp_path_factory.mktemp("evidence-web") / "evidence.sqlite"
    shutil.copyfile(make_url(warehouse_url).database, path)
    engine = create_engine(f"sqlite:///{path}")
    load_worked_examples(engine)
    import_evidence(engine, TEST_STUDIES)
    engine.dispose()
    return str(path)


@pytest.fixture(scope="module")
def app(evidence_db, tmp_path_factory):
    copy = tmp_path_factory.mktemp("evidence-site") / "site.sqlite"
    shutil.copyfile(evidence_db, copy)
    app = create_app(f"sqlite:///{copy}")
    yield app
    app.state.engine.dispose()


@pytest.fixture
def client(app):
    """A fresh reader (no language cookie from another test)."""
    with TestClient(app, follow_redirects=False) as c:
        yield c


def _pooled(html: str) -> float:
    return float(re.search(r'id="pooled-estimate" data-value="([^"]+)"', html).group(1))


PAGES = [
    "/evidence",
    "/evidence?examples=1",
    "/evidence/studies/test-cct-bra",
    "/evidence/studies/bcg-1",
    "/evidence/analysis",
    "/evidence/analysis?outcome=child_labour",
    "/evidence/analysis?examples=1&measure=RR",
    "/countries/BRA",
]


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_pages_answer_in_three_languages_with_no_english_left(client, lang):
    leftovers = EnglishLeftovers(lang) if lang != "en" else None
    for url in PAGES:
        sep = "&" if "?" in url else "?"
        r = client.get(f"{url}{sep}lang={lang}")
        assert r.status_code == 200, (url, r.text[:300])
        if leftovers is not None:
            found = leftovers.find(parse(url, r.text).texts)
            assert found == [], (url, found)


def test_navigation_links_to_the_evidence_section(client):
    page = parse("/", client.get("/").text)
    assert any(link.split("?")[0].endswith("/evidence") for link in page.links)


def test_the_list_shows_real_studies_and_examples_only_when_asked(client):
    html = client.get("/evidence").text
    assert "TEST DATA, not a real study" in html and "Aronson (1948)" not in html
    html = client.get("/evidence?examples=1").text
    assert "Aronson (1948)" in html and "Worked example" in html
    assert "TEST DATA" not in html


def test_facets_filter_and_count(client):
    html = client.get("/evidence?country=NPL").text
    assert "test-meals-npl" in html and "test-cct-bra" not in html
    html = client.get("/evidence?region=M49_419").text  # Latin America and the Caribbean
    assert "test-cct-bra" in html and "test-meals-npl" not in html
    html = client.get("/evidence?intervention=school_feeding").text
    assert "test-meals-npl" in html and "test-cct-bra" not in html
    # The intervention facet counts studies with the other facets applied.
    html = client.get("/evidence?design=rct").text
    assert re.search(r'value="cct"[^>]*> [^<]*\(1\)', html)


def test_bad_filters_get_a_clear_answer(client):
    r = client.get("/evidence?intervention=nonsense")
    assert r.status_code == 400 and "nonsense" in r.text
    r = client.get("/evidence/analysis?region=NOWHERE")
    assert r.status_code == 400 and "NOWHERE" in r.text
    r = client.get("/evidence/analysis?method=BOGUS")
    assert r.status_code == 400 and "BOGUS" in r.text
    assert client.get("/evidence/studies/no-such-study").status_code == 404


def test_fewer_than_two_effects_is_explained(client):
    r = client.get("/evidence/analysis?outcome=school_attendance")
    assert r.status_code == 200
    assert "pooling needs at least two effects" in r.text
    assert client.get("/evidence/analysis.csv?outcome=school_attendance").status_code == 400
    r = client.get("/evidence/analysis?examples=1")  # RR, SMD and OR together
    assert "choose one measure" in r.text


def test_the_pooled_effect_is_rma_on_the_same_rows(client):
    bcg = frame("dat.bcg")
    from target87.evidence import escalc

    es = escalc("RR", ai=bcg.tpos, bi=bcg.tneg, ci=bcg.cpos, di=bcg.cneg)
    expected = rma(es.yi, es.vi, method="REML")
    html = client.get("/evidence/analysis?examples=1&measure=RR").text
    assert _pooled(html) == pytest.approx(float(expected.beta[0]), rel=1e-10)
    assert _pooled(html) == pytest.approx(-0.7145, abs=1e-4)  # metafor's published value
    dl = client.get("/evidence/analysis?examples=1&measure=RR&method=DL&test=knha").text
    expected = rma(es.yi, es.vi, method="DL", test="knha")
    assert _pooled(dl) == pytest.approx(float(expected.beta[0]), rel=1e-10)
    # The citations of every study included, the plots with their downloads, the bias tests.
    assert html.count('href="/evidence/studies/bcg-') >= 13
    assert 'id="chart-forest"' in html and 'id="chart-funnel"' in html
    assert "/charts/evidence/analysis/chart-forest.svg" in html
    assert "Egger" in html and "Begg" in html and "Trim-and-fill" in html


def test_the_test_studies_pool_computed_and_given_effects(client):
    html = client.get("/evidence/analysis?outcome=child_labour").text
    # One effect from 2x2 counts (escalc RD), two given as yi/vi.
    yi = [-0.041, -0.058, 48 / 400 - 71 / 400]
    vi = [0.00025, 0.00031, (48 * 352 / 400**3) + (71 * 329 / 400**3)]
    assert _pooled(html) == pytest.approx(float(rma(yi, vi).beta[0]), rel=1e-9)


def test_downloads_parse(client):
    q = "examples=1&measure=RR&method=REML"
    r = client.get(f"/evidence/analysis.csv?{q}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert len(rows) == 13 and all(row["citation"] for row in rows)
    data = client.get(f"/evidence/analysis.json?{q}").json()
    assert data["k"] == 13 and data["method"] == "REML" and data["measure"] == "RR"
    for name in ("beta", "se", "ci_lb", "ci_ub", "tau2", "I2", "H2", "QE", "pi_lb"):
        assert name in data["model"]
    assert data["regtest"]["pval"] is not None and "k0" in data["trimfill"]
    assert len(data["citations"]) == 13
    svg = client.get(f"/charts/evidence/analysis/chart-forest.svg?{q}")
    assert svg.status_code == 200 and "<svg" in svg.text
    chart_csv = client.get(f"/charts/evidence/analysis/chart-funnel.csv?{q}")
    assert chart_csv.status_code == 200


def test_the_r_script_calls_metafor_with_the_same_arguments(client):
    q = "examples=1&measure=RR&method=PM&test=knha"
    script = client.get(f"/evidence/analysis.R?{q}").text
    assert "library(metafor)" in script
    assert 'escalc(measure = "RR", ai = ai, bi = bi, ci = ci, di = di' in script
    assert 'rma(yi, vi, data = dat, method = "PM", test = "knha", level = 95' in script
    assert 'regtest(res.bias, model = "rma", predictor = "sei")' in script
    assert "ranktest(res.bias)" in script and 'trimfill(res.bias, estimator = "L0")' in script
    # The data inline: every 2x2 count of dat.bcg.
    bcg = frame("dat.bcg")
    ai = re.search(r"ai = c\(([^)]*)\)", script).group(1)
    assert sorted(float(x) for x in re.split(r"[,\s]+", ai.strip()) if x) == sorted(
        bcg.tpos.astype(float)
    )


def test_the_api_answers(client):
    r = client.get("/api/v1/evidence/studies?country=BRA")
    assert r.status_code == 200
    data = r.json()
    assert data["total"] == 1 and data["studies"][0]["id"] == "test-cct-bra"
    assert data["facets"]["intervention"] == {"cct": 1}
    page = client.get("/api/v1/evidence/studies?examples=true&limit=5&offset=5").json()
    assert page["total"] == 48 and len(page["studies"]) == 5
    assert client.get("/api/v1/evidence/studies?design=nope").status_code == 400
    a = client.get("/api/v1/evidence/analysis?examples=true&measure=RR").json()
    assert a["model"]["beta"][0] == pytest.approx(-0.7145, abs=1e-4) and a["k"] == 13
    assert client.get("/api/v1/evidence/analysis?outcome=school_attendance").status_code == 422
    assert client.get("/api/v1/evidence/analysis?examples=true").status_code == 400


def test_country_profiles_list_their_real_studies(client):
    html = client.get("/countries/NPL").text
    assert 'id="evidence"' in html and 'href="#evidence"' in html
    assert "/evidence/studies/test-meals-npl" in html
    assert "/evidence/studies/bcg" not in html


def test_analysis_json_has_no_nan(client):
    text = client.get("/evidence/analysis.json?outcome=child_labour").text
    assert "NaN" not in text and json.loads(text)["k"] == 3
    assert np.isfinite(json.loads(text)["model"]["beta"][0])
