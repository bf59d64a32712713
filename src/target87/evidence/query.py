"""The evidence base as readers browse and analyse it: studies filtered by facets (with the
number of studies behind each value), one study with its effects, and the table of effects an
analysis pools (``yi``/``vi`` per effect, computed with :func:`escalc` from the raw counts
when the file gave no estimate, with the study's citation on every row), which feeds
:mod:`target87.evidence.analysis` as the CLI does. No web here: the web, the API and the
country profiles call these functions.

Filters: ``intervention``, ``outcome`` and ``measure`` apply to effects (a study matches when
one of its effects matches all three); ``region`` (an M49 or ILO region code of the area
table: one of the study's countries lies in it), ``country``, ``design`` and ``quality`` to
studies. Worked examples are left out unless ``examples`` is set, and then only they are
shown: they are never mixed with the evidence base.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from target87.evidence import taxonomy
from target87.evidence.analysis import bias_tests, meta_analysis
from target87.evidence.choices import Choices, check_choices, moderator_columns, subgroup_labels
from target87.evidence.effects import escalc
from target87.evidence.errors import EvidenceError
from target87.evidence.models import Effect, Study, StudyCountry
from target87.evidence.multilevel import rma_mv
from target87.evidence.robust import robust
from target87.evidence.tau2 import canonical_method
from target87.store import models as M

FACETS = ("intervention", "outcome", "region", "country", "design", "quality")
LIST_FIELDS = ("intervention", "outcome", "country", "design", "quality")  # many values each
METHODS = ("REML", "DL", "PM", "ML", "EB", "HS", "SJ", "HE", "EE")
TESTS = ("z", "knha")
TABLE_COLUMNS = (
    "study_id",
    "effect_id",
    "citation",
    "year",
    "doi",
    "countries",
    "design",
    "quality",
    "region",
    "intervention",
    "outcome",
    "measure",
    "yi",
    "vi",
    "ai",
    "bi",
    "ci",
    "di",
    "n1i",
    "n2i",
    "m1i",
    "m2i",
    "sd1i",
    "sd2i",
    "computed",
)
RAW_COLUMNS = ("ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "m2i", "sd1i", "sd2i")


class FilterError(EvidenceError):
    """A filter the evidence base does not know, or an analysis it cannot run. ``reason``
    names the problem (``unknown``, ``mixed_measures``, ``too_few``, ``no_effects``) so a page
    can say it in its language; ``field``/``value``/``choices`` say more."""

    def __init__(
        self, reason: str, field: str = "", value: str = "", choices: tuple[str, ...] = ()
    ):
        self.reason, self.field, self.value, self.choices = reason, field, value, choices
        detail = {
            "unknown": f"unknown {field} {value!r}; known: {', '.join(choices)}",
            "mixed_measures": f"the effects use several measures ({', '.join(choices)}): "
            "choose one",
            "too_few": f"{value} effect(s) match: a meta-analysis needs at least 2",
            "no_effects": "no effect matches these filters",
        }.get(reason, reason)
        super().__init__(detail)


@dataclass(frozen=True)
class Filters:
    """What a reader asked for; each list field holds codes (any of them matches)."""

    intervention: tuple[str, ...] = ()
    outcome: tuple[str, ...] = ()
    region: str = ""
    country: tuple[str, ...] = ()
    design: tuple[str, ...] = ()
    quality: tuple[str, ...] = ()
    measure: str = ""
    examples: bool = False

    @classmethod
    def of(cls, **given: Any) -> Filters:
        """From loose values (a string, a list of strings, blanks ignored)."""
        values: dict[str, Any] = {}
        for name in LIST_FIELDS:
            raw = given.get(name) or ()
            raw = [raw] if isinstance(raw, str) else list(raw)
            values[name] = tuple(dict.fromkeys(v.strip() for v in raw if v and v.strip()))
        values["region"] = str(given.get("region") or "").strip()
        values["measure"] = str(given.get("measure") or "").strip().upper()
        values["examples"] = bool(given.get("examples"))
        values["country"] = tuple(c.upper() for c in values["country"])
        return cls(**values)

    def without(self, name: str) -> Filters:
        return replace(self, **{name: "" if name in ("region", "measure") else ()})

    def items(self) -> list[tuple[str, str]]:
        """As query parameters (for links and downloads)."""
        out: list[tuple[str, str]] = []
        for name in LIST_FIELDS:
            out += [(name, v) for v in getattr(self, name)]
        if self.region:
            out.append(("region", self.region))
        if self.measure:
            out.append(("measure", self.measure))
        if self.examples:
            out.append(("examples", "1"))
        return out


@dataclass
class FacetValue:
    code: str
    count: int
    selected: bool
    names: dict[str, str] = field(default_factory=dict)  # language -> name

    def name(self, lang: str = "en") -> str:
        return self.names.get(lang) or self.names.get("en") or self.code


@dataclass
class StudyList:
    studies: list[Study]
    facets: dict[str, list[FacetValue]]
    total: int  # studies matching, before paging
    filters: Filters


# --- checking -------------------------------------------------------------------------


def _codes(terms) -> tuple[str, ...]:
    return tuple(t.code for t in terms)


def _regions(session: Session) -> dict[str, M.Area]:
    stmt = select(M.Area).where(M.Area.kind == "region", M.Area.grouping.in_(["M49", "ILO"]))
    return {a.code: a for a in session.execute(stmt).scalars()}


def check_filters(session: Session, filters: Filters) -> Filters:
    """The filters if every code is known; :class:`FilterError` naming the first that is not."""
    known = {
        "intervention": _codes(taxonomy.interventions()),
        "outcome": _codes(taxonomy.outcomes()),
        "design": _codes(taxonomy.designs()),
        "quality": _codes(taxonomy.quality_ratings()),
    }
    for name, codes in known.items():
        for value in getattr(filters, name):
            if value not in codes:
                raise FilterError("unknown", name, value, codes)
    measures = _codes(taxonomy.measures())
    if filters.measure and filters.measure not in measures:
        raise FilterError("unknown", "measure", filters.measure, measures)
    if filters.region:
        regions = _regions(session)
        if filters.region not in regions:
            raise FilterError("unknown", "region", filters.region, tuple(sorted(regions)))
    if filters.country:
        stmt = select(M.Area.code).where(M.Area.code.in_(filters.country))
        found = set(session.execute(stmt).scalars())
        for value in filters.country:
            if value not in found:
                raise FilterError("unknown", "country", value)
    return filters


# --- matching -------------------------------------------------------------------------


def _all_studies(session: Session, examples: bool) -> list[Study]:
    stmt = (
        select(Study)
        .where(Study.worked_example.is_(examples))
        .options(selectinload(Study.countries), selectinload(Study.effects))
        .order_by(Study.year.desc(), Study.citation)
    )
    return list(session.execute(stmt).scalars())


def _area_regions(session: Session, studies: list[Study]) -> dict[str, tuple[str, ...]]:
    codes = {c for s in studies for c in s.country_codes}
    if not codes:
        return {}
    stmt = select(M.Area).where(M.Area.code.in_(codes))
    return {
        a.code: tuple(
            r for r in (a.m49_region, a.m49_subregion, a.m49_intermediate_region, a.ilo_region) if r
        )
        for a in session.execute(stmt).scalars()
    }


def _effect_matches(effect: Effect, f: Filters) -> bool:
    return (
        (not f.intervention or effect.intervention in f.intervention)
        and (not f.outcome or effect.outcome in f.outcome)
        and (not f.measure or effect.measure == f.measure)
    )


def _study_matches(study: Study, f: Filters, regions: dict[str, tuple[str, ...]]) -> bool:
    countries = study.country_codes
    if f.country and not set(countries) & set(f.country):
        return False
    if f.region and not any(f.region in regions.get(c, ()) for c in countries):
        return False
    if f.design and study.design not in f.design:
        return False
    if f.quality and (study.quality or "") not in f.quality:
        return False
    if f.intervention or f.outcome or f.measure:
        return any(_effect_matches(e, f) for e in study.effects)
    return True


def _facet_values(study: Study, name: str, regions: dict[str, tuple[str, ...]]) -> set[str]:
    if name == "intervention":
        return {e.intervention for e in study.effects}
    if name == "outcome":
        return {e.outcome for e in study.effects}
    if name == "country":
        return set(study.country_codes)
    if name == "region":
        return {r for c in study.country_codes for r in regions.get(c, ())}
    if name == "design":
        return {study.design}
    return {study.quality} if study.quality else set()


def _names(session: Session, name: str, codes: set[str]) -> dict[str, dict[str, str]]:
    if name in ("region", "country"):
        stmt = select(M.Area).where(M.Area.code.in_(codes))
        return {
            a.code: {lang: a.name(lang) for lang in ("en", "fr", "es")}
            for a in session.execute(stmt).scalars()
        }
    terms = {
        "intervention": taxonomy.interventions,
        "outcome": taxonomy.outcomes,
        "design": taxonomy.designs,
        "quality": taxonomy.quality_ratings,
    }[name]()
    return {t.code: {"en": t.en, "fr": t.name("fr"), "es": t.name("es")} for t in terms}


def list_studies(
    session: Session, filters: Filters, offset: int = 0, limit: int | None = None
) -> StudyList:
    """The studies matching ``filters`` (newest first), and for each facet its values with the
    number of studies that would match if that value were chosen (the facet's own filter left
    out, the others kept)."""
    check_filters(session, filters)
    studies = _all_studies(session, filters.examples)
    regions = _area_regions(session, studies)
    matching = [s for s in studies if _study_matches(s, filters, regions)]
    facets: dict[str, list[FacetValue]] = {}
    for name in FACETS:
        others = filters.without(name)
        if name in ("intervention", "outcome"):
            # The effect filters stay on the same effect: count studies with such an effect.
            counts: Counter[str] = Counter()
            for s in studies:
                if not _study_matches(s, replace(others, intervention=(), outcome=()), regions):
                    continue
                counts.update({getattr(e, name) for e in s.effects if _effect_matches(e, others)})
        else:
            counts = Counter(
                v
                for s in studies
                if _study_matches(s, others, regions)
                for v in _facet_values(s, name, regions)
            )
        chosen = getattr(filters, name)
        chosen = {chosen} if isinstance(chosen, str) and chosen else set(chosen or ())
        names = _names(session, name, set(counts) | chosen)
        values = [
            FacetValue(code, counts.get(code, 0), code in chosen, names.get(code, {}))
            for code in sorted(set(counts) | chosen, key=lambda c: (-counts.get(c, 0), c))
        ]
        facets[name] = values
    total = len(matching)
    page = matching[offset:] if limit is None else matching[offset : offset + limit]
    return StudyList(page, facets, total, filters)


def get_study(session: Session, study_id: str) -> Study | None:
    """One study with its countries and effects (None if unknown)."""
    stmt = (
        select(Study)
        .where(Study.id == study_id)
        .options(selectinload(Study.countries), selectinload(Study.effects))
    )
    return session.execute(stmt).scalar_one_or_none()


def studies_in_country(session: Session, country: str, examples: bool = False) -> list[Study]:
    """The studies done (partly) in ``country`` (an area code), newest first."""
    stmt = (
        select(Study)
        .join(StudyCountry, StudyCountry.study_id == Study.id)
        .where(StudyCountry.country == country, Study.worked_example.is_(examples))
        .options(selectinload(Study.countries), selectinload(Study.effects))
        .order_by(Study.year.desc(), Study.citation)
    )
    return list(session.execute(stmt).scalars().unique())


# --- the table an analysis pools ----------------------------------------------------------


def _computed(measure: str, rows: list[Effect]) -> tuple[np.ndarray, np.ndarray]:
    """yi, vi of effects given as raw data: counts (RD, RR, OR) or means (SMD) by
    :func:`escalc`; MD and ROM by metafor's formulas (large-sample variances)."""

    def arr(name: str) -> np.ndarray:
        return np.array([getattr(e, name) for e in rows], dtype=float)

    if measure in ("RD", "RR", "OR"):
        ai, ci = arr("ai"), arr("ci")
        bi, di, n1, n2 = arr("bi"), arr("di"), arr("n1i"), arr("n2i")
        bi = np.where(np.isnan(bi), n1 - ai, bi)
        di = np.where(np.isnan(di), n2 - ci, di)
        es = escalc(measure, ai=ai, bi=bi, ci=ci, di=di)
        return es.yi, es.vi
    m1, m2, s1, s2, n1, n2 = (arr(c) for c in ("m1i", "m2i", "sd1i", "sd2i", "n1i", "n2i"))
    if measure == "SMD":
        es = escalc("SMD", m1i=m1, m2i=m2, sd1i=s1, sd2i=s2, n1i=n1, n2i=n2)
        return es.yi, es.vi
    if measure == "MD":
        return m1 - m2, s1**2 / n1 + s2**2 / n2
    if measure == "ROM":
        return np.log(m1 / m2), s1**2 / (n1 * m1**2) + s2**2 / (n2 * m2**2)
    raise EvidenceError(f"measure {measure}: no estimate given and none can be computed")


