"""How a run is carried out: the ``run`` section of the run YAML, beside what config.py reads.

:func:`load_run` reads one YAML file: the ``run`` section becomes :class:`RunOptions` and the
rest goes to :func:`target87.risk.config.parse_config` (which refuses unknown keys, so the
``run`` section is taken out first). Example::

    run:
      seed: 20240501
      draws: 200                      # coefficient draws (at least 200)
      classification: {method: jenks, k: 3, scope: national}   # or scope: department
      small_area: true                # Fay-Herriot with the synthetic risk as covariate
      boundaries: {path: municipalities.geojson, code_property: code}
      vintages: {survey: "ENTI 2019", census: "Census 2020"}
      top_factors: 3
      factor_reference: {head_educ_years: 12}   # numeric factors: default the national mean
      harmonisation: {share_threshold: 0.05, std_threshold: 0.1}
      synthetic: false                # true labels every output SYNTHETIC

Every key is optional. Paths are relative to the YAML file. The ``disclosure`` section is
checked here too, so a typo in it is reported with the file before any data is read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from target87.risk.classify import METHODS
from target87.risk.config import ConfigSection, RiskConfigError, RunConfig, parse_config
from target87.risk.disclosure import DisclosureError, DisclosureRules
from target87.risk.microdata import level_text
from target87.risk.uncertainty import DEFAULT_DRAWS, MIN_DRAWS

SECTION = "run"
NATIONAL_SCOPE = "national"


@dataclass(frozen=True)
class ClassificationOptions:
    method: str = "quantile"
    k: int = 3
    scope: str = NATIONAL_SCOPE  # or the name of a parent territory level
    cutpoints: Any = None  # method "fixed": a list, or a mapping parent -> list
    labels: tuple[str, ...] | None = None
    weighted: bool = False  # weight the rule by children (default: one vote per territory)


@dataclass(frozen=True)
class BoundariesOptions:
    path: Path
    code_property: str = "code"


@dataclass(frozen=True)
class RunOptions:
    seed: int = 0
    draws: int = DEFAULT_DRAWS
    classification: ClassificationOptions = ClassificationOptions()
    small_area: bool = True
    boundaries: BoundariesOptions | None = None
    vintages: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    top_factors: int = 3
    factor_reference: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    share_threshold: float = 0.05
    std_threshold: float = 0.1
    synthetic: bool = False


@dataclass(frozen=True)
class RunSpec:
    """A run file read: the model configuration, the run options and the file's sha256."""

    config: RunConfig
    options: RunOptions
    path: Path
    sha256: str


def _integer(sec: ConfigSection, name: str, default: int, minimum: int) -> int:
    value = sec.data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        sec.fail(f"must be a whole number of at least {minimum}, got {value!r}", name)
    return value


def _flag(sec: ConfigSection, name: str, default: bool) -> bool:
    value = sec.data.get(name, default)
    if not isinstance(value, bool):
        sec.fail(f"must be true or false, got {value!r}", name)
    return value


def _classification(sec: ConfigSection | None, levels: list[str]) -> ClassificationOptions:
    if sec is None:
        return ClassificationOptions()
    sec.check_keys({"method", "k", "scope", "cutpoints", "labels", "weighted"})
    method = sec.choice("method", METHODS, "quantile")
    scope = sec.text("scope", default=NATIONAL_SCOPE)
    parents = levels[:-1]
    if scope != NATIONAL_SCOPE and scope not in parents:
        allowed = ", ".join([NATIONAL_SCOPE, *parents])
        sec.fail(f"must be {allowed} (a level above the finest one), got {scope!r}", "scope")
    k = _integer(sec, "k", 3, 2)
    cutpoints = sec.data.get("cutpoints")
    if (cutpoints is None) == (method == "fixed"):
        sec.fail("is given with method 'fixed' and only with it", "cutpoints")
    if isinstance(cutpoints, Mapping):  # parent codes are compared as text, like the data's
        cutpoints = MappingProxyType({level_text(g): cuts for g, cuts in cutpoints.items()})
    labels = sec.data.get("labels")
    if labels is not None and not (
        isinstance(labels, list) and len(labels) == k and all(isinstance(x, str) for x in labels)
    ):
        sec.fail(f"must be a list of {k} class names (k = {k})", "labels")
    return ClassificationOptions(
        method=method,
        k=k,
        scope=scope,
        cutpoints=cutpoints,
        labels=tuple(labels) if labels is not None else None,
        weighted=_flag(sec, "weighted", False),
    )


def _threshold(sec: ConfigSection | None, name: str, default: float) -> float:
    if sec is None or name not in sec.data:
        return default
    value = sec.number(name)
    if value <= 0:
        sec.fail(f"must be positive, got {value:g}", name)
    return value


def parse_options(
    data: Any, config: RunConfig, source: str = "<run>", base: Path | None = None
) -> RunOptions:
    """Build :class:`RunOptions` from the ``run`` section (``None`` gives the defaults)."""
    base = base or Path.cwd()
    sec = ConfigSection({} if data is None else data, SECTION, source)
    sec.check_keys(
        {
            "seed",
            "draws",
            "classification",
            "small_area",
            "boundaries",
            "vintages",
            "top_factors",
            "factor_reference",
            "harmonisation",
            "synthetic",
        }
    )
    levels = [t.name for t in config.territory]
    boundaries = sec.sub("boundaries", required=False)
    if boundaries is not None:
        boundaries.check_keys({"path", "code_property"})
        path = Path(boundaries.text("path"))
        boundaries = BoundariesOptions(
            path if path.is_absolute() else base / path,
            boundaries.text("code_property", default="code"),
        )
    vintages = sec.sub("vintages", required=False)
    reference = sec.sub("factor_reference", required=False)
    harmonisation = sec.sub("harmonisation", required=False)
    if harmonisation is not None:
        harmonisation.check_keys({"share_threshold", "std_threshold"})
    return RunOptions(
        seed=_integer(sec, "seed", 0, 0),
        draws=_integer(sec, "draws", DEFAULT_DRAWS, MIN_DRAWS),
        classification=_classification(sec.sub("classification", required=False), levels),
        small_area=_flag(sec, "small_area", True),
        boundaries=boundaries,
        vintages=MappingProxyType(
            {str(k): str(v) for k, v in (vintages.data if vintages else {}).items()}
        ),
        top_factors=_integer(sec, "top_factors", 3, 1),
        factor_reference=MappingProxyType(
            {str(k): reference.number(k) for k in reference.data} if reference else {}
        ),
        share_threshold=_threshold(harmonisation, "share_threshold", 0.05),
        std_threshold=_threshold(harmonisation, "std_threshold", 0.1),
        synthetic=_flag(sec, "synthetic", False),
    )


def load_run(path: str | Path) -> RunSpec:
    """Read a run YAML file: model configuration, run options, disclosure rules checked."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RiskConfigError(f"{path}: cannot read the run file ({exc})") from exc
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RiskConfigError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise RiskConfigError(f"{path}: <top level>: must be a mapping")
    data = dict(data)
    run_section = data.pop(SECTION, None)
    config = parse_config(data, source=str(path), base=path.parent)
    options = parse_options(run_section, config, source=str(path), base=path.parent)
    try:
        DisclosureRules.from_dict(config.disclosure)
    except DisclosureError as exc:
        raise RiskConfigError(f"{path}: {exc}") from exc
    return RunSpec(config, options, path, hashlib.sha256(raw).hexdigest())
