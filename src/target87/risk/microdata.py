"""Survey and census microdata in: read CSV, Parquet, Stata and SPSS files, harmonise, build X.

:func:`read_microdata` reads the raw codes (never the value labels: a recoding map in the run
configuration says what codes mean). :func:`prepare_survey` and :func:`prepare_census` check
and harmonise a raw frame into canonical columns: ``y`` (survey only), ``weight``,
``stratum`` and ``psu`` (survey only), one column per territory level and one per covariate,
all under the names the configuration gives. Rows outside the age range are dropped first.
Nothing is dropped silently otherwise: a missing or non-numeric value, a code a recoding map
does not cover, a missing or non-positive weight raises :class:`RiskDataError` naming the
file, the column and the (1-based) data row.

:func:`model_matrix` turns a prepared frame into the design matrix of the model: ``const``,
numeric and binary covariates as they are, and one dummy ``name[level]`` per non-reference
level of a categorical covariate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat

from target87.risk.config import OUTCOME, PSU, STRATUM, WEIGHT, RunConfig
from target87.risk.errors import RiskError

# fmt: off
READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".dta": "stata",
           ".sav": "spss", ".zsav": "spss"}
# fmt: on


class RiskDataError(RiskError):
    """A microdata file cannot be used as it is; the message names file, column and row."""


def _available_columns(path: Path, kind: str) -> list[str]:
    if kind == "csv":
        return list(pd.read_csv(path, nrows=0).columns)
    if kind == "parquet":
        return list(pq.read_schema(path).names)
    reader = pyreadstat.read_dta if kind == "stata" else pyreadstat.read_sav
    return list(reader(str(path), metadataonly=True)[1].column_names)


def read_microdata(
    path: str | Path, columns: Sequence[str] | None = None, text_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Read a CSV, Parquet, Stata ``.dta`` or SPSS ``.sav`` file as raw codes.

    ``columns`` limits the read (and each must exist); ``text_columns`` are read as text from a
    CSV so that codes such as ``"05001"`` keep their leading zeros. SPSS user-missing codes
    become missing values. The frame remembers its file in ``frame.attrs["source"]``.
    """
    path = Path(path)
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise RiskDataError(
            f"{path}: unsupported file type {path.suffix!r}; use one of "
            f"{', '.join(sorted(READERS))}"
        )
    if not path.is_file():
        raise RiskDataError(f"{path}: file not found")
    try:
        available = _available_columns(path, kind)
    except Exception as exc:  # a corrupt file surfaces as many reader-specific errors
        raise RiskDataError(f"{path}: cannot read as {kind} ({exc})") from exc
    wanted = list(dict.fromkeys(columns)) if columns is not None else None
    if wanted is not None:
        missing = [c for c in wanted if c not in available]
        if missing:
            raise RiskDataError(
                f"{path}: missing column(s) {', '.join(map(repr, missing))}; "
                f"the file has {', '.join(available)}"
            )
    if kind == "csv":
        dtype = {c: str for c in text_columns if c in available}
        frame = pd.read_csv(path, usecols=wanted, dtype=dtype or None)
    elif kind == "parquet":
        frame = pd.read_parquet(path, columns=wanted)
    else:
        reader = pyreadstat.read_dta if kind == "stata" else pyreadstat.read_sav
        frame = reader(str(path), usecols=wanted, apply_value_formats=False)[0]
    frame = frame[wanted] if wanted is not None else frame
    frame.attrs["source"] = str(path)
    return frame