def _study_regions(session: Session, studies: list[Study]) -> dict[str, str]:
    """Each study's M49 region (the area table's ``m49_region`` code) when all its countries
    lie in one; ``multiple`` when they span several (a moderator needs one value a study)."""
    codes = {c for s in studies for c in s.country_codes}
    stmt = select(M.Area.code, M.Area.m49_region).where(M.Area.code.in_(codes))
    region = {c: r for c, r in session.execute(stmt)} if codes else {}
    out = {}
    for s in studies:
        found = {region.get(c) or "" for c in s.country_codes}
        out[s.id] = found.pop() if len(found) == 1 else ("multiple" if found else "")
    return out


def analysis_table(session: Session, filters: Filters) -> pd.DataFrame:
    """One row per matching effect (``TABLE_COLUMNS``): the study's citation and codes (its
    M49 ``region``), the raw data as stored, and ``yi``/``vi`` (``computed`` says whether
    escalc made them), then one ``mod_<name>`` column per moderator the effects carry. All
    effects must share one measure (choose it with ``filters.measure`` when they do not)."""
    found = list_studies(session, filters)
    effects = [(s, e) for s in found.studies for e in s.effects if _effect_matches(e, filters)]
    if not effects:
        raise FilterError("no_effects")
    measures = sorted({e.measure for _, e in effects})
    if len(measures) > 1:
        raise FilterError("mixed_measures", "measure", "", tuple(measures))
    measure = measures[0]
    given = [(s, e) for s, e in effects if e.yi is not None and e.variance is not None]
    raw = [(s, e) for s, e in effects if e.yi is None or e.variance is None]
    values: dict[int, tuple[float, float, bool]] = {
        e.id: (float(e.yi), float(e.variance), False) for _, e in given
    }
    if raw:
        yi, vi = _computed(measure, [e for _, e in raw])
        for (_, e), y, v in zip(raw, yi, vi, strict=True):
            values[e.id] = (float(y), float(v), True)
    regions = _study_regions(session, list({s.id: s for s, _ in effects}.values()))
    own = list(dict.fromkeys(f"mod_{k}" for _, e in effects for k in e.moderator_values))
    rows = []
    for s, e in effects:
        y, v, made = values[e.id]
        mods = e.moderator_values
        rows.append(
            {
                "study_id": s.id,
                "effect_id": e.effect_id,
                "citation": s.citation,
                "year": s.year,
                "doi": s.doi or "",
                "countries": ";".join(s.country_codes),
                "design": s.design,
                "quality": s.quality or "",
                "region": regions.get(s.id, ""),
                "intervention": e.intervention,
                "outcome": e.outcome,
                "measure": e.measure,
                "yi": y,
                "vi": v,
                **{c: getattr(e, c) for c in RAW_COLUMNS},
                "computed": made,
                **{c: mods.get(c[4:]) for c in own},
            }
        )
    return pd.DataFrame(rows, columns=[*TABLE_COLUMNS, *own])


