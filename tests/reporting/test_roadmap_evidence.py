"""A roadmap action linked to an intervention type of the evidence base (migration 0008):
the code is checked (its form by reporting, its meaning against the taxonomy by the web
door), edited only by who may edit the roadmap and only with the form's CSRF token, and the
roadmap page then shows the pooled evidence for the type, equal to ``rma`` on the same
effects, or says in words that the evidence base holds none. On a copy of the demonstration
set with the two invented test studies of tests/evidence/data/web_two_studies.csv."""

from __future__ import annotations

import html as htmllib
import re
import shutil

import numpy as np
import pytest
from sqlalchemy import create_engine, select

from target87 import reporting
from target87.evidence import rma
from target87.evidence.datasets import load_worked_examples
from target87.evidence.io import import_evidence
from target87.reporting.action_fields import clean_action
from target87.reporting.models import Action, AuditEvent
from tests.conftest import ROOT
from tests.web import test_reporting_support as support
from tests.web.test_reporting_support import csrf_of

TEST_STUDIES = ROOT / "tests" / "evidence" / "data" / "web_two_studies.csv"
GOOD = {"title": "Cash grants", "owner_institution": "Ministry", "status": "planned"}


@pytest.fixture(scope="module")
def evidence_template(tmp_path_factory, warehouse_url) -> str:
    """The demonstration set with the worked examples and the two test studies."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.orm import Session

    path = tmp_path_factory.mktemp("roadmap-evidence") / "template.sqlite"
    shutil.copyfile(make_url(warehouse_url).database, path)
    engine = create_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        reporting.seed_demo(session, support.PASSWORD)
    load_worked_examples(engine)
    import_evidence(engine, TEST_STUDIES)
    engine.dispose()
    return str(path)


@pytest.fixture
def site(evidence_template, tmp_path):
    site = support.make_site(evidence_template, tmp_path / "site")
    yield site
    site.app.state.engine.dispose()


def test_the_code_is_checked_for_its_form_and_against_the_known_types():
    clean, problems = clean_action({**GOOD, "intervention": " CCT "}, set())
    assert problems == [] and clean["intervention"] == "cct"
    assert clean_action(GOOD, set())[0]["intervention"] is None
    _clean, problems = clean_action({**GOOD, "intervention": "cash; drop"}, set())
    assert [(p.field, p.rule) for p in problems] == [("intervention", "format")]
    _clean, problems = clean_action({**GOOD, "intervention": "cash"}, set(), {"cct", "uct"})
    assert [p.field for p in problems] == ["intervention"]
    assert "'cash' is not an intervention type (cct, uct)" in problems[0].message


def _first_action(site) -> tuple[int, int]:
    with site.db() as s:
        action = reporting.roadmap(s, reporting.Actor.command_line(), "NPL")[0].actions[0]
        return action.id, action.version


def _edit_fields(page: str, intervention: str) -> dict:
    """The action form as the browser sends it, with ``intervention`` chosen."""
    fields = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        fields[name] = htmllib.unescape(value)
    fields["status"] = re.search(r'<option value="(\w+)" selected', page).group(1)
    fields["progress_notes"] = htmllib.unescape(
        re.search(r'name="progress_notes"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    )
    fields["intervention"] = intervention
    return fields


def test_a_linked_action_shows_the_pooled_evidence_equal_to_rma(site):
    client = site.client("focal.npl")
    aid, _version = _first_action(site)
    form = client.get(f"/reporting/actions/{aid}").text
    assert 'name="intervention"' in form and '<option value="cct"' in form
    saved = client.post(f"/reporting/actions/{aid}", data=_edit_fields(form, "cct"))
    assert saved.status_code == 303, saved.text[:2000]
    with site.db() as s:
        assert s.get(Action, aid).intervention == "cct"
        event = (
            s.execute(
                select(AuditEvent).where(AuditEvent.action == "action.edit").order_by(AuditEvent.id)
            )
            .scalars()
            .all()[-1]
        )
        assert event.before_data["intervention"] is None
        assert event.after_data["intervention"] == "cct"
    page = client.get("/reporting/countries/NPL/roadmap").text
    block = re.search(rf'<div class="action-evidence" id="evidence-{aid}">(.*?)</div>', page, re.S)
    assert block, "the linked action shows its evidence"
    text = block.group(1)
    assert "Conditional cash transfers" in text
    # The two invented CCT effects (risk differences in child labour), pooled by REML.
    fit = rma([-0.041, -0.058], [0.00025, 0.00031], method="REML")
    shown = float(re.search(r'data-value="([^"]+)"', text).group(1))
    assert np.isclose(shown, fit.beta[0], atol=1e-12)
    assert "2 (1)" in text  # two effects from one study
    assert "/evidence/analysis?intervention=cct&amp;outcome=child_labour&amp;measure=RD" in text
    assert 'href="/evidence/analysis?intervention=cct"' in text
    linked = client.get("/evidence/analysis?intervention=cct&outcome=child_labour&measure=RD")
    pooled = re.search(r'id="pooled-estimate" data-value="([^"]+)"', linked.text).group(1)
    assert np.isclose(float(pooled), shown, atol=1e-12)  # the analysis page agrees


def test_a_type_without_effects_or_with_single_effects_is_said_in_words(site):
    with site.db() as s:
        fp = reporting.Actor(reporting.find_user(s, support.email("focal.npl")))
        (first, second) = reporting.roadmap(s, fp, "NPL")
        known = ("cct", "labour_inspection", "school_feeding")
        reporting.update_action(
            s, fp, first.actions[0].id, None, {"intervention": "labour_inspection"}, known
        )
        reporting.update_action(
            s, fp, second.actions[0].id, None, {"intervention": "school_feeding"}, known
        )
        ids = first.actions[0].id, second.actions[0].id
        s.commit()
    page = site.client("focal.npl").get("/reporting/countries/NPL/roadmap").text
    none = re.search(rf'id="evidence-{ids[0]}">(.*?)</div>', page, re.S).group(1)
    assert "The evidence base holds no effects for this intervention type yet." in none
    single = re.search(rf'id="evidence-{ids[1]}">(.*?)</div>', page, re.S).group(1)
    assert single.count("a single effect: not pooled") == 2  # child labour; attendance
    assert "data-value" not in single
    fr = site.client("focal.npl")
    fr.cookies.set("lang", "fr")
    assert (
        "La base de données probantes ne contient encore aucun effet"
        in fr.get("/reporting/countries/NPL/roadmap?lang=fr").text
    )


def test_only_editors_with_the_forms_token_may_link_and_unknown_codes_are_refused(site):
    aid, version = _first_action(site)
    focal = site.client("focal.npl")
    form = focal.get(f"/reporting/actions/{aid}").text
    fields = _edit_fields(form, "cct")
    before = site.audit_count()
    for who in ("viewer.npl", "focal.uga"):
        other = site.client(who)
        other_page = other.get("/reporting")
        token = csrf_of(other_page.text)
        answer = other.post(f"/reporting/actions/{aid}", data={**fields, "csrf": token})
        assert answer.status_code == 403, who
    no_token = focal.post(f"/reporting/actions/{aid}", data={**fields, "csrf": "forged"})
    assert no_token.status_code in (400, 403)
    unknown = focal.post(f"/reporting/actions/{aid}", data={**fields, "intervention": "magic"})
    assert unknown.status_code == 422
    assert 'aria-describedby="f-intervention-note f-intervention-problems"' in unknown.text
    assert "&#39;magic&#39; is not an intervention type" in unknown.text
    with site.db() as s:
        assert s.get(Action, aid).intervention is None and s.get(Action, aid).version == version
    assert site.audit_count() == before
