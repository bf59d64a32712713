"""Getting data into the store: parse, check every cell, then write in one transaction."""

from target87.ingest.errors import LoadError, Problem
from target87.ingest.snapshot import (
    InitResult,
    bundled_snapshot_dir,
    init_database,
    manifest,
    read_snapshot,
    write_snapshot,
)

__all__ = [
    "InitResult",
    "LoadError",
    "Problem",
    "bundled_snapshot_dir",
    "init_database",
    "manifest",
    "read_snapshot",
    "write_snapshot",
]
