"""Provenance of a run: file hashes, data vintages, software versions, seed, synthetic flag.

A run is synthetic when its options say so (``run.synthetic: true``, written by
:mod:`target87.risk.synth_files`) or when the survey or census file carries a ``synthetic``
column that is true in its first rows (the files :mod:`target87.risk.synth` makes), so that
synthetic data keep their label even under a hand-written run file.
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat

from target87.risk.config import RunConfig
from target87.risk.microdata import READERS
from target87.risk.run_options import RunOptions
from target87.risk.run_result import Provenance

MARKER = "synthetic"
_PEEK = 100  # rows read to check the synthetic marker
_PACKAGES = ("target87", "numpy", "pandas", "scipy", "ibis-framework", "duckdb")


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _first_rows(path: Path) -> pd.DataFrame | None:
    """The first rows of the marker column, or None when the file has no such column."""
    kind = READERS.get(path.suffix.lower())
    if kind == "csv":
        if MARKER not in pd.read_csv(path, nrows=0).columns:
            return None
        return pd.read_csv(path, usecols=[MARKER], nrows=_PEEK)
    if kind == "parquet":
        if MARKER not in pq.read_schema(path).names:
            return None
        return pq.ParquetFile(path).read_row_group(0, columns=[MARKER]).to_pandas()[:_PEEK]
    reader = pyreadstat.read_dta if kind == "stata" else pyreadstat.read_sav
    if MARKER not in reader(str(path), metadataonly=True)[1].column_names:
        return None
    return reader(str(path), usecols=[MARKER], row_limit=_PEEK)[0]


def marked_synthetic(path: str | Path) -> bool:
    """True when the file has a ``synthetic`` column true (or "SYNTHETIC") in its first rows."""
    rows = _first_rows(Path(path))
    if rows is None or rows.empty:
        return False
    text = rows[MARKER].astype(str).str.strip().str.lower()
    return bool(text.isin(["true", "1", "1.0", "synthetic"]).all())


def is_synthetic(config: RunConfig, options: RunOptions) -> bool:
    return options.synthetic or any(
        marked_synthetic(p) for p in (config.survey.path, config.census.path)
    )


def _file(path: Path) -> dict[str, Any]:
    return {"name": path.name, "sha256": file_sha256(path), "bytes": path.stat().st_size}


def software_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def make_provenance(
    config: RunConfig,
    options: RunOptions,
    synthetic: bool,
    config_file: str | Path | None = None,
    config_sha256: str | None = None,
    boundaries: Mapping[str, Any] | None = None,
) -> Provenance:
    if config_file is not None and config_sha256 is None:
        config_sha256 = file_sha256(config_file)
    geo = None
    if boundaries is not None:
        source = Path(str(boundaries.get("_source", "")))
        geo = _file(source) if source.is_file() else {"name": str(source), "sha256": None}
    return Provenance(
        config_file=Path(config_file).name if config_file is not None else None,
        config_sha256=config_sha256,
        data_files={"survey": _file(config.survey.path), "census": _file(config.census.path)},
        vintages=dict(options.vintages),
        synthetic=synthetic,
        software=software_versions(),
        seed=options.seed,
        draws=options.draws,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        boundaries=geo,
    )
