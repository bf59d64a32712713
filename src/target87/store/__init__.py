"""The warehouse: SDMX-aligned tables with provenance (SQLite by default, PostgreSQL for teams).

Public surface: ``make_engine`` / ``resolve_database_url`` (where the data lives), ``migrate``
(schema up to date), ``observations`` (read with the source-preference rule), ``resolve_area``
and ``region_members`` (area look-up), and the models.
"""

from target87.store.db import (
    ENV_DATABASE_URL,
    current_revision,
    default_database_url,
    head_revision,
    make_engine,
    migrate,
    resolve_database_url,
)
from target87.store.models import (
    Area,
    Base,
    GoodRisk,
    Instrument,
    LoadChange,
    LoadRecord,
    Observation,
    Ratification,
    Series,
    Source,
)
from target87.store.query import (
    OBSERVATION_COLUMNS,
    SeriesHoldings,
    UnknownArea,
    observations,
    region_members,
    resolve_area,
    series_holdings,
    sources,
)

__all__ = [
    "ENV_DATABASE_URL",
    "OBSERVATION_COLUMNS",
    "Area",
    "Base",
    "GoodRisk",
    "Instrument",
    "LoadChange",
    "LoadRecord",
    "Observation",
    "Ratification",
    "Series",
    "SeriesHoldings",
    "Source",
    "UnknownArea",
    "current_revision",
    "default_database_url",
    "head_revision",
    "make_engine",
    "migrate",
    "observations",
    "region_members",
    "resolve_area",
    "resolve_database_url",
    "series_holdings",
    "sources",
]