@dataclass
class Analysis:
    """What the analysis page shows: the rows pooled, the meta-analysis (with subgroups by
    intervention when there are several, or by the field chosen), the bias tests (each a
    result or the reason it could not be run) and the settings, all from
    :mod:`target87.evidence.analysis`; with the :class:`Choices` made, the meta-regression
    (``regression``: a ``MetaAnalysis`` on the moderators' columns, ``mod_names`` their
    coefficients), the CR2 errors (``meta.robust``, ``regression.robust``) and the multilevel
    model (``multilevel``, with its CR2 errors in ``multilevel_robust``)."""

    table: pd.DataFrame
    measure: str
    method: str
    test: str
    level: float
    meta: Any
    bias: dict[str, Any]
    bias_errors: dict[str, str]
    filters: Filters
    single_groups: list[str] = field(default_factory=list)  # interventions left unpooled
    choices: Choices = field(default_factory=Choices)
    subgroup_field: str = "intervention"
    regression: Any = None
    mod_names: list[str] = field(default_factory=list)
    multilevel: Any = None
    multilevel_robust: Any = None

    @property
    def fit(self):
        return self.meta.fit

    @property
    def by_subgroup(self) -> bool:
        return self.meta.subgroups is not None

    @property
    def by_intervention(self) -> bool:
        return self.by_subgroup and self.subgroup_field == "intervention"

    def labels(self) -> list[str]:
        """A row's label: its study's citation (and effect id when a study has several)."""
        many = self.table["study_id"].duplicated(keep=False)
        return [
            f"{c} [{e}]" if m else str(c)
            for c, e, m in zip(self.table["citation"], self.table["effect_id"], many, strict=True)
        ]

    def citations(self) -> list[tuple[str, str, str]]:
        """(study id, citation, DOI) of every study included, once each, in table order."""
        seen = self.table.drop_duplicates("study_id")
        return list(zip(seen["study_id"], seen["citation"], seen["doi"], strict=True))

    def to_dict(self) -> dict[str, Any]:
        """Everything with metafor's names (``model``: ``rma``'s fields; ``subgroups``;
        ``regtest``, ``ranktest``, ``trimfill``), the settings and the studies cited."""
        out: dict[str, Any] = {
            "measure": self.measure,
            "method": self.method,
            "test": self.test,
            "level": self.level,
            "filters": dict(_grouped(self.filters.items())),
            "k": len(self.table),
            "studies": len(self.citations()),
            **self.meta.to_dict(),
        }
        out["measure"] = self.measure
        for key, name in (("egger", "regtest"), ("rank", "ranktest"), ("trimfill", "trimfill")):
            if key in self.bias:
                out[name] = self.bias[key].to_dict()
            else:
                out[name] = {"error": self.bias_errors.get(key, "not run")}
        out["citations"] = [
            {"study_id": s, "citation": c, "doi": d or None} for s, c, d in self.citations()
        ]
        out["choices"] = {
            "mods": list(self.choices.mods),
            "subgroup": self.subgroup_field if self.by_subgroup else None,
            "several": self.choices.several,
        }
        if self.regression is not None:
            out["regression"] = self.regression.to_dict()
        if self.multilevel is not None:
            out["multilevel"] = self.multilevel.to_dict()
        if self.multilevel_robust is not None:
            out["multilevel_robust"] = self.multilevel_robust.to_dict()
        return _plain(out)


