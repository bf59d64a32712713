"""A load never deletes unless asked; every load is logged and can be undone (issue 15, item 5).

On SQLite and PostgreSQL (the ``db_url``/``engine`` fixtures), through the Python API
(``load_file``, ``load_table``, ``target87.Warehouse``); the command line is in
``tests/cli/test_load_history_cli.py``.
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text

from target87 import Warehouse
from target87.ingest import init_database
from target87.interop import load_file, load_table, read_any
from target87.interop.history import HistoryError, UndoRefused, load_rows, loads, undo_load

HEADER = (
    "series,ref_area,time_period,year_from,year_to,sex,age,urbanisation,value,lower_bound,"
    "upper_bound,unit,unit_mult,obs_status,nature,reporting_type,footnote,source\n"
)
# Brazil's 2015 total in the UN SDG database's child labour series is 5.4 in the snapshot.
BRA_2015 = "SL_TLF_CHLDEC,BRA,2015,2015,2015,_T,Y5T17,_T,{value},,,PT,0,A,CA,G,{note},un_sdg_871"
NEW_ROW = "SL_TLF_CHLDEC,BRA,2022,2022,2022,_T,Y5T17,_T,4.9,,,PT,0,A,CA,G,,un_sdg_871"
PAIR = "source = 'un_sdg_871' AND series = 'SL_TLF_CHLDEC'"


def write(tmp_path, name: str, *rows: str):
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def one_row(tmp_path, value="5.5", note="", name="one.csv"):
    return write(tmp_path, name, BRA_2015.format(value=value, note=note))


def count(engine, where: str = PAIR) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM observation WHERE {where}")).scalar()


def table(engine) -> list[tuple]:
    """Every stored observation, every column (the load id too), in key order."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT series, ref_area, time_period, sex, age, urbanisation, source, "
                "year_from, year_to, value, lower_bound, upper_bound, unit, unit_mult, "
                "obs_status, nature, reporting_type, footnote, load_id FROM observation "
                "ORDER BY series, ref_area, time_period, sex, age, urbanisation, source"
            )
        ).all()
    return [tuple(r) for r in rows]


def value_of_bra_2015(engine):
    with engine.connect() as conn:
        return conn.execute(
            text(
                f"SELECT value, footnote FROM observation WHERE {PAIR} AND ref_area = 'BRA' "
                "AND time_period = '2015' AND sex = '_T' AND age = 'Y5T17'"
            )
        ).one()


def log(engine, load_id: int) -> list[tuple]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT action, ref_area, time_period, sex, value, before_load_id, "
                    "after_load_id FROM load_change WHERE load_id = :id "
                    "ORDER BY ref_area, time_period, sex"
                ),
                {"id": load_id},
            )
        ]


def test_a_one_row_load_keeps_the_other_248_rows_and_says_it_changed_one(loaded_engine, tmp_path):
    assert count(loaded_engine) == 249
    path = one_row(tmp_path)
    summary = load_file(loaded_engine, path)
    assert count(loaded_engine) == 249  # nothing deleted: the profile keeps its values
    assert (summary.added, summary.changed, summary.removed) == (0, 1, 0)
    assert summary.changes.text() == "added 0, changed 1, removed 0"
    assert summary.changes_by_source["un_sdg_871"].changed == 1
    assert value_of_bra_2015(loaded_engine) == (5.5, None)
    record = loads(loaded_engine).iloc[0]
    assert record["id"] == summary.load_id
    assert (record["kind"], record["mode"], record["name"]) == ("file", "upsert", str(path))
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record["actor"]
    assert (record["added"], record["changed"], record["removed"]) == (0, 1, 0)
    # The row as it was, to undo: value 5.4, written by the snapshot's load (id 1).
    assert log(loaded_engine, summary.load_id) == [
        ("changed", "BRA", "2015", "_T", 5.4, 1, summary.load_id)
    ]


def test_a_new_key_is_added_and_an_attribute_alone_is_a_change(loaded_engine, tmp_path):
    added = load_file(loaded_engine, write(tmp_path, "new.csv", NEW_ROW))
    assert (added.added, added.changed, added.removed) == (1, 0, 0)
    assert count(loaded_engine) == 250
    same = load_file(loaded_engine, write(tmp_path, "again.csv", NEW_ROW))
    assert (same.added, same.changed, same.removed, same.unchanged) == (0, 0, 0, 1)
    noted = load_file(loaded_engine, one_row(tmp_path, value="5.4", note="revised source"))
    assert (noted.added, noted.changed, noted.removed) == (0, 1, 0)
    assert value_of_bra_2015(loaded_engine) == (5.4, "revised source")
    assert count(loaded_engine) == 250


def test_replace_is_asked_for_and_reports_and_logs_its_deletions(loaded_engine, tmp_path):
    before = {r[:7]: r for r in table(loaded_engine)}
    summary = load_file(loaded_engine, one_row(tmp_path), mode="replace")
    assert (summary.added, summary.changed, summary.removed) == (0, 1, 248)
    assert count(loaded_engine) == 1
    assert count(loaded_engine, "source = 'un_sdg_871'") == 1 + 273  # other series untouched
    entries = log(loaded_engine, summary.load_id)
    assert [e[0] for e in entries].count("removed") == 248
    removed = [e for e in entries if e[0] == "removed"][0]
    key = ("SL_TLF_CHLDEC", removed[1], removed[2], removed[3], "Y5T17", "_T", "un_sdg_871")
    assert removed[4] == before[key][9]  # the before-image keeps the value
    assert loads(loaded_engine).iloc[0]["removed"] == 248


