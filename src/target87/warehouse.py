"""A small Python entry point over the store, the loader and the profiles."""

from __future__ import annotations

from collections.abc import Sequence

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
