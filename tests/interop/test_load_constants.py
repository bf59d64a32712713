"""Columns with one value in a whole file are written as SQL literals (only the varying columns
are bound row by row): the stored rows must be exactly those of a row-by-row insert, whatever
the text holds (quotes, backslashes, accents), on SQLite and PostgreSQL."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87 import store
from target87.interop import load_table
from target87.interop.load import _literal
from target87.interop.table import fill_period_bounds, raw_table

TRICKY = "it's a \\ note; DROP TABLE observation; -- «ñ» 'quoted'"


def rows(n: int) -> list[dict]:
    return [
        {
            "series": "SL_TLF_CHLDEC",
            "ref_area": area,
            "time_period": str(2000 + i),
            "sex": "_T",
            "age": "Y5T17",
            "urbanisation": "_T",
            "value": f"{i + 0.25}",
            "lower_bound": "",
            "unit": "PT",
            "unit_mult": "0",
            "obs_status": "A",
            "nature": "C",
            "reporting_type": "N",
            "footnote": TRICKY,
            "source": "un_sdg_871",
        }
        for i in range(n)
        for area in ("NPL", "PER")
    ]


def test_constant_columns_are_stored_exactly(loaded_engine):
    raw = fill_period_bounds(raw_table(rows(6), file="constants.csv"))
    load_table(loaded_engine, raw, mode="merge")
    with Session(loaded_engine) as s:
        stored = (
            s.execute(
                select(store.Observation).where(
                    store.Observation.series == "SL_TLF_CHLDEC",
                    store.Observation.ref_area.in_(["NPL", "PER"]),
                    store.Observation.reporting_type == "N",
                    store.Observation.time_period.between("2000", "2005"),
                )
            )
            .scalars()
            .all()
        )
    assert len(stored) == 12
    assert {o.footnote for o in stored} == {TRICKY}
    assert {(o.unit, o.unit_mult, o.obs_status, o.nature) for o in stored} == {("PT", 0, "A", "C")}
    assert all(o.lower_bound is None for o in stored)
    assert sorted(o.value for o in stored if o.ref_area == "NPL") == [i + 0.25 for i in range(6)]


def test_values_that_are_safer_bound_are_not_inlined(engine):
    dialect = engine.dialect
    assert _literal(dialect, None) == "NULL"
    assert _literal(dialect, math.nan) is None and _literal(dialect, math.inf) is None
    assert _literal(dialect, "a\x00b") is None
    assert _literal(dialect, "x" * 500) is None
    assert _literal(dialect, "it's") == "'it''s'"


BRACKET = {"F": 0.125, "_T": 0.5, "M": 0.875}  # girls and boys bracket the total


def test_multi_row_statements_and_their_remainder_store_every_row(loaded_engine):
    # More rows than one statement carries, and not a multiple of it: full statements, then
    # the remainder one row per statement. Every row must come back with its own values.
    load_and_compare_varied_rows(loaded_engine)


def test_a_low_parameter_limit_gives_shorter_statements(loaded_engine):
    # SQLite before 3.32 allows 999 parameters a statement; here even fewer (7 bound columns x
    # 100 rows would be 700): the loader must carry fewer rows per statement, not fail.
    import sqlite3

    from sqlalchemy import event

    if loaded_engine.dialect.name != "sqlite":
        pytest.skip("the limit is SQLite's")
    engine = store.make_engine(loaded_engine.url.render_as_string(hide_password=False))

    @event.listens_for(engine, "connect")
    def few_parameters(dbapi_connection, _record):
        dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 300)

    try:
        load_and_compare_varied_rows(engine)
    finally:
        engine.dispose()


def load_and_compare_varied_rows(engine) -> None:
    from target87.interop.load import ROWS_PER_STATEMENT

    varied = [
        {**row, "sex": sex, "value": f"{k // 3 + BRACKET[sex]}", "footnote": f"row {k}"}
        for k, (row, sex) in enumerate((row, sex) for row in rows(20) for sex in ("_T", "F", "M"))
    ]
    assert len(varied) > ROWS_PER_STATEMENT and len(varied) % ROWS_PER_STATEMENT
    raw = fill_period_bounds(raw_table(varied, file="many.csv"))
    load_table(engine, raw, mode="merge")
    with Session(engine) as s:
        stored = s.execute(
            select(store.Observation).where(store.Observation.footnote.like("row %"))
        ).scalars()
        got = {o.footnote: (o.ref_area, o.time_period, o.sex, o.value) for o in stored}
    expected = {
        r["footnote"]: (r["ref_area"], r["time_period"], r["sex"], float(r["value"]))
        for r in varied
    }
    assert got == expected


def test_a_one_row_table_is_written_with_every_column_a_literal(loaded_engine):
    one = {**rows(1)[0], "footnote": "the only row", "time_period": "1999"}
    load_table(loaded_engine, fill_period_bounds(raw_table([one], file="one.csv")), mode="merge")
    with Session(loaded_engine) as s:
        stored = (
            s.execute(select(store.Observation).where(store.Observation.footnote == "the only row"))
            .scalars()
            .all()
        )
    assert [(o.ref_area, o.time_period, o.value, o.year_from) for o in stored] == [
        ("NPL", "1999", 0.25, 1999)
    ]
