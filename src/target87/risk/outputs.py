"""Files of a run: territory tables (CSV), the map layer (GeoJSON), the run (JSON), the report.

Only published tables are written (disclosure control applied, see
:mod:`target87.risk.run_result`). Child-level scores are written only when the run was made
with ``unit_level=True`` and then through
:func:`~target87.risk.disclosure.check_unit_level_export`, whose warning goes with them.
Every output of a synthetic run says SYNTHETIC: a ``synthetic`` column, a GeoJSON property
and collection member, the report banner. Each file is written whole or not at all.

Boundaries are a GeoJSON FeatureCollection whose features carry the finest territory code
in a property (``code`` unless the run says otherwise); the join refuses territories without
a shape and shapes without data, listing both.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from target87.risk.disclosure import check_unit_level_export
from target87.risk.errors import RiskError
from target87.risk.microdata import level_text
from target87.risk.run_result import SYNTHETIC_MARK, RiskRun, records
from target87.risk.synth import SYNTHETIC_LABEL

_SHOWN = 20  # codes listed in a join error before "... and N more"


class RiskOutputError(RiskError):
    """An output cannot be made; the message names the file and what is wrong."""


def _listing(codes: list[str]) -> str:
    more = f" ... and {len(codes) - _SHOWN} more" if len(codes) > _SHOWN else ""
    return ", ".join(codes[:_SHOWN]) + more


def _where(boundaries: Mapping[str, Any]) -> str:
    return str(boundaries.get("_source", "boundaries"))


def load_boundaries(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection from a file (or an already-parsed mapping), checked."""
    where = "boundaries" if isinstance(source, Mapping) else str(source)
    if isinstance(source, Mapping):
        data = dict(source)
    else:
        try:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RiskOutputError(
                f"{where}: cannot read the boundaries as GeoJSON ({exc})"
            ) from exc
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not features:
        raise RiskOutputError(f"{where}: not a GeoJSON FeatureCollection with features")
    for i, feature in enumerate(features):
        if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
            raise RiskOutputError(f"{where}: feature {i} has no geometry")
    data["_source"] = where  # for messages and provenance; never written out
    return data


def feature_codes(boundaries: Mapping[str, Any], code_property: str) -> list[str]:
    """The territory code of every feature, as text; a feature without one is an error."""
    codes = []
    for i, feature in enumerate(boundaries["features"]):
        value = (feature.get("properties") or {}).get(code_property)
        if value is None or str(value).strip() == "":
            raise RiskOutputError(
                f"{_where(boundaries)}: feature {i} has no property {code_property!r} "
                f"(the territory code to join on)"
            )
        codes.append(level_text(value))
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise RiskOutputError(
            f"{_where(boundaries)}: property {code_property!r} repeats for {_listing(repeated)}"
        )
    return codes


def check_boundaries(
    codes: Iterable[str], boundaries: Mapping[str, Any], code_property: str, level: str
) -> None:
    """Refuse a join unless every territory has one shape and every shape a territory."""
    ours = {level_text(c) for c in codes}
    theirs = set(feature_codes(boundaries, code_property))
    no_shape, no_data = sorted(ours - theirs), sorted(theirs - ours)
    if no_shape or no_data:
        parts = []
        if no_shape:
            parts.append(f"{len(no_shape)} territory(ies) without a shape: {_listing(no_shape)}")
        if no_data:
            parts.append(f"{len(no_data)} shape(s) without data: {_listing(no_data)}")
        raise RiskOutputError(
            f"{_where(boundaries)}: joining {level!r} codes on property {code_property!r}: "
            + "; ".join(parts)
        )


def join_boundaries(
    table: pd.DataFrame,
    boundaries: Mapping[str, Any],
    code_property: str,
    level: str,
    merged: Mapping[str, str] | None = None,
    synthetic: bool = False,
) -> dict[str, Any]:
    """Features with the published row of their territory as properties.

    ``merged`` maps the code of a territory pooled by disclosure control to the code of its
    pooled row; such a shape shows the pooled values and ``merged_into``.
    """
    rows = {level_text(r[level]): r for r in records(table)}
    features = []
    for feature, code in zip(
        boundaries["features"], feature_codes(boundaries, code_property), strict=True
    ):
        pooled = (merged or {}).get(code)
        row = rows.get(pooled if pooled is not None else code)
        if row is None:
            raise RiskOutputError(f"{_where(boundaries)}: no published row for {code!r}")
        properties = {**(feature.get("properties") or {}), **row, code_property: code}
        if pooled is not None:
            properties |= {level: code, "merged_into": pooled}  # status: the pool's
        if synthetic:
            properties["synthetic"] = SYNTHETIC_MARK
        features.append(
            {"type": "Feature", "properties": properties, "geometry": feature["geometry"]}
        )
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if synthetic:
        collection = {"label": SYNTHETIC_LABEL, **collection}
    return collection


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Write through ``write(tmp)`` beside ``path``, then move into place: whole or nothing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8", newline=""))


def unit_level_csv(run: RiskRun) -> tuple[str, str]:
    """The child-level scores as CSV text and the warning that goes with them."""
    warning = check_unit_level_export(run.unit_scores is not None)
    return run.unit_scores.to_csv(index=False), warning


def write_outputs(run: RiskRun, out: str | Path, *, report: bool = True) -> dict[str, Path]:
    """Write the run's files into ``out``; returns file role -> path.

    ``territories.csv`` (finest level), ``territories_<level>.csv`` per parent level,
    ``territories.geojson`` when the run has boundaries, ``suppression_log.csv``, ``run.json``,
    ``report.html`` and, only for a run made with unit-level scores, ``unit_scores.csv``.
    Everything is rendered before anything is written.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RiskOutputError(f"{out}: exists and is not a folder")
    texts: dict[str, tuple[str, str]] = {
        "territories": ("territories.csv", run.territories.to_csv(index=False)),
        "suppression_log": (
            "suppression_log.csv",
            run.suppression_log.to_frame().to_csv(index=False),
        ),
        "run": ("run.json", run.to_json(indent=1)),
    }
    for level, table in run.parents.items():
        texts[f"territories_{level}"] = (f"territories_{level}.csv", table.to_csv(index=False))
    if run.geojson is not None:
        texts["geojson"] = ("territories.geojson", json.dumps(run.geojson, ensure_ascii=False))
    if run.unit_scores is not None:
        texts["unit_scores"] = ("unit_scores.csv", unit_level_csv(run)[0])
    if report:
        from target87.risk.report_html import render_report

        texts["report"] = ("report.html", render_report(run.to_dict()))
    return {role: write_text(out / name, text) for role, (name, text) in texts.items()}
