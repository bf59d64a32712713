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

    def described_by_models(obj, name, type_, reflected, compare_to) -> bool:
        # The library's GIN indexes on a tsvector expression (PostgreSQL only, migration 0010)
        # are written in the migration alone: the models cannot state a dialect-only
        # expression index that autogenerate compares.
        return not (type_ == "index" and reflected and str(name).endswith("_search"))

    store.migrate(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": described_by_models})
        diff = compare_metadata(context, store.Base.metadata)
    assert diff == []


def test_the_library_search_indexes_exist_on_postgresql(engine):
    if engine.dialect.name != "postgresql":
        return
    store.migrate(engine)
    with engine.connect() as conn:
        found = {
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_%%_search'"
            )
        }
    assert found == {
        "ix_library_document_search",
        "ix_good_practice_search",
        "ix_service_entry_search",
    }


def test_database_url_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv(store.ENV_DATABASE_URL, "sqlite:///from-env.sqlite")
    assert store.resolve_database_url("sqlite:///explicit.sqlite") == "sqlite:///explicit.sqlite"
    assert store.resolve_database_url() == "sqlite:///from-env.sqlite"
    monkeypatch.delenv(store.ENV_DATABASE_URL)
    default = store.resolve_database_url()
    assert default.startswith("sqlite:///") and default.endswith("target87/target87.sqlite")
