"""A country profile: the figures the warehouse holds for one country, each with its source.

Pure assembly over the store's query functions; the CLI and the web render it. Every text is
in the profile's language: names, definitions, standards, footnotes, goods and sectors,
progress labels and the licences of the citations (``target87.presentation``); codes
(``time_period``, ``age``, ``status``) and numbers stay as stored, beside their labels.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from target87.presentation import (
    age_label,
    citation_text,
    content_text,
    format_number,
    format_value,
    period_label,
)
from target87.presentation.messages import MESSAGES, label
from target87.profiles.detail import DetailLine, detail_lines
from target87.profiles.headlines import Headline, headlines, report_of, status_words
from target87.profiles.rooms import (
    ReportLine,
    RiskRunLine,
    ServiceLine,
    ShelfLine,
    StudyLine,
    directory,
    library_shelf,
    published_reports,
    risk_runs,
    studies_in,
)
from target87.store import models as M
from target87.store.lookup import resolve_area
from target87.store.query import observations

CHILD_LABOUR_SERIES = ("SL_TLF_CHLDEC", "SL_TLF_CHLDEA")
TRAFFICKING_SERIES = (
    "VC_HTF_DETV",
    "VC_HTF_DETVFL",
    "VC_HTF_DETVSX",
    "VC_HTF_DETVOP",
    "VC_HTF_DETVOG",
)
REGION_SERIES = (
    "GE_CHLD_LAB_PT",
    "GE_CHLD_LAB",
    "GE_FORC_LAB_RT",
    "GE_FORC_LAB",
    "GE_MOD_SLAV_RT",
    "GE_MOD_SLAV",
)
INSTRUMENT_ORDER = (
    "C138",
    "C182",
    "C029",
    "P029",
    "C105",
    "PALERMO",
    "CRC",
    "OP_CRC_SC",
    "OP_CRC_AC",
    "ICMW",
    "CEDAW",
)


@dataclass
class Figure:
    """One value as shown: enough to print it and cite it."""

    series: str
    series_name: str
    area: str
    area_name: str
    time_period: str
    sex: str
    age: str
    value: float
    unit: str
    unit_mult: int
    source: str
    footnote: str | None = None
    period_label: str = ""  # time_period in words, in the profile's language
    age_label: str = ""
    value_label: str = ""  # the value with its unit, in the profile's language


@dataclass
class ChildLabourLine:
    series: str
    series_name: str
    definition: str | None
    standard: str | None
    time_period: str
    age: str
    source: str
    total: float | None
    girls: float | None
    boys: float | None
    footnote: str | None
    period_label: str = ""  # time_period in words, in the profile's language
    age_label: str = ""


@dataclass
class RatificationLine:
    instrument: str
    name: str
    status: str
    date: str | None
    year: int | None
    minimum_age: int | None
    source: str
    status_label: str = ""  # status in the profile's language


@dataclass
class GoodLine:
    good: str
    sector: str | None
    child_labour: bool
    forced_labour: bool
    forced_child_labour: bool
    edition: int
    source: str
    good_en: str | None = None  # the good as the US DOL list names it


@dataclass
class ProgressLine:
    """Where a child labour series stands against the 2025 target (progress issue's status)."""

    series: str
    series_name: str
    category: str | None  # a progress.status category; None when it cannot be computed
    label: str | None  # the category in the profile's language
    base: str | None  # "2012: 10.5" ("2012: 10,5" in French and Spanish)
    latest: str | None
    actual_cagr_pct: float | None
    required_cagr_pct: float | None
    points: int  # dated values the status could use
    notes: list[str]
    sources: list[str]


@dataclass
class CountryProfile:
    code: str
    name: str
    m49: str | None
    region: str | None
    subregion: str | None
    ilo_region: str | None
    income_group: str | None
    pathfinder: bool
    pathfinder_year: int | None
    child_labour: list[ChildLabourLine] = field(default_factory=list)
    other_child_labour: list[ChildLabourLine] = field(default_factory=list)
    trafficking: list[Figure] = field(default_factory=list)
    ratifications: list[RatificationLine] = field(default_factory=list)
    goods: list[GoodLine] = field(default_factory=list)
    region_figures: list[Figure] = field(default_factory=list)
    progress: list[ProgressLine] = field(default_factory=list)
    detail: list[DetailLine] = field(default_factory=list)  # subnational areas, breakdowns
    detail_more: int = 0  # detail lines beyond those listed
    headlines: list[Headline] = field(default_factory=list)  # the answer, first
    risk_runs: list[RiskRunLine] = field(default_factory=list)
    studies: list[StudyLine] = field(default_factory=list)  # the evidence base's, done here
    reports: list[ReportLine] = field(default_factory=list)  # published national reports
    library: list[ShelfLine] = field(default_factory=list)  # documents, good practices
    library_total: int = 0  # of which ``library`` lists the newest
    services: list[ServiceLine] = field(default_factory=list)  # the directory of services
    citations: dict[str, str] = field(default_factory=dict)  # source id -> citation line
    lang: str = "en"  # the language of the profile's texts

    @property
    def latest_child_labour(self) -> ChildLabourLine | None:
        return self.child_labour[0] if self.child_labour else None


def _name(session: Session, model, key: str | None, lang: str) -> str | None:
    if key is None:
        return None
    obj = session.get(model, key)
    return obj.name(lang) if obj else key


def _child_labour_lines(
    session: Session, code: str, series: M.Series, lang: str, rows: pd.DataFrame | None = None
):
    """The series' lines: the preferred source's first, the others'. ``rows``: every source's
    rows of the child labour series for ``code``, read once for both (else read here)."""
    if rows is None:
        frame = observations(session, series=[series.code], areas=[code], all_sources=True)
    else:  # the same rows: preference is decided per cell, a cell is of one series
        frame = rows[rows["series"] == series.code]
    frame = frame[(frame["urbanisation"] == "_T") & (frame["breakdown"] == "_T")]
    shown, others = [], []
    for preferred, part in frame.groupby("preferred"):
        lines = []
        totals = part[part["sex"] == "_T"]
        if totals.empty:
            continue
        # Latest dated period first, the 5-17 age band first within it.
        totals = totals.assign(
            _dated=totals["year_to"].notna(),
            _y517=totals["age"] == "Y5T17",
        ).sort_values(["_dated", "year_to", "_y517"], ascending=False, na_position="last")
        for source, by_source in totals.groupby("source", sort=False):
            top = by_source.iloc[0]
            same = part[
                (part["time_period"] == top["time_period"])
                & (part["age"] == top["age"])
                & (part["source"] == source)
            ]
            by_sex = {r["sex"]: r["value"] for _, r in same.iterrows()}
            lines.append(
                ChildLabourLine(
                    series=series.code,
                    series_name=series.name(lang),
                    definition=content_text(series.definition_en, lang),
                    standard=content_text(series.standard, lang),
                    time_period=top["time_period"],
                    age=top["age"],
                    source=source,
                    total=by_sex.get("_T"),
                    girls=by_sex.get("F"),
                    boys=by_sex.get("M"),
                    footnote=content_text(_text(top["footnote"]), lang),
                    period_label=period_label(top["time_period"], lang),
                    age_label=age_label(top["age"], lang),
                )
            )
        (shown if preferred else others).extend(lines)
    return shown, others


TOTAL_AGES = ["_T", "Y5T17"]


def _text(value: object) -> str | None:
    """A text cell from a DataFrame, with pandas' missing values as None."""
    return value if isinstance(value, str) and value else None


def _latest_figures(
    session: Session,
    series: tuple[str, ...],
    areas: list[str],
    lang: str,
    sex: str = "_T",
    reuse: bool = True,
) -> list[Figure]:
    """Latest total (all ages, or all children 5-17 for child labour) per series and area.

    ``reuse``: the latest row of each series and area picked in one pass over the rows
    (``_latest_rows``); False: by pandas, a sort per series and area (the straightforward
    way, ten times slower on a profile's few rows)."""
    frame = observations(session, series=list(series), areas=areas, sex=[sex], age=TOTAL_AGES)
    frame = frame[
        (frame["urbanisation"] == "_T") & (frame["breakdown"] == "_T") & frame["year_to"].notna()
    ]
    if reuse:
        tops = _latest_rows(frame)
    else:
        tops = [
            part.sort_values(["year_to", "age"]).iloc[-1]
            for _key, part in frame.groupby(["series", "ref_area"], sort=False)
        ]
    out = []
    for top in tops:
        code, area = top["series"], top["ref_area"]
        age = top["age"]
        value, unit, unit_mult = float(top["value"]), top["unit"], int(top["unit_mult"])
        out.append(
            Figure(
                series=code,
                series_name=_name(session, M.Series, code, lang) or code,
                area=area,
                area_name=_name(session, M.Area, area, lang) or area,
                time_period=top["time_period"],
                sex=sex,
                age=age,
                value=value,
                unit=unit,
                unit_mult=unit_mult,
                source=top["source"],
                footnote=content_text(_text(top["footnote"]), lang),
                period_label=period_label(top["time_period"], lang),
                age_label=age_label(age, lang),
                value_label=format_value(value, unit, unit_mult, lang),
            )
        )
    order = {s: i for i, s in enumerate(series)}
    return sorted(out, key=lambda f: (areas.index(f.area), order[f.series]))


def _latest_rows(frame) -> list[dict]:
    """Per series and area, the row of the latest ``year_to``, the greatest age code within
    it, the last one in the frame's order on a tie: what a stable sort by (year_to, age) and
    its last row give, without a sort per group."""
    best: dict[tuple[str, str], dict] = {}
    for row in frame.to_dict("records"):
        key = (row["series"], row["ref_area"])
        found = best.get(key)
        if found is None or (row["year_to"], row["age"]) >= (found["year_to"], found["age"]):
            best[key] = row
    return list(best.values())


def progress_lines(
    session: Session, code: str, lang: str = "en", reports: dict | None = None
) -> list[ProgressLine]:
    """UN progress status of each child labour series held for ``code`` (5-17, both sexes).
    ``reports``: the progress reports kept for this profile (``headlines.report_of``)."""
    from target87.progress.data import NoData

    lines = []
    for series in CHILD_LABOUR_SERIES:
        try:
            report = report_of(session, series, code, reports)
        except NoData:
            continue
        status = report.status
        lines.append(
            ProgressLine(
                series=series,
                series_name=_name(session, M.Series, series, lang) or series,
                category=status.category if status else None,
                label=status_words(status, lang) if status else None,
                base=_year_value(status.base_year, status.base_value, lang) if status else None,
                latest=(
                    _year_value(status.latest_year, status.latest_value, lang) if status else None
                ),
                actual_cagr_pct=status.actual_cagr_pct if status else None,
                required_cagr_pct=status.required_cagr_pct if status else None,
                points=len(report.points.values),
                notes=list(report.notes),
                sources=list(dict.fromkeys(report.points.sources.values())),
            )
        )
    return lines


def _year_value(year: float, value: float, lang: str) -> str:
    """Year and value, "2012: 10.5": the value rounded as a percentage, the language's way."""
    return f"{year:g}: {format_number(value, lang)}"


def _sort_key(text: str) -> tuple[str, str]:
    """Names compared without their accents, then with them ("Émeraudes" files under E)."""
    plain = unicodedata.normalize("NFKD", text)
    base = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    return base, text.casefold()


def citation(source: M.Source, lang: str = "en") -> str:
    """The source's citation as published, its access date and licence in ``lang``."""
    return citation_text(source.citation or source.id, source.licence, lang)


def country_profile(
    session: Session, area: str, lang: str = "en", reuse: bool = True
) -> CountryProfile:
    """Everything the warehouse holds on one country, in ``lang`` where names exist.

    ``reuse`` (issue 22: a cold profile in well under 100 ms): what two parts read alike is
    read once (the progress reports of the progress lines and the headlines, the rows of both
    child labour series, the names and citations), and the latest figures are picked in one
    pass; False reads everything part by part, the straightforward way
    (tests/web/test_profile_fast_path.py requires the same profile and the same page)."""
    a = resolve_area(session, area)
    # Names and citations are looked up one by one (``session.get``) by every part: loaded
    # in three queries first, each later look-up is the session's, with no query. Held here:
    # the session keeps only the objects someone refers to.
    kept = _load_names(session, a) if reuse else []
    profile = CountryProfile(
        code=a.code,
        name=a.name(lang),
        m49=a.m49,
        region=_name(session, M.Area, a.m49_region, lang),
        subregion=_name(session, M.Area, a.m49_subregion, lang),
        ilo_region=_name(session, M.Area, a.ilo_region, lang),
        income_group=_name(session, M.Area, a.wb_income_group, lang),
        pathfinder=a.pathfinder,
        pathfinder_year=a.pathfinder_year,
        lang=lang,
    )
    both = (
        observations(session, series=list(CHILD_LABOUR_SERIES), areas=[a.code], all_sources=True)
        if reuse
        else None
    )
    for code in CHILD_LABOUR_SERIES:
        series = session.get(M.Series, code)
        if series is None:
            continue
        shown, others = _child_labour_lines(session, a.code, series, lang, both)
        profile.child_labour.extend(shown)
        profile.other_child_labour.extend(others)
    profile.trafficking = _latest_figures(session, TRAFFICKING_SERIES, [a.code], lang, reuse=reuse)

    rats = session.execute(
        select(M.Ratification, M.Instrument).join(M.Instrument).where(M.Ratification.area == a.code)
    ).all()
    order = {c: i for i, c in enumerate(INSTRUMENT_ORDER)}
    for rat, inst in sorted(rats, key=lambda ri: order.get(ri[1].code, 99)):
        profile.ratifications.append(
            RatificationLine(
                inst.code,
                inst.name(lang),
                rat.status,
                rat.date,
                rat.year,
                rat.minimum_age,
                rat.source,
                status_label=label(rat.status, lang) if rat.status in MESSAGES else rat.status,
            )
        )
    goods = session.execute(
        select(M.GoodRisk).where(M.GoodRisk.area == a.code).order_by(M.GoodRisk.good)
    ).scalars()
    profile.goods = sorted(
        (
            GoodLine(
                content_text(g.good, lang),
                content_text(g.sector, lang),
                g.child_labour,
                g.forced_labour,
                g.forced_child_labour,
                g.edition,
                g.source,
                good_en=g.good,
            )
            for g in goods
        ),
        key=lambda line: _sort_key(line.good),
    )
    regions = [
        r for r in (a.m49_intermediate_region, a.m49_subregion, a.m49_region, a.ilo_region) if r
    ]
    profile.region_figures = _latest_figures(
        session, REGION_SERIES, [*regions, "WLD"], lang, reuse=reuse
    )

    # The progress lines and the headlines read the same progress reports: once each.
    reports: dict | None = {} if reuse else None
    profile.progress = progress_lines(session, a.code, lang, reports)
    profile.detail, profile.detail_more = detail_lines(session, a.code, lang)
    headline_series = [*CHILD_LABOUR_SERIES, "VC_HTF_DETV"]
    profile.headlines = headlines(session, a.code, headline_series, lang, reports)
    profile.risk_runs = risk_runs(session, a.code)
    profile.reports = published_reports(session, a.code)
    profile.studies = studies_in(session, a.code)
    profile.library_total, profile.library = library_shelf(session, a.code)
    profile.services = directory(session, a.code)

    used = [line.source for line in profile.child_labour + profile.other_child_labour]
    used += [src for line in profile.progress for src in line.sources]
    used += [f.source for f in profile.trafficking + profile.region_figures]
    used += [r.source for r in profile.ratifications] + [g.source for g in profile.goods]
    used += [line.source for line in profile.detail]
    used += [h.source for h in profile.headlines]
    if a.pathfinder_source:
        used.append(a.pathfinder_source)
    for source_id in dict.fromkeys(used):
        src = session.get(M.Source, source_id)
        profile.citations[source_id] = citation(src, lang) if src else source_id
    del kept
    return profile


def _load_names(session: Session, a: M.Area) -> list:
    """Every series and source, and the areas a profile of ``a`` names, into the session."""
    codes = {a.m49_region, a.m49_subregion, a.m49_intermediate_region, a.ilo_region}
    codes |= {a.wb_income_group, "WLD"}
    areas = select(M.Area).where(M.Area.code.in_(sorted(c for c in codes if c)))
    loaded = list(session.execute(areas).scalars())
    loaded += session.execute(select(M.Series)).scalars()
    loaded += session.execute(select(M.Source)).scalars()
    return loaded
