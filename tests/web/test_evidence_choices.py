"""The analysis page's model choices over HTTP (the fixtures of test_evidence_pages: the
demonstration database with the worked examples and two invented test studies): the
meta-regression on dat.bcg's latitude shows metafor's published F test, subgroups by a field
show their table and the test of the difference, CR2 shows Satterthwaite's df, the choices
travel into the downloads, bad choices get a clear message in three languages (never a 500),
and no English is left on the pages in French and Spanish."""

from __future__ import annotations

import re

import numpy as np
import pytest

from target87.evidence import escalc, rma, subgroups
from target87.evidence.datasets import frame
from target87.evidence.robust import robust
from tests.web import test_evidence_pages as pages
from tests.web.crawler import EnglishLeftovers, parse

evidence_db, app, client = pages.evidence_db, pages.app, pages.client  # fixtures
BCG = "/evidence/analysis?examples=1&measure=RR"


def _section(html: str, name: str) -> str:
    found = re.search(rf'<section id="{name}">(.*?)</section>', html, re.S)
    assert found, f"no section {name}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


def _values(html: str, table_id: str) -> list[float]:
    table = re.search(rf'<table class="data" id="{table_id}">(.*?)</table>', html, re.S).group(1)
    return [float(v) for v in re.findall(r'data-value="([^"]+)"', table)]


def test_the_form_offers_moderators_subgroups_and_several_effects(client):
    html = client.get(BCG).text
    for control in ('name="mods" value="year"', 'name="mods" value="mod_ablat"',
                    'name="mods" value="region"', '<select name="subgroup">',
                    '<option value="multilevel_cr2">'):  # fmt: skip
        assert control in html, control


def test_meta_regression_on_latitude_shows_metafors_f_test(client):
    html = client.get(f"{BCG}&test=knha&mods=mod_ablat").text
    text = _section(html, "regression")
    # metafor: rma(yi, vi, mods = ~ ablat, test = "knha"): F(1, 11) = 12.5905, R^2 75.62 %,
    # QE(11) = 30.7331, coefficients 0.2515 and -0.0291.
    assert "F(1, 11) = 12.5905" in text and "75.62 %" in text and "QE(11) = 30.7331" in text
    assert _values(html, "regression-coefficients") == pytest.approx([0.2515, -0.0291], abs=1e-4)
    assert "Moderator of the data set: ablat" in text
    # The downloads carry the choices: the JSON holds the same meta-regression.
    link = re.search(r'href="(/evidence/analysis\.json\?[^"]+)"', html).group(1)
    assert "mods=mod_ablat" in link and "test=knha" in link
    data = client.get(link.replace("&amp;", "&")).json()
    assert data["regression"]["model"]["F"] == pytest.approx(12.5905, abs=1e-4)
    assert data["choices"]["mods"] == ["mod_ablat"]


def test_subgroups_by_design_show_the_test_of_difference(client):
    html = client.get(f"{BCG}&subgroup=design").text
    bcg = frame("dat.bcg")
    es = escalc("RR", ai=bcg.tpos, bi=bcg.tneg, ci=bcg.cpos, di=bcg.cneg)
    design = ["rct" if a == "random" else "quasi_experimental" for a in bcg.alloc]
    expected = subgroups(es.yi, es.vi, design)
    text = _section(html, "subgroups")
    assert "Randomised controlled trial" in text and "Quasi-experimental study" in text
    assert sorted(_values(html, "subgroup-table")) == pytest.approx(
        sorted(r.beta[0] for r in expected.separate.values()), rel=1e-9
    )
    qm = expected.test_of_difference["value"]
    assert f"QM(1) = {qm:.4f}" in text
    assert f"Q between subgroups (1 df) = {expected.Q_between:.4f}" in text


def test_cr2_by_study_shows_satterthwaite_df(client):
    html = client.get(f"{BCG}&several=cr2").text
    text = _section(html, "several")
    # metafor tests/testthat/test_misc_robust.r lines 30-40: df 11.04125.
    assert "11.04" in text and "13 studies as clusters" in text
    expected = rma(*_bcg_rr())
    assert _values(html, "robust-coefficients") == pytest.approx(expected.beta, rel=1e-10)
    ml = client.get(f"{BCG}&several=multilevel_cr2&mods=year").text
    assert 'id="multilevel-coefficients"' in ml and 'id="multilevel-robust"' in ml


