"""Schema creation and migration on SQLite and on a real PostgreSQL server."""

from sqlalchemy import inspect

from target87 import store

TABLES = {
    "area",
    "series",
    "observation",
    "source",
    "instrument",
    "ratification",
    "good_risk",
    "load_record",
    "alembic_version",
}


def test_migrate_creates_every_table_and_is_idempotent(engine):
    before, after = store.migrate(engine)
    assert before is None and after == store.head_revision()
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert store.migrate(engine) == (after, after)


def test_observation_columns_follow_the_sdmx_model(engine):
    store.migrate(engine)
    cols = {c["name"] for c in inspect(engine).get_columns("observation")}
    for name in (
        "series",
        "ref_area",
        "time_period",
        "sex",
        "age",
        "value",
        "lower_bound",
        "upper_bound",
        "obs_status",
        "nature",
        "reporting_type",
        "footnote",
        "source",
        "unit",
        "unit_mult",
    ):
        assert name in cols


def test_models_match_the_migrations(engine):
    """Alembic's autogenerate finds nothing to add: models and migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    store.migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), store.Base.metadata)
    assert diff == []


def test_database_url_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv(store.ENV_DATABASE_URL, "sqlite:///from-env.sqlite")
    assert store.resolve_database_url("sqlite:///explicit.sqlite") == "sqlite:///explicit.sqlite"
    assert store.resolve_database_url() == "sqlite:///from-env.sqlite"
    monkeypatch.delenv(store.ENV_DATABASE_URL)
    default = store.resolve_database_url()
    assert default.startswith("sqlite:///") and default.endswith("target87/target87.sqlite")
