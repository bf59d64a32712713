"""The engine's pool: a web worker's 40 threads must never wait on it (they deadlocked when a
request held a connection while it waited for a thread and the pool was capped at 15)."""

from __future__ import annotations

from sqlalchemy import text

from target87 import store


def test_a_sqlite_file_engine_hands_out_more_connections_than_the_thread_pool(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    held = []
    try:
        for _ in range(60):  # more than anyio's 40 worker threads
            held.append(engine.connect())
            held[-1].execute(text("SELECT 1"))
        assert len(held) == 60
    finally:
        for connection in held:
            connection.close()
        engine.dispose()


def test_sqlite_in_memory_keeps_its_single_connection_pool():
    engine = store.make_engine("sqlite:///:memory:")
    with engine.connect() as a, engine.connect() as b:
        a.execute(text("CREATE TABLE t (x)"))
        assert b.execute(text("SELECT count(*) FROM t")).scalar() == 0  # the same database
    engine.dispose()
