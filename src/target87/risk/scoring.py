"""Census scoring as Ibis expressions: one expression per question, any Ibis backend.

The fitted model is given as plain data: ``params`` (a Series indexed by the census covariate
columns, plus ``"const"``) and ``link`` (``"logit"`` or ``"probit"``). Everything here only
*builds* expressions; DuckDB (the default) or PySpark runs them, so a census of hundreds of
millions of records never passes through Python.

Neither DuckDB nor Spark SQL offers ``erf``, so the probit link uses Hart's (1968) double
precision rational approximation of the normal CDF as published by West (2005, "Better
approximations to cumulative normal functions", Wilmott): absolute error below 1e-14, written
with ``abs``, ``exp`` and arithmetic only, which every Ibis backend has.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import pandas as pd

from target87.risk.config import LINKS
from target87.risk.errors import RiskError

INTERCEPT = "const"
PATTERN_WEIGHT = "pattern_weight"
SCORE_COLUMNS = ("children", "risk", "expected", "unscored_records")

# Hart (1968) algorithm 5666 coefficients, highest power first (West 2005, figure 2).
_HART_NUMERATOR = (
    0.0352624965998911,
    0.700383064443688,
    6.37396220353165,
    33.912866078383,
    112.079291497871,
    221.213596169931,
    220.206867912376,
)
_HART_DENOMINATOR = (
    0.0883883476483184,
    1.75566716318264,
    16.064177579207,
    86.7807322029461,
    296.564248779674,
    637.333633378831,
    793.826512519948,
    440.413735824752,
)
_HART_SWITCH = 7.07106781186547  # 10 / sqrt(2): beyond it the continued fraction is used
_SQRT_2PI = 2.506628274631
_TAIL_CLIP = 38.0  # Phi(-38) is ~3e-316: clipping keeps exp() away from underflow warnings


class ScoringError(RiskError):
    """The model and the census table do not fit together."""


def covariate_names(params: pd.Series) -> list[str]:
    """Census columns the model reads: every parameter except the intercept."""
    return [str(name) for name in params.index if name != INTERCEPT]


def check_model(params: pd.Series, link: str) -> None:
    if link not in LINKS:
        raise ScoringError(f"link {link!r} is not one of {', '.join(LINKS)}")
    if params.index.has_duplicates:
        dupes = sorted(set(params.index[params.index.duplicated()]))
        raise ScoringError(f"model parameters repeat the names {dupes}")
    values = pd.to_numeric(params, errors="coerce")
    bad = [str(name) for name, value in values.items() if not pd.notna(value)]
    if bad or not all(abs(float(v)) < float("inf") for v in values):
        raise ScoringError(f"model parameters are missing or not finite: {bad or list(params)}")


def check_columns(table: ir.Table, needed: Sequence[str], what: str = "census table") -> None:
    missing = [name for name in needed if name not in table.columns]
    if missing:
        raise ScoringError(f"{what} lacks the column(s) {missing}; it has {list(table.columns)}")


def linear_index(table: ir.Table, params: pd.Series) -> ir.FloatingValue:
    """x'beta for every record; covariates are cast to double (booleans and integers welcome)."""
    eta: ir.FloatingValue = ibis.literal(float(params.get(INTERCEPT, 0.0)), "float64")
    for name in covariate_names(params):
        eta = eta + table[name].cast("float64") * ibis.literal(float(params[name]), "float64")
    return eta


