"""Foreign keys on a load: checked once per distinct code (SQLite's per-row checks are off on
the load's own connection, and back on afterwards), with a located error on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from target87.ingest.errors import LoadError
from target87.interop import load_table
from target87.interop.load import store_context
from target87.interop.table import fill_period_bounds, raw_table
from target87.store import models as M

ROW = {
    "series": "SL_TLF_CHLDEC",
    "ref_area": "NPL",
    "time_period": "2024",
    "sex": "_T",
    "age": "Y5T17",
    "urbanisation": "_T",
    "value": "10.5",
    "unit": "PT",
    "unit_mult": "0",
    "obs_status": "A",
    "reporting_type": "N",
    "source": "un_sdg_871",
}


def counts(engine) -> tuple[int, int]:
    with Session(engine) as s:
        return (
            s.execute(select(func.count()).select_from(M.Observation)).scalar(),
            s.execute(select(func.count()).select_from(M.LoadRecord)).scalar(),
        )


def foreign_keys_on(engine) -> bool:
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_code_missing_from_the_store_is_refused_by_row_and_nothing_is_written(loaded_engine):
    # The rules' code lists are given here and let "XXX" through, as a stale list would: the
    # database-side check still refuses it, naming the rows.
    ctx = store_context(loaded_engine)
    ctx.codelists["area"] = ctx.codelists["area"] | {"XXX"}
    rows = [ROW, {**ROW, "ref_area": "XXX"}, {**ROW, "ref_area": "XXX", "time_period": "2023"}]
    raw = fill_period_bounds(raw_table(rows, file="stale.csv", rows=[2, 3, 4]))
    before = counts(loaded_engine)
    with pytest.raises(LoadError) as refused:
        load_table(loaded_engine, raw, ctx=ctx, mode="merge")
    text = str(refused.value)
    assert "stale.csv, line 3, column 'ref_area': 'XXX' is not in the store (area.code)" in text
    assert "line 4" in text and "line 2" not in text and "[reference]" in text
    assert counts(loaded_engine) == before
    assert foreign_keys_on(loaded_engine)  # a refused load leaves no connection without them


def test_after_a_load_the_pool_gives_connections_with_their_foreign_keys(loaded_engine):
    load_table(loaded_engine, fill_period_bounds(raw_table([ROW], file="ok.csv")), mode="merge")
    assert foreign_keys_on(loaded_engine)
    if loaded_engine.dialect.name == "sqlite":  # and SQLite enforces them on that connection
        with pytest.raises(Exception, match="FOREIGN KEY"), loaded_engine.begin() as c:
            c.exec_driver_sql(
                "INSERT INTO observation (series, ref_area, time_period, sex, age, "
                "urbanisation, value, unit, unit_mult, obs_status, reporting_type, source) "
                "VALUES ('SL_TLF_CHLDEC', 'ZZZ', '2024', '_T', 'Y5T17', '_T', 1, 'PT', 0, "
                "'A', 'N', 'un_sdg_871')"
            )


def test_the_load_connection_goes_back_to_the_pool_with_its_checks_on(loaded_engine):
    from target87.interop.references import loading_connection

    if loaded_engine.dialect.name != "sqlite":
        pytest.skip("the pragma is SQLite's")
    with loading_connection(loaded_engine) as connection:
        raw_connection = connection.connection.dbapi_connection
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
    # Back in the pool with its checks on: the next checkout is that same connection.
    with loaded_engine.connect() as again:
        assert again.connection.dbapi_connection is raw_connection
        assert again.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_unknown_codes_with_other_errors_get_the_rules_full_report(loaded_engine):
    # The store-side check runs first, but a file the rules refuse gets the rules' whole report
    # (the unknown code and every other error), not the reference problems alone.
    rows = [{**ROW, "ref_area": "XXX"}, {**ROW, "ref_area": "PER", "value": "140"}]
    raw = fill_period_bounds(raw_table(rows, file="two.csv", rows=[2, 3]))
    with pytest.raises(LoadError) as refused:
        load_table(loaded_engine, raw, mode="merge")
    text = str(refused.value)
    assert "line 2, column 'ref_area'" in text and "XXX" in text
    assert "line 3, column 'value'" in text and "[reference]" not in text
