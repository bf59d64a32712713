"""Pages of the evidence section. The numbers come from ``evidence.query`` (the same
``evidence.analysis`` functions as ``target87 evidence meta`` and ``bias``); the handlers read
the request, call it and render. Bad filters answer 400 with a page that says which; an
analysis that cannot be run (fewer than two effects, mixed measures) says why."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from target87.evidence import query, rscript, taxonomy
from target87.evidence.choices import SEVERAL, SUBGROUPS, ChoiceError, Choices, moderator_fields
from target87.evidence.errors import EvidenceError
from target87.evidence.plots import forest_spec, funnel_spec
from target87.presentation import translator
from target87.presentation.charts.figure import ChartFigure
from target87.store import models as M
from target87.web.site import figures as chart_files
from target87.web.site.cache import cached_page
from target87.web.site.figures import chart_file, embed_page
from target87.web.site.language import choose
from target87.web.site.render import render, session

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
ANALYSIS = "/evidence/analysis"


def asked_filters(request: Request) -> query.Filters:
    """The filters of a request's query (lists where a facet may take several values)."""
    q = request.query_params
    return query.Filters.of(
        **{name: q.getlist(name) for name in query.LIST_FIELDS},
        region=q.get("region", ""),
        measure=q.get("measure", ""),
        examples=q.get("examples", "") in ("1", "true", "yes", "on"),
    )


def asked_settings(request: Request) -> tuple[str, str, str]:
    q = request.query_params
    return q.get("method") or "REML", q.get("test") or "z", q.get("level") or "95"


def asked_choices(request: Request) -> Choices:
    """The model choices of a request's query: moderators, subgroup field, several effects."""
    q = request.query_params
    return Choices.of(q.getlist("mods"), q.get("subgroup", ""), q.get("several", ""))


def names(lang: str) -> dict[str, dict[str, str]]:
    """Each code list's names in ``lang`` (the taxonomy's own; designs and quality ratings,
    which the taxonomy names in English only, from the messages)."""
    t = translator(lang)
    return {
        "intervention": {x.code: x.name(lang) for x in taxonomy.interventions()},
        "outcome": {x.code: x.name(lang) for x in taxonomy.outcomes()},
        "design": {x.code: t(f"ev_design_{x.code}") for x in taxonomy.designs()},
        "quality": {x.code: t(f"ev_quality_{x.code}") for x in taxonomy.quality_ratings()},
        "sex": {"_T": t("ev_sex_total"), "F": t("girls"), "M": t("boys")},
    }


def problem_text(t, error: EvidenceError, lang: str = "en") -> str:
    """A filter or analysis problem in the reader's language."""
    if isinstance(error, ChoiceError):
        field = field_label(t, error.field)
        if error.reason == "unknown":
            return t("ev_unknown_filter").format(field=error.field, value=error.value)
        words = names(lang).get(error.field, {})
        value = ", ".join(words.get(v, v) for v in error.value.split(", "))
        return t(f"ev_choice_{error.reason}").format(field=field, value=value)
    if not isinstance(error, query.FilterError):
        return t("ev_cannot_analyse")
    if error.reason == "unknown":
        return t("ev_unknown_filter").format(field=error.field, value=error.value)
    if error.reason == "mixed_measures":
        return t("ev_mixed_measures").format(measures=", ".join(error.choices))
    if error.reason == "too_few":
        return t("ev_too_few").format(k=error.value)
    return t("ev_no_effects")


def _query(filters: query.Filters, *extra: tuple[str, str]) -> str:
    return urlencode([*filters.items(), *extra])


