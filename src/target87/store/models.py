"""SQLAlchemy models of the warehouse, aligned with the SDMX information model.

An observation is keyed like an SDMX series key plus time (series, ref_area, sex, age,
urbanisation, time_period) and carries SDMX attributes (OBS_STATUS, NATURE, REPORTING_TYPE,
UNIT_MEASURE, UNIT_MULT, bounds, footnote). The source is part of the key: two publishers may
hold a value for the same cell and both are kept (see ``target87.store.query``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names so Alembic migrations behave the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Source(Base):
    """A publisher's dataset or report, with everything needed to cite it."""

    __tablename__ = "source"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    publisher: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    edition: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text)
    licence: Mapped[str] = mapped_column(Text)
    retrieved: Mapped[str | None] = mapped_column(String(10))
    citation: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    # Lower wins when two sources hold a value for the same key.
    priority: Mapped[int] = mapped_column(Integer, default=50)
    notes: Mapped[str | None] = mapped_column(Text)


class Area(Base):
    """A country or territory (code = ISO3), an aggregate (world, region, income group), or
    a subnational area of a country (kind ``subnational``, ``parent`` its country; code
    ``MEX-07`` from the national file's own code, name from the file)."""

    __tablename__ = "area"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # country | region | world | subnational
    parent: Mapped[str | None] = mapped_column(String(32))  # a subnational area's country
    grouping: Mapped[str | None] = mapped_column(String(16))  # M49 | ILO | WB_INCOME
    iso3: Mapped[str | None] = mapped_column(String(3))
    iso2: Mapped[str | None] = mapped_column(String(2))
    m49: Mapped[str | None] = mapped_column(String(3), index=True)
    name_en: Mapped[str] = mapped_column(Text)
    name_fr: Mapped[str | None] = mapped_column(Text)
    name_es: Mapped[str | None] = mapped_column(Text)
    m49_region: Mapped[str | None] = mapped_column(String(32))
    m49_subregion: Mapped[str | None] = mapped_column(String(32))
    m49_intermediate_region: Mapped[str | None] = mapped_column(String(32))
    ilo_region: Mapped[str | None] = mapped_column(String(32))
    wb_region: Mapped[str | None] = mapped_column(Text)
    wb_income_group: Mapped[str | None] = mapped_column(String(32))
    un_member: Mapped[bool | None] = mapped_column(Boolean)
    pathfinder: Mapped[bool] = mapped_column(Boolean, default=False)
    pathfinder_year: Mapped[int | None] = mapped_column(Integer)
    pathfinder_source: Mapped[str | None] = mapped_column(ForeignKey("source.id"))
    source: Mapped[str | None] = mapped_column(Text)  # ';'-separated source ids

    def name(self, lang: str = "en") -> str:
        return getattr(self, f"name_{lang}", None) or self.name_en


class Series(Base):
    """An indicator series (SDG series code where one exists)."""

    __tablename__ = "series"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    sdg_indicator: Mapped[str | None] = mapped_column(String(16))
    name_en: Mapped[str] = mapped_column(Text)
    name_fr: Mapped[str | None] = mapped_column(Text)
    name_es: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(32))
    unit_mult: Mapped[int] = mapped_column(Integer, default=0)
    direction: Mapped[str] = mapped_column(String(32), default="lower_is_better")
    target_value: Mapped[float | None] = mapped_column(Float)
    target_year: Mapped[int | None] = mapped_column(Integer)
    definition_en: Mapped[str | None] = mapped_column(Text)
    standard: Mapped[str | None] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(String(32))

    def name(self, lang: str = "en") -> str:
        return getattr(self, f"name_{lang}", None) or self.name_en


