"""Meta-analysis of intervention evidence, matching R's metafor.

The public surface: :func:`escalc` (effect sizes), :func:`rma` (equal-, random- and
mixed-effects models with the tau^2 estimators DL, REML, ML, PM, EB, HS, HSk, HE, SJ and the
Knapp-Hartung test), :func:`rma_mh` and :func:`rma_peto` (Mantel-Haenszel and Peto),
:func:`subgroups`, :func:`confint_tau2` (Q-profile), the result :class:`MetaResult` and the
error :class:`EvidenceError`. Pure numpy/scipy: data in, numbers out.
"""

from .effects import EffectSizes, escalc, logit_to_lor, lpm_to_rd, t_to_partial_r
from .errors import EvidenceError
from .mh import rma_mh, rma_peto
from .qprofile import QProfileCI, confint_tau2, with_qprofile
from .results import MetaResult
from .rma import rma
from .subgroups import SubgroupResult, subgroups

__all__ = [
    "EffectSizes",
    "EvidenceError",
    "MetaResult",
    "QProfileCI",
    "SubgroupResult",
    "confint_tau2",
    "escalc",
    "logit_to_lor",
    "lpm_to_rd",
    "rma",
    "rma_mh",
    "rma_peto",
    "subgroups",
    "t_to_partial_r",
    "with_qprofile",
]
