"""What the evidence base says about one intervention type: for each outcome and effect
measure its effects are reported on, the pooled effect (random effects, REML by default)
with its confidence interval, as the analysis page computes it (:func:`query.analysis_table`
then :func:`analysis.meta_analysis` on ``yi``/``vi``). A roadmap action linked to the type
shows these lines (``web/reporting/roadmap.py``); worked examples never count.

Effects are pooled per (outcome, measure): a risk difference in the probability of work and a
change in hours are not one quantity, so they are not averaged together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from target87.evidence import query
from target87.evidence.analysis import meta_analysis
from target87.evidence.errors import EvidenceError


@dataclass
class PooledLine:
    """One outcome and measure: ``k`` effects from ``studies`` studies and, when ``k >= 2``,
    the pooled estimate ``beta`` with ``ci_lb``/``ci_ub``, ``pval``, ``tau2`` and ``I2``;
    otherwise (or when the model cannot be fitted) ``problem`` says why in English."""

    outcome: str
    measure: str
    k: int
    studies: int
    beta: float | None = None
    ci_lb: float | None = None
    ci_ub: float | None = None
    pval: float | None = None
    tau2: float | None = None
    I2: float | None = None  # noqa: N815 (metafor's name)
    problem: str = ""
    filters: query.Filters = field(default_factory=query.Filters)

    @property
    def pooled(self) -> bool:
        return self.beta is not None


def pooled_evidence(
    session: Session, intervention: str, method: str = "REML", level: float = 95
) -> list[PooledLine]:
    """The pooled effect of ``intervention`` (a taxonomy code) per outcome and measure, most
    effects first; an empty list when the evidence base holds no effect for it. An unknown
    code raises :class:`query.FilterError`."""
    method, test, level = query.check_settings(method, "z", level)
    base = query.Filters.of(intervention=intervention)
    listed = query.list_studies(session, base)
    pairs = sorted(
        {
            (e.outcome, e.measure)
            for s in listed.studies
            for e in s.effects
            if e.intervention == intervention
        }
    )
    lines = []
    for outcome, measure in pairs:
        filters = query.Filters.of(intervention=intervention, outcome=outcome, measure=measure)
        table = query.analysis_table(session, filters)
        line = PooledLine(
            outcome, measure, len(table), table["study_id"].nunique(), filters=filters
        )
        if line.k < 2:
            line.problem = "one effect: nothing to pool"
        else:
            try:
                fit = meta_analysis(
                    table,
                    measure="GEN",
                    columns={"yi": "yi", "vi": "vi"},
                    method=method,
                    test=test,
                    level=level,
                ).fit
            except EvidenceError as exc:
                line.problem = str(exc)
            else:
                line.beta, line.pval = float(fit.beta[0]), float(fit.pval[0])
                line.ci_lb, line.ci_ub = float(fit.ci_lb[0]), float(fit.ci_ub[0])
                line.tau2, line.I2 = float(fit.tau2), fit.I2
        lines.append(line)
    lines.sort(key=lambda x: (-x.k, x.outcome, x.measure))
    return lines
