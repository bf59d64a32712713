"""CLRISK, the ILO-ECLAC child labour risk identification model, as a repeatable pipeline.

A run YAML file (:func:`load_run`) names the survey and census files, the outcome, the
covariates and their harmonisation, the territory levels, the disclosure rules and how the run
is carried out. :func:`run_pipeline` (or :func:`run_file`) then reads the microdata
(:func:`read_survey`, :func:`read_census`), checks the harmonisation
(:func:`harmonisation_check`), fits the survey-weighted logit/probit with design-based
standard errors (:func:`fit_from_config`), scores the census per territory in one Ibis
expression (:func:`pattern_table`, :func:`territory_scores`) with simulated uncertainty
(:func:`simulate_territory_risk`), sets classes (:func:`classify`) and factor contributions
(:func:`counterfactual_contributions`, :func:`ame_contributions`), puts the direct
(:func:`direct_estimates`), small-area (:func:`fay_herriot`) and benchmarked
(:func:`benchmark`) estimates side by side and applies disclosure control
(:class:`DisclosureRules`, never below its :data:`FLOORS`). :func:`write_outputs` writes the
tables, the GeoJSON layer, the run JSON and the HTML report (:func:`render_report`);
:func:`check_run_document` is what a run JSON must pass to be published. :func:`ivti` builds
the vulnerability index; :func:`synthesize` and :func:`write_synthetic_run` make SYNTHETIC data.

Names are imported on first use (PEP 562), so ``import target87.risk.config`` stays light for
the command line while ``from target87.risk import run_pipeline`` works as usual.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, tuple[str, ...]] = {
    "config": (
        "AgeRange", "CensusSource", "Covariate", "ModelOptions", "Outcome", "RiskConfigError",
        "RiskError", "RunConfig", "SurveyDesign", "TerritoryLevel", "load_config",
        "parse_config",
    ),
    "design": ("DesignIndex", "RiskDesignError", "design_index", "taylor_covariance"),
    "fitstats": ("ArcherLemeshow", "FitStatistics", "fit_statistics"),
    "harmonise": ("HarmonisationReport", "harmonisation_check"),
    "microdata": (
        "RiskDataError", "categorical_levels", "model_matrix", "prepare_census",
        "prepare_survey", "read_census", "read_microdata", "read_survey",
    ),
    "survey_model": ("RiskModel", "RiskModelError", "fit_from_config", "fit_risk_model"),
    "scoring": ("ScoringError", "pattern_table", "predicted_probability", "territory_scores"),
    "uncertainty": ("TerritoryRisk", "simulate_territory_risk", "territory_risk"),
    "classify": ("Classification", "ClassificationError", "classify"),
    "factors": (
        "FactorContributions", "ame_contributions", "average_marginal_effects",
        "counterfactual_contributions",
    ),
    "direct": ("DirectEstimateError", "design_effect", "direct_estimates"),
    "small_area": ("FayHerriotResult", "SmallAreaError", "fay_herriot", "gvf_variance"),
    "benchmarking": ("BenchmarkError", "BenchmarkResult", "benchmark", "compare_estimators"),
    "ivti": ("IVTIError", "IVTIResult", "SensitivityReport", "ivti"),
    "disclosure": (
        "FLOORS", "DisclosureError", "DisclosureRules", "Suppression", "SuppressionLog",
        "check_unit_level_export", "protect_direct_estimates", "protect_territory_table",
        "suppress_cells",
    ),
    "synth": ("SYNTHETIC_LABEL", "SynthError", "SyntheticData", "draw_sample", "synthesize"),
    "run_options": (
        "BoundariesOptions", "ClassificationOptions", "RunOptions", "RunSpec", "load_run",
        "parse_options",
    ),
    "run_result": ("Provenance", "RiskPipelineError", "RiskRun"),
    "pipeline": ("FittedModel", "fit_model", "run_file", "run_pipeline"),
    "outputs": (
        "RiskOutputError", "check_boundaries", "join_boundaries", "load_boundaries",
        "write_outputs",
    ),
    "report_html": ("RiskReportError", "read_run_json", "render_report"),
    "run_check": ("RunDocumentError", "check_run_document", "run_schema"),
    "synth_files": ("SyntheticRun", "write_synthetic_run"),
}  # fmt: skip
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
