"""evidence.query: facets with counts, filters, one study, and the table an analysis pools
(on a copy of the loaded warehouse with the worked examples and the two test studies of
tests/evidence/data/web_two_studies.csv, which are marked as test data)."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from target87.evidence import escalc, query, rma
from target87.evidence.datasets import frame, load_worked_examples
from target87.evidence.io import import_evidence
from tests.conftest import ROOT

TEST_STUDIES = ROOT / "tests" / "evidence" / "data" / "web_two_studies.csv"


@pytest.fixture(scope="module")
def s(warehouse_url, tmp_path_factory):
    path = tmp_path_factory.mktemp("evidence-query") / "q.sqlite"
    shutil.copyfile(make_url(warehouse_url).database, path)
    engine = create_engine(f"sqlite:///{path}")
    load_worked_examples(engine)
    import_evidence(engine, TEST_STUDIES)
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_real_studies_and_worked_examples_are_never_mixed(s):
    real = query.list_studies(s, query.Filters.of())
    assert {x.id for x in real.studies} == {"test-cct-bra", "test-meals-npl"}
    examples = query.list_studies(s, query.Filters.of(examples=True))
    assert examples.total == 48 and all(x.worked_example for x in examples.studies)


def test_facets_count_studies_with_the_other_filters_applied(s):
    found = query.list_studies(s, query.Filters.of(design="rct"))
    assert [x.id for x in found.studies] == ["test-cct-bra"]
    counts = {v.code: v.count for v in found.facets["intervention"]}
    assert counts == {"cct": 1}
    design = {v.code: (v.count, v.selected) for v in found.facets["design"]}
    assert design == {"rct": (1, True), "quasi_experimental": (1, False)}
    region = {v.code for v in found.facets["region"]}
    assert {"M49_419", "ILO_AMERICAS"} <= region


def test_region_country_and_effect_filters(s):
    asia = query.list_studies(s, query.Filters.of(region="M49_142"))
    assert [x.id for x in asia.studies] == ["test-meals-npl"]
    both = query.list_studies(s, query.Filters.of(country=["bra", "NPL"]))
    assert both.total == 2
    attendance = query.list_studies(s, query.Filters.of(outcome="school_attendance"))
    assert [x.id for x in attendance.studies] == ["test-meals-npl"]
    none = query.list_studies(s, query.Filters.of(intervention="cct", outcome="school_attendance"))
    assert none.total == 0


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"intervention": "bogus"}, "intervention"),
        ({"region": "M49_999"}, "region"),
        ({"country": "XXX"}, "country"),
        ({"measure": "HR"}, "measure"),
    ],
)
def test_unknown_filters_are_named(s, given, field):
    with pytest.raises(query.FilterError) as caught:
        query.list_studies(s, query.Filters.of(**given))
    assert caught.value.reason == "unknown" and caught.value.field == field


def test_one_study_with_its_effects(s):
    study = query.get_study(s, "test-meals-npl")
    assert study.country_codes == ["NPL"] and len(study.effects) == 2
    assert query.get_study(s, "nope") is None
    assert [x.id for x in query.studies_in_country(s, "BRA")] == ["test-cct-bra"]
    assert query.studies_in_country(s, "USA") == []


def test_analysis_table_computes_raw_rows_with_escalc(s):
    table = query.analysis_table(s, query.Filters.of(outcome="child_labour"))
    assert len(table) == 3 and table["citation"].str.contains("TEST DATA").all()
    raw = table[table["computed"]].iloc[0]
    es = escalc("RD", ai=[48], bi=[352], ci=[71], di=[329])
    assert raw["yi"] == pytest.approx(es.yi[0]) and raw["vi"] == pytest.approx(es.vi[0])


def test_analysis_of_dat_bcg_matches_metafor(s):
    found = query.analyse(s, query.Filters.of(examples=True, measure="RR"))
    bcg = frame("dat.bcg")
    es = escalc("RR", ai=bcg.tpos, bi=bcg.tneg, ci=bcg.cpos, di=bcg.cneg)
    assert found.fit.beta[0] == pytest.approx(rma(es.yi, es.vi).beta[0], rel=1e-12)
    assert found.fit.tau2 == pytest.approx(0.3132, abs=1e-4)  # metafor: tau^2 = 0.3132
    assert set(found.bias) == {"egger", "rank", "trimfill"}
    d = found.to_dict()
    assert d["k"] == 13 and d["studies"] == 13 and d["measure"] == "RR"
    assert d["model"]["method"] == "REML" and len(d["citations"]) == 13


def test_analyses_that_cannot_run_say_why(s):
    with pytest.raises(query.FilterError) as caught:
        query.analyse(s, query.Filters.of(outcome="school_attendance"))
    assert caught.value.reason == "too_few"
    with pytest.raises(query.FilterError) as caught:
        query.analyse(s, query.Filters.of(examples=True))
    assert caught.value.reason == "mixed_measures" and set(caught.value.choices) == {
        "RR",
        "SMD",
        "OR",
    }
    with pytest.raises(query.FilterError):
        query.analyse(s, query.Filters.of(examples=True, measure="RR"), method="XYZ")
    with pytest.raises(query.FilterError) as caught:
        query.analysis_table(s, query.Filters.of(country="USA"))
    assert caught.value.reason == "no_effects"


def test_subgroups_by_intervention_when_each_has_two_effects(s):
    found = query.analyse(s, query.Filters.of(outcome="child_labour"))
    assert found.meta.subgroups is None and found.single_groups == ["school_feeding"]
