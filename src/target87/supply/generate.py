"""Random multi-regional input-output systems for tests and benchmarks (SYNTHETIC, made up).

A system is built backwards from its coefficients, so that it is a valid one by construction:
a sparse random ``A`` (non-negative, ``density`` of the cells filled) whose column sums are
drawn uniformly from ``colsum`` (< 1, so ``I - A`` is a non-singular M-matrix), a positive
final demand ``y``, then ``x = (I - A)^-1 y`` and ``Z = A diag(x)``. ``Y`` shares each
product's demand among the regions' categories with a home bias; the satellite rows ``F =
S diag(x)`` have random intensities ``S`` (a fifth of them zero: sectors without the stressor).
Every figure is made up: the systems are flagged ``demonstration`` and say so in their sources.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .iomath import LeontiefSolver
from .system import MRIO, Extension

SYNTHETIC_SOURCE = "SYNTHETIC: target87.supply.generate (random numbers, not data)"


def random_arrays(
    n_regions: int,
    n_sectors: int,
    *,
    n_categories: int = 1,
    n_stressors: int = 5,
    density: float = 0.05,
    colsum: tuple[float, float] = (0.2, 0.8),
    seed: int = 87,
) -> tuple[sp.csc_array, np.ndarray, np.ndarray, np.ndarray]:
    """``(Z, Y, F, F_Y)`` as arrays: ``Z`` sparse (CSC), n x n with n = regions x sectors;
    ``Y`` n x (regions x categories); ``F`` stressors x n; ``F_Y`` stressors x Y's columns
    (only the first stressor has direct final-demand emissions, as households' own work)."""
    rng = np.random.default_rng(seed)
    n = n_regions * n_sectors
    A = sp.random_array((n, n), density=density, format="csc", rng=rng, data_sampler=rng.random)
    sums = np.asarray(A.sum(axis=0)).ravel()
    target = rng.uniform(*colsum, size=n)
    scale = np.divide(target, sums, out=np.zeros(n), where=sums > 0)
    A = (A @ sp.diags(scale)).tocsc()
    n_y = n_regions * n_categories
    y_total = rng.lognormal(mean=3.0, sigma=1.0, size=n)
    x = LeontiefSolver(A, method="iterative").solve(y_total)
    Z = (A @ sp.diags(x)).tocsc()
    weights = rng.random((n, n_y))
    home = np.repeat(np.arange(n_regions), n_sectors)[:, None] == np.repeat(
        np.arange(n_regions), n_categories
    )
    weights[home] *= 5.0  # home bias: most final demand is met at home
    Y = y_total[:, None] * weights / weights.sum(axis=1, keepdims=True)
    S = rng.lognormal(mean=-3.0, sigma=1.0, size=(n_stressors, n))
    S[rng.random(S.shape) < 0.2] = 0.0
    F = S * x[None, :]
    F_Y = np.zeros((n_stressors, n_y))
    F_Y[0] = rng.random(n_y) * F[0].sum() * 0.01
    return Z, Y, F, F_Y


def labels(
    n_regions: int, n_sectors: int, n_categories: int = 1
) -> tuple[pd.MultiIndex, pd.MultiIndex]:
    """The (region, sector) index of Z and the (region, category) columns of Y."""
    regions = [f"R{r + 1:02d}" for r in range(n_regions)]
    sectors = [f"s{s + 1:03d}" for s in range(n_sectors)]
    categories = [f"c{c + 1}" for c in range(n_categories)]
    index = pd.MultiIndex.from_product([regions, sectors], names=["region", "sector"])
    columns = pd.MultiIndex.from_product([regions, categories], names=["region", "category"])
    return index, columns


def random_mrio(
    n_regions: int,
    n_sectors: int,
    *,
    n_categories: int = 1,
    n_stressors: int = 5,
    density: float = 0.05,
    colsum: tuple[float, float] = (0.2, 0.8),
    seed: int = 87,
) -> MRIO:
    """A SYNTHETIC :class:`MRIO` with one extension, ``"labour"`` (flagged ``demonstration``)."""
    Z, Y, F, F_Y = random_arrays(
        n_regions,
        n_sectors,
        n_categories=n_categories,
        n_stressors=n_stressors,
        density=density,
        colsum=colsum,
        seed=seed,
    )
    index, columns = labels(n_regions, n_sectors, n_categories)
    stressors = pd.Index([f"stressor {i + 1}" for i in range(n_stressors)], name="stressor")
    extension = Extension(
        name="labour",
        F=pd.DataFrame(F, index=stressors, columns=index),
        F_Y=pd.DataFrame(F_Y, index=stressors, columns=columns),
        unit=dict.fromkeys(stressors, "persons"),
        sources=[SYNTHETIC_SOURCE],
        assumptions=["random intensities; no relation to any country or sector"],
    )
    return MRIO(
        Z=pd.DataFrame(Z.toarray(), index=index, columns=index),
        Y=pd.DataFrame(Y, index=index, columns=columns),
        extensions={"labour": extension},
        unit="M EUR",
        origin=f"target87.supply.generate.random_mrio(seed={seed})",
        demonstration=True,
    )
