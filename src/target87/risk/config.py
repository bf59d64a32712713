"""The run configuration of a CLRISK model: one YAML file read into frozen dataclasses.

A run names the outcome (and the national definition behind it), the covariates with their
harmonisation between survey and census (column names and value recodings on each side), the
territory levels, the survey design columns, the census person weight, the model options, the
disclosure thresholds (checked against the published floors of
:data:`target87.risk.disclosure.FLOORS`: a run may raise them, never lower them), the two data
files and the age range. Every problem is a :class:`RiskConfigError` naming the file and the
YAML key (``covariates[2].kind``), and unknown keys are refused so a typo cannot be ignored.

Minimal example::

    outcome: {column: tl, definition: "Child labour, national definition", positive: [1]}
    age: {survey_column: edad, census_column: p_edad, min: 5, max: 17}
    covariates:
      - {name: male, survey_column: sexo, kind: binary, survey_map: {1: 1, 2: 0}}
      - {name: area, kind: categorical, reference: urban}
    territory: [department, {name: municipality, survey_column: mun, census_column: cod_mun}]
    survey: {path: survey.dta, weight: factor, stratum: estrato, psu: upm}
    census: {path: census.parquet}
    model: {link: logit}

Paths are relative to the YAML file. ``survey_column`` defaults to ``name`` and
``census_column`` to ``survey_column``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml

from target87.risk.disclosure import DisclosureError, DisclosureRules
from target87.risk.errors import RiskError

Kind = Literal["numeric", "binary", "categorical"]
Link = Literal["logit", "probit"]
Singleton = Literal["fail", "center"]

KINDS: tuple[str, ...] = ("numeric", "binary", "categorical")
LINKS: tuple[str, ...] = ("logit", "probit")
SINGLETON_RULES: tuple[str, ...] = ("fail", "center")

#: Canonical column names of prepared frames; covariates and territory levels may not use them.
OUTCOME, WEIGHT, STRATUM, PSU = "y", "weight", "stratum", "psu"
RESERVED_NAMES = frozenset({OUTCOME, WEIGHT, STRATUM, PSU, "const"})


class RiskConfigError(RiskError):
    """The run configuration is wrong; the message names the file and the YAML key."""


@dataclass(frozen=True)
class Outcome:
    column: str
    definition: str
    positive: tuple[Any, ...]


@dataclass(frozen=True)
class Covariate:
    name: str
    survey_column: str
    census_column: str
    kind: Kind
    reference: Any = None
    survey_map: Mapping[Any, Any] | None = None
    census_map: Mapping[Any, Any] | None = None


@dataclass(frozen=True)
class TerritoryLevel:
    name: str
    survey_column: str
    census_column: str


@dataclass(frozen=True)
class SurveyDesign:
    path: Path
    weight: str
    stratum: str | None = None
    psu: str | None = None


@dataclass(frozen=True)
class CensusSource:
    path: Path
    weight: str | None = None


@dataclass(frozen=True)
class AgeRange:
    survey_column: str
    census_column: str
    min: float
    max: float


@dataclass(frozen=True)
class ModelOptions:
    link: Link = "logit"
    singleton: Singleton = "fail"


@dataclass(frozen=True)
class RunConfig:
    outcome: Outcome
    covariates: tuple[Covariate, ...]
    territory: tuple[TerritoryLevel, ...]
    survey: SurveyDesign
    census: CensusSource
    age: AgeRange | None = None
    model: ModelOptions = ModelOptions()
    disclosure: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    name: str = ""

    def covariate(self, name: str) -> Covariate:
        for cov in self.covariates:
            if cov.name == name:
                return cov
        raise KeyError(name)


class ConfigSection:
    """One mapping of the YAML document with its dotted key path, for precise messages.

    Its readers (:meth:`text`, :meth:`number`, :meth:`choice`, :meth:`sub`, ...) check one key
    each and raise :class:`RiskConfigError` naming the file and the full key; the ``run``
    section of :mod:`target87.risk.run_options` is read with it too.
    """

    def __init__(self, data: Any, key: str, source: str) -> None:
        self.key, self.source = key, source
        if not isinstance(data, Mapping):
            self.fail(f"must be a mapping, got {type(data).__name__}")
        self.data = data

    def where(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def fail(self, message: str, name: str | None = None) -> None:
        key = self.where(name) if name else (self.key or "<top level>")
        raise RiskConfigError(f"{self.source}: {key}: {message}")

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(str(k) for k in self.data if k not in allowed)
        if unknown:
            self.fail(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")

    def text(self, name: str, default: str | None = None, required: bool = True) -> str | None:
        value = self.data.get(name, default)
        if value is None:
            if required:
                self.fail("is required", name)
            return None
        if not isinstance(value, str | int) or isinstance(value, bool) or str(value).strip() == "":
            self.fail(f"must be a non-empty name, got {value!r}", name)
        return str(value)

    def number(self, name: str) -> float:
        value = self.data.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"must be a number, got {value!r}", name)
        return float(value)

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.data.get(name, default)
        if value not in allowed:
            self.fail(f"must be one of {', '.join(allowed)}, got {value!r}", name)
        return value

    def sub(self, name: str, required: bool = True) -> ConfigSection | None:
        if name not in self.data or self.data[name] is None:
            if required:
                self.fail("is required", name)
            return None
        return ConfigSection(self.data[name], self.where(name), self.source)

    def listing(self, name: str) -> list[Any]:
        value = self.data.get(name)
        if not isinstance(value, list) or not value:
            self.fail("must be a non-empty list", name)
        return value

    def recoding(self, name: str) -> Mapping[Any, Any] | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, Mapping) or not value:
            self.fail("must be a non-empty mapping of raw value -> harmonised value", name)
        return MappingProxyType(dict(value))


def _outcome(sec: ConfigSection) -> Outcome:
    sec.check_keys({"column", "definition", "positive"})
    positive = sec.data.get("positive", [1])
    positive = positive if isinstance(positive, list) else [positive]
    if not positive:
        sec.fail("must list at least one value", "positive")
    return Outcome(sec.text("column"), sec.text("definition"), tuple(positive))


def _covariate(sec: ConfigSection) -> Covariate:
    sec.check_keys(
        {"name", "survey_column", "census_column", "kind", "reference", "survey_map", "census_map"}
    )
    name = sec.text("name")
    survey_col = sec.text("survey_column", default=name)
    kind = sec.choice("kind", KINDS, "numeric")
    reference = sec.data.get("reference")
    if kind == "categorical" and reference is None:
        sec.fail(
            "is required for a categorical covariate (the level other levels compare to)",
            "reference",
        )
    if kind != "categorical" and reference is not None:
        sec.fail(f"only applies to categorical covariates, this one is {kind}", "reference")
    return Covariate(
        name=name,
        survey_column=survey_col,
        census_column=sec.text("census_column", default=survey_col),
        kind=kind,
        reference=reference,
        survey_map=sec.recoding("survey_map"),
        census_map=sec.recoding("census_map"),
    )


def _territory(item: Any, key: str, source: str) -> TerritoryLevel:
    if isinstance(item, str):
        return TerritoryLevel(item, item, item)
    sec = ConfigSection(item, key, source)
    sec.check_keys({"name", "survey_column", "census_column"})
    name = sec.text("name")
    survey_col = sec.text("survey_column", default=name)
    return TerritoryLevel(name, survey_col, sec.text("census_column", default=survey_col))


def _path(sec: ConfigSection, base: Path) -> Path:
    path = Path(sec.text("path"))
    return path if path.is_absolute() else base / path


def _check_names(config: RunConfig, source: str) -> None:
    seen: dict[str, str] = {}
    entries = [(c.name, f"covariates[{i}].name") for i, c in enumerate(config.covariates)]
    entries += [(t.name, f"territory[{i}]") for i, t in enumerate(config.territory)]
    for name, key in entries:
        if name in RESERVED_NAMES:
            raise RiskConfigError(f"{source}: {key}: the name {name!r} is reserved")
        if name in seen:
            raise RiskConfigError(
                f"{source}: {key}: the name {name!r} is used twice (also {seen[name]})"
            )
        seen[name] = key


def parse_config(data: Any, source: str = "<config>", base: Path | None = None) -> RunConfig:
    """Build a :class:`RunConfig` from an already-parsed YAML document."""
    base = base or Path.cwd()
    top = ConfigSection(data, "", source)
    top.check_keys(
        {
            "name",
            "outcome",
            "age",
            "covariates",
            "territory",
            "survey",
            "census",
            "model",
            "disclosure",
            "run",  # the pipeline's options (risk.run_options), checked there
        }
    )
    survey = top.sub("survey")
    survey.check_keys({"path", "weight", "stratum", "psu"})
    census = top.sub("census")
    census.check_keys({"path", "weight"})
    age = top.sub("age", required=False)
    if age is not None:
        age.check_keys({"survey_column", "census_column", "min", "max"})
        age_col = age.text("survey_column")
        age_range = AgeRange(
            age_col,
            age.text("census_column", default=age_col),
            age.number("min"),
            age.number("max"),
        )
        if age_range.min > age_range.max:
            age.fail(f"min {age_range.min:g} is above max {age_range.max:g}")
    else:
        age_range = None
    model = top.sub("model", required=False) or ConfigSection({}, "model", source)
    model.check_keys({"link", "singleton"})
    disclosure = top.sub("disclosure", required=False)
    config = RunConfig(
        name=top.text("name", required=False) or "",
        outcome=_outcome(top.sub("outcome")),
        covariates=tuple(
            _covariate(ConfigSection(item, f"covariates[{i}]", source))
            for i, item in enumerate(top.listing("covariates"))
        ),
        territory=tuple(
            _territory(item, f"territory[{i}]", source)
            for i, item in enumerate(top.listing("territory"))
        ),
        survey=SurveyDesign(
            _path(survey, base),
            survey.text("weight"),
            survey.text("stratum", required=False),
            survey.text("psu", required=False),
        ),
        census=CensusSource(_path(census, base), census.text("weight", required=False)),
        age=age_range,
        model=ModelOptions(
            model.choice("link", LINKS, "logit"), model.choice("singleton", SINGLETON_RULES, "fail")
        ),
        disclosure=MappingProxyType(dict(disclosure.data) if disclosure else {}),
    )
    _check_names(config, source)
    _check_disclosure(config.disclosure, source)
    return config


def _check_disclosure(section: Mapping[str, Any], source: str) -> None:
    """Refuse a ``disclosure`` section below the published floors (or with an unknown key)."""

    try:
        DisclosureRules.from_dict(section)
    except DisclosureError as exc:
        raise RiskConfigError(f"{source}: {exc}") from exc


def load_config(path: str | Path) -> RunConfig:
    """Read a run configuration from a YAML file (paths inside are relative to the file)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RiskConfigError(f"{path}: cannot read the run configuration ({exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RiskConfigError(f"{path}: not valid YAML ({exc})") from exc
    return parse_config(data, source=str(path), base=path.parent)