def test_undo_restores_exactly_the_prior_table(loaded_engine, tmp_path):
    original = table(loaded_engine)
    upsert = load_file(
        loaded_engine, write(tmp_path, "a.csv", NEW_ROW, BRA_2015.format(value="5.5", note=""))
    )
    replace = load_file(loaded_engine, one_row(tmp_path, value="5.6"), mode="replace")
    assert replace.removed == 249  # the row the first load added goes too
    undo_replace = undo_load(loaded_engine, replace.load_id)
    assert (undo_replace.added, undo_replace.changed, undo_replace.removed) == (249, 1, 0)
    undo_upsert = undo_load(loaded_engine, upsert.load_id)
    assert (undo_upsert.added, undo_upsert.changed, undo_upsert.removed) == (0, 1, 1)
    assert table(loaded_engine) == original
    history = loads(loaded_engine).set_index("id")
    assert history.loc[replace.load_id, "undone_by"] == undo_replace.load_id
    assert history.loc[undo_upsert.load_id, "undoes"] == upsert.load_id
    assert history.loc[undo_upsert.load_id, "kind"] == "undo"
    # The undo is a load of its own: undoing it puts the load back.
    redo = undo_load(loaded_engine, undo_upsert.load_id)
    assert (redo.added, redo.changed, redo.removed) == (1, 1, 0)
    assert count(loaded_engine) == 250 and value_of_bra_2015(loaded_engine)[0] == 5.5


def test_undo_refuses_when_a_later_load_touched_the_same_row(loaded_engine, tmp_path):
    first = load_file(loaded_engine, one_row(tmp_path, value="5.5", name="first.csv"))
    second = load_file(loaded_engine, one_row(tmp_path, value="5.6", name="second.csv"))
    before = table(loaded_engine)
    with pytest.raises(UndoRefused) as info:
        undo_load(loaded_engine, first.load_id)
    message = str(info.value)
    assert "SL_TLF_CHLDEC BRA 2015 _T Y5T17 _T _T un_sdg_871" in message
    assert f"changed since by load {second.load_id}" in message
    assert len(info.value.conflicts) == 1
    assert table(loaded_engine) == before  # nothing written, not even a log row
    assert loads(loaded_engine).iloc[0]["id"] == second.load_id
    forced = undo_load(loaded_engine, first.load_id, force=True)
    assert forced.changed == 1 and value_of_bra_2015(loaded_engine)[0] == 5.4
    with pytest.raises(HistoryError, match="undone already"):
        undo_load(loaded_engine, first.load_id)


def test_show_lists_what_a_load_did_and_how_it_stands(loaded_engine, tmp_path):
    load = load_file(
        loaded_engine, write(tmp_path, "a.csv", NEW_ROW, BRA_2015.format(value="5.5", note=""))
    )
    rows = load_rows(loaded_engine, load.load_id)
    assert list(rows["action"]) == ["added", "changed"]
    changed = rows.iloc[1]
    assert (changed["value_before"], changed["value_after"]) == (5.4, 5.5)
    assert changed["what"] == "value 5.4 -> 5.5" and changed["state"] == "as loaded"
    later = load_file(loaded_engine, write(tmp_path, "b.csv", NEW_ROW.replace("4.9", "4.8")))
    rows = load_rows(loaded_engine, load.load_id)
    assert rows.iloc[0]["state"] == f"changed since by load {later.load_id}"
    with pytest.raises(HistoryError, match="snapshot"):
        undo_load(loaded_engine, 1)


def test_the_python_api_adds_and_updates_by_default(db_url, tmp_path):
    wh = Warehouse(db_url)
    try:
        assert count(wh.engine) == 249
        summary = wh.load(one_row(tmp_path))
        assert count(wh.engine) == 249 and (summary.changed, summary.removed) == (1, 0)
        raw = read_any(one_row(tmp_path, value="5.7", name="two.csv"))
        assert load_table(wh.engine, raw).removed == 0  # the lower-level function too
        assert load_table(wh.engine, raw, mode="merge").unchanged == 1  # the old name
        assert count(wh.engine) == 249
        assert list(wh.history()["mode"][:3]) == ["upsert", "upsert", "upsert"]
        assert len(wh.load_changes(summary.load_id)) == 1
        undone = wh.undo(summary.load_id, force=True)
        assert undone.changed == 1
        with pytest.raises(ValueError, match="upsert' or 'replace"):
            wh.load(one_row(tmp_path), mode="delete-everything")
    finally:
        wh.engine.dispose()


def test_init_again_keeps_the_rows_users_loaded(loaded_engine, tmp_path):
    load_file(
        loaded_engine, write(tmp_path, "a.csv", NEW_ROW, BRA_2015.format(value="5.5", note=""))
    )
    counts = init_database(loaded_engine, force=True)
    assert value_of_bra_2015(loaded_engine)[0] == 5.5  # the user's value, not the snapshot's
    assert count(loaded_engine) == 250
    assert counts.counts["observations kept as your loads wrote them"] == 2
