"""The SQLite full-text indexes: one FTS5 table per searchable kind of record, over its
stemmed title and text.

Kinds: ``document`` (``library_document``: uploads, the catalogue, national reports' texts),
``practice`` (``good_practice``) and ``service`` (``service_entry``). Each FTS table's rowid is
its record's id. FTS5 tokenizes with ``unicode61 remove_diacritics 2`` (case and accents
folded, also on the text ``library.stemming`` already folded) and ranks with BM25 (Robertson &
Zaragoza 2009, ``bm25()`` of FTS5, k1 = 1.2, b = 0.75), the title weighted twice the body.
The tables are created on first use, in the same transaction as the first record, because
Alembic cannot describe a virtual table; everything in them is derived from the records'
``index_title``/``index_text`` and ``reindex`` rebuilds them. PostgreSQL needs none of this:
it searches the records' columns through a GIN index (migration 0010).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

FTS_TABLES = {"document": "library_fts", "practice": "practice_fts", "service": "service_fts"}
RECORD_TABLES = {
    "document": "library_document",
    "practice": "good_practice",
    "service": "service_entry",
}
FTS_TABLE = FTS_TABLES["document"]
TITLE_WEIGHT = 2.0
BODY_WEIGHT = 1.0


def is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def ensure_index(conn: Connection, kind: str = "document") -> None:
    if is_sqlite(conn):
        conn.execute(
            text(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLES[kind]} USING fts5("
                "title, body, tokenize = 'unicode61 remove_diacritics 2')"
            )
        )


def bump_generation(conn: Connection) -> None:
    """Count one change of what a search may answer, in the caller's transaction (the
    search's kept results are keyed by this count: ``library.find``)."""
    changed = conn.execute(
        text("UPDATE library_generation SET value = value + 1 WHERE id = 1")
    ).rowcount
    if not changed:  # a database made before the row existed
        conn.execute(text("INSERT INTO library_generation (id, value) VALUES (1, 1)"))


def index_row(conn: Connection, kind: str, row_id: int, title_terms: str, body_terms: str) -> None:
    """Write (or replace) one record's row of its kind's index, in the caller's transaction.
    ``title_terms`` and ``body_terms`` are ``stemming.index_terms`` of its title and text, as
    stored in its ``index_title`` and ``index_text``."""
    bump_generation(conn)
    if not is_sqlite(conn):
        return
    ensure_index(conn, kind)
    table = FTS_TABLES[kind]
    conn.execute(text(f"DELETE FROM {table} WHERE rowid = :id"), {"id": row_id})
    conn.execute(
        text(f"INSERT INTO {table} (rowid, title, body) VALUES (:id, :title, :body)"),
        {"id": row_id, "title": title_terms, "body": body_terms},
    )


def unindex_row(conn: Connection, kind: str, row_id: int) -> None:
    """Remove a record from its kind's index (when the record is deleted)."""
    bump_generation(conn)
    if is_sqlite(conn) and has_index(conn, kind):
        conn.execute(text(f"DELETE FROM {FTS_TABLES[kind]} WHERE rowid = :id"), {"id": row_id})


def rebuild_index(conn: Connection, kind: str) -> int:
    """Refill a kind's index from its records' stored terms; returns the number of rows."""
    bump_generation(conn)
    if not is_sqlite(conn):
        return 0
    table = FTS_TABLES[kind]
    conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
    ensure_index(conn, kind)
    return conn.execute(
        text(
            f"INSERT INTO {table} (rowid, title, body) "
            f"SELECT id, index_title, index_text FROM {RECORD_TABLES[kind]}"
        )
    ).rowcount


def drop_index(conn: Connection, kind: str = "document") -> None:
    if is_sqlite(conn):
        conn.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLES[kind]}"))


def has_index(conn: Connection, kind: str = "document") -> bool:
    if not is_sqlite(conn):
        return False
    found = conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"),
        {"n": FTS_TABLES[kind]},
    ).first()
    return found is not None
