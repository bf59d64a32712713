"""A meta-analysis of a table of studies, as ``target87 evidence meta`` and ``bias`` run it:
the table's columns named by the caller (metafor's argument names: ``ai``, ``bi``, ``ci``,
``di``, ``n1i``, ``n2i``, ``m1i``..., ``yi``, ``vi``, ``sei``), effect sizes by ``escalc``, then
``rma`` with moderators, subgroups or cluster-robust errors, and the bias tests. Reading the
file is here too (CSV or Excel); the numbers come from the room's pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from target87.evidence.bias import ranktest, regtest, trimfill
from target87.evidence.effects import EffectSizes, escalc
from target87.evidence.errors import EvidenceError
from target87.evidence.rma import rma
from target87.evidence.robust import robust
from target87.evidence.subgroups import subgroups

DATA_ARGUMENTS = ("ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "m2i", "sd1i", "sd2i", "xi",
                  "ni", "yi", "vi", "sei")  # fmt: skip


def read_table(path: Path) -> pd.DataFrame:
    """A CSV file or the first sheet of an Excel workbook, as text-free numbers where numeric."""
    path = Path(path)
    if not path.is_file():
        raise EvidenceError(f"{path}: no such file")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return pd.read_excel(path, sheet_name=0)
        return pd.read_csv(path, encoding="utf-8-sig")
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"{path}: could not be read as a table: {exc}") from exc


def _column(table: pd.DataFrame, name: str, file: str, numeric: bool = True) -> np.ndarray:
    if name not in table.columns:
        known = ", ".join(map(str, table.columns))
        raise EvidenceError(f"{file}: no column {name!r} (the file's columns: {known})")
    values = table[name]
    if not numeric:
        return values.to_numpy()
    converted = pd.to_numeric(values, errors="coerce")
    bad = converted.isna() & values.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2  # line 1 is the header
        raise EvidenceError(
            f"{file}, line {row}, column {name!r}: {values[bad].iloc[0]!r} is not a number"
        )
    missing = converted.isna()
    if missing.any():
        row = int(np.flatnonzero(missing.to_numpy())[0]) + 2
        raise EvidenceError(f"{file}, line {row}, column {name!r}: no value")
    return converted.to_numpy(dtype=float)


def effect_sizes(
    table: pd.DataFrame, measure: str, columns: dict[str, str], file: str = "the table"
) -> EffectSizes:
    """``escalc`` on the table's columns: ``columns`` maps metafor's argument names to the
    table's column names (those not given are not used)."""
    unknown = sorted(set(columns) - set(DATA_ARGUMENTS))
    if unknown:
        raise EvidenceError(f"unknown data arguments {unknown}; known: {DATA_ARGUMENTS}")
    data = {arg: _column(table, col, file) for arg, col in columns.items() if col}
    return escalc(measure.upper(), **data)


@dataclass
class MetaAnalysis:
    """What ``evidence meta`` found: the fit, and the subgroup and robust analyses asked for."""

    effects: EffectSizes
    fit: Any
    subgroups: Any = None
    robust: Any = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"measure": self.effects.measure, "model": self.fit.to_dict()}
        if self.subgroups is not None:
            out["subgroups"] = self.subgroups.to_dict()
        if self.robust is not None:
            out["robust"] = self.robust.to_dict()
        out["notes"] = [*self.effects.notes, *self.notes]
        return out

    def summary(self) -> str:
        parts = [self.fit.summary()]
        if self.subgroups is not None:
            parts.append(self.subgroups.summary())
        if self.robust is not None:
            parts.append(self.robust.summary())
        notes = [*self.effects.notes, *self.notes]
        if notes:
            parts.append("Notes:\n" + "\n".join(f"- {n}" for n in notes))
        return "\n\n".join(parts)


def meta_analysis(
    table: pd.DataFrame,
    *,
    measure: str,
    columns: dict[str, str],
    method: str = "REML",
    test: str = "z",
    mods: list[str] | None = None,
    subgroup: str | None = None,
    cluster: str | None = None,
    clubsandwich: bool = True,
    level: float = 95,
    file: str = "the table",
) -> MetaAnalysis:
    """Effect sizes, then ``rma`` (moderators ``mods`` as columns of the table); with
    ``subgroup``, the subgroup analysis; with ``cluster``, cluster-robust errors (CR2 with
    Satterthwaite df by default, as metafor's ``robust(..., clubSandwich=TRUE)``)."""
    es = effect_sizes(table, measure, columns, file)
    slab = [str(i + 1) for i in range(len(es))]
    X = None
    if mods:
        X = np.column_stack([_column(table, m, file) for m in mods])
    fit = rma(es.yi, es.vi, mods=X, method=method, test=test, level=level,
              mod_names=list(mods) if mods else None, slab=slab, measure=es.measure)  # fmt: skip
    found = MetaAnalysis(es, fit)
    if subgroup:
        groups = _column(table, subgroup, file, numeric=False)
        found.subgroups = subgroups(es.yi, es.vi, groups, method=method, test=test, level=level)
    if cluster:
        clusters = _column(table, cluster, file, numeric=False)
        found.robust = robust(fit, clusters, clubSandwich=clubsandwich)
    return found


def bias_tests(
    table: pd.DataFrame,
    *,
    measure: str,
    columns: dict[str, str],
    method: str = "REML",
    egger: bool = True,
    rank: bool = True,
    fill: bool = True,
    file: str = "the table",
) -> dict[str, Any]:
    """Egger's regression test (mixed-model variant, with the limit estimate), Begg's rank
    correlation test and trim-and-fill (L0), each as asked."""
    es = effect_sizes(table, measure, columns, file)
    fit = rma(es.yi, es.vi, method=method, measure=es.measure)
    found: dict[str, Any] = {"model": fit}
    if egger:
        found["egger"] = regtest(fit)
    if rank:
        found["rank"] = ranktest(fit)
    if fill:
        found["trimfill"] = trimfill(fit)
    return found
