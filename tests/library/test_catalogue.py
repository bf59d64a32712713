"""The starter catalogue's loader: all or nothing, idempotent, updates in place, searchable."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import func, select

from target87.library import LibraryError, search
from target87.library.catalogue import load_catalogue, read_entries
from target87.library.models import LibraryDocument

ENTRIES = [
    {
        "id": "test-kilns-en",
        "title": "Brick kilns and bonded labour: a field study",
        "authors": ["A. Author", "B. Author"],
        "publisher": "Example Institute",
        "year": 2021,
        "language": "en",
        "doc_type": "report",
        "themes": ["forced_labour", "child_labour"],
        "countries": ["NPL", "IND"],
        "regions": ["South Asia"],
        "sdg_targets": ["8.7"],
        "url": "https://example.org/kilns",
        "licence": "CC BY 4.0",
        "summary": "Families working in brick kilns borrow advances and repay them with labour.",
        "checked": "test data",
    },
    {
        "id": "test-mines-fr",
        "title": "Le travail des enfants dans les mines artisanales",
        "authors": None,
        "publisher": "Institut d'exemple",
        "year": 2019,
        "language": "fr",
        "doc_type": "statistics",
        "themes": ["child_labour"],
        "countries": [],
        "regions": [],
        "sdg_targets": ["8.7"],
        "url": "https://example.org/mines",
        "licence": None,
        "summary": "Les enfants travaillant dans les mines d'or artisanales quittent l'école tôt.",
        "checked": "test data",
    },
    {
        "id": "test-pesca-es",
        "title": "Trabajo infantil en la pesca",
        "publisher": "Instituto de ejemplo",
        "year": 2023,
        "language": "es",
        "doc_type": "action_plan",
        "themes": ["child_labour", "supply_chains"],
        "url": "https://example.org/pesca",
        "summary": "Un plan nacional contra el trabajo infantil en la pesca artesanal.",
    },
]


def write(tmp_path, entries, name="catalogue.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    return path


def catalogue_rows(engine):
    with engine.connect() as conn:
        return {
            r.catalogue_id: r
            for r in conn.execute(
                select(LibraryDocument).where(LibraryDocument.origin == "catalogue")
            )
        }


def count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(LibraryDocument)).scalar_one()


def test_load_twice_changes_nothing_the_second_time(lib_engine, tmp_path):
    path = write(tmp_path, ENTRIES)
    first = load_catalogue(lib_engine, path)
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    before = catalogue_rows(lib_engine)
    second = load_catalogue(lib_engine, path)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 3)
    after = catalogue_rows(lib_engine)
    assert {k: (r.id, r.added_at) for k, r in before.items()} == {
        k: (r.id, r.added_at) for k, r in after.items()
    }
    kilns = after["test-kilns-en"]
    assert kilns.sha256 is None and kilns.stored_path is None and kilns.size == 0
    assert kilns.text == kilns.summary == ENTRIES[0]["summary"]
    assert kilns.authors == "A. Author; B. Author"
    assert kilns.themes == "forced_labour;child_labour" and kilns.regions == "South Asia"
    assert kilns.source_url == "https://example.org/kilns"


def test_an_edited_entry_is_updated_and_reindexed(lib_engine, tmp_path):
    load_catalogue(lib_engine, write(tmp_path, ENTRIES))
    old_id = catalogue_rows(lib_engine)["test-kilns-en"].id
    edited = [dict(ENTRIES[0], summary="Inspectors visited tanneries in the valley.")]
    edited += ENTRIES[1:]
    done = load_catalogue(lib_engine, write(tmp_path, edited, "edited.yaml"))
    assert (done.added, done.updated, done.unchanged) == (0, 1, 2)
    row = catalogue_rows(lib_engine)["test-kilns-en"]
    assert row.id == old_id and row.text == "Inspectors visited tanneries in the valley."
    assert [h.id for h in search(lib_engine, "tanneries", lang="en").hits] == [old_id]
    assert search(lib_engine, "kilns advances", lang="en").total == 0


def test_an_entry_left_out_of_the_file_is_not_deleted(lib_engine, tmp_path):
    load_catalogue(lib_engine, write(tmp_path, ENTRIES))
    done = load_catalogue(lib_engine, write(tmp_path, ENTRIES[:1], "short.yaml"))
    assert (done.added, done.updated, done.unchanged) == (0, 0, 1)
    assert count(lib_engine) == 3


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"doc_type": "novel"}, ["'test-mines-fr'", "doc_type", "novel"]),
        ({"themes": ["child_labor"]}, ["'test-mines-fr'", "themes", "child_labor"]),
        ({"language": "de"}, ["'test-mines-fr'", "language"]),
        ({"sdg_targets": [8.7]}, ["'test-mines-fr'", "sdg_targets", "quote"]),
        ({"countries": ["Nepal"]}, ["'test-mines-fr'", "countries", "Nepal"]),
        ({"year": "2019"}, ["'test-mines-fr'", "year"]),
        ({"url": "example.org/mines"}, ["'test-mines-fr'", "url"]),
        ({"summary": ""}, ["'test-mines-fr'", "summary", "required"]),
        ({"pages": 12}, ["'test-mines-fr'", "pages", "unknown field"]),
        ({"id": "Mines FR"}, ["entry number 2", "id"]),
    ],
)
def test_a_bad_entry_refuses_the_whole_file(lib_engine, tmp_path, change, words):
    # the bad entry comes second: the first, good one must not be saved either
    bad = [ENTRIES[0], dict(ENTRIES[1], **change), ENTRIES[2]]
    with pytest.raises(LibraryError) as refused:
        load_catalogue(lib_engine, write(tmp_path, bad))
    for word in words:
        assert word in str(refused.value)
    assert count(lib_engine) == 0
    assert search(lib_engine, "kilns", lang="en").total == 0


def test_an_id_used_twice_is_refused(lib_engine, tmp_path):
    with pytest.raises(LibraryError, match="used twice"):
        load_catalogue(lib_engine, write(tmp_path, [ENTRIES[0], ENTRIES[0]]))
    assert count(lib_engine) == 0


def test_loaded_entries_are_found_by_a_word_of_their_summary(lib_engine, tmp_path):
    load_catalogue(lib_engine, write(tmp_path, ENTRIES))
    rows = catalogue_rows(lib_engine)
    # stemmed in the entry's language: "travail" meets "travaillant", "minero" "minería"
    assert [h.id for h in search(lib_engine, "advance", lang="en").hits] == [
        rows["test-kilns-en"].id
    ]
    assert [h.id for h in search(lib_engine, "travail école", lang="fr").hits] == [
        rows["test-mines-fr"].id
    ]
    assert [h.id for h in search(lib_engine, "pesca artesanal").hits] == [rows["test-pesca-es"].id]


def test_the_bundled_catalogue_is_valid_and_loads(lib_engine):
    done = load_catalogue(lib_engine)
    assert done.added >= 30 and done.updated == done.unchanged == 0
    assert {r.language for r in catalogue_rows(lib_engine).values()} == {"en", "fr", "es"}
    assert load_catalogue(lib_engine).unchanged == done.added


def test_read_entries_names_a_file_that_is_not_a_list(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("id: one\n", encoding="utf-8")
    with pytest.raises(LibraryError, match="YAML list"):
        read_entries(path)
