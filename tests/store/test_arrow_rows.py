"""store.arrow_rows: ADBC's reading of a SQLite file equals the plain driver's rows, and the
plain driver is used where ADBC would see something else (an uncommitted write, a database in
memory)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from target87 import store
from target87.store import models as M
from target87.store import query

NAMES = ["code", "kind", "name"]


@pytest.fixture
def file_engine(tmp_path: Path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    store.migrate(engine)
    with Session(engine) as s:
        s.execute(
            insert(M.Area),
            [{"code": f"A{i:02d}", "kind": "country", "name_en": f"Area {i}"} for i in range(30)],
        )
        s.commit()
    yield engine
    engine.dispose()


def statement():
    area = M.Area.__table__.c
    return select(area.code, area.kind, area.name_en).order_by(area.code)


def test_adbc_reads_what_the_plain_driver_reads(file_engine, monkeypatch):
    with Session(file_engine) as s:
        assert query._adbc_sqlite_rows(s, statement()) is not None  # ADBC took this read
        fast = store.arrow_rows(s, statement(), NAMES)
        plain = store.plain_rows(s, statement())
    assert fast.column_names == NAMES
    assert [tuple(r.values()) for r in fast.to_pylist()] == plain
    assert len(plain) == 30


def test_an_uncommitted_write_is_seen(file_engine):
    with Session(file_engine) as s:
        s.execute(insert(M.Area), [{"code": "ZZZ", "kind": "country", "name_en": "Pending"}])
        assert query._adbc_sqlite_rows(s, statement()) is None  # another connection: not seen
        table = store.arrow_rows(s, statement(), NAMES)
        assert "ZZZ" in table.column("code").to_pylist()
        s.rollback()


def test_a_database_in_memory_reads_the_plain_way():
    engine = store.make_engine("sqlite://")
    store.migrate(engine)
    with Session(engine) as s:
        assert query._adbc_sqlite_rows(s, statement()) is None
        table = store.arrow_rows(s, statement(), NAMES)
    assert isinstance(table, pa.Table) and table.num_rows == 0 and table.column_names == NAMES
