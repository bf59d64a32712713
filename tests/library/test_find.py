"""One search over documents, good practices, directory entries and the indicator catalogue,
with who may find what decided by the records' state (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from target87.library import DocumentMeta, add_document
from target87.library.find import FindFilters, find
from target87.library.index import index_row
from target87.library.models import GoodPractice, LibraryDocument, ServiceEntry
from target87.library.stemming import index_terms
from target87.reporting.models import Report
from target87.store import models as M

NOW = datetime(2026, 12, 1, 12, 0)


@pytest.fixture
def engine(lib_engine):
    with Session(lib_engine) as s:
        for code, region in (("PER", "M49_019"), ("NPL", "M49_142"), ("FRA", "M49_150")):
            s.add(M.Area(code=code, kind="country", name_en=code, m49_region=region))
        s.add(
            M.Series(
                code="SL_TLF_CHLDEA",
                name_en="Proportion of children engaged in economic activity",
                name_fr="Proportion d'enfants engagés dans une activité économique",
                name_es="Proporción de niños que realizan una actividad económica",
                unit="PT",
                definition_en="Children aged 5-17 engaged in economic activity.",
                topic="child_labour",
            )
        )
        s.commit()
    return lib_engine


def add_record(engine, model, kind: str, heading: str, body: str, language: str, **values) -> int:
    values = {
        "language": language,
        "created_at": NOW,
        "updated_at": NOW,
        "index_title": index_terms(heading, language),
        "index_text": index_terms(body, language),
        **values,
    }
    with engine.begin() as conn:
        row_id = conn.execute(insert(model).values(**values)).inserted_primary_key[0]
        index_row(conn, kind, row_id, values["index_title"], values["index_text"])
    return row_id


def add_practice(engine, title, body, language="es", country="PER", status="published"):
    return add_record(
        engine,
        GoodPractice,
        "practice",
        title,
        body,
        language,
        title=title,
        intervention="inspección",
        target_group="niños",
        what_was_done=body,
        results="menos trabajo infantil",
        lessons="coordinar",
        themes="child_labour",
        country=country,
        status=status,
    )


def add_service(engine, name, body, language="en", country="NPL", status="published"):
    return add_record(
        engine,
        ServiceEntry,
        "service",
        name,
        body,
        language,
        name=name,
        service_type="hotline",
        description=body,
        languages="en;ne",
        source="ministry website",
        checked_on=date(2026, 11, 30),
        country=country,
        status=status,
    )


def add_report_text(
    engine, tmp_path, data_dir, country: str, state: str, body: str, year: int = 2025
) -> int:
    with Session(engine) as s:
        report = Report(
            country=country, year=year, state=state, ministry="Labour", updated_by="x", version=1
        )
        s.add(report)
        s.commit()
        report_id = report.id
    path = tmp_path / f"report-{report_id}.txt"
    path.write_text(body)
    doc_id = add_document(engine, path, DocumentMeta(language="en"), data_dir=data_dir).id
    with engine.begin() as conn:
        conn.execute(
            LibraryDocument.__table__.update()
            .where(LibraryDocument.id == doc_id)
            .values(origin="report", report_id=report_id, countries=country)
        )
    return doc_id


def test_one_query_finds_every_kind_ranked_with_kind_facets(engine, tmp_path, data_dir):
    doc = tmp_path / "inspection.txt"
    doc.write_text("Labour inspection of child labour in agriculture: what inspectors found.")
    add_document(engine, doc, DocumentMeta(language="en", countries=("PER",)), data_dir=data_dir)
    add_practice(engine, "Labour inspection brigades", "inspections on farms", language="en")
    add_service(engine, "Labour inspectorate", "The inspection service takes complaints.")
    add_service(engine, "Shelter", "A shelter for survivors.")
    results = find(engine, "inspection")
    assert dict(results.facets["kind"]) == {"document": 1, "practice": 1, "service": 1}
    assert results.total == 3
    scores = [h.score for h in results.hits]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    only = find(engine, "inspection", filters=FindFilters(kind=("service", "practice")))
    assert sorted(h.kind for h in only.hits) == ["practice", "service"]
    assert find(engine, "economic activity").hits[0].kind == "indicator"


def test_the_indicator_catalogue_is_searched_in_the_three_languages(engine):
    for query in ("economic activity", "activité économique", "actividad económica"):
        results = find(engine, query, filters=FindFilters(kind=("indicator",)))
        assert [h.id for h in results.hits] == ["SL_TLF_CHLDEA"], query
    assert find(engine, "shelter", filters=FindFilters(kind=("indicator",))).total == 0


def test_unpublished_records_are_found_only_by_who_may_read_them(engine, tmp_path, data_dir):
    draft = add_practice(engine, "Brigadas de inspección", "brigadas móviles", status="draft")
    review = add_service(engine, "Shelter network", "shelters for survivors", status="submitted")
    returned = add_report_text(
        engine, tmp_path, data_dir, "NPL", "submitted", "Shelters for survivors in Kathmandu."
    )
    published = add_report_text(
        engine, tmp_path, data_dir, "NPL", "published", "Shelters for survivors in Pokhara.", 2024
    )

    def ids(query, unpublished):
        return {(h.kind, h.id) for h in find(engine, query, unpublished=unpublished).hits}

    # the public (the default)
    assert ids("brigadas", set()) == set()
    assert find(engine, "brigadas").total == 0
    assert ids("shelters survivors", set()) == {("document", published)}
    # a reader of Nepal's unpublished work: Nepal's service and report, not Peru's draft
    assert ids("shelters survivors", {"NPL"}) == {
        ("document", published),
        ("document", returned),
        ("service", review),
    }
    assert ids("brigadas", {"NPL"}) == set()
    # a reader of every country's (secretariat, admin)
    assert ids("brigadas", None) == {("practice", draft)}


def test_filters_combine_and_facets_count_with_the_filters_applied(engine, tmp_path, data_dir):
    for name, lang, country, year in (
        ("a.txt", "en", "PER", 2020),
        ("b.txt", "en", "NPL", 2021),
        ("c.txt", "fr", "FRA", 2021),
    ):
        path = tmp_path / name
        path.write_text(f"Forced labour and trafficking report {name}.")
        meta = DocumentMeta(language=lang, countries=(country,), year=year, doc_type="report")
        add_document(engine, path, meta, data_dir=data_dir)
    everything = find(engine, "", filters=FindFilters(kind=("document",)))
    assert everything.total == 3
    assert find(engine, "").total == 4  # and the indicator catalogue's one series
    assert dict(everything.facets["region"]) == {"M49_019": 1, "M49_142": 1, "M49_150": 1}
    asia_or_europe = find(engine, "", filters=FindFilters(region=("M49_142", "M49_150")))
    assert asia_or_europe.total == 2
    both = find(engine, "", filters=FindFilters(region=("M49_142", "M49_150"), year=(2021,)))
    assert both.total == 2
    in_french = find(engine, "", filters=FindFilters(language=("fr",), year=(2021,)))
    assert [h.countries for h in in_french.hits] == [("FRA",)]
    assert dict(in_french.facets["language"]) == {"fr": 1}
    # an empty query lists the newest first
    assert [h.year for h in everything.hits] == [2021, 2021, 2020]


def test_passages_are_cut_for_the_shown_page_only(engine, tmp_path, data_dir):
    for i in range(5):
        path = tmp_path / f"d{i}.txt"
        path.write_text(f"Document {i}. " + "filler words " * 50 + "children working in mines.")
        add_document(engine, path, DocumentMeta(language="en"), data_dir=data_dir)
    results = find(engine, "mines", limit=2, offset=1)
    assert results.total == 5
    assert len(results.hits) == 2
    assert all("[mines]" in h.passage_text() for h in results.hits)


def test_spanish_stems_meet_across_forms(engine):
    add_practice(engine, "Trabajadores infantiles en la minería", "niños trabajadores")
    assert find(engine, "trabajo infantil", lang="es").total == 1
    assert find(engine, "mineria", lang="es").total == 1


def plain_passage(body, wanted, language, size=30):
    """The straightforward scan the fast ``passage`` must agree with: word by word."""
    import re

    from target87.library.stemming import stems

    matches = list(re.finditer(r"\w+", body))
    hit = [bool(stems(m.group(), language) & wanted) for m in matches]
    best, best_count, count = 0, -1, 0
    for i in range(len(matches)):
        count += hit[i]
        if i >= size:
            count -= hit[i - size]
        if count > best_count:
            best, best_count = max(0, i - size + 1), count
    return best, [hit[i] for i in range(best, min(best + size, len(matches)))]


def test_the_fast_passage_picks_the_window_the_plain_scan_picks():
    import random

    from target87.library.find import passage
    from target87.library.stemming import query_stems

    rng = random.Random(87)
    vocabulary = ["travail", "enfants", "école", "récolte", "inspection", "champs", "mine"]
    for n in (0, 1, 5, 29, 30, 31, 200, 3000):
        body = " ".join(rng.choice(vocabulary) + rng.choice(["", ",", "."]) for _ in range(n))
        for query in ("travail enfants", "mine", "absent"):
            wanted = set().union(*query_stems(query, "fr"))
            parts = passage(body, wanted, "fr")
            if n == 0:
                assert parts == []
                continue
            best, hits = plain_passage(body, wanted, "fr")
            words = [hit for text, hit in parts if text.strip(" …,.")]
            assert words == hits, (n, query)
            assert (parts[0] == ("… ", False)) == (best > 0)


def test_kept_results_equal_fresh_ones_and_follow_every_change(engine, tmp_path, data_dir):
    doc = tmp_path / "a.txt"
    doc.write_text("Debt bondage in brick kilns.")
    add_document(engine, doc, DocumentMeta(language="en"), data_dir=data_dir)
    first = find(engine, "bondage")
    assert find(engine, "bondage") is first  # kept
    assert find(engine, "bondage", keep=False) == first  # and equal to a fresh search
    # a new document, a new record, a status change: each is seen at once
    other = tmp_path / "b.txt"
    other.write_text("Bondage of fishers at sea.")
    add_document(engine, other, DocumentMeta(language="en"), data_dir=data_dir)
    assert find(engine, "bondage").total == 2
    draft = add_practice(engine, "Bondage survivors", "bondage", language="en", status="draft")
    assert find(engine, "bondage").total == 2
    assert find(engine, "bondage", unpublished=None).total == 3
    from target87.library import practices, records
    from target87.reporting.permissions import Actor

    with Session(engine) as s:
        # the published state through the review cycle's own function (bumps the count)
        s.get(GoodPractice, draft).status = "submitted"
        s.commit()
        records.move(s, Actor.command_line(), practices.KIND, draft, "publish")
    assert find(engine, "bondage").total == 3
