"""The evidence base's tables and code lists, and the worked examples with metafor's exact
numbers: tables created by the migrations, keys held by the database, the taxonomy in three
languages, the worked examples flagged and kept apart."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from target87 import store
from target87.evidence import datasets, taxonomy
from target87.evidence.io import stored_studies
from target87.evidence.models import Effect, InterventionType, Study

TABLES = {
    "evidence_study",
    "evidence_study_country",
    "evidence_effect",
    "evidence_intervention_type",
}


def _study(study_id: str = "s1") -> Study:
    return Study(
        id=study_id, citation="A study", year=2010, design="rct", updated_at=datetime(2026, 1, 1)
    )


def test_the_migrations_create_the_evidence_tables(engine):
    store.migrate(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    columns = {c["name"] for c in inspect(engine).get_columns("evidence_effect")}
    assert {"yi", "vi", "sei", "ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "sd1i"} <= columns
    assert {"outcome", "measure", "age_band", "sex", "follow_up_months"} <= columns


def test_a_study_is_real_evidence_unless_flagged_and_effects_are_unique(engine):
    store.migrate(engine)
    with Session(engine) as s, s.begin():
        taxonomy.sync_interventions(s)
        s.add(_study())
    with Session(engine) as s:
        assert s.get(Study, "s1").worked_example is False
    with pytest.raises(IntegrityError), Session(engine) as s, s.begin():
        for _ in range(2):  # the same effect id twice in one study
            s.add(
                Effect(
                    study_id="s1",
                    effect_id="1",
                    intervention="cct",
                    outcome="any_work",
                    measure="RD",
                    yi=0.1,
                    vi=0.01,
                    sex="_T",
                )
            )
    with pytest.raises(IntegrityError), Session(engine) as s, s.begin():
        s.add(
            Effect(
                study_id="s1",
                effect_id="2",
                intervention="no-such-type",
                outcome="any_work",
                measure="RD",
                yi=0.1,
                vi=0.01,
                sex="_T",
            )
        )
        s.flush()


def test_the_taxonomy_is_documented_in_three_languages():
    types = taxonomy.interventions()
    codes = {t.code for t in types}
    assert {
        "cct",
        "uct",
        "school_feeding",
        "microfinance_savings",
        "skills_training",
        "awareness",
        "labour_inspection",
        "social_insurance",
        "public_works",
    } <= codes
    for term in types:
        assert term.en and term.fr and term.es and len(term.definition) > 20, term.code
    outcomes = {t.code for t in taxonomy.outcomes()}
    assert {
        "any_work",
        "economic_activity",
        "household_chores",
        "hours_worked",
        "school_attendance",
    } <= outcomes
    assert {m.code: m.raw for m in taxonomy.measures()}["OR"] == "binary"
    assert {t.code for t in taxonomy.designs()} == {"rct", "quasi_experimental"}


def test_sync_writes_the_taxonomy_and_is_idempotent(engine):
    store.migrate(engine)
    for _ in range(2):
        with Session(engine) as s, s.begin():
            taxonomy.sync_interventions(s)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(InterventionType)) == len(
            taxonomy.interventions()
        )
        assert s.get(InterventionType, "school_feeding").name_es == "Alimentación escolar"


def test_the_worked_examples_hold_metafors_numbers():
    bcg = datasets.frame("dat.bcg")
    assert len(bcg) == 13 and list(bcg.columns) == [
        "trial",
        "author",
        "year",
        "tpos",
        "tneg",
        "cpos",
        "cneg",
        "ablat",
        "alloc",
    ]
    first = bcg.iloc[0]
    assert (
        first.author,
        first.year,
        first.tpos,
        first.tneg,
        first.cpos,
        first.cneg,
        first.ablat,
    ) == ("Aronson", 1948, 4, 119, 11, 128, 44)
    assert bcg[["tpos", "tneg", "cpos", "cneg"]].sum().tolist() == [1065, 189999, 1510, 164773]
    raud = datasets.frame("raudenbush1985")
    assert len(raud) == 19
    assert raud.yi.tolist()[:4] == [0.03, 0.12, -0.14, 1.18]
    assert raud.vi.tolist()[:4] == [0.0156, 0.0216, 0.0279, 0.1391]
    assert raud.weeks.sum() == 122
    egger = datasets.frame("egger2001")
    assert len(egger) == 16
    isis = egger[egger.study == "ISIS-4"].iloc[0]
    assert (isis.ai, isis.n1i, isis.ci, isis.n2i) == (2216, 29011, 2103, 29039)


def test_worked_examples_load_flagged_and_apart(loaded_engine):
    results = datasets.load_worked_examples(loaded_engine)
    assert [r.studies.added for r in results] == [13, 19, 16]
    again = datasets.load_worked_examples(loaded_engine, ["bcg"])
    assert again[0].studies.unchanged == 13 and again[0].effects.added == 0
    with Session(loaded_engine) as s:
        assert stored_studies(s) == []  # the real evidence base stays empty
        examples = stored_studies(s, examples=True)
        assert len(examples) == 48 and all(st.worked_example for st in examples)
        trial = s.get(Study, "bcg-5")
        assert trial.design == "quasi_experimental"  # alternate allocation
        effect = trial.effects[0]
        assert (effect.ai, effect.bi, effect.ci, effect.di) == (33, 5036, 47, 5761)
        assert effect.moderator_values == {"ablat": 13, "alloc": "alternate"}
        assert effect.measure == "RR" and effect.intervention == "other"
        smd = s.get(Study, "raudenbush1985-4").effects[0]
        assert (smd.yi, smd.vi, smd.measure) == (1.18, 0.1391, "SMD")


def test_an_unknown_worked_example_is_named():
    with pytest.raises(ValueError, match="dat.bcg"):
        datasets.dataset("dat.nope")
