"""The one error the evidence room raises: :class:`EvidenceError`."""

from __future__ import annotations


class EvidenceError(ValueError):
    """Input or model problem in a meta-analysis, with a message saying what and where.

    A subclass of :class:`ValueError`, so callers that already catch ``ValueError`` keep
    working. The message names the study (row, counted from 0) or the setting at fault.
    """
