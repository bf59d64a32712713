"""Design-based variance by Taylor linearisation (stratified, clustered, with replacement).

Pure numpy: no I/O, no model. For an estimator defined by estimating equations
``sum_i u_i(theta) = 0`` with per-observation weighted scores ``u_i`` (rows of ``scores``,
already multiplied by the survey weight), the linearised covariance is the sandwich

    V = B^-1 M B^-1,    M = sum_h n_h / (n_h - 1) * sum_i (z_hi - zbar_h)(z_hi - zbar_h)'

where ``z_hi`` is the total of the scores in PSU ``i`` of stratum ``h``, ``zbar_h`` their mean
and ``n_h`` the number of PSUs in stratum ``h`` (R ``survey::svyrecvar`` and ``svy`` without a
finite population correction). PSU codes are read within their stratum (R ``nest=TRUE``).

A stratum with a single PSU has no within-stratum variance. ``singleton="fail"`` (the
default, as R's ``survey.lonely.psu="fail"``) raises :class:`RiskDesignError` naming the
strata; ``singleton="center"`` (R's ``"adjust"``, svy's ``"center"``) lets such a PSU
contribute its deviation from the grand mean of all PSU totals, with factor 1. For the scores
of a fitted model the grand mean is zero, so the PSU contributes ``z z'``: conservative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from target87.risk.config import SINGLETON_RULES
from target87.risk.errors import RiskError


class RiskDesignError(RiskError):
    """The sample design cannot give a variance as asked (e.g. a stratum with one PSU)."""


@dataclass(frozen=True)
class DesignIndex:
    """Where each observation sits in the design: codes for strata and (nested) PSUs."""

    psu_of_obs: np.ndarray  # PSU code of each observation, 0..n_psu-1
    stratum_of_psu: np.ndarray  # stratum code of each PSU, 0..n_strata-1
    stratum_labels: np.ndarray  # the stratum value of each stratum code

    @property
    def n_psu(self) -> int:
        return len(self.stratum_of_psu)

    @property
    def n_strata(self) -> int:
        return len(self.stratum_labels)

    @property
    def psus_per_stratum(self) -> np.ndarray:
        return np.bincount(self.stratum_of_psu, minlength=self.n_strata)

    @property
    def df(self) -> int:
        """Design degrees of freedom: number of PSUs minus number of strata."""
        return self.n_psu - self.n_strata


def design_index(stratum: np.ndarray | None, psu: np.ndarray | None, n: int) -> DesignIndex:
    """Code strata and PSUs; without strata there is one, without PSUs each row is one."""
    stratum = np.zeros(n, dtype=np.int64) if stratum is None else np.asarray(stratum)
    psu = np.arange(n) if psu is None else np.asarray(psu)
    if len(stratum) != n or len(psu) != n:
        raise RiskDesignError(
            f"stratum ({len(stratum)}) and psu ({len(psu)}) must have one "
            f"value per observation ({n})"
        )
    if pd.isna(stratum).any() or pd.isna(psu).any():
        raise RiskDesignError("stratum and psu may not have missing values")
    s_codes, s_labels = pd.factorize(stratum, sort=True)
    pairs = pd.MultiIndex.from_arrays([s_codes, pd.factorize(psu)[0]])
    psu_codes, psu_pairs = pd.factorize(pairs)
    stratum_of_psu = np.asarray(psu_pairs.get_level_values(0), dtype=np.int64)
    return DesignIndex(np.asarray(psu_codes), stratum_of_psu, np.asarray(s_labels))


def psu_totals(scores: np.ndarray, index: DesignIndex) -> np.ndarray:
    """Sum the rows of ``scores`` (n x k) within each PSU: an (n_psu x k) array."""
    scores = np.asarray(scores, dtype=float)
    scores = scores[:, None] if scores.ndim == 1 else scores
    totals = np.zeros((index.n_psu, scores.shape[1]))
    np.add.at(totals, index.psu_of_obs, scores)
    return totals


def linearised_meat(scores: np.ndarray, index: DesignIndex, singleton: str = "fail") -> np.ndarray:
    """The middle of the sandwich: the with-replacement variance of the score totals."""
    if singleton not in SINGLETON_RULES:
        raise RiskDesignError(
            f"singleton must be one of {', '.join(SINGLETON_RULES)}, got {singleton!r}"
        )
    totals = psu_totals(scores, index)
    counts = index.psus_per_stratum
    lonely = counts == 1
    if lonely.any() and singleton == "fail":
        names = ", ".join(map(str, index.stratum_labels[lonely][:10]))
        raise RiskDesignError(
            f"{int(lonely.sum())} stratum/strata with a single PSU ({names}): no within-stratum "
            f"variance. Collapse them with a neighbouring stratum, or set model.singleton: "
            f"center to centre them on the grand mean (R lonely.psu='adjust')"
        )
    sums = np.zeros((index.n_strata, totals.shape[1]))
    np.add.at(sums, index.stratum_of_psu, totals)
    centre = sums / counts[:, None]
    centre[lonely] = totals.mean(axis=0)  # only reached under singleton="center"
    deviations = totals - centre[index.stratum_of_psu]
    factor = np.where(lonely, 1.0, counts / np.maximum(counts - 1, 1))[index.stratum_of_psu]
    return (deviations * factor[:, None]).T @ deviations


def sandwich(bread_inverse: np.ndarray, meat: np.ndarray) -> np.ndarray:
    """``B^-1 M B^-1``, symmetrised against rounding."""
    cov = bread_inverse @ meat @ bread_inverse
    return (cov + cov.T) / 2


def taylor_covariance(
    scores: np.ndarray,
    bread_inverse: np.ndarray,
    index: DesignIndex,
    singleton: str = "fail",
) -> np.ndarray:
    """The linearised design-based covariance of an M-estimator (module docstring)."""
    return sandwich(bread_inverse, linearised_meat(scores, index, singleton))


def domain_means(
    values: np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray,
    index: DesignIndex,
    singleton: str = "fail",
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means of ``values`` in each group 0..g-1 and their linearised covariance.

    Each mean solves ``sum_i w_i 1[g_i = j] (v_i - m_j) = 0``: bread ``diag(W_j)``.
    """
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    g = int(groups.max()) + 1
    onehot = np.zeros((len(values), g))
    onehot[np.arange(len(values)), groups] = 1.0
    totals = onehot.T @ weights
    means = (onehot.T @ (weights * values)) / totals
    scores = onehot * (weights * (values - means[groups]))[:, None]
    return means, taylor_covariance(scores, np.diag(1.0 / totals), index, singleton)
