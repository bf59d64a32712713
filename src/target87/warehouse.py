"""A small Python entry point over the store, the loader and the profiles."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from target87 import store
from target87.ingest import InitResult, init_database


class Warehouse:
    """The Target 8.7 warehouse at ``database_url`` (default: the user's SQLite file)."""

    def __init__(self, database_url: str | None = None, auto_init: bool = True):
        self.url = store.resolve_database_url(database_url)
        self.engine: Engine = store.make_engine(self.url)
        if auto_init and store.current_revision(self.engine) is None:
            self.init()

    def init(self, force: bool = False) -> InitResult:
        return init_database(self.engine, force=force)

    def load(
        self,
        path: str | Path,
        fmt: str | None = None,
        *,
        source: str | None = None,
        mode: str = "upsert",
        **options,
    ):
        """Check a file and load it, all rows or none; returns a ``LoadSummary``.

        ``mode="upsert"`` (default) adds new rows and updates changed ones and never deletes;
        ``mode="replace"`` also removes, for each source and series in the file, the stored
        rows the file does not hold. Every load is logged (``history``, ``undo``).
        """
        from target87.interop import load_file

        return load_file(self.engine, Path(path), fmt, source=source, mode=mode, **options)

    def history(self, limit: int | None = None) -> pd.DataFrame:
        """Every load, newest first, with who, when, file, sha256, mode and counts."""
        from target87.interop.history import loads

        return loads(self.engine, limit)

    def load_changes(self, load_id: int) -> pd.DataFrame:
        """The rows load ``load_id`` added, changed and removed, and how each stands now."""
        from target87.interop.history import load_rows

        return load_rows(self.engine, load_id)

    def undo(self, load_id: int, force: bool = False):
        """Undo load ``load_id`` (refused, naming the rows, if a later load touched them)."""
        from target87.interop.history import undo_load

        return undo_load(self.engine, load_id, force=force)

    def session(self) -> Session:
        return Session(self.engine)

    def observations(
        self,
        series: Sequence[str] | None = None,
        areas: Sequence[str] | None = None,
        **filters,
    ) -> pd.DataFrame:
        with self.session() as s:
            codes = [store.resolve_area(s, a).code for a in areas] if areas else None
            return store.observations(s, series=series, areas=codes, **filters)

    def profile(self, area: str, lang: str = "en"):
        from target87.profiles import country_profile

        with self.session() as s:
            return country_profile(s, area, lang)