def test_cr2_with_two_moderators_shows_the_htz_test(client):
    # mods = ~ ablat + year under CR2: the moderators' test is clubSandwich's HTZ, as metafor's
    # robust(res.mods, cluster, clubSandwich = TRUE) prints it (R: tests/evidence/test_htz.py)
    query = f"{BCG}&mods=mod_ablat&mods=year&several=cr2"
    bcg = frame("dat.bcg")
    fit = rma(*_bcg_rr(), mods=np.column_stack([bcg.ablat, bcg.year]))
    expected = robust(fit, bcg.trial, clubSandwich=True)
    html = client.get(query).text
    line = re.search(r'<p id="regression-robust-test">([^<]*)</p>', html).group(1)
    shown = re.search(r"HTZ F\(2, ([0-9.]+)\) = ([0-9.]+), p ([0-9]+[.][0-9]+)", line)
    assert shown, line
    assert float(shown.group(1)) == pytest.approx(expected.QM_df[1], abs=0.005)
    assert float(shown.group(2)) == pytest.approx(expected.QM, abs=5e-5)
    assert float(shown.group(3)) == pytest.approx(expected.QMp, abs=5e-5)
    got = client.get(query.replace("/analysis?", "/analysis.json?")).json()["regression"]["robust"]
    assert got["QM_test"] == "HTZ" and got["QM"] == pytest.approx(expected.QM, rel=1e-10)
    assert got["QM_df"] == pytest.approx(list(expected.QM_df), rel=1e-10)
    script = client.get(query.replace("/analysis?", "/analysis.R?")).text
    assert "rob.mods <- robust(res.mods, cluster = study_id, clubSandwich = TRUE)" in script


def _bcg_rr():
    bcg = frame("dat.bcg")
    es = escalc("RR", ai=bcg.tpos, bi=bcg.tneg, ci=bcg.cpos, di=bcg.cneg)
    return es.yi, es.vi


@pytest.mark.parametrize(
    ("query", "words"),
    [
        (f"{BCG}&mods=outcome", {"en": "takes one value only", "fr": "ne prend qu'une valeur",
                                 "es": "toma un solo valor"}),
        (f"{BCG}&mods=quality", {"en": "have no value for", "fr": "n'ont pas de valeur",
                                 "es": "no tienen valor"}),
        ("/evidence/analysis?outcome=child_labour&subgroup=design",
         {"en": "has a single effect", "fr": "n'a qu'un seul effet", "es": "tiene un solo efecto"}),
        ("/evidence/analysis?intervention=cct&several=cr2",
         {"en": "need at least two studies", "fr": "au moins deux études",
          "es": "al menos dos estudios"}),
    ],
)  # fmt: skip
def test_bad_choices_get_a_clear_message_in_three_languages(client, query, words):
    for lang, expected in words.items():
        r = client.get(f"{query}&lang={lang}")
        assert r.status_code == 200
        problem = re.search(r'id="analysis-problem">(.*?)</p>', r.text, re.S).group(1)
        assert expected in problem.replace("&#39;", "'"), (lang, problem)
    assert client.get(f"{BCG}&mods=bogus").status_code == 400
    assert client.get(f"{BCG}&several=bogus").status_code == 400


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_no_english_is_left_with_every_control_pressed(client, lang):
    url = f"{BCG}&test=knha&mods=mod_ablat&mods=design&subgroup=design&several=multilevel_cr2"
    r = client.get(f"{url}&lang={lang}")
    assert r.status_code == 200
    found = EnglishLeftovers(lang).find(parse(url, r.text).texts)
    assert found == [], found


def test_the_r_script_reproduces_the_choices(client):
    q = "examples=1&measure=RR&test=knha&mods=mod_ablat&mods=design&subgroup=design&several=cr2"
    script = client.get(f"/evidence/analysis.R?{q}").text
    assert (
        'res.mods <- rma(yi, vi, mods = ~ mod_ablat + factor(design), data = dat, method = "REML",'
        ' test = "knha", level = 95)'
    ) in script
    assert "robust(res, cluster = study_id, clubSandwich = TRUE)" in script
    assert "robust(res.mods, cluster = study_id, clubSandwich = TRUE)" in script
    assert "sub <- rma(yi, vi, mods = ~ factor(design)" in script
    ablat = re.search(r"mod_ablat = c\(([^)]*)\)", script).group(1)
    assert sorted(float(x) for x in re.split(r"[,\s]+", ablat.strip()) if x) == sorted(
        frame("dat.bcg").ablat.astype(float)
    )
    assert re.search(r'design = c\(\s*"(rct|quasi_experimental)"', script)
    ml = client.get(f"/evidence/analysis.R?{q.replace('several=cr2', 'several=multilevel_cr2')}")
    assert (
        "rma.mv(yi, vi, mods = ~ mod_ablat + factor(design), random = ~ 1 | study_id/effect_id"
    ) in ml.text and 'test = "t"' in ml.text
    assert "robust(res.ml, cluster = study_id, clubSandwich = TRUE)" in ml.text