class Observation(Base):
    __tablename__ = "observation"
    # The SDMX key is the primary key, and on SQLite the table is clustered on it (WITHOUT
    # ROWID): one B-tree and no other index, the fastest layout to load. Reads go by series
    # and area, the key's first columns; deleting one source's rows scans, which is rare.
    # The key's columns come first: SQLite 3.40's integrity_check reports every NOT NULL
    # column after a key column as NULL in a WITHOUT ROWID table whose key columns are not
    # all in front (migration 0005 rebuilt the table in this order). Nothing depends on the
    # order: every statement names its columns.
    __table_args__ = ({"sqlite_with_rowid": False},)

    series: Mapped[str] = mapped_column(ForeignKey("series.code"), primary_key=True)
    ref_area: Mapped[str] = mapped_column(ForeignKey("area.code"), primary_key=True)
    # "2019", a window "2013/2021" when the source gives no year, or "unknown".
    time_period: Mapped[str] = mapped_column(String(16), primary_key=True)
    sex: Mapped[str] = mapped_column(String(4), primary_key=True, default="_T")
    age: Mapped[str] = mapped_column(String(16), primary_key=True, default="_T")
    urbanisation: Mapped[str] = mapped_column(String(8), primary_key=True, default="_T")
    # Every other breakdown of the row, canonical "DIM=CODE;DIM=CODE" sorted by dimension
    # (SDG DSD dimensions such as INCOME_WEALTH_QUANTILE, and national ones named in
    # ``breakdown_dimension``), "_T" when the row has none: see ``target87.store.breakdown``.
    breakdown: Mapped[str] = mapped_column(
        String(255), primary_key=True, default="_T", server_default="_T"
    )
    source: Mapped[str] = mapped_column(ForeignKey("source.id"), primary_key=True)
    year_from: Mapped[int | None] = mapped_column(Integer)
    year_to: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    lower_bound: Mapped[float | None] = mapped_column(Float)
    upper_bound: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32))
    unit_mult: Mapped[int] = mapped_column(Integer, default=0)
    obs_status: Mapped[str] = mapped_column(String(4), default="A")
    nature: Mapped[str | None] = mapped_column(String(4))
    reporting_type: Mapped[str] = mapped_column(String(1), default="G")
    footnote: Mapped[str | None] = mapped_column(Text)
    # SDMX SOURCE_DETAIL: the producer's own words on where the value comes from ("According
    # to Multiple Indicator Cluster Survey, 2018"); the source itself is ``source``.
    source_detail: Mapped[str | None] = mapped_column(Text)
    # The load (``load_record.id``) that wrote the row as it stands; NULL for rows written
    # before migration 0005 or by report publishing. No foreign key: a load would otherwise
    # pay a check per row for a value that is the same in every row it writes.
    load_id: Mapped[int | None] = mapped_column(Integer)


# The columns that tell one observation from another (the table's primary key, in order):
# loaders, the load log, the preference rule and the history all use this one tuple.
OBSERVATION_KEY: tuple[str, ...] = tuple(c.name for c in Observation.__table__.primary_key)


class BreakdownDimension(Base):
    """A dimension an observation's ``breakdown`` may name: an SDG DSD dimension
    (``national`` False) or a national platform's own (``national`` True, id derived from the
    file's header, its words kept as the file gave them)."""

    __tablename__ = "breakdown_dimension"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_en: Mapped[str] = mapped_column(Text)
    name_fr: Mapped[str | None] = mapped_column(Text)
    name_es: Mapped[str | None] = mapped_column(Text)
    national: Mapped[bool] = mapped_column(Boolean, default=False)

    def name(self, lang: str = "en") -> str:
        return getattr(self, f"name_{lang}", None) or self.name_en


