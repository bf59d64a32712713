"""The survey-weighted binary model of CLRISK: weighted ML point estimates, design-based SEs.

Point estimates maximise the weighted log-likelihood ``sum_i w_i l_i(beta)`` by iteratively
reweighted least squares (Fisher scoring; Newton-Raphson for the logit), the same estimates as
``statsmodels`` ``GLM(y, X, Binomial(link), freq_weights=w)`` or R ``svyglm``. The covariance
is the Taylor-linearised sandwich of :mod:`target87.risk.design` with bread = the weighted
expected information and scores ``w_i (y_i - mu_i) mu'_i / (mu_i (1 - mu_i)) x_i`` (as R
``survey::svyglm`` and ``svy``). Tests and intervals use Student t on ``df_resid = (PSUs -
strata) - (k - 1)`` degrees of freedom, as svyglm does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import special, stats

from target87.risk.config import LINKS, OUTCOME, PSU, STRATUM, WEIGHT, RunConfig
from target87.risk.design import design_index, taylor_covariance
from target87.risk.errors import RiskError
from target87.risk.fitstats import FitStatistics, fit_statistics
from target87.risk.microdata import categorical_levels, model_matrix

_EPS = 1e-12  # keeps probabilities off 0 and 1 where a probit tail underflows


class RiskModelError(RiskError):
    """The model cannot be fitted as asked; the message says why and what to change."""


def inverse_link(eta: np.ndarray, link: str) -> tuple[np.ndarray, np.ndarray]:
    """``(mu, dmu/deta)`` for the logit or probit link."""
    if link == "logit":
        mu = special.expit(eta)
        return mu, mu * (1 - mu)
    return np.clip(special.ndtr(eta), _EPS, 1 - _EPS), stats.norm.pdf(eta)


def _collinear_columns(X: np.ndarray, names: list[str]) -> list[str]:
    """Columns that add nothing to the rank of the ones before them."""
    if np.linalg.matrix_rank(X) == X.shape[1]:
        return []
    dropped, rank = [], 0
    for j in range(X.shape[1]):
        new_rank = np.linalg.matrix_rank(X[:, : j + 1])
        if new_rank == rank:
            dropped.append(names[j])
        rank = new_rank
    return dropped


def irls(
    y: np.ndarray,
    X: np.ndarray,
    w: np.ndarray,
    link: str = "logit",
    tol: float = 1e-12,
    max_iter: int = 100,
) -> tuple[np.ndarray, int]:
    """Weighted maximum likelihood by IRLS; returns ``(beta, iterations)``."""
    mu = (y + 0.5) / 2  # the usual binomial start (as R glm and statsmodels)
    eta = special.logit(mu) if link == "logit" else special.ndtri(mu)
    beta = np.zeros(X.shape[1])
    for iteration in range(1, max_iter + 1):
        mu, dmu = inverse_link(eta, link)
        with np.errstate(all="ignore"):  # saturated probabilities mean separation: stop below
            working_w = w * dmu**2 / (mu * (1 - mu))
            z = eta + (y - mu) / dmu
        if not (np.all(np.isfinite(working_w)) and np.all(np.isfinite(z))):
            break
        root = np.sqrt(working_w)
        new_beta = np.linalg.lstsq(X * root[:, None], z * root, rcond=None)[0]
        step = np.max(np.abs(new_beta - beta))
        beta, eta = new_beta, X @ new_beta
        if step <= tol * (1 + np.max(np.abs(beta))):
            return beta, iteration
    raise RiskModelError(
        f"the {link} model did not converge in {max_iter} iterations; this usually means "
        f"(quasi-)complete separation: a covariate or level predicts the outcome perfectly "
        f"(largest |coefficient| {np.max(np.abs(beta)):.3g}). Merge sparse levels or drop it."
    )


@dataclass(frozen=True)
class RiskModel:
    params: pd.Series
    cov: pd.DataFrame
    link: str
    df_design: int
    df_resid: int
    n: int
    weighted_n: float
    n_strata: int
    n_psu: int
    fit: FitStatistics
    iterations: int
    singleton: str = "fail"
    levels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def bse(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.cov)), index=self.params.index, name="std_err")

    @property
    def tvalues(self) -> pd.Series:
        return (self.params / self.bse).rename("t")

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(
            2 * stats.t.sf(np.abs(self.tvalues), self.df_resid),
            index=self.params.index,
            name="p_value",
        )

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        q = stats.t.ppf(1 - alpha / 2, self.df_resid)
        return pd.DataFrame(
            {"lower": self.params - q * self.bse, "upper": self.params + q * self.bse}
        )

    def to_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per term: coef, std_err, t, p_value, lower, upper (and odds ratios)."""
        frame = pd.concat(
            [
                self.params.rename("coef"),
                self.bse,
                self.tvalues,
                self.pvalues,
                self.conf_int(alpha),
            ],
            axis=1,
        )
        if self.link == "logit":
            frame = frame.join(self.odds_ratios(alpha))
        frame.index.name = "term"
        return frame

    def odds_ratios(self, alpha: float = 0.05) -> pd.DataFrame:
        """``exp(coef)`` with its interval (logit only: probit coefficients are not log odds)."""
        if self.link != "logit":
            raise RiskModelError("odds ratios need the logit link; this model is probit")
        ci = self.conf_int(alpha)
        return pd.DataFrame(
            {
                "odds_ratio": np.exp(self.params),
                "or_lower": np.exp(ci["lower"]),
                "or_upper": np.exp(ci["upper"]),
            }
        )

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Predicted probabilities; a frame is matched to the coefficients by column name."""
        if isinstance(X, pd.DataFrame):
            missing = [c for c in self.params.index if c not in X.columns]
            if missing:
                raise RiskModelError(f"predict: column(s) {', '.join(missing)} are missing")
            X = X[list(self.params.index)].to_numpy(dtype=float)
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != len(self.params):
            raise RiskModelError(f"predict: X needs {len(self.params)} columns, got {X.shape}")
        return inverse_link(X @ self.params.to_numpy(), self.link)[0]

    def summary(self, alpha: float = 0.05) -> str:
        """A statsmodels-like text table with design SEs, odds ratios and the fit statistics."""
        fit, gof = self.fit, self.fit.gof
        head = [
            ("Link", self.link),
            ("Observations", f"{self.n:,}"),
            ("Weighted N", f"{self.weighted_n:,.1f}"),
            ("Strata / PSUs", f"{self.n_strata} / {self.n_psu}"),
            ("Design df", f"{self.df_design} (t on {self.df_resid})"),
            ("Pseudo R2 (McFadden)", f"{fit.pseudo_r2:.4f}"),
            ("AUC", f"{fit.auc:.4f}"),
            ("Cut-off (prevalence)", f"{fit.cutoff:.4f}"),
            ("Sensitivity", f"{fit.sensitivity:.4f}"),
            ("Specificity", f"{fit.specificity:.4f}"),
            ("Correctly classified", f"{fit.pct_correct:.2f}%"),
            (
                "Archer-Lemeshow F",
                gof.note
                or (
                    f"{gof.f_stat:.4f} on ({gof.df_num}, {gof.df_den}) df, p = {gof.p_value:.4f}"
                    f" ({gof.groups} risk groups: deciles merged until each expects 10 events"
                    " and 10 non-events)"
                ),
            ),
        ]
        rows = self.to_frame(alpha)
        lo, hi = f"[{alpha / 2:g}", f"{1 - alpha / 2:g}]"
        cols = ["coef", "std_err", "t", "p_value", "lower", "upper"]
        labels = ["coef", "std err", "t", "P>|t|", lo, hi]
        if self.link == "logit":
            cols.append("odds_ratio")
            labels.append("odds ratio")
        width = max(12, *(len(t) for t in rows.index))
        line_len = width + 11 * len(cols)
        out = [
            "Survey-weighted binary model (design-based standard errors)".center(line_len),
            "=" * line_len,
        ]
        out += [f"{k + ':':<24}{v}" for k, v in head]
        out += [
            "-" * line_len,
            f"{'':<{width}}" + "".join(f"{lab:>11}" for lab in labels),
            "-" * line_len,
        ]
        for term, row in rows.iterrows():
            out.append(f"{term:<{width}}" + "".join(f"{row[c]:>11.4f}" for c in cols))
        out.append("=" * line_len)
        out += [f"Note: {note}" for note in self.notes]
        return "\n".join(out)


def fit_risk_model(
    y: np.ndarray | pd.Series,
    X: pd.DataFrame | np.ndarray,
    weight: np.ndarray | pd.Series,
    stratum: np.ndarray | pd.Series | None = None,
    psu: np.ndarray | pd.Series | None = None,
    link: str = "logit",
    singleton: str = "fail",
    gof_groups: int = 10,
) -> RiskModel:
    """Fit the weighted logit (or probit) model with design-based covariance."""
    if link not in LINKS:
        raise RiskModelError(f"link must be one of {', '.join(LINKS)}, got {link!r}")
    names = (
        list(map(str, X.columns))
        if isinstance(X, pd.DataFrame)
        else [f"x{j}" for j in range(np.shape(X)[1])]
    )
    X = np.asarray(X, dtype=float)
    y, w = np.asarray(y, dtype=float), np.asarray(weight, dtype=float)
    if not (len(y) == len(w) == X.shape[0]):
        raise RiskModelError(
            f"y ({len(y)}), X ({X.shape[0]}) and weight ({len(w)}) differ in length"
        )
    if not np.isin(y, (0.0, 1.0)).all():
        raise RiskModelError("y must be 0 or 1 for every observation")
    if not np.all(np.isfinite(X)) or not np.all(w > 0):
        raise RiskModelError("X must be finite and every weight positive")
    if len(np.unique(y)) < 2:
        raise RiskModelError("y takes one value only: nothing to model")
    collinear = _collinear_columns(X, names)
    if collinear:
        raise RiskModelError(
            f"column(s) {', '.join(collinear)} are linear combinations of "
            f"earlier columns (a level nobody has, or two covariates carrying "
            f"the same information): drop or merge them"
        )
    index = design_index(
        None if stratum is None else np.asarray(stratum),
        None if psu is None else np.asarray(psu),
        len(y),
    )
    beta, iterations = irls(y, X, w, link)
    mu, dmu = inverse_link(X @ beta, link)
    variance = mu * (1 - mu)
    information = (X * (w * dmu**2 / variance)[:, None]).T @ X
    scores = X * (w * (y - mu) * dmu / variance)[:, None]
    cov = taylor_covariance(scores, np.linalg.inv(information), index, singleton)
    notes = []
    if np.any((mu < 1e-8) | (mu > 1 - 1e-8)):
        notes.append("some fitted probabilities are 0 or 1: possible quasi-separation")
    if index.n_psu == len(y) and stratum is None:
        notes.append("no strata or PSUs given: each observation is its own PSU")
    return RiskModel(
        params=pd.Series(beta, index=names, name="coef"),
        cov=pd.DataFrame(cov, index=names, columns=names),
        link=link,
        df_design=index.df,
        df_resid=max(1, index.df - (len(names) - 1)),
        n=len(y),
        weighted_n=float(w.sum()),
        n_strata=index.n_strata,
        n_psu=index.n_psu,
        fit=fit_statistics(y, mu, w, index, gof_groups, singleton),
        iterations=iterations,
        singleton=singleton,
        notes=tuple(notes),
    )


def fit_from_config(survey: pd.DataFrame, config: RunConfig) -> RiskModel:
    """Fit the model a run configuration describes on a prepared survey frame."""
    levels = categorical_levels(survey, config)
    X = model_matrix(survey, config, levels)
    model = fit_risk_model(
        survey[OUTCOME],
        X,
        survey[WEIGHT],
        survey[STRATUM],
        survey[PSU],
        link=config.model.link,
        singleton=config.model.singleton,
    )
    return replace(model, levels=levels)
