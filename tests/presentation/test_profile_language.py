"""The country profile carries its texts in its own language, so that every page or command
that renders it shows them so; codes and numbers stay as stored beside their labels."""

from __future__ import annotations

import shutil

from sqlalchemy import select
from sqlalchemy.orm import Session

from target87 import store
from target87.interop import load_file
from target87.profiles import country_profile, progress_lines
from target87.store import models as M


def test_nepal_in_french_has_french_definitions_footnotes_goods_and_labels(session):
    en, fr = country_profile(session, "NPL", "en"), country_profile(session, "NPL", "fr")
    assert fr.lang == "fr" and en.lang == "en"
    chldec = next(line for line in fr.child_labour if line.series == "SL_TLF_CHLDEC")
    assert chldec.definition.startswith("Travail des enfants, y compris les tâches ménagères")
    assert chldec.standard == "19e CIST (2013), telle qu'appliquée pour l'ODD 8.7.1"
    assert chldec.age == "Y5T17" and chldec.age_label == "5-17 ans"
    assert chldec.time_period == "2014" and chldec.total == 21.71  # codes and values as stored
    window = next(line for line in fr.other_child_labour if line.time_period == "2013/2021")
    assert window.period_label == "dernière valeur entre 2013 et 2021 (année non précisée)"
    assert window.footnote.startswith("année la plus récente entre 2013 et 2021 ;")
    assert {g.good for g in fr.goods} == {"Briques", "Pierres", "Tapis", "Textiles ornementés"}
    assert [g.good for g in fr.goods] == sorted(g.good for g in fr.goods)
    assert {g.good_en for g in fr.goods} == {g.good for g in en.goods}
    assert {g.sector for g in fr.goods} <= {"Industrie manufacturière", "Industries extractives"}
    assert {r.status_label for r in fr.ratifications} <= {"ratifié", "non ratifié", "signé"}
    world = next(f for f in fr.region_figures if f.area == "WLD" and f.series == "GE_FORC_LAB")
    assert world.value_label == "27,6 millions"
    licensed = fr.citations["ilab_tvpra_2022"]
    assert licensed.endswith(
        "Licence: Œuvre du gouvernement fédéral des États-Unis, domaine public (17 USC 105)."
    )
    assert "List of Goods Produced by Child Labor or Forced Labor" in licensed  # title as published


def test_english_profile_keeps_the_snapshot_texts(session):
    en = country_profile(session, "BRA", "en")
    series = {s.code: s for s in session.execute(select(M.Series)).scalars()}
    for line in en.child_labour:
        assert line.definition == series[line.series].definition_en
        assert line.standard == series[line.series].standard
    assert "Açaí Berries" in {g.good for g in en.goods}
    es = {g.good_en: g for g in country_profile(session, "BRA", "es").goods}
    assert (es["Açaí Berries"].good, es["Açaí Berries"].sector) == ("Bayas de asaí", "Agricultura")
    source = session.get(M.Source, "ilab_tvpra_2022")
    assert en.citations["ilab_tvpra_2022"] == source.citation


HEADER = (
    "series,ref_area,time_period,year_from,year_to,sex,age,urbanisation,value,lower_bound,"
    "upper_bound,unit,unit_mult,obs_status,nature,reporting_type,footnote,source\n"
)
NATIONAL = {
    "id": "npl_cls",
    "publisher": "Central Bureau of Statistics, Nepal",
    "title": "Nepal Child Labour Survey (test extract)",
    "licence": "test",
    "citation": "CBS Nepal, Nepal Child Labour Survey, test extract.",
    "priority": 5,
}


def test_progress_status_and_values_in_spanish(warehouse_url, tmp_path):
    path = tmp_path / "w.sqlite"
    shutil.copy(warehouse_url.removeprefix("sqlite:///"), path)
    data = tmp_path / "npl.csv"
    data.write_text(
        HEADER
        + "SL_TLF_CHLDEC,NPL,2015,2015,2015,_T,Y5T17,_T,30.25,,,PT,0,A,C,N,,npl_cls\n"
        + "SL_TLF_CHLDEC,NPL,2021,2021,2021,_T,Y5T17,_T,20,,,PT,0,A,C,N,,npl_cls\n"
    )
    engine = store.make_engine(f"sqlite:///{path}")
    load_file(engine, data, new_sources=[NATIONAL])
    with Session(engine) as s:
        es, en = progress_lines(s, "NPL", "es"), progress_lines(s, "NPL", "en")
    engine.dispose()
    (line,) = [x for x in es if x.series == "SL_TLF_CHLDEC"]
    assert line.category == "limited_progress" and line.label == "Progreso limitado o nulo"
    assert (line.base, line.latest) == ("2015: 30,3", "2021: 20")
    (line,) = [x for x in en if x.series == "SL_TLF_CHLDEC"]
    assert (line.label, line.base, line.latest) == (
        "Limited or no progress",
        "2015: 30.3",
        "2021: 20",
    )
