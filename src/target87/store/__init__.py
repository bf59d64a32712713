"""The warehouse: SDMX-aligned tables with provenance (SQLite by default, PostgreSQL for teams).

Public surface: ``make_engine`` / ``resolve_database_url`` (where the data lives), ``migrate``
(schema up to date), ``observations`` (read with the source-preference rule), ``resolve_area``,
``resolve_series`` (the one door for codes a user types, with suggestions: ``lookup``),
``region_members``, and the models.
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
from target87.store.lookup import (
    UnknownArea,
    UnknownCode,
    UnknownSeries,
    resolve_area,
    resolve_area_codes,
    resolve_series,
    resolve_series_codes,
)
from target87.store.models import (
    Area,
    Base,
    BreakdownCode,
    BreakdownDimension,
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
    arrow_rows,
    breakdown_words,
    observations,
    plain_rows,
    region_members,
    series_holdings,
    sources,
)

__all__ = [
    "ENV_DATABASE_URL",
    "OBSERVATION_COLUMNS",
    "Area",
    "Base",
    "BreakdownCode",
    "BreakdownDimension",
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
    "UnknownCode",
    "UnknownSeries",
    "breakdown_words",
    "current_revision",
    "default_database_url",
    "head_revision",
    "make_engine",
    "migrate",
    "observations",
    "arrow_rows",
    "plain_rows",
    "region_members",
    "resolve_area",
    "resolve_area_codes",
    "resolve_series",
    "resolve_series_codes",
    "resolve_database_url",
    "series_holdings",
    "sources",
]
