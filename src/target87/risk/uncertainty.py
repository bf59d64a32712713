"""Territory risk with uncertainty: coefficient draws pushed through the census patterns.

beta^(m) ~ N(beta_hat, V) for m = 1..M (seeded). For every territory d the simulated mean risk
Risk_d^(m) = sum_j w_j F(x_j' beta^(m)) / sum_j w_j gives the standard error, the 90% interval
(5th and 95th percentiles), the coefficient of variation and, once classes are set, the
probability of the high class. A child's risk depends only on its covariate pattern, so the
link runs once per distinct pattern. The rows given may be the territory x pattern table
(``scoring.pattern_table``, collapsed on the census's own backend) or, for a census that fits
in memory, the records themselves. Small-integer covariates take the fast kernel
(``scoring_kernel``: mixed-radix patterns, a CSR matrix straight from the rows, draws in
cache-sized blocks on threads); other covariates, or ``fast=False``, the straightforward path
(a pandas group-by for the patterns, a (patterns x draws) matrix in row chunks). Both give
the same numbers (tests/risk/test_scoring_kernel.py).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse
from scipy.special import expit, ndtr

from target87.risk.classify import Classification
from target87.risk.scoring import (
    INTERCEPT,
    PATTERN_WEIGHT,
    ScoringError,
    check_model,
    covariate_names,
    pattern_table,
)
from target87.risk.scoring_kernel import pattern_codes, territory_draw_sums, territory_matrix

DEFAULT_DRAWS = 200
MIN_DRAWS = 200
_CELLS_PER_CHUNK = 4_000_000  # doubles per (rows x draws) block: 32 MB


def inverse_link(eta: np.ndarray, link: str, out: np.ndarray | None = None) -> np.ndarray:
    if link == "logit":
        return expit(eta, out=out)
    if link == "probit":
        return ndtr(eta, out=out)
    raise ScoringError(f"link {link!r} is not one of logit, probit")


def link_density(eta: np.ndarray, link: str) -> np.ndarray:
    """dF/deta: the logistic or normal density."""
    if link == "logit":
        p = expit(eta)
        return p * (1.0 - p)
    if link == "probit":
        return np.exp(-0.5 * eta * eta) / np.sqrt(2.0 * np.pi)
    raise ScoringError(f"link {link!r} is not one of logit, probit")


def design_matrix(patterns: pd.DataFrame, params: pd.Series) -> np.ndarray:
    """Columns in the order of ``params``: ones for the intercept, the covariates otherwise."""
    missing = [name for name in covariate_names(params) if name not in patterns.columns]
    if missing:
        raise ScoringError(f"pattern table lacks the covariate column(s) {missing}")
    columns = [
        np.ones(len(patterns)) if name == INTERCEPT else patterns[name].to_numpy(dtype=float)
        for name in params.index
    ]
    return np.column_stack(columns) if columns else np.empty((len(patterns), 0))


def coefficient_draws(params: pd.Series, cov: pd.DataFrame, n_draws: int, seed: int) -> np.ndarray:
    """(n_draws x parameters) draws from N(params, cov), ``cov`` aligned on the params' names."""
    names = list(params.index)
    lacking = [n for n in names if n not in cov.index or n not in cov.columns]
    if lacking:
        raise ScoringError(f"covariance matrix lacks the parameter(s) {lacking}")
    v = cov.loc[names, names].to_numpy(dtype=float)
    if not np.all(np.isfinite(v)) or not np.allclose(v, v.T, rtol=1e-8, atol=1e-12):
        raise ScoringError("covariance matrix must be finite and symmetric")
    eigenvalues = np.linalg.eigvalsh(v)
    if eigenvalues.min() < -1e-8 * max(1.0, eigenvalues.max()):
        raise ScoringError(f"covariance matrix is not positive semi-definite ({eigenvalues.min()})")
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(params.to_numpy(dtype=float), v, size=n_draws, method="eigh")


