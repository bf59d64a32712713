"""The SQLite full-text index: an FTS5 table over each document's stemmed title and text.

FTS5 tokenizes with ``unicode61 remove_diacritics 2`` (case and accents folded, also on the
text ``library.stemming`` already folded) and ranks with BM25 (Robertson & Zaragoza 2009,
``bm25()`` of FTS5, k1 = 1.2, b = 0.75), the title weighted twice the body. The table's rowid
is the document's id. It is created on first use, in the same transaction as the first
document, because Alembic cannot describe a virtual table; everything in it is derived from
``library_document`` and ``reindex`` rebuilds it.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from target87.library.stemming import index_terms

FTS_TABLE = "library_fts"
TITLE_WEIGHT = 2.0
BODY_WEIGHT = 1.0


def is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def ensure_index(conn: Connection) -> None:
    if is_sqlite(conn):
        conn.execute(
            text(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
                "title, body, tokenize = 'unicode61 remove_diacritics 2')"
            )
        )


def index_document(conn: Connection, doc_id: int, title: str, body_terms: str, lang) -> None:
    """Write (or replace) one document's row of the index, in the caller's transaction."""
    if not is_sqlite(conn):
        return
    ensure_index(conn)
    conn.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :id"), {"id": doc_id})
    conn.execute(
        text(f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (:id, :title, :body)"),
        {"id": doc_id, "title": index_terms(title, lang), "body": body_terms},
    )


def drop_index(conn: Connection) -> None:
    if is_sqlite(conn):
        conn.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))


def has_index(conn: Connection) -> bool:
    if not is_sqlite(conn):
        return False
    found = conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"), {"n": FTS_TABLE}
    ).first()
    return found is not None
