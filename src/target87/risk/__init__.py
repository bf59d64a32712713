"""CLRISK, the ILO-ECLAC child labour risk identification model, as a repeatable pipeline.

A YAML run configuration (:func:`load_config`) names the survey and census files, the outcome,
the covariates and their harmonisation. :func:`read_microdata` reads CSV, Parquet, Stata and
SPSS files; :func:`prepare_survey` / :func:`prepare_census` harmonise them;
:func:`harmonisation_check` compares covariate means across the two; :func:`fit_risk_model`
(or :func:`fit_from_config`) fits the survey-weighted logit/probit with design-based
(Taylor-linearised) standard errors and the fit statistics CLRISK reports.
"""

from target87.risk.config import (
    AgeRange,
    CensusSource,
    Covariate,
    ModelOptions,
    Outcome,
    RiskConfigError,
    RiskError,
    RunConfig,
    SurveyDesign,
    TerritoryLevel,
    load_config,
    parse_config,
)
from target87.risk.design import DesignIndex, RiskDesignError, design_index, taylor_covariance
from target87.risk.fitstats import ArcherLemeshow, FitStatistics, fit_statistics
from target87.risk.harmonise import HarmonisationReport, harmonisation_check
from target87.risk.microdata import (
    RiskDataError,
    categorical_levels,
    model_matrix,
    prepare_census,
    prepare_survey,
    read_census,
    read_microdata,
    read_survey,
)
from target87.risk.model import RiskModel, RiskModelError, fit_from_config, fit_risk_model

__all__ = [
    "AgeRange",
    "ArcherLemeshow",
    "CensusSource",
    "Covariate",
    "DesignIndex",
    "FitStatistics",
    "HarmonisationReport",
    "ModelOptions",
    "Outcome",
    "RiskConfigError",
    "RiskDataError",
    "RiskDesignError",
    "RiskError",
    "RiskModel",
    "RiskModelError",
    "RunConfig",
    "SurveyDesign",
    "TerritoryLevel",
    "categorical_levels",
    "design_index",
    "fit_from_config",
    "fit_risk_model",
    "fit_statistics",
    "harmonisation_check",
    "load_config",
    "model_matrix",
    "parse_config",
    "prepare_census",
    "prepare_survey",
    "read_census",
    "read_microdata",
    "read_survey",
    "taylor_covariance",
]
