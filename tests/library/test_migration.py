"""Migration 0009: up creates the library's table; down is refused while a document is kept
and, on an empty library, drops the table and SQLite's full-text index."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect

from target87 import store
from target87.library import add_document
from target87.store.db import alembic_config


def test_down_is_refused_while_a_document_is_kept(lib_engine, data_dir, tmp_path):
    assert "library_document" in inspect(lib_engine).get_table_names()
    path = tmp_path / "a.txt"
    path.write_text("Debt bondage on fishing vessels.", encoding="utf-8")
    add_document(lib_engine, path, data_dir=data_dir)
    with pytest.raises(RuntimeError, match="the library holds 1 document"):
        command.downgrade(alembic_config(lib_engine), "0008")
    assert store.current_revision(lib_engine) == store.head_revision()


def test_down_and_up_on_an_empty_library(lib_engine, data_dir, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("Debt bondage.", encoding="utf-8")
    added = add_document(lib_engine, path, data_dir=data_dir)
    with lib_engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM library_document WHERE id = {added.id}")
    command.downgrade(alembic_config(lib_engine), "0008")
    names = set(inspect(lib_engine).get_table_names())
    assert "library_document" not in names and "library_fts" not in names
    store.migrate(lib_engine)
    assert "library_document" in inspect(lib_engine).get_table_names()
