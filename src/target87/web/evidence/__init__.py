"""The evidence section: the evidence base to browse by facets, each study, and the analysis
of a chosen subset (pooled effect, heterogeneity, forest and funnel plots, bias tests) with
its downloads (CSV, JSON, an R script for metafor)."""

from target87.web.evidence.pages import router

__all__ = ["router"]