def level_text(value: Any) -> str:
    """A category level as text, so that the code 1, 1.0 (Stata/SPSS) and "1" are one level."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _show(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def level_sort_key(level: str) -> tuple[int, float, str]:
    try:
        return (0, float(level), level)
    except ValueError:
        return (1, 0.0, level)


class _Checker:
    """Checks columns of one raw frame and reports problems by the file's own row numbers."""

    def __init__(self, frame: pd.DataFrame, side: str, source: str | None) -> None:
        self.source = source or frame.attrs.get("source", "<data frame>")
        self.side, self.frame = side, frame
        self.rows = np.arange(1, len(frame) + 1)

    def fail(self, column: str, role: str, message: str) -> None:
        raise RiskDataError(
            f"{self.side} file {self.source}: column {column!r} ({role}): {message}"
        )

    def flag(self, bad: np.ndarray, column: str, role: str, message: Callable[[int], str]) -> None:
        """Fail on the first row where ``bad`` holds, with ``message(position)``."""
        if np.any(bad):
            i = int(np.argmax(bad))
            self.fail(column, role, f"row {self.rows[i]}: {message(i)}")

    def require(self, columns: Mapping[str, str]) -> None:
        missing = [f"{c!r} ({role})" for c, role in columns.items() if c not in self.frame]
        if missing:
            raise RiskDataError(
                f"{self.side} file {self.source}: missing column(s) {', '.join(missing)}"
            )

    def keep(self, mask: np.ndarray) -> None:
        self.frame, self.rows = self.frame[mask], self.rows[mask]

    def present(self, column: str, role: str) -> pd.Series:
        values = self.frame[column]
        missing = values.isna().to_numpy()
        self.flag(missing, column, role, lambda i: f"missing value ({missing.sum()} in all)")
        return values

    def numeric(self, column: str, role: str, values: pd.Series | None = None) -> np.ndarray:
        values = self.present(column, role) if values is None else values
        numbers = pd.to_numeric(values, errors="coerce")
        bad = (numbers.isna() & values.notna()).to_numpy()
        self.flag(bad, column, role, lambda i: f"{_show(values.iloc[i])} is not a number")
        return numbers.to_numpy(dtype=float)

    def recode(self, column: str, role: str, mapping: Mapping[Any, Any] | None) -> pd.Series:
        values = self.present(column, role)
        if mapping is None:
            return values
        lookup = {level_text(k): v for k, v in mapping.items()}
        codes = values.map(level_text)
        unmapped = (~codes.isin(list(lookup))).to_numpy()
        self.flag(
            unmapped,
            column,
            role,
            lambda i: (
                f"code {_show(values.iloc[i])} is not in the "
                f"recoding map (codes mapped: {', '.join(lookup)})"
            ),
        )
        return codes.map(lookup)


def _prepare(frame: pd.DataFrame, config: RunConfig, side: str, source: str | None):
    survey = side == "survey"
    check = _Checker(frame, side, source)
    col = f"{side}_column"
    needed = {getattr(c, col): f"covariate {c.name}" for c in config.covariates}
    needed |= {getattr(t, col): f"territory {t.name}" for t in config.territory}
    if config.age is not None:
        needed[getattr(config.age, col)] = "age"
    check.require(needed)
    if config.age is not None:
        age_col = getattr(config.age, col)
        age = check.numeric(age_col, "age")
        check.keep((age >= config.age.min) & (age <= config.age.max))
    out: dict[str, Any] = {}
    for level in config.territory:
        out[level.name] = check.present(getattr(level, col), f"territory {level.name}").to_numpy()
    for cov in config.covariates:
        column, role = getattr(cov, col), f"covariate {cov.name}"
        values = check.recode(column, role, cov.survey_map if survey else cov.census_map)
        if cov.kind == "categorical":
            out[cov.name] = values.map(level_text).to_numpy(dtype=object)
            continue
        numbers = check.numeric(column, role, values)
        if cov.kind == "binary":
            check.flag(
                ~np.isin(numbers, (0.0, 1.0)),
                column,
                role,
                lambda i, v=values: (
                    f"a binary covariate must be 0 or 1 after recoding, got {_show(v.iloc[i])}"
                ),
            )
        out[cov.name] = numbers
    return check, out


def _weights(check: _Checker, column: str) -> np.ndarray:
    weights = check.numeric(column, "weight")
    check.flag(~(weights > 0), column, "weight", lambda i: f"weight {weights[i]:g} is not positive")
    return weights


