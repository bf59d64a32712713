"""The CLRISK run, end to end: data in, model, census scoring, three estimators, disclosure.

:func:`run_pipeline` chains the modules of this package:

1. read and harmonise the survey and the census (:mod:`~target87.risk.microdata`), compare
   covariate means (:func:`~target87.risk.harmonise.harmonisation_check`);
2. fit the survey-weighted logit/probit with design-based SEs
   (:mod:`~target87.risk.survey_model`);
3. collapse the census to territory x covariate patterns in one Ibis expression on DuckDB
   (:func:`~target87.risk.scoring.pattern_table`), then per territory level the mean risk,
   expected count and their simulated uncertainty (:mod:`~target87.risk.uncertainty`);
4. direct survey estimates per territory, the Fay-Herriot estimator with the synthetic risk
   as covariate and GVF sampling variances, and the synthetic risk benchmarked to the direct
   national estimate: all three side by side (:mod:`~target87.risk.estimators`);
5. classes with their cut-points, P(high class), factor contributions (counterfactual and
   AME x prevalence) and the top factors of each territory;
6. disclosure control, on by default (:mod:`~target87.risk.published_tables`); the
   Fay-Herriot model is fitted there, on the direct estimates that are published only, so
   that no published figure gives a suppressed direct estimate back.

Territory codes are compared as text (``1``, ``1.0`` and ``"1"`` are one code), so a survey
in Stata and a census in CSV join. A finest-level territory is identified by all its levels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd

from target87.risk.classify import classify
from target87.risk.config import WEIGHT, RunConfig
from target87.risk.disclosure import DisclosureRules, check_unit_level_export
from target87.risk.estimators import Estimators, estimate_territories, factor_summary
from target87.risk.factors import (
    FactorContributions,
    ame_contributions,
    average_marginal_effects,
    counterfactual_contributions,
)
from target87.risk.harmonise import HarmonisationReport, harmonisation_check
from target87.risk.microdata import model_matrix, read_census, read_survey
from target87.risk.outputs import check_boundaries, load_boundaries
from target87.risk.provenance import is_synthetic, make_provenance
from target87.risk.published_tables import assemble_published_tables
from target87.risk.run_options import RunOptions, RunSpec, load_run
from target87.risk.run_result import SYNTHETIC_MARK, RiskPipelineError, RiskRun
from target87.risk.scoring import covariate_names, pattern_table, predicted_probability
from target87.risk.survey_model import RiskModel, fit_from_config
from target87.risk.uncertainty import TerritoryRisk, simulate_territory_risk

Progress = Callable[[str, int, int], None]
STEPS = (
    "reading survey and census",
    "fitting the model",
    "scoring the census",
    "simulating uncertainty",
    "direct and small-area estimates",
    "classes and factors",
    "disclosure control",
)
ROW = "census_row"  # data row of the census file, only in unit-level scores


@dataclass(frozen=True)
class FittedModel:
    """The first half of a run: prepared data, the harmonisation check and the model."""

    survey: pd.DataFrame
    census: pd.DataFrame
    harmonisation: HarmonisationReport
    model: RiskModel


def codes_as_text(values: pd.Series) -> pd.Series:
    """Territory codes as text without a trailing ``.0`` (vectorised ``level_text``)."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(str)
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.to_numpy(dtype=float)
        if np.all(np.isfinite(numbers) & (numbers == np.round(numbers))):
            return pd.Series(numbers.astype(np.int64), index=values.index).astype(str)
    return values.astype(str)


def _notify(progress: Progress | None, step: int) -> None:
    if progress is not None:
        progress(STEPS[step], step, len(STEPS))


def fit_model(
    config: RunConfig, options: RunOptions | None = None, progress: Progress | None = None
) -> FittedModel:
    """Read, harmonise, check and fit (steps 1-2): what ``target87 risk fit`` prints."""
    options = options or RunOptions()
    _notify(progress, 0)
    survey, census = read_survey(config), read_census(config)
    for frame in (survey, census):
        for level in config.territory:
            frame[level.name] = codes_as_text(frame[level.name])
    report = harmonisation_check(
        survey, census, config, options.share_threshold, options.std_threshold
    )
    _notify(progress, 1)
    return FittedModel(survey, census, report, fit_from_config(survey, config))


def _census_table(fitted: FittedModel, config: RunConfig, unit_level: bool) -> ibis.Table:
    """The census as the model sees it (territories, weight, design columns), in DuckDB."""
    levels = [t.name for t in config.territory]
    design = model_matrix(fitted.census, config, fitted.model.levels).drop(columns="const")
    columns = [fitted.census[levels + [WEIGHT]], design]
    if unit_level:
        rows = fitted.census.attrs.get("rows", np.arange(1, len(fitted.census) + 1))
        columns.insert(0, pd.DataFrame({ROW: rows}, index=fitted.census.index))
    return ibis.memtable(pd.concat(columns, axis=1))


def _boundaries(
    options: RunOptions, boundaries: str | Path | Mapping | None
) -> tuple[dict | None, str]:
    code_property = options.boundaries.code_property if options.boundaries else "code"
    source = (
        boundaries
        if boundaries is not None
        else (options.boundaries.path if options.boundaries else None)
    )
    return (load_boundaries(source) if source is not None else None), code_property


