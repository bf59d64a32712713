"""The result of one CLRISK run: published tables, the model, the checks and the provenance.

:class:`RiskRun` keeps two kinds of things apart. *Published* parts have been through
disclosure control: ``territories`` (finest level), ``parents`` (the levels above), the
``sample_table`` and the joined ``geojson``; :meth:`RiskRun.to_dict` / :meth:`to_json` hold
only those plus aggregates (national figures, model coefficients, factor means, cut-points).
*Working* parts (``estimates``, the per-territory factor contributions, the small-area and
benchmark tables, ``unit_scores``) are the unprotected numbers the published ones came from;
they stay in memory for checks and are never written by :mod:`target87.risk.outputs`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from target87.risk.benchmarking import BenchmarkResult
from target87.risk.classify import NATIONAL, Classification
from target87.risk.config import RunConfig
from target87.risk.disclosure import DisclosureRules, SuppressionLog
from target87.risk.errors import RiskError
from target87.risk.factors import FactorContributions
from target87.risk.harmonise import HarmonisationReport
from target87.risk.run_options import RunOptions
from target87.risk.small_area import FayHerriotResult
from target87.risk.survey_model import RiskModel
from target87.risk.synth import SYNTHETIC_LABEL
from target87.risk.uncertainty import TerritoryRisk

FORMAT = "target87.risk.run/1"
SYNTHETIC_MARK = "SYNTHETIC"


class RiskPipelineError(RiskError):
    """The run cannot go on; the message says which step and why."""


@dataclass(frozen=True)
class Provenance:
    """Where a run's numbers come from, enough to repeat it."""

    config_file: str | None
    config_sha256: str | None
    data_files: dict[str, dict[str, Any]]  # role -> name, sha256, bytes
    vintages: dict[str, str]
    synthetic: bool
    software: dict[str, str]
    seed: int
    draws: int
    created: str
    boundaries: dict[str, Any] | None = None

    def summary(self) -> str:
        lines = [f"Provenance (run created {self.created})"]
        if self.config_file:
            lines.append(f"  run file {self.config_file} sha256 {self.config_sha256}")
        for role, info in self.data_files.items():
            lines.append(f"  {role}: {info['name']} sha256 {info['sha256']}")
        if self.boundaries:
            lines.append(
                f"  boundaries: {self.boundaries['name']} sha256 {self.boundaries['sha256']}"
            )
        vintages = ", ".join(f"{k} {v}" for k, v in self.vintages.items()) or "not given"
        lines.append(f"  vintages: {vintages}")
        lines.append(f"  seed {self.seed}, {self.draws} coefficient draws")
        lines.append("  software: " + ", ".join(f"{k} {v}" for k, v in self.software.items()))
        if self.synthetic:
            lines.append(f"  {SYNTHETIC_LABEL}")
        return "\n".join(lines)