def _frame(check: _Checker, columns: dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    frame.attrs["source"] = check.source
    frame.attrs["rows"] = check.rows
    return frame


def prepare_survey(
    frame: pd.DataFrame, config: RunConfig, source: str | None = None
) -> pd.DataFrame:
    """Check and harmonise raw survey microdata into the canonical columns (module docstring)."""
    design = config.survey
    outcome = config.outcome.column
    extra = {outcome: "outcome", design.weight: "weight"}
    extra |= {c: r for c, r in ((design.stratum, "stratum"), (design.psu, "psu")) if c}
    _Checker(frame, "survey", source).require(extra)
    check, covariates = _prepare(frame, config, "survey", source)
    positive = {level_text(v) for v in config.outcome.positive}
    y = check.present(outcome, "outcome").map(level_text).isin(positive).to_numpy(dtype=float)
    n = len(check.frame)
    columns = {
        OUTCOME: y,
        WEIGHT: _weights(check, design.weight),
        STRATUM: check.present(design.stratum, "stratum").to_numpy()
        if design.stratum
        else np.ones(n, dtype=int),
        PSU: check.present(design.psu, "psu").to_numpy() if design.psu else check.rows.copy(),
    }
    return _frame(check, columns | covariates)


def prepare_census(
    frame: pd.DataFrame, config: RunConfig, source: str | None = None
) -> pd.DataFrame:
    """Check and harmonise raw census/registry microdata; ``weight`` is 1 without a weight."""
    if config.census.weight:
        _Checker(frame, "census", source).require({config.census.weight: "weight"})
    check, covariates = _prepare(frame, config, "census", source)
    weight = (
        _weights(check, config.census.weight) if config.census.weight else np.ones(len(check.frame))
    )
    return _frame(check, {WEIGHT: weight} | covariates)


def raw_columns(config: RunConfig, side: str = "survey") -> list[str]:
    """The raw columns of the ``"survey"`` or ``"census"`` file a run needs (to read no more)."""
    col = f"{side}_column"
    if side == "survey":
        d = config.survey
        cols = [config.outcome.column, d.weight, d.stratum, d.psu]
    else:
        cols = [config.census.weight]
    cols += [getattr(item, col) for item in (*config.territory, *config.covariates)]
    cols += [getattr(config.age, col)] if config.age else []
    return list(dict.fromkeys(c for c in cols if c))


def _read(config: RunConfig, side: str) -> pd.DataFrame:
    text = [getattr(t, f"{side}_column") for t in config.territory]
    path = config.survey.path if side == "survey" else config.census.path
    return read_microdata(path, raw_columns(config, side), text_columns=text)


def read_survey(config: RunConfig) -> pd.DataFrame:
    """Read and prepare the survey file the configuration names."""
    return prepare_survey(_read(config, "survey"), config)


def read_census(config: RunConfig) -> pd.DataFrame:
    """Read and prepare the census (or registry) file the configuration names."""
    return prepare_census(_read(config, "census"), config)


def categorical_levels(frame: pd.DataFrame, config: RunConfig) -> dict[str, tuple[str, ...]]:
    """The non-reference levels of each categorical covariate found in a prepared frame."""
    levels = {}
    for cov in config.covariates:
        if cov.kind != "categorical":
            continue
        ref = level_text(cov.reference)
        found = set(frame[cov.name].map(level_text))
        if ref not in found:
            raise RiskDataError(
                f"{frame.attrs.get('source', '<data frame>')}: covariate "
                f"{cov.name!r}: the reference level {ref!r} does not occur; "
                f"levels found: {', '.join(sorted(found, key=level_sort_key))}"
            )
        levels[cov.name] = tuple(sorted(found - {ref}, key=level_sort_key))
    return levels


def model_matrix(
    frame: pd.DataFrame, config: RunConfig, levels: Mapping[str, Sequence[str]] | None = None
) -> pd.DataFrame:
    """The design matrix: ``const``, covariates, dummies ``name[level]`` against the reference.

    ``levels`` fixes the dummy columns (pass the survey's levels when building the census
    matrix); a level outside them and the reference is an error, never a silent reference.
    """
    levels = categorical_levels(frame, config) if levels is None else levels
    columns: dict[str, np.ndarray] = {"const": np.ones(len(frame))}
    for cov in config.covariates:
        if cov.kind != "categorical":
            columns[cov.name] = frame[cov.name].to_numpy(dtype=float)
            continue
        values = frame[cov.name].map(level_text).to_numpy(dtype=object)
        known = {level_text(cov.reference), *levels[cov.name]}
        unknown = sorted(set(values) - known, key=level_sort_key)
        if unknown:
            raise RiskDataError(
                f"{frame.attrs.get('source', '<data frame>')}: covariate "
                f"{cov.name!r}: level(s) {', '.join(unknown)} are not in the "
                f"model (levels: {', '.join(sorted(known, key=level_sort_key))})"
            )
        for level in levels[cov.name]:
            columns[f"{cov.name}[{level}]"] = (values == level).astype(float)
    return pd.DataFrame(columns, index=frame.index)