def territory_weighted_sums(
    weights: sparse.csc_array,
    x: np.ndarray,
    betas: np.ndarray,
    link: str,
    chunk_rows: int | None = None,
    workers: int | None = None,
) -> np.ndarray:
    """(territories x draws) sums  W @ F(X B'):  W[d, u] is territory d's weight of pattern u.

    ``x`` holds each *distinct* covariate pattern once: the same pattern recurs in many
    territories, so the link function is evaluated far fewer times than there are
    territory x pattern cells. Row chunks bound memory; they run on threads (numpy and the
    sparse product release the GIL) and are added in chunk order, so the result does not
    depend on the number of workers.
    """
    n_patterns, n_cols = x.shape[0], betas.shape[0]
    size = chunk_rows or max(1, _CELLS_PER_CHUNK // max(n_cols, 1))

    def one_chunk(start: int) -> np.ndarray:
        stop = min(start + size, n_patterns)
        block = x[start:stop] @ betas.T
        inverse_link(block, link, out=block)
        return weights[:, start:stop] @ block

    totals = np.zeros((weights.shape[0], n_cols))
    with ThreadPoolExecutor(max_workers=workers or min(2, os.cpu_count() or 1)) as pool:
        for part in pool.map(one_chunk, range(0, n_patterns, size)):
            totals += part
    return totals


def _codes(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Dense codes 0..g-1 of the distinct rows of ``columns`` and those rows, sorted."""
    if not columns:
        return np.zeros(len(frame), dtype=np.int64), pd.DataFrame(index=range(1))
    groups = frame.groupby(columns, sort=True, dropna=False)
    return groups.ngroup().to_numpy(), groups.size().reset_index()[columns]


@dataclass(frozen=True)
class TerritoryRisk:
    """Per territory: children, risk, se, lo90, hi90, cv, expected, p_high (+ class, label).

    ``p_high`` stays NaN until :meth:`with_classes` sets the cut-points.
    """

    frame: pd.DataFrame
    draws: np.ndarray  # territories x draws of the simulated mean risk
    territory: tuple[str, ...]
    link: str
    seed: int
    classification: Classification | None = None

    @property
    def n_draws(self) -> int:
        return self.draws.shape[1]

    def national(self) -> pd.Series:
        """Child-weighted national risk with its simulated standard error and 90% interval."""
        children = self.frame["children"].to_numpy(dtype=float)
        ok = children > 0
        sims = children[ok] @ self.draws[ok] / children[ok].sum()
        point = float(self.frame["expected"].sum() / children[ok].sum())
        lo, hi = np.quantile(sims, [0.05, 0.95])
        return pd.Series(
            {
                "children": children.sum(),
                "risk": point,
                "se": sims.std(ddof=1),
                "lo90": lo,
                "hi90": hi,
            }
        )

    def with_classes(self, classification: Classification) -> TerritoryRisk:
        """Add ``class``/``label`` and P(high class) from the draws under the same cut-points.

        The high class is the top one (class k); P is the share of draws above its lower cut.

        ``classification`` must classify this frame's ``risk`` column, row for row.
        """
        same_rows = classification.values.index.equals(self.frame.index)
        if not same_rows or not np.allclose(
            classification.values, self.frame["risk"], rtol=0, atol=0, equal_nan=True
        ):
            raise ScoringError("the classification was not made on this table's risk column")
        top_floor = classification.cuts_per_value()[:, -1]
        frame = self.frame.copy()
        frame["class"] = classification.classes
        frame["label"] = classification.label
        frame["p_high"] = np.where(
            frame["risk"].isna(), np.nan, (self.draws > top_floor[:, None]).mean(axis=1)
        )
        return replace(self, frame=frame, classification=classification)

    def summary(self) -> str:
        nat = self.national()
        cv = self.frame["cv"]
        lines = [
            f"Territory risk ({self.link}, {self.n_draws} coefficient draws, seed {self.seed})",
            f"  territories: {len(self.frame)}    children: {nat['children']:,.0f}",
            f"  national risk: {nat['risk']:.2%} (90% interval {nat['lo90']:.2%} to "
            f"{nat['hi90']:.2%})",
            f"  territory risk: min {self.frame['risk'].min():.2%}, median "
            f"{self.frame['risk'].median():.2%}, max {self.frame['risk'].max():.2%}",
            # Precision bands as NSOs print them: CV < 15% reliable, 15-30% caution, > 30% not.
            f"  CV < 15%: {int((cv < 0.15).sum())}    15-30%: "
            f"{int(((cv >= 0.15) & (cv <= 0.30)).sum())}    > 30%: {int((cv > 0.30).sum())}",
        ]
        if self.classification is not None:
            lines.append("  " + self.classification.summary().replace("\n", "\n  "))
        top = self.frame.nlargest(5, "risk")
        names = top[list(self.territory)].astype(str).agg(" / ".join, axis=1)
        lines.append("  highest risk:")
        for name, risk, lo, hi in zip(names, top["risk"], top["lo90"], top["hi90"], strict=True):
            lines.append(f"    {name}: {risk:.2%} [{lo:.2%}, {hi:.2%}]")
        return "\n".join(lines)


Records = pd.DataFrame | pa.Table


def _column(records: Records, name: str) -> np.ndarray:
    if isinstance(records, pa.Table):
        return records.column(name).to_numpy()
    return records[name].to_numpy()


def _chunks(records: Records, name: str) -> list[np.ndarray]:
    """A column as its chunks (no copy of an Arrow table's record batches)."""
    if isinstance(records, pa.Table):
        return [chunk.to_numpy(zero_copy_only=False) for chunk in records.column(name).chunks]
    return [records[name].to_numpy()]


def _complete_records(records: Records, needed: list[str]) -> Records:
    """The records without a missing value in ``needed``, as ``pattern_table`` drops them."""
    if isinstance(records, pa.Table):
        valid = [pc.is_valid(records.column(n)) for n in needed if records.column(n).null_count]
        for extra in valid[1:]:
            valid[0] = pc.and_(valid[0], extra)
        return records.filter(valid[0]) if valid else records
    missing = records[needed].isna().any(axis=1) if needed else None
    return records if missing is None or not missing.any() else records.loc[~missing]


def _territory_codes(records: Records, territory: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Like ``_codes`` (sorted keys), by counting when the key is one column of integers."""
    if len(territory) == 1:
        values = _column(records, territory[0])
        n = len(values)
        integers = values.dtype.kind in "iu" and n > 0
        if integers and bool(np.all(values[1:] >= values[:-1])):  # the usual census layout
            first = np.flatnonzero(values[1:] != values[:-1]) + 1
            starts = np.concatenate([[0], first])
            sizes = np.diff(np.append(starts, n))
            place = np.repeat(np.arange(len(starts), dtype=np.int32), sizes)
            return place, pd.DataFrame({territory[0]: values[starts]})
        low, high = (int(values.min()), int(values.max())) if integers else (0, 0)
        if integers and high - low <= 4 * n and high < 2**31 and low >= -(2**31):
            shifted = values.astype(np.int32)
            if low:
                shifted -= np.int32(low)
            present = np.flatnonzero(np.bincount(shifted))
            rank = np.zeros(int(present[-1]) + 1, dtype=np.int32)
            rank[present] = np.arange(len(present), dtype=np.int32)
            keys = pd.DataFrame({territory[0]: (present + low).astype(values.dtype)})
            return rank[shifted], keys
    frame = records.select(territory).to_pandas() if isinstance(records, pa.Table) else records
    return _codes(frame, territory)


def _draw_betas(params: pd.Series, cov: pd.DataFrame, n_draws: int, seed: int) -> np.ndarray:
    """Row 0 the point estimates, rows 1..M the draws; columns in the order of ``params``."""
    return np.vstack([params.to_numpy(dtype=float), coefficient_draws(params, cov, n_draws, seed)])


def _fast_sums(
    records: Records, params: pd.Series, link: str, place: np.ndarray, n_places: int,
    w: np.ndarray | None, betas: np.ndarray,
) -> np.ndarray | None:  # fmt: skip
    """The kernel's territory sums, or None when the covariates are not small integers."""
    names = covariate_names(params)
    codes = pattern_codes([_chunks(records, name) for name in names], len(place))
    if codes is None:
        return None
    at = {name: i for i, name in enumerate(params.index)}
    intercept = betas[:, [at[INTERCEPT]]] if INTERCEPT in at else np.zeros((len(betas), 1))
    ordered = np.hstack([intercept, betas[:, [at[name] for name in names]]])
    matrix = territory_matrix(place, codes.pattern, w, (n_places, codes.n_patterns))
    return territory_draw_sums(
        matrix, codes, ordered, lambda eta, out: inverse_link(eta, link, out=out)
    )


def _plain_sums(
    records: Records, params: pd.Series, link: str, place: np.ndarray, n_places: int,
    w: np.ndarray, betas: np.ndarray, chunk_rows: int | None,
) -> np.ndarray:  # fmt: skip
    """The straightforward path: distinct patterns by a pandas group-by, W as CSC."""
    frame = records.to_pandas() if isinstance(records, pa.Table) else records
    pattern, distinct = _codes(frame, covariate_names(params))
    matrix = sparse.csc_array((w, (place, pattern)), shape=(n_places, len(distinct)))
    x = design_matrix(distinct, params)
    return territory_weighted_sums(matrix, x, betas, link, chunk_rows)


def simulate_territory_risk(
    patterns: Records,
    params: pd.Series,
    cov: pd.DataFrame,
    link: str,
    territory: list[str],
    n_draws: int = DEFAULT_DRAWS,
    seed: int = 0,
    weight: str | None = PATTERN_WEIGHT,
    chunk_rows: int | None = None,
    fast: bool = True,
) -> TerritoryRisk:
    """Territory risk and its simulated uncertainty from records with a weight each.

    ``patterns`` is a territory x pattern table (``scoring.pattern_table``, weight column
    ``pattern_weight``) or the census records themselves (``weight`` their weight column, or
    None to count records); records with a missing covariate or weight are left out, as the
    pattern table leaves them. Small-integer covariates take the fast kernel
    (``scoring_kernel``) unless ``fast`` is False or ``chunk_rows`` asks for the
    straightforward path in row chunks of that size; both give the same numbers.
    """
    check_model(params, link)
    if n_draws < MIN_DRAWS:
        raise ScoringError(f"use at least {MIN_DRAWS} draws for stable percentiles, not {n_draws}")
    territory = list(territory)
    names = [*covariate_names(params), *([weight] if weight else [])]
    columns = patterns.column_names if isinstance(patterns, pa.Table) else list(patterns.columns)
    lacking = [c for c in (*territory, *([weight] if weight else [])) if c not in columns]
    if lacking:
        raise ScoringError(f"pattern table lacks the column(s) {lacking}")
    missing = [name for name in covariate_names(params) if name not in columns]
    if missing:
        raise ScoringError(f"pattern table lacks the covariate column(s) {missing}")
    records = _complete_records(patterns, names)
    place, keys = _territory_codes(records, territory)
    w = _column(records, weight).astype(float) if weight else None
    if w is not None and np.any(~np.isfinite(w) | (w < 0)):
        raise ScoringError(f"pattern weights ({weight}) must be finite and non-negative")
    betas = _draw_betas(params, cov, n_draws, seed)
    sums = None
    if fast and chunk_rows is None:
        sums = _fast_sums(records, params, link, place, len(keys), w, betas)
    if sums is None:
        ones = np.ones(len(place)) if w is None else w
        sums = _plain_sums(records, params, link, place, len(keys), ones, betas, chunk_rows)
    children = np.bincount(place, weights=w, minlength=len(keys)).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / children[:, None]
        risk, draws = means[:, 0], means[:, 1:]
        lo, hi = np.quantile(draws, [0.05, 0.95], axis=1)
        se = draws.std(axis=1, ddof=1)
        frame = keys.assign(
            children=children,
            risk=risk,
            se=se,
            lo90=lo,
            hi90=hi,
            cv=np.where(risk > 0, se / risk, np.nan),
            expected=sums[:, 0],
            p_high=np.nan,
        )
    return TerritoryRisk(frame=frame, draws=draws, territory=tuple(territory), link=link, seed=seed)


def territory_risk(
    table: ir.Table,
    params: pd.Series,
    cov: pd.DataFrame,
    link: str,
    territory: list[str],
    weight: str | None = None,
    n_draws: int = DEFAULT_DRAWS,
    seed: int = 0,
) -> TerritoryRisk:
    """Collapse the census on its own backend (one Ibis expression), then simulate in numpy."""
    collapsed = pattern_table(table, covariate_names(params), territory, weight)
    patterns = collapsed.to_pandas()
    return simulate_territory_risk(patterns, params, cov, link, territory, n_draws, seed)