def logistic(eta: ir.FloatingValue) -> ir.FloatingValue:
    """1 / (1 + exp(-eta)) in a form whose exp() never overflows."""
    e = (-eta.abs()).exp()
    return ibis.ifelse(eta >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _horner(x: ir.FloatingValue, coefficients: Sequence[float]) -> ir.FloatingValue:
    acc: ir.FloatingValue = ibis.literal(coefficients[0], "float64")
    for c in coefficients[1:]:
        acc = acc * x + ibis.literal(c, "float64")
    return acc


def normal_cdf(x: ir.FloatingValue) -> ir.FloatingValue:
    """Standard normal CDF, Hart (1968) via West (2005); error < 1e-14 (tested vs scipy)."""
    a = x.abs().clip(upper=_TAIL_CLIP)
    e = (-(a * a) / 2.0).exp()
    central = e * _horner(a, _HART_NUMERATOR) / _horner(a, _HART_DENOMINATOR)
    fraction = a + 0.65
    for k in (4.0, 3.0, 2.0, 1.0):
        fraction = a + k / fraction
    tail = e / fraction / _SQRT_2PI
    lower = ibis.ifelse(a < _HART_SWITCH, central, tail)  # Phi(-|x|)
    return ibis.ifelse(x > 0, 1.0 - lower, lower)


def inverse_link_expr(eta: ir.FloatingValue, link: str) -> ir.FloatingValue:
    if link == "logit":
        return logistic(eta)
    if link == "probit":
        return normal_cdf(eta)
    raise ScoringError(f"link {link!r} is not one of {', '.join(LINKS)}")


def predicted_probability(table: ir.Table, params: pd.Series, link: str) -> ir.Table:
    """The census table with the record's linear index ``eta`` and probability ``p`` added.

    Two projections so the (long) linear index is written once and read by name afterwards.
    """
    check_model(params, link)
    check_columns(table, covariate_names(params))
    with_eta = table.mutate(eta=linear_index(table, params))
    return with_eta.mutate(p=inverse_link_expr(with_eta.eta, link))


def territory_scores(
    table: ir.Table,
    params: pd.Series,
    link: str,
    territory: list[str],
    weight: str | None = None,
) -> ir.Table:
    """One expression: per territory the children, mean risk and expected number in child labour.

    ``children`` is the sum of weights (or the record count), ``risk`` the weighted mean of the
    predicted probabilities and ``expected`` the sum of weight x probability. Records with a
    missing covariate or weight are not scored; they are counted in ``unscored_records`` so
    coverage stays visible. Rows come out sorted by territory.
    """
    territory = list(territory)
    reserved = (*SCORE_COLUMNS, "eta", "p")
    clash = [name for name in (*territory, weight) if name in reserved]
    if clash:
        raise ScoringError(f"territory/weight column name(s) {clash} are reserved for results")
    check_columns(table, [*territory, *([weight] if weight else [])])
    scored = predicted_probability(table, params, link)
    w = scored[weight].cast("float64") if weight else ibis.literal(1.0, "float64")
    ok = scored.p.notnull() & w.notnull()
    children = w.sum(where=ok) if weight else scored.count(where=ok)
    expected = (w * scored.p).sum(where=ok)
    per_territory = scored.group_by(territory).aggregate(
        children=children,
        expected=expected,
        unscored_records=scored.count(where=~ok),
    )
    return per_territory.select(
        *territory,
        "children",
        risk=per_territory.expected / per_territory.children.cast("float64"),
        expected=per_territory.expected,
        unscored_records=per_territory.unscored_records,
    ).order_by(territory)


def pattern_table(
    table: ir.Table,
    covariates: Sequence[str],
    territory: list[str],
    weight: str | None = None,
) -> ir.Table:
    """One expression collapsing the census to territory x covariate pattern -> summed weight.

    A child's predicted risk depends only on its covariate pattern, so everything downstream
    (simulation, counterfactuals) runs on this much smaller table. Records with a missing
    covariate or weight are dropped, exactly as ``territory_scores`` leaves them unscored.
    Rows come out in no particular order.
    """
    territory, covariates = list(territory), list(covariates)
    reserved = [n for n in (*territory, *covariates) if n == PATTERN_WEIGHT]
    if reserved:
        raise ScoringError(f"column name {PATTERN_WEIGHT!r} is reserved for the pattern weight")
    check_columns(table, [*territory, *covariates, *([weight] if weight else [])])
    complete = [table[name].notnull() for name in covariates]
    if weight:
        complete.append(table[weight].notnull())
    kept = table.filter(*complete) if complete else table
    w = kept[weight].cast("float64").sum() if weight else kept.count().cast("float64")
    # Group on the columns as stored (narrow integer keys hash fastest) and hand them over
    # as stored too: casting millions of pattern rows to float64 here doubled the peak
    # memory of a 10-million-child run; the numpy side converts (uncertainty.design_matrix).
    return kept.group_by([*territory, *covariates]).aggregate(**{PATTERN_WEIGHT: w})
