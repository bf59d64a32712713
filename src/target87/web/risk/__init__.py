"""The published CLRISK runs: their list, each run's map, ranking and territory table, and
their downloads."""

from target87.web.risk.pages import router

__all__ = ["router"]
