"""Fit statistics of a survey-weighted binary model: pure functions of y, p and the weights.

All statistics are survey-weighted, i.e. estimates for the population, not the sample:

* McFadden pseudo-R2 ``1 - llf / llnull`` with weighted log-likelihoods; the null model
  predicts the weighted prevalence for everyone (the model has an intercept).
* Weighted AUC: the weighted share of (positive, negative) pairs ordered correctly by ``p``,
  ties counting one half (the Mann-Whitney form of the area under the ROC curve).
* Sensitivity, specificity and % correctly classified at a cut-off, by default the weighted
  prevalence (as CLRISK reports them), classifying ``p >= cut-off`` as positive.
* Archer-Lemeshow F-adjusted mean residual test (Archer, Lemeshow and Hosmer 2007, CSDA 51:
  4450-4464; Stata ``svylogitgof``): residuals ``y - p`` are grouped by g weighted quantile
  groups of ``p``; the g weighted mean residuals ``m`` and their linearised design covariance
  ``V`` give ``W = m' V^-1 m`` and ``F = (f - g + 2) W / (f g)`` on ``(g - 1, f - g + 2)``
  degrees of freedom, ``f`` = number of PSUs minus number of strata. A small p-value says
  the model misses the risk in some groups.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from target87.risk.design import DesignIndex, domain_means


@dataclass(frozen=True)
class ArcherLemeshow:
    f_stat: float
    df_num: int
    df_den: int
    p_value: float
    wald: float
    groups: int
    note: str = ""


@dataclass(frozen=True)
class FitStatistics:
    llf: float
    llnull: float
    pseudo_r2: float
    auc: float
    cutoff: float
    sensitivity: float
    specificity: float
    pct_correct: float
    gof: ArcherLemeshow


def weighted_loglik(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    """Sum of ``w [y log p + (1 - y) log(1 - p)]`` (0 log 0 taken as 0)."""
    y, p, w = (np.asarray(a, float) for a in (y, p, w))
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(y > 0, y * np.log(p), 0.0) + np.where(y < 1, (1 - y) * np.log1p(-p), 0.0)
    return float(np.sum(w * terms))


def mcfadden_r2(llf: float, llnull: float) -> float:
    return 1.0 - llf / llnull if llnull != 0 else math.nan


def weighted_auc(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> float:
    """Weighted area under the ROC curve; ties in ``p`` count one half."""
    y, p, w = (np.asarray(a, float) for a in (y, p, w))
    values, inverse = np.unique(p, return_inverse=True)
    pos = np.bincount(inverse, weights=w * y, minlength=len(values))
    neg = np.bincount(inverse, weights=w * (1 - y), minlength=len(values))
    if pos.sum() == 0 or neg.sum() == 0:
        return math.nan
    neg_below = np.cumsum(neg) - neg
    return float(np.sum(pos * (neg_below + neg / 2)) / (pos.sum() * neg.sum()))


def classification(
    y: np.ndarray, p: np.ndarray, w: np.ndarray, cutoff: float
) -> tuple[float, float, float]:
    """Weighted ``(sensitivity, specificity, % correctly classified)`` at ``p >= cutoff``."""
    y, p, w = (np.asarray(a, float) for a in (y, p, w))
    predicted = (p >= cutoff).astype(float)
    sensitivity = np.sum(w * y * predicted) / np.sum(w * y)
    specificity = np.sum(w * (1 - y) * (1 - predicted)) / np.sum(w * (1 - y))
    correct = np.sum(w * (predicted == y)) / np.sum(w)
    return float(sensitivity), float(specificity), float(100 * correct)


def risk_groups(p: np.ndarray, w: np.ndarray, groups: int = 10) -> np.ndarray:
    """Weighted quantile groups of ``p`` numbered 0..k-1 (k <= groups).

    Equal ``p`` values stay in one group (placed by the weighted midpoint of their block), so
    with few covariate patterns there may be fewer groups than asked; empty groups are dropped.
    """
    p, w = np.asarray(p, float), np.asarray(w, float)
    values, inverse = np.unique(p, return_inverse=True)
    block = np.bincount(inverse, weights=w, minlength=len(values))
    midpoint = np.cumsum(block) - block / 2
    group_of_value = np.minimum((groups * midpoint / block.sum()).astype(int), groups - 1)
    return np.unique(group_of_value, return_inverse=True)[1][inverse]


def archer_lemeshow(
    y: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    index: DesignIndex,
    groups: int = 10,
    singleton: str = "fail",
) -> ArcherLemeshow:
    """The design-adjusted goodness-of-fit F test (module docstring)."""
    group = risk_groups(p, w, groups)
    g = int(group.max()) + 1
    f = index.df
    df_den = f - g + 2
    if g < 3 or df_den < 1:
        note = (
            f"not computed: {g} risk group(s)"
            if g < 3
            else f"not computed: {f} design degrees of freedom are too few for {g} groups"
        )
        return ArcherLemeshow(math.nan, g - 1, df_den, math.nan, math.nan, g, note)
    means, cov = domain_means(np.asarray(y, float) - p, w, group, index, singleton)
    wald = float(means @ np.linalg.pinv(cov) @ means)
    f_stat = (f - g + 2) * wald / (f * g)
    return ArcherLemeshow(f_stat, g - 1, df_den, float(stats.f.sf(f_stat, g - 1, df_den)), wald, g)


def fit_statistics(
    y: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    index: DesignIndex,
    groups: int = 10,
    singleton: str = "fail",
) -> FitStatistics:
    """All the fit statistics of a fitted model at once; the cut-off is the prevalence."""
    y, p, w = (np.asarray(a, float) for a in (y, p, w))
    prevalence = float(np.sum(w * y) / np.sum(w))
    llf = weighted_loglik(y, p, w)
    llnull = weighted_loglik(y, np.full_like(p, prevalence), w)
    sensitivity, specificity, pct = classification(y, p, w, prevalence)
    return FitStatistics(
        llf=llf,
        llnull=llnull,
        pseudo_r2=mcfadden_r2(llf, llnull),
        auc=weighted_auc(y, p, w),
        cutoff=prevalence,
        sensitivity=sensitivity,
        specificity=specificity,
        pct_correct=pct,
        gof=archer_lemeshow(y, p, w, index, groups, singleton),
    )
