"""An empty SQLite database migrated by copying the first one (issue 22) is the database the
migrations themselves give: same schema objects (tables, indexes, triggers), same rows, same
revision; a database holding anything is migrated by Alembic, never overwritten."""

from __future__ import annotations

import sqlite3

from alembic import command

from target87 import store
from target87.store import db


def _contents(path) -> tuple[list, dict]:
    con = sqlite3.connect(path)
    schema = con.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    ).fetchall()
    rows = {
        name: sorted(con.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
        for (kind, name, _t, _s) in schema
        if kind == "table" and not name.startswith("sqlite_")
    }
    con.close()
    return schema, rows


def test_a_copied_database_is_the_migrated_one(tmp_path):
    first, copied, straight = (tmp_path / f"{n}.sqlite" for n in ("first", "copied", "straight"))
    store.migrate(store.make_engine(f"sqlite:///{first}"))  # makes (or reuses) the copy
    copied_engine = store.make_engine(f"sqlite:///{copied}")
    assert store.migrate(copied_engine) == (None, store.head_revision())
    assert db._empty_sqlite_key(store.make_engine(f"sqlite:///{tmp_path / 'new.sqlite'}"))
    straight_engine = store.make_engine(f"sqlite:///{straight}")
    command.upgrade(db.alembic_config(straight_engine), "head")  # Alembic, no copy
    schema, rows = _contents(straight)
    assert len(schema) > 40 and any(kind == "trigger" for kind, *_ in schema)
    assert _contents(copied) == (schema, rows)
    assert store.current_revision(copied_engine) == store.head_revision()
    assert store.migrate(copied_engine) == (store.head_revision(), store.head_revision())
    con = sqlite3.connect(copied)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()


def test_a_database_holding_anything_is_not_overwritten(tmp_path):
    store.migrate(store.make_engine(f"sqlite:///{tmp_path / 'first.sqlite'}"))
    path = tmp_path / "mine.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE my_notes (note TEXT)")
    con.execute("INSERT INTO my_notes VALUES ('keep me')")
    con.commit()
    con.close()
    engine = store.make_engine(f"sqlite:///{path}")
    assert db._empty_sqlite_key(engine) is None
    store.migrate(engine)
    con = sqlite3.connect(path)
    assert con.execute("SELECT note FROM my_notes").fetchall() == [("keep me",)]
    assert con.execute("SELECT count(*) FROM observation").fetchone() == (0,)
    con.close()
