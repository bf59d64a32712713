"""Search: French and Spanish stemming (the issue's examples), accents and case folded,
BM25 order on a corpus whose answer is known, highlighted passages, facets, filters."""

from __future__ import annotations

import pytest

from target87.library import DocumentMeta, Filters, add_document, reindex, search
from target87.library.stemming import fts_query, index_terms, query_stems


def add_text(engine, data_dir, tmp_path, name, body, **meta):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return add_document(engine, path, DocumentMeta(**meta), data_dir=data_dir)


def ids(results):
    return [h.id for h in results.hits]


def test_stems_meet_for_the_issue_examples():
    fr_doc = set(index_terms("travail des enfants", "fr").split())
    assert all(stems & fr_doc for stems in query_stems("enfants travaillant", "fr"))
    es_doc = set(index_terms("trabajadores infantiles", "es").split())
    assert all(stems & es_doc for stems in query_stems("trabajo infantil", "es"))


def test_the_query_is_quoted_so_no_word_is_an_operator():
    assert fts_query(query_stems("NOT near", "en")) == '("not") AND ("near")'


@pytest.fixture
def corpus(lib_engine, data_dir, tmp_path):
    docs = {
        "fr": add_text(
            lib_engine,
            data_dir,
            tmp_path,
            "fr.txt",
            "Le travail des enfants dans les plantations de cacao. Les inspecteurs constatent "
            "que le travail des enfants recule quand les écoles sont proches.",
            title="Travail des enfants en Côte d'Ivoire",
            language="fr",
            year=2021,
            doc_type="report",
            themes=("child_labour",),
            countries=("CIV",),
        ),
        "es": add_text(
            lib_engine,
            data_dir,
            tmp_path,
            "es.txt",
            "Los trabajadores infantiles de la minería artesanal en Bolivia. Las inspecciones "
            "de trabajo encuentran trabajadores infantiles en las minas.",
            title="Minería y niñez",
            language="es",
            year=2020,
            doc_type="evaluation",
            themes=("child_labour", "supply_chains"),
            countries=("BOL",),
        ),
        "en": add_text(
            lib_engine,
            data_dir,
            tmp_path,
            "en.txt",
            "Forced labour in fishing: recruitment fees and debt bondage on vessels.",
            title="Forced labour at sea",
            language="en",
            year=2021,
            doc_type="report",
            themes=("forced_labour",),
            countries=("THA", "IDN"),
        ),
    }
    return docs


def test_french_verb_finds_the_french_noun(lib_engine, corpus):
    got = search(lib_engine, "enfants travaillant", lang="fr")
    assert ids(got) == [corpus["fr"].id]


def test_spanish_noun_finds_the_spanish_plural(lib_engine, corpus):
    got = search(lib_engine, "trabajo infantil", lang="es")
    assert ids(got) == [corpus["es"].id]


def test_without_a_language_every_stemmer_is_tried(lib_engine, corpus):
    assert ids(search(lib_engine, "trabajo infantil")) == [corpus["es"].id]
    assert ids(search(lib_engine, "enfants travaillant")) == [corpus["fr"].id]


def test_accents_and_case_do_not_matter(lib_engine, corpus):
    assert ids(search(lib_engine, "MINERIA")) == [corpus["es"].id]
    assert ids(search(lib_engine, "ecoles", lang="fr")) == [corpus["fr"].id]
    assert ids(search(lib_engine, "Écoles")) == [corpus["fr"].id]


def test_passages_mark_the_words_found_in_the_original_text(lib_engine, corpus):
    hit = search(lib_engine, "trabajo infantil", lang="es").hits[0]
    shown = hit.passage_text("<", ">")
    assert "<trabajadores> <infantiles>" in shown and "<minería>" not in shown


def test_bm25_puts_the_denser_and_shorter_match_first(lib_engine, data_dir, tmp_path):
    filler = " ".join(["agriculture"] * 60)
    dense = add_text(
        lib_engine,
        data_dir,
        tmp_path,
        "a.txt",
        "inspection inspection inspection of farms",
        language="en",
    )
    sparse = add_text(
        lib_engine, data_dir, tmp_path, "b.txt", f"one inspection among {filler}", language="en"
    )
    titled = add_text(
        lib_engine,
        data_dir,
        tmp_path,
        "c.txt",
        f"{filler} inspection",
        title="Inspection",
        language="en",
    )
    add_text(lib_engine, data_dir, tmp_path, "d.txt", "nothing relevant here", language="en")
    got = search(lib_engine, "inspections", lang="en")
    # the title (weight 2) lifts c above b, whose one mention is as diluted as c's body's
    assert ids(got) == [dense.id, titled.id, sparse.id]
    assert got.hits[0].score > got.hits[1].score > got.hits[2].score > 0


def test_facets_count_the_matches_and_filters_combine(lib_engine, corpus):
    everything = search(lib_engine, "")
    assert everything.total == 3
    assert everything.facets["doc_type"] == [("report", 2), ("evaluation", 1)]
    assert everything.facets["theme"] == [
        ("child_labour", 2),
        ("forced_labour", 1),
        ("supply_chains", 1),
    ]
    assert everything.facets["year"] == [("2021", 2), ("2020", 1)]
    assert everything.facets["language"] == [("en", 1), ("es", 1), ("fr", 1)]
    reports = search(lib_engine, "", filters=Filters(doc_type=["report"], year=[2021]))
    assert sorted(ids(reports)) == sorted([corpus["fr"].id, corpus["en"].id])
    both = Filters(doc_type=["report"], theme=["child_labour"])
    assert ids(search(lib_engine, "", filters=both)) == [corpus["fr"].id]
    countries = Filters(country=["IDN", "BOL"])
    assert sorted(ids(search(lib_engine, "", filters=countries))) == sorted(
        [corpus["es"].id, corpus["en"].id]
    )
    # a code is matched whole: "ID" is not "IDN"
    assert search(lib_engine, "", filters=Filters(country=["ID"])).total == 0
    labour = search(lib_engine, "labour", filters=Filters(language=["en"]))
    assert ids(labour) == [corpus["en"].id] and labour.facets["country"] == [
        ("IDN", 1),
        ("THA", 1),
    ]


def test_reindex_rebuilds_the_same_answers(lib_engine, corpus):
    before = ids(search(lib_engine, "enfants travaillant"))
    assert reindex(lib_engine) == 3
    assert ids(search(lib_engine, "enfants travaillant")) == before


def test_searchable_exactly_when_saved(lib_engine, data_dir, tmp_path):
    assert search(lib_engine, "vessels").total == 0
    added = add_text(lib_engine, data_dir, tmp_path, "v.txt", "Debt bondage on vessels.")
    assert ids(search(lib_engine, "vessel")) == [added.id]
