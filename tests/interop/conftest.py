"""Fixtures of the interop tests."""

from __future__ import annotations

import pytest

from target87 import store
from target87.ingest import init_database


@pytest.fixture(scope="module")
def fuzz_engine(tmp_path_factory):
    """One loaded SQLite warehouse per module, for fuzzing whole loads against it."""
    engine = store.make_engine(f"sqlite:///{tmp_path_factory.mktemp('fz') / 'f.sqlite'}")
    init_database(engine)
    yield engine
    engine.dispose()