def _plain(value: Any) -> Any:
    """Plain JSON values: numpy scalars and arrays unwrapped, NaN and infinities as None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _grouped(items: list[tuple[str, str]]) -> dict[str, list[str] | str]:
    out: dict[str, Any] = {}
    for k, v in items:
        out.setdefault(k, []).append(v)
    return {k: v if k in LIST_FIELDS else v[0] for k, v in out.items()}


def check_settings(method: str, test: str, level: float) -> tuple[str, str, float]:
    """The model's settings if known (``FilterError`` otherwise)."""
    name = str(method or "REML").upper()
    if name == "FE":
        name = "EE"
    if name not in METHODS:
        raise FilterError("unknown", "method", str(method), METHODS)
    canonical_method(name)
    test = str(test or "z").lower()
    if test not in TESTS:
        raise FilterError("unknown", "test", test, TESTS)
    if not 50 <= float(level) < 100:
        raise FilterError("unknown", "level", str(level), ("90", "95", "99"))
    return name, test, float(level)


def analyse_table(
    table: pd.DataFrame,
    filters: Filters,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    choices: Choices | None = None,
) -> Analysis:
    """The meta-analysis of :func:`analysis_table`'s rows, as ``target87 evidence meta`` and
    ``bias`` run it (``meta_analysis`` and ``bias_tests`` on the ``yi``/``vi`` columns), with
    the moderators, subgroups and several-effects models of ``choices``
    (:mod:`target87.evidence.choices`)."""
    method, test, level = check_settings(method, test, level)
    if len(table) < 2:
        raise FilterError("too_few", value=str(len(table)))
    choices = check_choices(choices or Choices(), table)
    columns = {"yi": "yi", "vi": "vi"}
    settings = {"measure": "GEN", "columns": columns, "method": method, "test": test}
    # CR2 by study on the rma models; with a multilevel model, on that model instead.
    cluster = "study_id" if choices.several == "cr2" else None
    single: list[str] = []
    if choices.subgroup:
        subgroup_labels(table, choices.subgroup)  # refuses groups of one effect, by name
        meta = meta_analysis(
            table, **settings, level=level, subgroup=choices.subgroup, cluster=cluster
        )
    else:
        meta, single = _by_intervention(table, settings, level, cluster)
    regression, names = None, []
    if choices.mods:
        data, names = moderator_columns(table, choices.mods)
        regression = meta_analysis(data, **settings, level=level, mods=names, cluster=cluster)
    multilevel = multilevel_robust = None
    if choices.multilevel:
        multilevel = _multilevel(table, choices, method, test, level)
        if choices.cluster:
            multilevel_robust = robust(multilevel, table["study_id"].to_numpy(), clubSandwich=True)
    bias: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in ("egger", "rank", "trimfill"):
        try:
            found = bias_tests(
                table,
                measure="GEN",
                columns=columns,
                method=method,
                egger=key == "egger",
                rank=key == "rank",
                fill=key == "trimfill",
            )
            bias[key] = found[key]
        except (EvidenceError, ValueError, np.linalg.LinAlgError) as exc:
            errors[key] = str(exc)
    return Analysis(
        table,
        str(table["measure"].iloc[0]),
        method,
        test,
        level,
        meta,
        bias,
        errors,
        filters,
        single,
        choices,
        choices.subgroup or "intervention",
        regression,
        names,
        multilevel,
        multilevel_robust,
    )


