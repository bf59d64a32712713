"""Pydantic response models of the REST API (they document /openapi.json)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    """Every error the API answers with: a message, and the value at fault when there is one."""

    detail: str
    value: str | None = None
    suggestions: list[str] = Field(default_factory=list)


class Names(BaseModel):
    en: str
    fr: str | None = None
    es: str | None = None


class Regions(BaseModel):
    m49_region: str | None = None
    m49_subregion: str | None = None
    m49_intermediate_region: str | None = None
    ilo_region: str | None = None
    wb_region: str | None = None


class AreaOut(BaseModel):
    code: str
    kind: str = Field(description="country, region or world")
    grouping: str | None = Field(None, description="M49, ILO or WB_INCOME for a region")
    iso3: str | None = None
    iso2: str | None = None
    m49: str | None = None
    names: Names
    regions: Regions
    income_group: str | None = None
    un_member: bool | None = None
    pathfinder: bool
    pathfinder_year: int | None = None
    sources: list[str] = Field(description="ids of the sources of this area's attributes")


class SeriesOut(BaseModel):
    code: str
    sdg_indicator: str | None = None
    names: Names
    unit: str
    unit_mult: int
    direction: str
    target_value: float | None = None
    target_year: int | None = None
    definition: str | None = None
    standard: str | None = None
    topic: str | None = None


class SourceOut(BaseModel):
    id: str
    publisher: str
    title: str
    edition: str | None = None
    year: int | None = None
    url: str | None = None
    licence: str
    retrieved: str | None = None
    citation: str


class SourceRef(BaseModel):
    """How to cite a source used by a page of observations."""

    id: str
    publisher: str
    title: str
    citation: str
    licence: str
    url: str | None = None


class ObservationOut(BaseModel):
    series: str
    ref_area: str
    time_period: str = Field(description='"2019", a window "2013/2021", or "unknown"')
    year_from: int | None = None
    year_to: int | None = None
    sex: str
    age: str
    urbanisation: str
    breakdown: str = Field(
        "_T",
        description="other breakdowns: DIM=CODE pairs joined by ';' "
        "(e.g. INCOME_WEALTH_QUANTILE=Q1), _T for none",
    )
    value: float | None = None
    lower_bound: float | None = None
    upper_bound: float | None = None
    unit: str
    unit_mult: int | None = None
    obs_status: str | None = None
    nature: str | None = None
    reporting_type: str | None = None
    footnote: str | None = None
    source_detail: str | None = Field(None, description="the producer's words on the source")
    source: str
    preferred: bool | None = Field(
        None, description="with all_sources=true: whether this source's value is preferred"
    )
    publisher: str | None = Field(None, description="with with_citations=true")
    citation: str | None = Field(None, description="with with_citations=true")


class ObservationPage(BaseModel):
    total: int = Field(description="observations matching the query, over all pages")
    limit: int
    offset: int
    next: str | None = Field(None, description="URL of the next page, null on the last")
    observations: list[ObservationOut]
    sources: list[SourceRef] = Field(description="the sources of this page's observations")


class PointOut(BaseModel):
    year: int
    value: float
    source: str


class CitationOut(BaseModel):
    id: str
    citation: str


class ProgressOut(BaseModel):
    series: str
    series_name: str
    area: str
    sex: str
    age: str
    unit: str
    unit_mult: int
    kind: str = Field(description="rate or count")
    target_value: float | None = None
    target_year: int | None = None
    points: list[PointOut]
    rates: list[dict[str, Any]] = Field(description="one record per period (missing as null)")
    projections: dict[str, dict[str, Any]] = Field(description="by method: log-linear, linear")
    acceleration: dict[str, Any] | None = None
    status: dict[str, Any] | None = Field(None, description="UN progress status (category...)")
    notes: list[str]
    citations: list[CitationOut]


class EvidenceEffectOut(BaseModel):
    effect_id: str
    intervention: str
    outcome: str
    measure: str
    yi: float | None = Field(None, description="the estimate as given (log scale for RR, OR)")
    vi: float | None = Field(None, description="its variance (given, or sei squared)")
    age_band: str | None = None
    sex: str


class EvidenceStudyOut(BaseModel):
    id: str
    citation: str
    doi: str | None = None
    url: str | None = None
    year: int
    countries: list[str]
    design: str
    quality: str | None = None
    worked_example: bool = Field(description="a classic data set shown as a method example")
    effects: list[EvidenceEffectOut]


class EvidenceStudyPage(BaseModel):
    total: int = Field(description="studies matching the filters, over all pages")
    limit: int
    offset: int
    studies: list[EvidenceStudyOut]
    facets: dict[str, dict[str, int]] = Field(
        description="for each facet, its values with the number of studies that would match"
    )