class BreakdownCode(Base):
    """A code of a breakdown dimension with its words (from the SDG code list or the file)."""

    __tablename__ = "breakdown_code"

    dimension: Mapped[str] = mapped_column(ForeignKey("breakdown_dimension.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_en: Mapped[str] = mapped_column(Text)
    name_fr: Mapped[str | None] = mapped_column(Text)
    name_es: Mapped[str | None] = mapped_column(Text)

    def name(self, lang: str = "en") -> str:
        return getattr(self, f"name_{lang}", None) or self.name_en


class Instrument(Base):
    """A treaty or ILO convention relevant to Target 8.7."""

    __tablename__ = "instrument"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_en: Mapped[str] = mapped_column(Text)
    name_fr: Mapped[str | None] = mapped_column(Text)
    name_es: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(String(8))  # UN | ILO
    adopted_year: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text)

    def name(self, lang: str = "en") -> str:
        return getattr(self, f"name_{lang}", None) or self.name_en


class Ratification(Base):
    __tablename__ = "ratification"
    __table_args__ = (
        UniqueConstraint("area", "instrument", "source", name="uq_ratification_key"),
        Index("ix_ratification_area", "area"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    area: Mapped[str] = mapped_column(ForeignKey("area.code"))
    instrument: Mapped[str] = mapped_column(ForeignKey("instrument.code"))
    status: Mapped[str] = mapped_column(String(16))  # ratified | signed | not_ratified
    date: Mapped[str | None] = mapped_column(String(10))  # ISO date when known
    year: Mapped[int | None] = mapped_column(Integer)
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(ForeignKey("source.id"))
    note: Mapped[str | None] = mapped_column(Text)


class GoodRisk(Base):
    """A good on the US DOL ILAB list (TVPRA) for a country, by kind of exploitation."""

    __tablename__ = "good_risk"
    __table_args__ = (
        UniqueConstraint("area", "good", "edition", "source", name="uq_good_risk_key"),
        Index("ix_good_risk_area", "area"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    area: Mapped[str] = mapped_column(ForeignKey("area.code"))
    good: Mapped[str] = mapped_column(Text)
    sector: Mapped[str | None] = mapped_column(Text)
    child_labour: Mapped[bool] = mapped_column(Boolean)
    forced_labour: Mapped[bool] = mapped_column(Boolean)
    forced_child_labour: Mapped[bool] = mapped_column(Boolean)
    derived_labour_exploitation: Mapped[bool | None] = mapped_column(Boolean)
    derived_country: Mapped[str | None] = mapped_column(String(3))  # ISO3 of the input country
    edition: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(ForeignKey("source.id"))


class LoadRecord(Base):
    """One completed load: what was loaded, its content digest, when, by whom and what changed.

    ``kind``: ``snapshot`` (``init``), ``file`` (``target87 load`` and the Python API),
    ``undo`` (``target87 history undo``), ``report`` (a published national report).
    ``mode``: ``upsert`` (add and update, never delete), ``replace`` (also remove the rows of
    each source and series in the file that the file does not hold), ``undo``, ``snapshot``;
    NULL for loads made before the change log (migration 0005) and for published reports,
    which have no change log and cannot be undone.
    """

    __tablename__ = "load_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # snapshot | file | undo | report
    name: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str | None] = mapped_column(Text)  # who (the operating-system user)
    mode: Mapped[str | None] = mapped_column(String(16))
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the file (or folder) loaded
    added: Mapped[int | None] = mapped_column(Integer)
    changed: Mapped[int | None] = mapped_column(Integer)
    removed: Mapped[int | None] = mapped_column(Integer)
    unchanged: Mapped[int | None] = mapped_column(Integer)
    undoes: Mapped[int | None] = mapped_column(Integer)  # the load an undo reverted
    undone_by: Mapped[int | None] = mapped_column(Integer)  # the undo that reverted this load


class LoadChange(Base):
    """A row a load changed or removed, with its before-image: what an undo puts back.

    ``action``: ``changed`` or ``removed`` (the columns hold the row as it was before the
    load, ``before_load_id`` its ``observation.load_id``), or ``added`` (the key only). Rows a
    load adds carry its id in ``observation.load_id`` and are not listed here: a million-row
    load writes no second million rows. Only an undo, which puts rows back with the load id
    they had, lists the rows it added. ``after_load_id``: ``observation.load_id`` of the row
    once the load was done (NULL when it removed the row); a later load that touched the row
    changed it, which is how an undo finds conflicts.
    """

    __tablename__ = "load_change"
    # Key columns first (see Observation); clustered on (load, key) like the observations.
    __table_args__ = ({"sqlite_with_rowid": False},)

    load_id: Mapped[int] = mapped_column(ForeignKey("load_record.id"), primary_key=True)
    series: Mapped[str] = mapped_column(String(32), primary_key=True)
    ref_area: Mapped[str] = mapped_column(String(32), primary_key=True)
    time_period: Mapped[str] = mapped_column(String(16), primary_key=True)
    sex: Mapped[str] = mapped_column(String(4), primary_key=True)
    age: Mapped[str] = mapped_column(String(16), primary_key=True)
    urbanisation: Mapped[str] = mapped_column(String(8), primary_key=True)
    breakdown: Mapped[str] = mapped_column(String(255), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    action: Mapped[str] = mapped_column(String(8))  # added | changed | removed
    year_from: Mapped[int | None] = mapped_column(Integer)
    year_to: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    lower_bound: Mapped[float | None] = mapped_column(Float)
    upper_bound: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(32))
    unit_mult: Mapped[int | None] = mapped_column(Integer)
    obs_status: Mapped[str | None] = mapped_column(String(4))
    nature: Mapped[str | None] = mapped_column(String(4))
    reporting_type: Mapped[str | None] = mapped_column(String(1))
    footnote: Mapped[str | None] = mapped_column(Text)
    source_detail: Mapped[str | None] = mapped_column(Text)
    before_load_id: Mapped[int | None] = mapped_column(Integer)
    after_load_id: Mapped[int | None] = mapped_column(Integer)