def _by_intervention(
    table: pd.DataFrame, settings: dict[str, Any], level: float, cluster: str | None
) -> tuple[Any, list[str]]:
    """The page's default: subgroups by intervention when there are several, each with 2
    effects or more (a group of one has no tau^2); otherwise the groups of one are named and
    the overall fit stands."""
    sizes = table["intervention"].value_counts()
    single = sorted(sizes[sizes < 2].index) if len(sizes) > 1 else []
    by_group = len(sizes) > 1 and not single
    try:
        meta = meta_analysis(
            table,
            **settings,
            level=level,
            subgroup="intervention" if by_group else None,
            cluster=cluster,
        )
    except EvidenceError:
        if not by_group:
            raise
        meta = meta_analysis(table, **settings, level=level, cluster=cluster)
        single = sorted(sizes.index)
    return meta, single


def _multilevel(table: pd.DataFrame, choices: Choices, method: str, test: str, level: float):
    """``rma.mv(yi, vi, mods, random = ~ 1 | study_id/effect_id)``: REML unless ML is chosen
    (the other estimators are not defined for it); Knapp-Hartung's page choice as t tests."""
    X, names = None, None
    if choices.mods:
        data, names = moderator_columns(table, choices.mods)
        X = data[names].to_numpy(dtype=float)
    return rma_mv(
        table["yi"].to_numpy(dtype=float),
        table["vi"].to_numpy(dtype=float),
        study=table["study_id"].to_numpy(),
        effect=table["effect_id"].astype(str).to_numpy(),
        mods=X,
        mod_names=names,
        method="ML" if method == "ML" else "REML",
        test="t" if test == "knha" else "z",
        level=level,
        study_name="study_id",
        effect_name="effect_id",
    )


def analyse(
    session: Session,
    filters: Filters,
    method: str = "REML",
    test: str = "z",
    level: float = 95,
    choices: Choices | None = None,
) -> Analysis:
    """:func:`analysis_table` then :func:`analyse_table`."""
    check_settings(method, test, level)
    table = analysis_table(session, filters)
    return analyse_table(table, filters, method, test, level, choices)