@router.get("/evidence", response_class=HTMLResponse)
@cached_page
def evidence_list(request: Request, page: int = 1):
    lang, _ = choose(request)
    t = translator(lang)
    filters = asked_filters(request)
    page = max(1, page)
    with session(request) as s:
        try:
            found = query.list_studies(s, filters, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        except query.FilterError as exc:
            return render(
                request,
                "evidence_list.html",
                status_code=400,
                error=problem_text(t, exc, lang),
                filters=query.Filters(examples=filters.examples),
                found=None,
                names=names(lang),
                query="",
            )
        rows = [_study_row(st) for st in found.studies]
    pages = max(1, -(-found.total // PAGE_SIZE))
    return render(
        request,
        "evidence_list.html",
        found=found,
        rows=rows,
        filters=filters,
        names=names(lang),
        page=page,
        pages=pages,
        query=_query(filters),
        error=None,
    )


def _study_row(study) -> dict:
    return {
        "id": study.id,
        "citation": study.citation,
        "doi": study.doi,
        "year": study.year,
        "design": study.design,
        "quality": study.quality,
        "countries": study.country_codes,
        "interventions": sorted({e.intervention for e in study.effects}),
        "outcomes": sorted({e.outcome for e in study.effects}),
        "effects": len(study.effects),
        "worked_example": study.worked_example,
    }


@router.get("/evidence/studies/{study_id:path}", response_class=HTMLResponse)
@cached_page
def evidence_study(request: Request, study_id: str):
    lang, _ = choose(request)
    with session(request) as s:
        study = query.get_study(s, study_id)
        if study is None:
            return render(request, "not_found.html", status_code=404, what=study_id)
        areas = _area_names(s, study.country_codes, lang)
        effects = [
            {
                "effect_id": e.effect_id,
                "intervention": e.intervention,
                "intervention_label": e.intervention_label,
                "outcome": e.outcome,
                "outcome_label": e.outcome_label,
                "measure": e.measure,
                "yi": e.yi,
                "vi": e.variance,
                "counts": [
                    (c, getattr(e, c))
                    for c in ("ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "m2i", "sd1i", "sd2i")
                    if getattr(e, c) is not None
                ],
                "age_band": e.age_band,
                "sex": e.sex,
                "follow_up_months": e.follow_up_months,
                "notes": e.notes,
            }
            for e in study.effects
        ]
        row = _study_row(study) | {
            "url": study.url,
            "programme": study.programme,
            "notes": study.notes,
            "dataset": study.dataset,
        }
    return render(
        request, "evidence_study.html", study=row, effects=effects, areas=areas, names=names(lang)
    )


def _area_names(s: Session, codes: list[str], lang: str) -> list[tuple[str, str]]:
    found = {a.code: a.name(lang) for a in s.query(M.Area).filter(M.Area.code.in_(codes))}
    return [(c, found.get(c, c)) for c in codes]


# --- the analysis ----------------------------------------------------------------------

_OVERALL = re.compile(r"^Overall \((\w+) model\)$")
_PI = re.compile(r"^([\d.]+)% prediction interval$")
_CI = re.compile(r"^([\d.]+)% CI (low|high)$")
SPEC_WORDS = {
    "Study": "ev_chart_study",
    "Estimate": "ev_chart_estimate",
    "Weight (%)": "ev_chart_weight",
    "Summary": "ev_chart_summary",
    "overall": "ev_chart_overall_kind",
    "subgroup": "ev_chart_subgroup_kind",
    "Standard error": "ev_chart_se",
    "SE": "ev_chart_se",
    "Contours (two-sided p, around 0)": "ev_chart_contours",
    "Observed": "ev_chart_observed",
    "Filled (trim-and-fill)": "ev_chart_filled",
    "Studies": "ev_chart_studies",
}


def translated_spec(spec, t):
    """The plot's own words (``evidence.plots`` writes them in English) in the page's
    language, wherever they stand (titles, legends, data values and their scale domains
    alike, so the two still agree)."""

    def word(text: str) -> str:
        if text in SPEC_WORDS:
            return t(SPEC_WORDS[text])
        if m := _OVERALL.match(text):
            return t("ev_chart_overall").format(method=m.group(1))
        if m := _PI.match(text):
            return t("ev_chart_pi").format(level=m.group(1))
        if m := _CI.match(text):
            key = "ev_chart_ci_low" if m.group(2) == "low" else "ev_chart_ci_high"
            return t(key).format(level=m.group(1))
        return text

    def walk(node):
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            if node.startswith("{'") and "}[datum.label]" in node:  # the forest's row labels
                return re.sub(
                    r"'((?:[^'\\]|\\.)*)'",
                    lambda m: "'" + word(m.group(1)).replace("'", "\\'") + "'",
                    node,
                )
            return word(node)
        return node

    return walk(spec)


def analysis_figures(found: query.Analysis, lang: str, labels=None) -> list[ChartFigure]:
    """The analysis's forest and funnel plots (``evidence.plots``), for the page and for the
    chart files (subgroups by the field the analysis grouped by)."""
    t = translator(lang)
    words = labels or names(lang)
    measure = t("ev_measure_axis").format(measure=found.measure)
    groups = None
    if found.by_subgroup:
        field = found.subgroup_field
        groups = [words.get(field, {}).get(str(c), str(c)) for c in found.table[field]]
    forest = forest_spec(
        found.fit, labels=found.labels(), subgroups=groups, title=t("ev_forest"), xlabel=measure
    )
    funnel = funnel_spec(
        found.fit, trimfill=found.bias.get("trimfill"), title=t("ev_funnel"), xlabel=measure
    )
    k = len(found.table)
    return [
        ChartFigure(
            "chart-forest",
            translated_spec(forest, t),
            t("ev_forest"),
            found.measure,
            description=t("ev_forest_text").format(k=k, method=found.method),
        ),
        ChartFigure(
            "chart-funnel",
            translated_spec(funnel, t),
            t("ev_funnel"),
            found.measure,
            description=t("ev_funnel_text").format(k=k),
        ),
    ]


def _level(level: str) -> float:
    try:
        return float(level)
    except ValueError:
        raise query.FilterError("unknown", "level", level, ("90", "95", "99")) from None


def _analyse(request: Request) -> query.Analysis:
    method, test, level = asked_settings(request)
    with session(request) as s:
        return query.analyse(
            s, asked_filters(request), method, test, _level(level), asked_choices(request)
        )


@router.get(ANALYSIS, response_class=HTMLResponse)
@cached_page
def evidence_analysis(request: Request):
    lang, _ = choose(request)
    t = translator(lang)
    filters = asked_filters(request)
    method, test, level = asked_settings(request)
    choices = asked_choices(request)
    status, error, found, figures, table = 200, None, None, [], None
    with session(request) as s:
        try:
            listed = query.list_studies(s, filters.without("measure"))
        except query.FilterError as exc:
            listed, status, error = None, 400, problem_text(t, exc, lang)
        if error is None:
            try:
                table = query.analysis_table(s, filters)
                found = query.analyse_table(table, filters, method, test, _level(level), choices)
            except (query.FilterError, ChoiceError) as exc:
                status = 400 if exc.reason == "unknown" else 200
                error = problem_text(t, exc, lang)
            except EvidenceError as exc:
                error = f"{t('ev_cannot_analyse')} ({exc})"
        labels = value_labels(s, lang, table)
    if found is not None:
        figures = analysis_figures(found, lang, labels)
        chart_files.links(request, figures, lazy=True)
        chart_files.remember(request, request.url.path, figures)
    measures = sorted({e.measure for st in listed.studies for e in st.effects}) if listed else []
    settings = (("method", method), ("test", test), ("level", level))
    base_query = _query(filters, *settings, *choices.items())
    offered = moderator_fields(table) if table is not None else ()
    offered += tuple(m for m in choices.mods if m not in offered)
    return render(
        request,
        "evidence_analysis.html",
        status_code=status,
        error=error,
        a=found,
        listed=listed,
        filters=filters if status != 400 else query.Filters(examples=filters.examples),
        names=names(lang),
        measures=measures,
        methods=query.METHODS,
        method=method,
        test=test,
        level=level,
        figures={f.id: f for f in figures},
        query=base_query,
        subgroup_rows=_subgroup_rows(found) if found is not None else [],
        choices=choices,
        moderators=[(m, field_label(t, m)) for m in offered],
        subgroup_fields=[(f, field_label(t, f)) for f in SUBGROUPS],
        several_options=SEVERAL,
        labels=labels,
        model=model_rows(found, t, labels) if found is not None else {},
        subgroup_label=field_label(t, found.subgroup_field) if found is not None else "",
    )


def field_label(t, name: str) -> str:
    """A field's name in the reader's language (a data set's own moderator by its name)."""
    if name.startswith("mod_"):
        return t("ev_own_moderator").format(name=name[4:])
    key = {"year": "year", "region": "region", "study_id": "ev_study"}.get(name)
    return t(key or f"ev_facet_{name}") if key or name in FIELD_KEYS else name


FIELD_KEYS = ("intervention", "outcome", "design", "quality")


def value_labels(s: Session, lang: str, table) -> dict[str, dict[str, str]]:
    """The names of each field's codes (``names``) and of the regions in ``table``."""
    labels = names(lang)
    codes = set(table["region"]) - {""} if table is not None and "region" in table else set()
    labels["region"] = dict(_area_names(s, sorted(codes), lang)) if codes else {}
    return labels


def coefficient_label(t, name: str, labels: dict[str, dict[str, str]]) -> str:
    """``intrcpt``, ``year``, ``design:rct``... as the page names them."""
    if name == "intrcpt":
        return t("ev_intercept")
    field, _, level = name.partition(":")
    if not level:
        return field_label(t, field)
    return f"{field_label(t, field)}: {labels.get(field, {}).get(level, level)}"


def _coefficients(result, t, labels, dfs=None) -> list[dict]:
    """One row per coefficient of an rma, rma_mv or robust result (``dfs``: per-coefficient
    degrees of freedom, for CR2)."""
    stat = result.zval if getattr(result, "zval", None) is not None else result.tval
    df = getattr(result, "df", None)
    return [
        {
            "label": coefficient_label(t, name, labels),
            "beta": float(result.beta[i]),
            "se": float(result.se[i]),
            "stat": float(stat[i]),
            "df": float(dfs[i]) if dfs is not None else df,
            "pval": float(result.pval[i]),
            "ci_lb": float(result.ci_lb[i]),
            "ci_ub": float(result.ci_ub[i]),
        }
        for i, name in enumerate(result.names)
    ]


def moderator_test(result) -> dict | None:
    """The omnibus test of the moderators: ``F(df1, df2)`` or ``QM(df)``, value and p."""
    if getattr(result, "F", None) is not None:
        df1, df2 = result.F_df
        return {"stat": f"F({df1:g}, {df2:g})", "value": result.F, "pval": result.Fp}
    if getattr(result, "QM", None) is not None and result.QM_df:
        df = result.QM_df
        name = f"F({df[0]:g}, {df[1]:.2f})" if isinstance(df, tuple) else f"QM({df})"
        if getattr(result, "QM_test", None) == "HTZ":
            # CR2's Hotelling T^2 approximation (clubSandwich's HTZ), named as metafor does
            name = f"HTZ {name}"
        return {"stat": name, "value": result.QM, "pval": result.QMp}
    return None


def model_rows(found: query.Analysis, t, labels) -> dict:
    """What the page prints of the meta-regression, the CR2 errors and the multilevel model."""
    out: dict = {}
    if found.regression is not None:
        fit = found.regression.fit
        out["regression"] = {
            "fit": fit,
            "coefficients": _coefficients(fit, t, labels),
            "test": moderator_test(fit),
        }
        if found.regression.robust is not None:
            rob = found.regression.robust
            out["regression"]["robust"] = _coefficients(rob, t, labels, rob.dfs)
            out["regression"]["robust_test"] = moderator_test(rob)
    if found.meta.robust is not None:
        rob = found.meta.robust
        out["robust"] = {"result": rob, "coefficients": _coefficients(rob, t, labels, rob.dfs)}
    if found.multilevel is not None:
        ml = found.multilevel
        out["multilevel"] = {
            "fit": ml,
            "coefficients": _coefficients(ml, t, labels),
            "test": moderator_test(ml) if ml.p > 1 else None,
        }
        if found.multilevel_robust is not None:
            rob = found.multilevel_robust
            out["multilevel"]["robust"] = _coefficients(rob, t, labels, rob.dfs)
            out["multilevel"]["robust_test"] = moderator_test(rob) if rob.p > 1 else None
            out["multilevel"]["clusters"] = rob.n
    return out


def _subgroup_rows(found: query.Analysis) -> list[dict]:
    sub = found.meta.subgroups
    if sub is None:
        return []
    return [
        {
            "code": g,
            "k": int(fit.k),
            "beta": float(fit.beta[0]),
            "ci_lb": float(fit.ci_lb[0]),
            "ci_ub": float(fit.ci_ub[0]),
            "tau2": float(fit.tau2),
            "I2": fit.I2,
        }
        for g, fit in sub.separate.items()
    ]


def _figures(request: Request):
    def build() -> list[ChartFigure] | None:
        try:
            return analysis_figures(_analyse(request), choose(request)[0])
        except EvidenceError:
            return None

    return build


@router.get("/charts/evidence/analysis/{chart_id}.{fmt}")
def evidence_chart(request: Request, chart_id: str, fmt: str):
    """The analysis's forest or funnel plot as SVG, PNG or CSV (``web.site.figures``)."""
    return chart_file(request, ANALYSIS, chart_id, fmt, _figures(request))


@router.get("/embed/evidence/analysis/{chart_id}")
def evidence_embed(request: Request, chart_id: str):
    return embed_page(request, ANALYSIS, chart_id, _figures(request))


def _download(request: Request, make, media: str, name: str) -> Response:
    try:
        found = _analyse(request)
    except EvidenceError as exc:
        return Response(str(exc), status_code=400, media_type="text/plain; charset=utf-8")
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(make(found), media_type=media, headers=headers)


def analysis_csv(found: query.Analysis) -> str:
    """The rows analysed, each with its study's citation (UTF-8 with a BOM for spreadsheets)."""
    buffer = io.StringIO()
    found.table.to_csv(buffer, index=False)
    return "\ufeff" + buffer.getvalue()


@router.get("/evidence/analysis.csv")
def evidence_analysis_csv(request: Request):
    return _download(request, analysis_csv, "text/csv; charset=utf-8", "evidence-analysis.csv")


@router.get("/evidence/analysis.json")
def evidence_analysis_json(request: Request):
    return _download(
        request,
        lambda a: json.dumps(a.to_dict(), allow_nan=False, indent=2),
        "application/json",
        "evidence-analysis.json",
    )


def analysis_r(request: Request, found: query.Analysis) -> str:
    page = str(request.base_url).rstrip("/") + ANALYSIS + "?" + request.url.query
    return rscript.r_script(
        found.table,
        measure=found.measure,
        method=found.method,
        test=found.test,
        level=found.level,
        subgroups=found.by_subgroup,
        title="target87 evidence analysis",
        source=f"From {page}",
        mods=list(found.choices.mods),
        subgroup=found.subgroup_field,
        several=found.choices.several,
    )


@router.get("/evidence/analysis.R")
def evidence_analysis_r(request: Request):
    return _download(
        request,
        lambda a: analysis_r(request, a),
        "text/plain; charset=utf-8",
        "evidence-analysis.R",
    )
