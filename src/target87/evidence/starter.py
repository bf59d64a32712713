"""The bundled starter evidence base: effects read in published results tables, each citing
its table and page (``data/starter/evidence.csv``; the sources, verbatim rows and how each
number was read in ``data/starter/SOURCES.md``). Loaded by ``target87 init`` with the
snapshot; importing it again updates it in place (same study and effect ids), never
duplicates it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sqlalchemy import Engine

from target87.evidence.io import ImportSummary, import_evidence


def starter_file() -> Path:
    return Path(str(resources.files("target87.evidence") / "data" / "starter" / "evidence.csv"))


def load_starter(engine: Engine, progress=None) -> ImportSummary:
    """Import the starter evidence base (all of it or nothing, as any evidence import)."""
    return import_evidence(engine, starter_file(), worked_example=False, progress=progress)
