"""The REST API under ``/api/v1``: areas, series, sources, observations and progress.

Read-only, JSON by default; observations also as CSV (our columns, formula text neutralised)
and SDMX-CSV (the SDG DSD). Every download says where its values come from: the ``source``
column (SDMX ``SOURCE_DETAIL``) on each row, an ``X-Sources`` header listing the source ids,
``with_citations=true`` adding ``publisher`` and ``citation`` columns to CSV, and the JSON
``sources`` list; ``/api/v1/sources`` has the full references. Caching, ETags and error
handling live in ``target87.web.api.http``; ``create_api_app`` builds an app with only this
router (the web app mounts it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from target87 import store
from target87.evidence import query as evidence_query
from target87.interop.table import records
from target87.progress.data import NoData
from target87.progress.report import progress_report
from target87.store.breakdown import BreakdownError, canonical
from target87.web.api import supply
from target87.web.api.formats import (
    CSV_TYPE,
    SDMX_CSV_TYPE,
    area_out,
    csv_body,
    negotiate,
    sdmx_csv_body,
    series_out,
)
from target87.web.api.http import ApiError, CachedRoute, install, json_safe
from target87.web.api.models import (
    AreaOut,
    CitationOut,
    ErrorBody,
    EvidenceEffectOut,
    EvidenceStudyOut,
    EvidenceStudyPage,
    ObservationOut,
    ObservationPage,
    PointOut,
    ProgressOut,
    SeriesOut,
    SourceOut,
    SourceRef,
)

MAX_LIMIT = 10_000
NOT_FOUND = {404: {"model": ErrorBody, "description": "Unknown code"}}

router = APIRouter(prefix="/api/v1", route_class=CachedRoute, tags=["api v1"])


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


# --- areas, series, sources ------------------------------------------------------------


@router.get("/areas", response_model=list[AreaOut], summary="Countries and aggregates")
def list_areas(
    session: SessionDep,
    kind: Annotated[
        Literal["country", "region", "world"] | None, Query(description="kind of area")
    ] = None,
    grouping: Annotated[
        Literal["M49", "ILO", "WB_INCOME"] | None, Query(description="grouping of a region")
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=100, description="part of a name in English, French or Spanish"),
    ] = None,
    pathfinder: Annotated[bool | None, Query(description="Alliance 8.7 pathfinder or not")] = None,
):
    stmt = select(store.Area).order_by(store.Area.code)
    if kind:
        stmt = stmt.where(store.Area.kind == kind)
    if grouping:
        stmt = stmt.where(store.Area.grouping == grouping)
    if q:
        text = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        names = (store.Area.name_en, store.Area.name_fr, store.Area.name_es)
        stmt = stmt.where(or_(*(n.ilike(f"%{text}%", escape="\\") for n in names)))
    if pathfinder is not None:
        stmt = stmt.where(store.Area.pathfinder.is_(pathfinder))
    return [area_out(a) for a in session.execute(stmt).scalars()]


@router.get("/areas/{code}", response_model=AreaOut, responses=NOT_FOUND, summary="One area")
def get_area(code: str, session: SessionDep):
    try:
        return area_out(store.resolve_area(session, code))
    except store.UnknownArea as exc:
        raise ApiError(404, str(exc), value=code, suggestions=exc.suggestions) from None


@router.get("/series", response_model=list[SeriesOut], summary="Indicator series")
def list_series(session: SessionDep):
    rows = session.execute(select(store.Series).order_by(store.Series.code)).scalars()
    return [series_out(s) for s in rows]


@router.get("/series/{code}", response_model=SeriesOut, responses=NOT_FOUND, summary="One series")
def get_series(code: str, session: SessionDep):
    try:
        return series_out(store.resolve_series(session, code))
    except store.UnknownSeries as exc:
        raise ApiError(404, str(exc), value=code, suggestions=exc.suggestions) from None


@router.get("/sources", response_model=list[SourceOut], summary="Sources and their citations")
def list_sources(session: SessionDep):
    return [
        SourceOut(
            id=s.id,
            publisher=s.publisher,
            title=s.title,
            edition=s.edition,
            year=s.year,
            url=s.url,
            licence=s.licence,
            retrieved=s.retrieved,
            citation=s.citation,
        )
        for s in store.sources(session)
    ]


# --- observations ----------------------------------------------------------------------

OBSERVATION_RESPONSES = {
    200: {
        "description": "A page of observations as JSON, CSV or SDMX-CSV",
        "content": {"text/csv": {}, "application/vnd.sdmx.data+csv": {}},
    },
    400: {"model": ErrorBody, "description": "Unknown series or area"},
}


def _breakdowns(given: list[str] | None) -> list[str] | None:
    """Breakdowns as asked, in canonical order; a malformed one is a 400 saying why."""
    if not given:
        return None
    out = []
    for text in given:
        try:
            out.append(canonical(text))
        except BreakdownError as exc:
            raise ApiError(400, f"breakdown: {exc}", value=text) from None
    return out


def _area_codes(session: Session, tokens: list[str], members: bool) -> list[str]:
    codes: list[str] = []
    for token in tokens:
        try:
            area = store.resolve_area(session, token)
        except store.UnknownArea as exc:
            raise ApiError(400, str(exc), value=token, suggestions=exc.suggestions) from None
        if members and area.kind != "country":
            codes += store.region_members(session, area)
        else:
            codes.append(area.code)
    return list(dict.fromkeys(codes))


def _series_codes(session: Session, tokens: list[str]) -> list[str]:
    try:
        return store.resolve_series_codes(session, tokens)
    except store.UnknownSeries as exc:
        raise ApiError(400, str(exc), value=exc.token, suggestions=exc.suggestions) from None


@router.get(
    "/observations",
    response_model=ObservationPage,
    responses=OBSERVATION_RESPONSES,
    summary="Observations, filtered and paginated, as JSON, CSV or SDMX-CSV",
)
def list_observations(
    request: Request,
    session: SessionDep,
    series: Annotated[list[str] | None, Query(description="series code (repeatable)")] = None,
    area: Annotated[
        list[str] | None,
        Query(description="area code, ISO3/ISO2, M49 or name in EN/FR/ES (repeatable)"),
    ] = None,
    members: Annotated[
        bool, Query(description="an aggregate area stands for its member countries")
    ] = False,
    sex: Annotated[list[str] | None, Query(description="SDMX sex code: _T, F, M")] = None,
    age: Annotated[list[str] | None, Query(description="SDMX age code, e.g. Y5T17")] = None,
    breakdown: Annotated[
        list[str] | None,
        Query(
            description="other breakdown: DIM=CODE pairs joined by ';' "
            "(INCOME_WEALTH_QUANTILE=Q1), _T for none (repeatable)"
        ),
    ] = None,
    year_from: Annotated[int | None, Query(alias="from", ge=0, le=9999)] = None,
    year_to: Annotated[int | None, Query(alias="to", ge=0, le=9999)] = None,
    all_sources: Annotated[
        bool, Query(description="every source's value, with a preferred flag")
    ] = False,
    with_citations: Annotated[
        bool, Query(description="add publisher and citation to each row")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
    format: Annotated[
        Literal["json", "csv", "sdmx-csv"] | None,
        Query(description="overrides the Accept header (text/csv, application/vnd.sdmx.data+csv)"),
    ] = None,
) -> Response:
    """Preferred values by default (``all_sources=true`` for every source). A region code is
    not expanded to its countries unless ``members=true``. Periods overlapping [from, to] are
    included. SDMX-CSV leaves out rows it cannot carry (undated, no M49 code) and counts them in
    ``X-Left-Out``. ``Link: <...>; rel="next"`` and ``next`` point to the next page."""
    fmt = negotiate(format, request.headers.get("accept", ""))
    series = _series_codes(session, series or [])
    areas = _area_codes(session, area, members) if area else None
    frame = store.observations(
        session,
        series=series or None,
        areas=areas,
        sex=sex,
        age=age,
        breakdown=_breakdowns(breakdown),
        year_from=year_from,
        year_to=year_to,
        # Always every source, filtered here: store.observations fails on an empty selection
        # when it filters itself (pandas 3 reads an empty object mask as column labels).
        all_sources=True,
        with_sources=True,
    )
    if not all_sources:
        frame = frame[frame["preferred"].astype(bool)].drop(columns="preferred")
    total = len(frame)
    page = frame.iloc[offset : offset + limit]
    nxt = str(request.url.include_query_params(offset=offset + limit))
    nxt = nxt if offset + limit < total else None
    used = list(dict.fromkeys(page["source"]))
    headers = {"Vary": "Accept", "X-Total-Count": str(total), "X-Sources": ", ".join(used)}
    if nxt:
        headers["Link"] = f'<{nxt}>; rel="next"'
    if fmt == "csv":
        extra = (["preferred"] if all_sources else []) + (
            ["publisher", "citation"] if with_citations else []
        )
        headers["Content-Disposition"] = 'attachment; filename="observations.csv"'
        return Response(csv_body(page, extra), media_type=CSV_TYPE, headers=headers)
    if fmt == "sdmx-csv":
        body, left_out = sdmx_csv_body(page)
        headers["X-Left-Out"] = str(left_out)
        headers["Content-Disposition"] = 'attachment; filename="observations.sdmx.csv"'
        return Response(body, media_type=SDMX_CSV_TYPE, headers=headers)
    rows = records(page)
    extras = page[["preferred"] if all_sources else []].to_dict("records")
    cites = page[["publisher", "citation"]].to_dict("records") if with_citations else extras
    for row, more, cite in zip(rows, extras, cites, strict=True):
        row.update(json_safe(more) | (json_safe(cite) if with_citations else {}))
    sources = {s.id: s for s in store.sources(session)}
    result = ObservationPage(
        total=total,
        limit=limit,
        offset=offset,
        next=nxt,
        observations=[ObservationOut(**r) for r in rows],
        sources=[
            SourceRef(
                id=s.id,
                publisher=s.publisher,
                title=s.title,
                citation=s.citation,
                licence=s.licence,
                url=s.url,
            )
            for s in (sources[i] for i in used if i in sources)
        ],
    )
    return Response(
        result.model_dump_json(exclude_unset=True), media_type="application/json", headers=headers
    )


# --- progress --------------------------------------------------------------------------


@router.get(
    "/progress",
    response_model=ProgressOut,
    responses={404: {"model": ErrorBody, "description": "Unknown series or area, or no data"}},
    summary="Rates, projections, required acceleration and UN status of a series for an area",
)
def get_progress(
    session: SessionDep,
    series: Annotated[str, Query(description="series code, e.g. GE_CHLD_LAB_PT")],
    area: Annotated[str, Query(description="area code, ISO3/ISO2, M49 or name")],
    sex: Annotated[str, Query(description="SDMX sex code")] = "_T",
    age: Annotated[str | None, Query(description="age band (default 5-17 where held)")] = None,
    target_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
):
    try:
        code = store.resolve_series(session, series).code
        report = progress_report(session, code, area, sex=sex, age=age, target_year=target_year)
    except store.UnknownCode as exc:
        raise ApiError(404, str(exc), value=exc.token, suggestions=exc.suggestions) from None
    except NoData as exc:
        raise ApiError(404, str(exc), value=series) from None
    p = report.points
    rates = report.rates.to_dict("records") if not report.rates.empty else []
    return ProgressOut(
        series=p.series,
        series_name=report.series_name,
        area=p.area,
        sex=p.sex,
        age=p.age,
        unit=p.unit,
        unit_mult=p.unit_mult,
        kind=report.kind,
        target_value=report.target_value,
        target_year=report.target_year,
        points=[
            PointOut(year=int(y), value=float(v), source=p.sources[y]) for y, v in p.values.items()
        ],
        rates=json_safe(rates),
        projections={k: json_safe(v.to_dict()) for k, v in report.projections.items()},
        acceleration=json_safe(report.acceleration.to_dict()) if report.acceleration else None,
        status=json_safe(report.status.to_dict()) if report.status else None,
        notes=report.notes,
        citations=[CitationOut(id=k, citation=v) for k, v in report.citations.items()],
    )


# --- the evidence base ------------------------------------------------------------------

EvidenceList = Annotated[list[str] | None, Query(description="a code (repeatable)")]


def _evidence_filters(
    intervention: EvidenceList = None,
    outcome: EvidenceList = None,
    region: Annotated[str | None, Query(description="M49 or ILO region code")] = None,
    country: EvidenceList = None,
    design: EvidenceList = None,
    quality: EvidenceList = None,
    measure: Annotated[str | None, Query(description="effect measure: RD, RR, OR...")] = None,
    examples: Annotated[bool, Query(description="the worked examples instead")] = False,
) -> evidence_query.Filters:
    """The evidence filters of both evidence routes, as query parameters (a dependency)."""
    return evidence_query.Filters.of(
        intervention=intervention or (),
        outcome=outcome or (),
        region=region or "",
        country=country or (),
        design=design or (),
        quality=quality or (),
        measure=measure or "",
        examples=examples,
    )


EvidenceFilters = Annotated[evidence_query.Filters, Depends(_evidence_filters)]


def _evidence_error(exc: evidence_query.FilterError) -> ApiError:
    status = 400 if exc.reason in ("unknown", "mixed_measures") else 422
    return ApiError(status, str(exc), value=exc.value or None, suggestions=list(exc.choices))


@router.get(
    "/evidence/studies",
    response_model=EvidenceStudyPage,
    responses={400: {"model": ErrorBody, "description": "Unknown filter value"}},
    summary="Studies of the evidence base, filtered by facets, with facet counts",
)
def list_evidence_studies(
    session: SessionDep,
    filters: EvidenceFilters,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
):
    """Real studies unless ``examples=true`` (then only the worked examples)."""
    try:
        found = evidence_query.list_studies(session, filters, offset, limit)
    except evidence_query.FilterError as exc:
        raise _evidence_error(exc) from None
    studies = [
        EvidenceStudyOut(
            id=s.id,
            citation=s.citation,
            doi=s.doi,
            url=s.url,
            year=s.year,
            countries=s.country_codes,
            design=s.design,
            quality=s.quality,
            worked_example=s.worked_example,
            effects=[
                EvidenceEffectOut(
                    effect_id=e.effect_id,
                    intervention=e.intervention,
                    outcome=e.outcome,
                    measure=e.measure,
                    yi=e.yi,
                    vi=e.variance,
                    age_band=e.age_band,
                    sex=e.sex,
                )
                for e in s.effects
            ],
        )
        for s in found.studies
    ]
    facets = {k: {v.code: v.count for v in vs} for k, vs in found.facets.items()}
    return EvidenceStudyPage(
        total=found.total, limit=limit, offset=offset, studies=studies, facets=facets
    )


@router.get(
    "/evidence/analysis",
    responses={
        400: {"model": ErrorBody, "description": "Unknown filter or setting, mixed measures"},
        422: {"model": ErrorBody, "description": "Fewer than two effects match"},
    },
    summary="A meta-analysis of the matching effects, with metafor's names",
)
def get_evidence_analysis(
    session: SessionDep,
    filters: EvidenceFilters,
    method: Annotated[str, Query(description="REML, DL, PM, ML, EB, HS, SJ, HE or EE")] = "REML",
    test: Annotated[Literal["z", "knha"], Query()] = "z",
    level: Annotated[float, Query(gt=50, lt=100)] = 95,
) -> dict:
    """``rma``'s fields (``beta``, ``se``, ``ci_lb``, ``tau2``, ``I2``, ``H2``, ``QE``...), the
    subgroups by intervention, ``regtest``, ``ranktest``, ``trimfill`` and the citations: the
    page's ``analysis.json``."""
    try:
        found = evidence_query.analyse(session, filters, method, test, level)
    except evidence_query.FilterError as exc:
        raise _evidence_error(exc) from None
    return json_safe(found.to_dict())


# --- the app ---------------------------------------------------------------------------


def create_api_app(database_url: str | None = None) -> FastAPI:
    """An app serving only the API (docs at /api/v1/docs, schema at /api/v1/openapi.json)."""
    engine = store.make_engine(database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        engine.dispose()

    app = FastAPI(
        title="Target 8.7 data warehouse API",
        version="1",
        description="Child labour, forced labour, modern slavery and trafficking data for "
        "SDG Target 8.7, with the source of every value. Read-only.",
        debug=False,
        lifespan=lifespan,
        docs_url="/api/v1/docs",  # the same places as in the whole site (web.app)
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.engine = engine
    install(app)
    app.include_router(router)
    app.include_router(supply.router)
    return app