def _finest_codes(census: pd.DataFrame, levels: list[str]) -> pd.Series:
    """Finest-level codes, refused when one code sits under two parents (no join possible)."""
    pairs = census[levels].drop_duplicates()
    repeated = pairs[levels[-1]][pairs[levels[-1]].duplicated()].unique().tolist()
    if repeated:
        raise RiskPipelineError(
            f"level {levels[-1]!r}: code(s) {repeated[:10]} occur under more than one "
            f"{levels[-2]!r}; boundaries need codes unique nationally"
        )
    return pairs[levels[-1]]


def run_pipeline(
    config: RunConfig,
    *,
    options: RunOptions | None = None,
    boundaries: str | Path | Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    unit_level: bool = False,
    config_file: str | Path | None = None,
    config_sha256: str | None = None,
) -> RiskRun:
    """Run CLRISK as the configuration and options say (module docstring for the steps).

    ``boundaries`` (a GeoJSON file or mapping) overrides ``options.boundaries``.
    ``unit_level=True`` keeps each census child's predicted probability in
    ``run.unit_scores`` and puts the unit-level warning into the run. ``progress`` is
    called as ``progress(step, done, total)``.
    """
    options = options or RunOptions()
    rules = DisclosureRules.from_dict(config.disclosure)
    warnings = [check_unit_level_export(True)] if unit_level else []
    geo, code_property = _boundaries(options, boundaries)
    fitted = fit_model(config, options, progress)
    levels = [t.name for t in config.territory]
    if geo is not None:
        check_boundaries(_finest_codes(fitted.census, levels), geo, code_property, levels[-1])
    model = fitted.model
    _notify(progress, 2)
    con = ibis.duckdb.connect()
    table = _census_table(fitted, config, unit_level)
    patterns = con.execute(pattern_table(table, covariate_names(model.params), levels, WEIGHT))
    unit_scores = None
    if unit_level:
        scored = predicted_probability(table, model.params, model.link)
        unit_scores = con.execute(scored.select(ROW, *levels, "p").order_by(ROW))
    _notify(progress, 3)
    by_level: dict[str, TerritoryRisk] = {
        levels[i - 1]: simulate_territory_risk(
            patterns, model.params, model.cov, model.link, levels[:i], options.draws, options.seed
        )
        for i in range(1, len(levels) + 1)
    }
    finest = by_level[levels[-1]]
    _notify(progress, 4)
    estimators: Estimators = estimate_territories(
        fitted.survey, finest, levels, options.small_area, config.model.singleton
    )
    _notify(progress, 5)
    finest = _classified(finest, options)
    cf, ame, ame_cf = _factors(fitted, patterns, config, options)
    _notify(progress, 6)
    synthetic = is_synthetic(config, options)
    if synthetic and unit_scores is not None:
        unit_scores.insert(0, "synthetic", SYNTHETIC_MARK)
    published = assemble_published_tables(
        finest=finest,
        by_level=by_level,
        estimators=estimators,
        cf=cf,
        ame=ame_cf,
        survey=fitted.survey,
        rules=rules,
        levels=levels,
        options=options,
        synthetic=synthetic,
        geo=geo,
        code_property=code_property,
    )
    national = pd.concat([finest.national(), estimators.national])
    provenance = make_provenance(config, options, synthetic, config_file, config_sha256, geo)
    return RiskRun(
        config=config,
        options=options,
        rules=rules,
        model=model,
        harmonisation=fitted.harmonisation,
        territories=published.territories,
        parents=published.parents,
        classification=finest.classification,
        factor_table=factor_summary(model, patterns, ame, cf, dict(options.factor_reference)),
        national=national,
        sample_table=published.sample_table,
        suppression_log=published.log,
        provenance=provenance,
        geojson=published.geojson,
        warnings=tuple(warnings),
        notes=estimators.notes + published.notes,
        estimates=finest,
        factors=cf,
        factors_ame=ame_cf,
        small_area=published.small_area,
        benchmark=estimators.benchmark,
        unit_scores=unit_scores,
    )


def _factors(
    fitted: FittedModel, patterns: pd.DataFrame, config: RunConfig, options: RunOptions
) -> tuple[FactorContributions, pd.Series, FactorContributions]:
    """Counterfactual contributions, survey-weighted AMEs and AME x prevalence per territory."""
    model, levels = fitted.model, [t.name for t in config.territory]
    cf = counterfactual_contributions(
        patterns, model.params, model.link, levels, reference=dict(options.factor_reference)
    )
    survey_x = model_matrix(fitted.survey, config, model.levels)
    ame = average_marginal_effects(survey_x, model.params, model.link, fitted.survey[WEIGHT])
    return cf, ame, ame_contributions(patterns, ame, levels)


def _classified(finest: TerritoryRisk, options: RunOptions) -> TerritoryRisk:
    spec = options.classification
    frame = finest.frame
    classification = classify(
        frame["risk"],
        spec.method,
        k=spec.k,
        cutpoints=spec.cutpoints,
        groups=None if spec.scope == "national" else frame[spec.scope],
        weights=frame["children"] if spec.weighted else None,
        labels=spec.labels,
    )
    return finest.with_classes(classification)


def run_file(
    path: str | Path,
    *,
    boundaries: str | Path | Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    unit_level: bool = False,
) -> RiskRun:
    """Read a run YAML file (:func:`~target87.risk.run_options.load_run`) and run it."""
    spec: RunSpec = load_run(path)
    return run_pipeline(
        spec.config,
        options=spec.options,
        boundaries=boundaries,
        progress=progress,
        unit_level=unit_level,
        config_file=spec.path,
        config_sha256=spec.sha256,
    )
