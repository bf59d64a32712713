"""The HTZ Wald test of several coefficients under CR2: :func:`htz_wald_test`.

Tipton & Pustejovsky 2015, "Small-sample adjustments for tests of moderators and model fit
using robust variance estimation in meta-regression", *J. Educ. Behav. Stat.* 40(6):604-634;
computed as clubSandwich 0.5.8's ``Wald_test(obj, constraints, vcov = "CR2", test = "HTZ")``
(``Wald_testing``, ``get_GH``, ``get_P_array(all_terms = TRUE)``, ``total_variance_mat``,
``Hotelling_Tsq``), which metafor's ``robust(res, cluster, clubSandwich = TRUE)`` reports as its
test of moderators.

For ``q`` constraints ``C`` (``q x p``) on ``beta``, with the CR2 covariance ``vb``, the bread
``M = (X'WX)^-1`` and, for each cluster ``j``, ``F_j = C M X_j'W_j A_j`` (``A_j`` the CR2
adjustment matrix), the working covariance ``Theta_j`` and the model rows ``X_j``:

* ``Q = (C b)' (C vb C')^-1 (C b)``;
* ``P[s,t][j,l] = delta_jl (F_j Theta_j F_j')[s,t] - (F_j X_j M X_l' F_l')[s,t]``, the
  working-model covariance of the cluster terms of ``C vb C'`` (a ``q x q`` array of ``n x n``
  matrices; ``q = 1`` gives the Satterthwaite df of one coefficient, ``tr(P)^2 / tr(P^2)``);
* ``Omega[s,t] = tr(P[s,t])`` and ``B[s,t] = (Omega^-1/2 P Omega^-1/2)[s,t]`` (the symmetric
  inverse square root, eigenvalues below 1e-12 set to 0, as clubSandwich's ``matrix_power``);
* the total variance ``Var[s,t] = sum_jl B[s,t][j,l] B[t,s][j,l] + B[s,s][j,l] B[t,t][j,l]``
  and the Hotelling degrees of freedom ``nu = q (q + 1) / sum(Var)``;
* Hotelling's T^2 approximation: ``delta = max((nu - q + 1) / nu, 0)``, ``F = delta Q / q`` on
  ``(q, nu - q + 1)`` df (no p-value when ``nu - q + 1 <= 0``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["HTZTest", "htz_wald_test"]


@dataclass(frozen=True)
class HTZTest:
    """clubSandwich's ``Wald_test`` row: ``Q`` the Wald statistic, ``Fstat = delta Q / q``,
    ``delta``, ``df_num = q``, ``df_denom = nu - q + 1``, ``p_val`` (NaN if ``df_denom <= 0``)."""

    Q: float
    Fstat: float
    delta: float
    df_num: int
    df_denom: float
    p_val: float
    test: str = "HTZ"


def _matrix_power(x: np.ndarray, power: float, tol: float = 1e-12) -> np.ndarray:
    vals, vecs = np.linalg.eigh((x + x.T) / 2)
    kept = np.where(vals > tol, vals, 1.0) ** power
    return (vecs * np.where(vals > tol, kept, 0.0)) @ vecs.T


def htz_wald_test(
    constraints: np.ndarray,
    beta: np.ndarray,
    vb: np.ndarray,
    bread: np.ndarray,
    estimating: Sequence[np.ndarray],
    theta: Sequence[np.ndarray],
    rows: Sequence[np.ndarray],
) -> HTZTest:
    """The HTZ test of ``constraints @ beta = 0`` (formulas in the module docstring).

    ``bread`` is ``M = (X'WX)^-1``; for each cluster, ``estimating[j] = M X_j'W_j A_j``
    (``p x n_j``), ``theta[j]`` its working covariance (``n_j x n_j``) and ``rows[j]`` its rows
    of the model matrix (``n_j x p``)."""
    C = np.atleast_2d(np.asarray(constraints, dtype=float))
    q = C.shape[0]
    Cb = C @ beta
    Q = float(Cb @ np.linalg.solve(C @ vb @ C.T, Cb))
    F = [C @ E for E in estimating]  # q x n_j each
    diag = np.stack([Fj @ Th @ Fj.T for Fj, Th in zip(F, theta, strict=True)])  # n x q x q
    H = np.stack([Fj @ Xj for Fj, Xj in zip(F, rows, strict=True)])  # n x q x p
    n = len(F)
    # P[s, t, j, l]: the first term sits on the diagonal j == l only
    P = -np.einsum("jsa,ab,ltb->stjl", H, bread, H)
    P[:, :, np.arange(n), np.arange(n)] += np.moveaxis(diag, 0, -1)
    Omega = np.einsum("stjj->st", P)
    root = _matrix_power(Omega, -0.5)
    B = np.einsum("as,stjl,tb->abjl", root, P, root)
    var = np.einsum("stjl,tsjl->st", B, B) + np.einsum("ssjl,ttjl->st", B, B)
    nu = q * (q + 1) / float(np.sum(var))
    delta = max((nu - q + 1) / nu, 0.0)
    df = nu - q + 1
    Fstat = delta * Q / q
    p_val = float(stats.f.sf(Fstat, q, df)) if df > 0 else float("nan")
    return HTZTest(Q=Q, Fstat=Fstat, delta=delta, df_num=q, df_denom=df, p_val=p_val)
