"""The analysis page's model choices (evidence.choices through evidence.query.analyse): a
meta-regression on a data set's own moderator matches metafor's published BCG numbers, a
categorical moderator is coded as metafor's ``factor()``, subgroups by a field equal
``subgroups()`` on the same labels, CR2 by study matches metafor's ``robust(...,
clubSandwich=TRUE)``, the multilevel model equals ``rma_mv``, and bad choices are refused
by name. On a copy of the loaded warehouse with the worked examples and the two invented
test studies (tests/evidence/data/web_two_studies.csv)."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from target87.evidence import escalc, query, rma, subgroups
from target87.evidence.choices import ChoiceError, Choices, moderator_columns
from target87.evidence.datasets import frame, load_worked_examples
from target87.evidence.io import import_evidence
from target87.evidence.multilevel import rma_mv
from tests.conftest import ROOT
from tests.evidence import DATA, close

TEST_STUDIES = ROOT / "tests" / "evidence" / "data" / "web_two_studies.csv"
BCG = query.Filters.of(examples=True, measure="RR")


@pytest.fixture(scope="module")
def s(warehouse_url, tmp_path_factory):
    path = tmp_path_factory.mktemp("evidence-choices") / "c.sqlite"
    shutil.copyfile(make_url(warehouse_url).database, path)
    engine = create_engine(f"sqlite:///{path}")
    load_worked_examples(engine)
    import_evidence(engine, TEST_STUDIES)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _bcg_rr() -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    bcg = frame("dat.bcg")
    es = escalc("RR", ai=bcg.tpos, bi=bcg.tneg, ci=bcg.cpos, di=bcg.cneg)
    return es.yi, es.vi, bcg


def test_the_table_carries_region_and_the_data_sets_own_moderators(s):
    table = query.analysis_table(s, BCG)
    assert {"region", "mod_ablat", "mod_alloc"} <= set(table.columns)
    assert sorted(table["mod_ablat"]) == sorted(frame("dat.bcg").ablat)
    real = query.analysis_table(s, query.Filters.of(outcome="child_labour"))
    regions = dict(zip(real["study_id"], real["region"], strict=False))
    assert regions == {"test-cct-bra": "M49_019", "test-meals-npl": "M49_142"}
    assert "mod_ablat" not in real.columns  # worked examples never mix in


def test_meta_regression_on_latitude_matches_metafor(s):
    # The reference numbers (metafor's documentation, rma(yi, vi, mods = ~ ablat,
    # data = dat, test = "knha")): tau^2 0.0764, coefficients 0.2515 and -0.0291,
    # QE(11) 30.7331, F(1, 11) 12.5905, R^2 75.62 %.
    found = query.analyse(s, BCG, test="knha", choices=Choices.of(mods="mod_ablat"))
    fit = found.regression.fit
    close(fit.tau2, 0.0764)
    close(fit.beta, [0.2515, -0.0291])
    close(fit.QE, 30.7331)
    assert fit.QE_df == 11 and tuple(fit.F_df) == (1, 11)
    close(fit.F, 12.5905)
    assert pytest.approx(75.62, abs=0.01) == fit.R2
    assert found.mod_names == ["mod_ablat"]
    close(found.fit.beta, -0.7145)  # the pooled model stays intercept-only (plots, bias)
    assert found.to_dict()["regression"]["model"]["F"] == pytest.approx(fit.F)


def test_a_categorical_moderator_is_coded_as_metafors_factor(s):
    yi, vi, bcg = _bcg_rr()
    found = query.analyse(s, BCG, choices=Choices.of(mods=["year", "mod_alloc"]))
    # factor(alloc): levels alternate (reference), random, systematic.
    X = np.column_stack([bcg.year, bcg.alloc == "random", bcg.alloc == "systematic"]).astype(float)
    expected = rma(yi, vi, mods=X)  # the page's rows are in another order: same model
    assert found.mod_names == ["year", "mod_alloc:random", "mod_alloc:systematic"]
    assert len(found.table) == 13
    assert pytest.approx(expected.QM, rel=1e-8) == found.regression.fit.QM
    assert found.regression.fit.beta == pytest.approx(expected.beta, rel=1e-7)


def test_subgroups_by_a_field_equal_subgroups_on_the_same_labels(s):
    found = query.analyse(s, BCG, choices=Choices.of(subgroup="design"))
    table = found.table
    expected = subgroups(table["yi"], table["vi"], table["design"])
    got = found.meta.subgroups
    assert got.groups == expected.groups and found.subgroup_field == "design"
    assert got.Q_between == pytest.approx(expected.Q_between, rel=1e-10)
    assert got.test_of_difference["value"] == pytest.approx(
        expected.test_of_difference["value"], rel=1e-10
    )
    assert found.by_subgroup and not found.by_intervention
    assert found.to_dict()["choices"]["subgroup"] == "design"


def test_cr2_by_study_matches_metafors_robust_clubsandwich(s):
    # metafor tests/testthat/test_misc_robust.r lines 30-40 (dat.bcg, one effect a trial):
    # vb 0.03229357, Satterthwaite df 11.04125.
    found = query.analyse(s, BCG, choices=Choices.of(several="cr2"))
    rob = found.meta.robust
    assert rob.vbest == "CR2" and rob.n == 13
    assert rob.vb[0, 0] == pytest.approx(0.03229357, abs=1e-7)
    assert rob.dfs[0] == pytest.approx(11.04125, abs=1e-4)
    with_mods = query.analyse(s, BCG, choices=Choices.of(mods="mod_ablat", several="cr2"))
    assert with_mods.regression.robust.vbest == "CR2"


def test_the_multilevel_model_equals_rma_mv_on_the_table(s):
    filters = query.Filters.of(outcome="child_labour", intervention="cct")
    table = query.analysis_table(s, filters)
    more = pd.concat([table, table.assign(study_id="copy", effect_id=["x", "y"],
                                          yi=table["yi"] + 0.01)])  # fmt: skip
    found = query.analyse_table(more, filters, choices=Choices.of(several="multilevel_cr2"))
    expected = rma_mv(more["yi"], more["vi"], study=more["study_id"], effect=more["effect_id"])
    assert found.multilevel.sigma2 == pytest.approx(expected.sigma2, abs=1e-10)
    assert found.multilevel.beta == pytest.approx(expected.beta, rel=1e-10)
    assert found.multilevel_robust.vbest == "CR2" and found.multilevel_robust.n == 2
    assert found.meta.robust is None  # CR2 goes on the multilevel model
    # Konstantopoulos (2011) schools within districts, through the same door.
    k = pd.read_csv(DATA / "konstantopoulos2011.csv")
    rows = k.assign(
        study_id=k.district.astype(str), effect_id=k.school.astype(str), intervention="other",
        outcome="other", measure="SMD", design="rct", quality="", region="", citation="x",
    )  # fmt: skip
    found = query.analyse_table(rows, query.Filters(), choices=Choices.of(several="multilevel"))
    # metafor tests/testthat/test_analysis_example_konstantopoulos2011.r (REML).
    assert found.multilevel.sigma2 == pytest.approx([0.06506194, 0.03273652], abs=1e-6)


@pytest.mark.parametrize(
    ("filters", "choices", "reason", "field"),
    [
        (BCG, {"mods": "intervention"}, "unknown", "mods"),
        (BCG, {"mods": "outcome"}, "constant", "outcome"),  # every BCG effect: "other"
        (BCG, {"mods": "quality"}, "missing", "quality"),  # no quality rating
        (BCG, {"subgroup": "outcome"}, "one_group", "outcome"),
        (query.Filters.of(examples=True, measure="OR"), {"mods": "mod_ablat"}, "absent",
         "mod_ablat"),  # dat.egger2001 records no latitude
        (BCG, {"subgroup": "nonsense"}, "unknown", "subgroup"),
        (BCG, {"several": "clusters"}, "unknown", "several"),
        (query.Filters.of(outcome="child_labour"), {"subgroup": "design"}, "single_group",
         "design"),
        (query.Filters.of(intervention="cct"), {"several": "cr2"}, "too_few_studies",
         "study_id"),
    ],
)  # fmt: skip
def test_bad_choices_are_refused_by_name(s, filters, choices, reason, field):
    with pytest.raises(ChoiceError) as caught:
        query.analyse(s, filters, choices=Choices.of(**choices))
    assert caught.value.reason == reason and caught.value.field == field


def test_moderator_columns_name_each_level_but_the_reference():
    table = pd.DataFrame({"design": ["rct", "quasi_experimental", "rct"], "year": [1, 2, 3]})
    out, names = moderator_columns(table, ("design", "year"))
    assert names == ["design:rct", "year"]
    assert out["design:rct"].tolist() == [1.0, 0.0, 1.0]
