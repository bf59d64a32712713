"""Alembic environment: runs on the engine handed over by ``target87.store.db.migrate``."""

from alembic import context

import target87.evidence.models  # noqa: F401  (the evidence base: studies, effects)
import target87.library.models  # noqa: F401  (the knowledge library: documents)
import target87.reporting.models  # noqa: F401  (the reporting tables join the metadata)
import target87.risk.run_record  # noqa: F401  (published CLRISK runs)
from target87.store.db import make_engine
from target87.store.models import Base

config = context.config
engine = config.attributes.get("engine") or make_engine(config.get_main_option("sqlalchemy.url"))

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    )
    context.run_migrations()
