"""Fit statistics of a survey-weighted binary model: pure functions of y, p and the weights.

All statistics are survey-weighted, i.e. estimates for the population, not the sample:

* McFadden pseudo-R2 ``1 - llf / llnull`` with weighted log-likelihoods; the null model
  predicts the weighted prevalence for everyone (the model has an intercept).
* Weighted AUC: the weighted share of (positive, negative) pairs ordered correctly by ``p``,
  ties counting one half (the Mann-Whitney form of the area under the ROC curve).
* Sensitivity, specificity and % correctly classified at a cut-off, by default the weighted
  prevalence (as CLRISK reports them), classifying ``p >= cut-off`` as positive.
* Archer-Lemeshow F-adjusted mean residual test (Archer, Lemeshow and Hosmer 2007, CSDA 51:
  4450-4464; Archer and Lemeshow 2006, Stata Journal 6: 97-105, ``svylogitgof``; Stata's
  ``estat gof`` after ``svy: logit``). Residuals ``r = y - p`` are grouped by g weighted
  quantile groups of ``p`` (deciles); ``m`` is the vector of the g weighted mean residuals,
  each a survey domain mean, and ``V`` its Taylor-linearised design covariance (strata, PSUs,
  with replacement: Stata's ``svy: mean r, over(decile)``). Then ``W = m' V^-1 m`` and
  ``F = (f - g + 2) W / (f g)`` on ``(g - 1, f - g + 2)`` degrees of freedom, ``f`` = number
  of PSUs minus number of strata: the scaling Stata's ``estat gof`` code applies (its divisor
  is ``f g``; the Korn-Graubard form for g - 1 restrictions would divide by ``f (g - 1)``).
  A small p-value says the model misses the risk in some groups.

  Sparse groups are merged first (issue 14). A decile of low risk may hold no event at all
  (CLRISK: prevalence 5.5%, so the lowest deciles of a 3,000-child survey expect about one
  event each); all its residuals are then ``-p`` and nearly equal, the linearised variance of
  its mean collapses to the spread of ``p`` within it, and ``W`` explodes (``F`` in the
  thousands on data from the true model). The normal approximation behind the Wald test needs
  enough events in every group, as the expected-frequency rule of Hosmer and Lemeshow's test
  does, so adjacent groups are merged, from the lowest risk up, until each holds at least
  ``min_expected`` expected events ``sum p`` and expected non-events ``sum (1 - p)`` among
  its sample members (a short remainder at the top joins the group below it); g is the
  number of groups after merging. With ``min_expected = 10`` the rate of rejection at 5% of
  data from the true model was 1.5-6.5% in simulated stratified cluster samples (1,000-3,000
  units, 50-200 PSUs, prevalence 2-55%, with and without weights; ``tests/risk/test_gof.py``)
  against up to 99% on the plain deciles; with 5 the rare-outcome rates were 12-14%. Few
  PSUs for the groups still make the Wald test liberal (11% with f = 20 and 10 groups).
  ``min_expected = 0`` gives Stata's statistic on the plain deciles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from target87.risk.design import DesignIndex, domain_means


@dataclass(frozen=True)
class ArcherLemeshow:
    """The test's result; ``groups`` is the number of risk groups after merging sparse ones."""

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


def merge_sparse_groups(group: np.ndarray, p: np.ndarray, min_expected: float) -> np.ndarray:
    """Merge adjacent risk groups until each expects ``min_expected`` events and non-events.

    ``group`` numbers the groups 0..k-1 by increasing risk. Scanning from the lowest risk,
    groups are pooled until the pool's expected events ``sum p`` and non-events
    ``sum (1 - p)`` (sample members, unweighted: they govern the normal approximation) both
    reach ``min_expected``; a short remainder at the top joins the last pool. Returns the new
    group numbers 0..g-1 (g = 1 when the whole sample expects fewer).
    """
    group, p = np.asarray(group), np.asarray(p, float)
    k = int(group.max()) + 1
    events = np.bincount(group, weights=p, minlength=k)
    non_events = np.bincount(group, weights=1 - p, minlength=k)
    merged = np.zeros(k, dtype=np.int64)
    pool, pool_events, pool_non_events = 0, 0.0, 0.0
    for j in range(k):
        merged[j] = pool
        pool_events += events[j]
        pool_non_events += non_events[j]
        if pool_events >= min_expected and pool_non_events >= min_expected:
            pool, pool_events, pool_non_events = pool + 1, 0.0, 0.0
    if pool > 0 and merged[-1] == pool:  # the top pool fell short: it joins the one below
        merged[merged == pool] = pool - 1
    return merged[group]


def archer_lemeshow(
    y: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    index: DesignIndex,
    groups: int = 10,
    singleton: str = "fail",
    min_expected: float = 10.0,
) -> ArcherLemeshow:
    """The design-adjusted goodness-of-fit F test (module docstring).

    ``groups`` weighted quantile groups of ``p`` (:func:`risk_groups`), merged by
    :func:`merge_sparse_groups` to at least ``min_expected`` expected events and non-events
    each; then ``W = m' V^-1 m`` on the g domain mean residuals and their linearised design
    covariance, ``F = (f - g + 2) W / (f g)`` on ``(g - 1, f - g + 2)`` df.
    """
    y, p, w = (np.asarray(a, float) for a in (y, p, w))
    group = risk_groups(p, w, groups)
    if min_expected > 0:
        group = merge_sparse_groups(group, p, min_expected)
    g = int(group.max()) + 1
    f = index.df
    df_den = f - g + 2
    if g < 3 or df_den < 1:
        if g >= 3:
            note = f"not computed: {f} design degrees of freedom are too few for {g} groups"
        elif min_expected > 0:
            note = (
                f"not computed: {g} risk group(s) expecting at least {min_expected:g} events "
                f"and {min_expected:g} non-events"
            )
        else:
            note = f"not computed: {g} risk group(s)"
        return ArcherLemeshow(math.nan, g - 1, df_den, math.nan, math.nan, g, note)
    means, cov = domain_means(y - p, w, group, index, singleton)
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
    min_expected: float = 10.0,
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
        gof=archer_lemeshow(y, p, w, index, groups, singleton, min_expected),
    )
