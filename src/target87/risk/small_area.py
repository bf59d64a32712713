"""Fay-Herriot area-level small-area estimation: EBLUP, REML or ML, Prasad-Rao MSE.

Model (Fay and Herriot 1979; Rao and Molina 2015, ch. 6): for sampled area ``d`` the direct
estimate is ``y_d = theta_d + e_d`` with known sampling variance ``psi_d``, and
``theta_d = z_d' beta + v_d``, ``v_d ~ N(0, sigma2_v)``. With ``V_d = sigma2_v + psi_d``,

* ``beta`` is the GLS estimate ``(Z'V^-1 Z)^-1 Z'V^-1 y`` and ``sigma2_v`` solves the REML (or
  ML) score equation by Fisher scoring from the median of ``psi`` (as R ``sae::eblupFH``),
  truncated at 0;
* the EBLUP is ``gamma_d y_d + (1 - gamma_d) z_d' beta``, ``gamma_d = sigma2_v / V_d``;
* its MSE is ``g1 + g2 + 2 g3`` (Prasad-Rao; Datta-Lahiri for REML), with ``g1 = gamma psi``,
  ``g2 = (1 - gamma)^2 z'(Z'V^-1 Z)^-1 z``, ``g3 = (1 - gamma)^2 var(sigma2_v) / V`` and
  ``var(sigma2_v) = 2 / sum V^-2``; under ML the bias term ``b_ML (1 - gamma)^2`` is
  subtracted (as ``sae::mseFH``).

Areas without a direct estimate get the synthetic regression prediction ``z' beta`` with MSE
``sigma2_v + z'(Z'V^-1 Z)^-1 z``. Direct variances of 0 (a proportion of 0 or 1 in a small
sample), and those of territories with two or three PSUs, are no use as ``psi``: smooth them
with :func:`gvf_variance`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from target87.risk.errors import RiskError

METHODS = ("REML", "ML")


class SmallAreaError(RiskError):
    """The small-area model cannot be fitted as asked; the message says what to change."""


def gls(sigma2_v: float, y: np.ndarray, X: np.ndarray, psi: np.ndarray) -> tuple[np.ndarray, ...]:
    """GLS pieces of the Fay-Herriot model at ``sigma2_v``: ``(1/V, Q, beta, y - X beta)``.

    ``V = sigma2_v + psi`` (diagonal), ``Q = (X'V^-1 X)^-1`` and ``beta = Q X'V^-1 y``, the
    GLS estimate of the module docstring; the publication checks refit ``beta`` with it.
    """
    inv_v = 1.0 / (sigma2_v + psi)
    Q = np.linalg.inv((X * inv_v[:, None]).T @ X)
    beta = Q @ (X.T @ (inv_v * y))
    return inv_v, Q, beta, y - X @ beta


def reml_loglik(sigma2_v: float, y: np.ndarray, X: np.ndarray, psi: np.ndarray) -> float:
    """Restricted log-likelihood of the Fay-Herriot model at ``sigma2_v``."""
    inv_v, Q, _, resid = gls(sigma2_v, y, X, psi)
    _, logdet_q = np.linalg.slogdet(Q)
    m, p = X.shape
    return -0.5 * (
        (m - p) * np.log(2 * np.pi) - np.log(inv_v).sum() - logdet_q + (inv_v * resid**2).sum()
    )


def ml_loglik(sigma2_v: float, y: np.ndarray, X: np.ndarray, psi: np.ndarray) -> float:
    """Log-likelihood of the Fay-Herriot model at ``sigma2_v`` and its GLS ``beta``."""
    inv_v, _, _, resid = gls(sigma2_v, y, X, psi)
    return -0.5 * (len(y) * np.log(2 * np.pi) - np.log(inv_v).sum() + (inv_v * resid**2).sum())


def _scoring_step(
    sigma2_v: float, y: np.ndarray, X: np.ndarray, psi: np.ndarray, method: str
) -> float:
    """One Fisher-scoring update of ``sigma2_v`` (score / expected information)."""
    inv_v, Q, _, resid = gls(sigma2_v, y, X, psi)
    Py = inv_v * resid  # P y = V^-1 (y - X beta)
    if method == "ML":
        score = -0.5 * inv_v.sum() + 0.5 * (Py**2).sum()
        info = 0.5 * (inv_v**2).sum()
    else:  # tr(P) and tr(PP) from p x p products, P = V^-1 - V^-1 X Q X' V^-1
        XtV2X = (X * (inv_v**2)[:, None]).T @ X
        XtV3X = (X * (inv_v**3)[:, None]).T @ X
        trace_p = inv_v.sum() - np.trace(Q @ XtV2X)
        trace_pp = (inv_v**2).sum() - 2 * np.trace(Q @ XtV3X) + np.trace(Q @ XtV2X @ Q @ XtV2X)
        score = -0.5 * trace_p + 0.5 * (Py**2).sum()
        info = 0.5 * trace_pp
    return score / info


def fit_variance(
    y: np.ndarray,
    X: np.ndarray,
    psi: np.ndarray,
    method: str = "REML",
    max_iter: int = 100,
    tol: float = 1e-10,
) -> tuple[float, int, bool]:
    """``sigma2_v`` by Fisher scoring: (estimate, iterations, converged)."""
    sigma2_v = float(np.median(psi))
    for iteration in range(1, max_iter + 1):
        new = max(sigma2_v + _scoring_step(sigma2_v, y, X, psi, method), 0.0)
        if abs(new - sigma2_v) <= tol * max(sigma2_v, np.median(psi) * 1e-6):
            return new, iteration, True
        sigma2_v = new
    return sigma2_v, max_iter, False


@dataclass(frozen=True)
class FayHerriotResult:
    """Fitted Fay-Herriot model and its per-area predictions (``table``)."""

    table: pd.DataFrame  # direct, direct_var, sampled, synthetic, gamma, estimate, mse, se, cv
    beta: pd.Series
    beta_cov: pd.DataFrame
    sigma2_v: float
    method: str
    iterations: int
    converged: bool

    @property
    def estimate(self) -> pd.Series:
        return self.table["estimate"]

    @property
    def mse(self) -> pd.Series:
        return self.table["mse"]

    def interval(
        self, level: float = 0.90, bounds: tuple[float, float] | None = None
    ) -> pd.DataFrame:
        """Normal ``level`` intervals ``estimate -/+ z sqrt(mse)``, optionally clipped."""
        half = stats.norm.ppf(0.5 + level / 2) * self.table["se"]
        out = pd.DataFrame({"lower": self.estimate - half, "upper": self.estimate + half})
        return out.clip(*bounds) if bounds is not None else out

    def summary(self) -> str:
        t = self.table
        se = np.sqrt(np.diag(self.beta_cov.to_numpy()))
        zval = self.beta.to_numpy() / se
        rows = [
            f"{name:<24}{b:>11.5f}{s:>11.5f}{z:>9.3f}{2 * stats.norm.sf(abs(z)):>9.4f}"
            for name, b, s, z in zip(self.beta.index, self.beta, se, zval, strict=True)
        ]
        sampled = t[t["sampled"]]
        positive = sampled[sampled["direct"] > 0]
        cv_direct = (np.sqrt(positive["direct_var"]) / positive["direct"]).median()
        lines = [
            "Fay-Herriot EBLUP".center(64),
            "=" * 64,
            f"method {self.method}, {'converged' if self.converged else 'NOT converged'} in "
            f"{self.iterations} iterations; sigma2_v = {self.sigma2_v:.6g}",
            f"areas: {int(t['sampled'].sum())} with a direct estimate, "
            f"{int((~t['sampled']).sum())} predicted by the regression",
            f"median CV of sampled areas: direct {cv_direct:.3f}, EBLUP "
            f"{sampled['cv'].median():.3f}",
            "-" * 64,
            f"{'':<24}{'coef':>11}{'std err':>11}{'z':>9}{'P>|z|':>9}",
            *rows,
            "=" * 64,
        ]
        return "\n".join(lines)


def _aligned(values: pd.Series | np.ndarray, index: pd.Index, what: str) -> np.ndarray:
    if isinstance(values, pd.Series):
        extra = values.index.difference(index)
        if len(extra):
            raise SmallAreaError(f"{what} has area(s) absent from Z: {list(extra[:5])}")
        return values.reindex(index).to_numpy(dtype=float)
    values = np.asarray(values, dtype=float)
    if len(values) != len(index):
        raise SmallAreaError(f"{what} has {len(values)} values for {len(index)} areas in Z")
    return values


def fay_herriot(
    direct: pd.Series | np.ndarray,
    direct_var: pd.Series | np.ndarray,
    Z: pd.DataFrame,
    method: str = "REML",
    add_const: bool = True,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> FayHerriotResult:
    """Fit the Fay-Herriot model on areas with a direct estimate; predict every area of ``Z``.

    ``Z`` holds the area covariates (one row per area, sampled or not, e.g. census means and
    the synthetic CLRISK risk); a ``const`` column is added unless present or ``add_const`` is
    False. ``direct`` / ``direct_var`` are aligned on ``Z``'s index (Series) or its row order;
    NaN in ``direct`` marks an area without sample. Scoring stops when the relative change of
    ``sigma2_v`` is below ``tol`` (R sae uses 1e-4).
    """
    if method not in METHODS:
        raise SmallAreaError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    Z = Z.astype(float)
    if add_const and "const" not in Z:
        Z = pd.concat([pd.Series(1.0, index=Z.index, name="const"), Z], axis=1)
    if Z.isna().any().any():
        raise SmallAreaError(f"Z has missing values in column(s) {list(Z.columns[Z.isna().any()])}")
    y = _aligned(direct, Z.index, "direct")
    psi = _aligned(direct_var, Z.index, "direct_var")
    sampled = ~np.isnan(y)
    bad = sampled & ~(np.isfinite(psi) & (psi > 0))
    if bad.any():
        raise SmallAreaError(
            f"direct_var must be positive where there is a direct estimate: "
            f"{int(bad.sum())} area(s) are not, e.g. {list(Z.index[bad][:5])}; "
            f"smooth the variances (gvf_variance)"
        )
    X_all = Z.to_numpy()
    X, ys, ps = X_all[sampled], y[sampled], psi[sampled]
    if sampled.sum() <= X.shape[1] or np.linalg.matrix_rank(X) < X.shape[1]:
        raise SmallAreaError(
            f"{int(sampled.sum())} sampled areas cannot identify the "
            f"{X.shape[1]} coefficients of Z {list(Z.columns)}"
        )
    sigma2_v, iterations, converged = fit_variance(ys, X, ps, method, max_iter, tol)
    inv_v, Q, beta, _ = gls(sigma2_v, ys, X, ps)
    synthetic = X_all @ beta
    leverage = np.einsum("ij,jk,ik->i", X_all, Q, X_all)  # z' Q z for every area
    gamma = np.where(sampled, sigma2_v / (sigma2_v + np.where(sampled, psi, 1.0)), 0.0)
    estimate = np.where(sampled, gamma * np.nan_to_num(y) + (1 - gamma) * synthetic, synthetic)
    var_sigma = 2.0 / (inv_v**2).sum()
    v_all = sigma2_v + np.where(sampled, psi, 0.0)
    g1 = gamma * np.where(sampled, psi, 0.0)
    g2 = (1 - gamma) ** 2 * leverage
    g3 = np.where(sampled, (1 - gamma) ** 2 * var_sigma / np.where(sampled, v_all, 1.0), 0.0)
    mse = g1 + g2 + 2 * g3
    if method == "ML":  # Datta-Lahiri bias correction of the ML variance estimate
        b_ml = -np.trace(Q @ ((X * (inv_v**2)[:, None]).T @ X)) / (inv_v**2).sum()
        mse = mse - np.where(sampled, b_ml * (1 - gamma) ** 2, 0.0)
    mse = np.where(sampled, mse, sigma2_v + leverage)
    se = np.sqrt(mse)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(estimate != 0, se / np.abs(estimate), np.nan)
    table = pd.DataFrame(
        {
            "direct": y,
            "direct_var": psi,
            "sampled": sampled,
            "synthetic": synthetic,
            "gamma": gamma,
            "estimate": estimate,
            "mse": mse,
            "se": se,
            "cv": cv,
        },
        index=Z.index,
    )
    names = list(Z.columns)
    return FayHerriotResult(
        table,
        pd.Series(beta, index=names, name="coef"),
        pd.DataFrame(Q, index=names, columns=names),
        float(sigma2_v),
        method,
        iterations,
        converged,
    )


def gvf_variance(p_model: pd.Series, n: pd.Series, deff: float) -> pd.Series:
    """Smoothed sampling variances ``deff * p (1 - p) / n`` (a generalised variance function).

    ``p_model`` is a model-based proportion per area (e.g. the synthetic risk), ``n`` the
    unweighted sample size (NaN where 0) and ``deff`` a design effect estimated where the
    design has many PSUs (:func:`~target87.risk.direct.design_effect` over regions or strata):
    territory-level Taylor variances from two or three PSUs are far too unstable, and biased
    low, to be used as ``psi`` directly.
    """
    if not deff > 0:
        raise SmallAreaError(f"deff must be positive, got {deff}")
    bad = p_model.index[~((p_model > 0) & (p_model < 1)).to_numpy()]
    if len(bad):
        raise SmallAreaError(f"p_model must lie strictly between 0 and 1: areas {list(bad[:5])}")
    return deff * p_model * (1 - p_model) / n.where(n > 0)