def records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    """JSON-ready rows: NaN becomes null, numpy scalars plain numbers."""
    if frame is None:
        return None
    return json.loads(frame.to_json(orient="records", double_precision=15))


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a scalar, Series or mapping (NaN -> None)."""
    if isinstance(value, pd.Series):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class RiskRun:
    """One run: published tables and aggregates, plus in-memory working parts (module notes)."""

    config: RunConfig
    options: RunOptions
    rules: DisclosureRules
    model: RiskModel
    harmonisation: HarmonisationReport
    territories: pd.DataFrame
    parents: dict[str, pd.DataFrame]
    classification: Classification
    factor_table: pd.DataFrame  # national aggregates per factor
    national: pd.Series
    sample_table: pd.DataFrame
    suppression_log: SuppressionLog
    provenance: Provenance
    geojson: dict[str, Any] | None = None
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    # working parts, never written
    estimates: TerritoryRisk | None = field(default=None, repr=False)
    factors: FactorContributions | None = field(default=None, repr=False)
    factors_ame: FactorContributions | None = field(default=None, repr=False)
    small_area: FayHerriotResult | None = field(default=None, repr=False)
    benchmark: BenchmarkResult | None = field(default=None, repr=False)
    unit_scores: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.config.name or "CLRISK run"

    @property
    def levels(self) -> list[str]:
        return [t.name for t in self.config.territory]

    @property
    def synthetic(self) -> bool:
        return self.provenance.synthetic

    def summary(self) -> str:
        return summary_text(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """Everything publishable, JSON-ready (the report is rendered from this)."""
        c = self.classification
        return {
            "format": FORMAT,
            "name": self.name,
            "synthetic": self.synthetic,
            "label": SYNTHETIC_LABEL if self.synthetic else None,
            "outcome": self.config.outcome.definition,
            "levels": self.levels,
            "national": _plain(self.national),
            "territories": records(self.territories),
            "parents": {level: records(t) for level, t in self.parents.items()},
            "classification": {
                "method": c.method,
                "k": c.k,
                "labels": list(c.labels),
                "scope": self.options.classification.scope,
                "cutpoints": {
                    ("national" if g is NATIONAL else str(g)): [float(x) for x in cuts]
                    for g, cuts in c.cutpoints.items()
                },
                "summary": c.summary(),
            },
            "model": {
                "link": self.model.link,
                "summary": self.model.summary(),
                "coefficients": records(self.model.to_frame().reset_index()),
            },
            "harmonisation": {
                "summary": self.harmonisation.summary(),
                "table": records(self.harmonisation.to_frame()),
                "flagged": int(self.harmonisation.table["flagged"].sum()),
            },
            "factors": records(self.factor_table),
            "small_area": self.small_area.summary() if self.small_area is not None else None,
            "benchmark": self.benchmark.summary() if self.benchmark is not None else None,
            "sample_table": records(self.sample_table.reset_index()),
            "suppression_log": records(self.suppression_log.to_frame()),
            "disclosure_rules": asdict(self.rules),
            "provenance": asdict(self.provenance),
            "provenance_summary": self.provenance.summary(),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "geojson": self.geojson,
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def summary_text(run: dict[str, Any]) -> str:
    """The text summary of a run, from its published dictionary (a saved JSON works too)."""
    nat = run["national"]
    lines = []
    if run["synthetic"]:
        lines.append(f"*** {run['label']} ***")
    lines += [
        f"{run['name']}: {run['outcome']}",
        f"  territories: {len(run['territories'])} rows at level {run['levels'][-1]}"
        + (f" (within {', '.join(run['levels'][:-1])})" if len(run["levels"]) > 1 else ""),
        f"  national risk (synthetic estimator): {_pct(nat.get('risk'))} "
        f"[90% {_pct(nat.get('lo90'))} to {_pct(nat.get('hi90'))}]",
        f"  direct survey estimate: {_pct(nat.get('direct'))} (se {_pct(nat.get('direct_se'))});"
        f" benchmarked estimates match it",
        f"  harmonisation: {run['harmonisation']['flagged']} covariate statistic(s) flagged",
        "  " + run["classification"]["summary"].replace("\n", "\n  "),
    ]
    published = [r for r in run["territories"] if r.get("risk") is not None]
    top = sorted(published, key=lambda r: r["risk"], reverse=True)[:5]
    lines.append("  highest published risks:")
    for row in top:
        name = " / ".join(str(row[level]) for level in run["levels"])
        lines.append(f"    {name}: {_pct(row['risk'])} [{_pct(row['lo90'])}, {_pct(row['hi90'])}]")
    rules = pd.DataFrame(run["suppression_log"])
    counts = rules["rule"].value_counts().to_dict() if len(rules) else {}
    lines.append(
        "  disclosure control: "
        + (", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing suppressed")
    )
    lines += [f"  {w}" for w in run["warnings"]]
    lines += [f"  note: {n}" for n in run["notes"]]
    return "\n".join(lines)
