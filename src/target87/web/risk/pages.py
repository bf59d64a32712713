"""Pages of the published CLRISK runs (``target87 risk publish``): what they hold was
disclosure-controlled when the run was made; a synthetic run says so on every page."""

from __future__ import annotations

import io

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from target87.presentation import translator
from target87.presentation.charts import class_map_spec, risk_ranking_spec
from target87.presentation.charts.figure import ChartFigure
from target87.risk.catalog import public_document, published_runs
from target87.risk.report_html import Words
from target87.risk.run_record import RiskRunRecord
from target87.web.site import figures as chart_files
from target87.web.site.cache import cached_page
from target87.web.site.figures import chart_file, embed_page
from target87.web.site.language import choose
from target87.web.site.render import render, session

router = APIRouter(include_in_schema=False)
RANKED = 30  # territories on the ranking chart (the table holds them all)


@router.get("/risk", response_class=HTMLResponse)
@cached_page
def risk_runs(request: Request):
    with session(request) as s:
        shown = [(r, public_document(r)) for r in published_runs(s)]
        runs = [(r, doc) for r, doc in shown if doc is not None]
    rows = [
        {
            "id": r.id,
            "name": r.name,
            "country": r.country,
            "synthetic": r.synthetic,
            "published": r.published_at.date().isoformat(),
            "risk": doc["national"].get("risk"),
            "territories": len(doc["territories"]),
        }
        for r, doc in runs
    ]
    return render(request, "risk_list.html", runs=rows)


@router.get("/risk/{run_id}", response_class=HTMLResponse)
@cached_page
def risk_run(request: Request, run_id: int):
    lang, _ = choose(request)
    with session(request) as s:
        record = s.get(RiskRunRecord, run_id)
        if record is None:
            return render(request, "not_found.html", status_code=404, what=str(run_id))
        doc = public_document(record)
        if doc is None:
            return render(request, "not_found.html", status_code=404, what=str(run_id))
    territories = pd.DataFrame(doc["territories"])
    shown = territories.sort_values("risk", ascending=False, na_position="last")
    figures = run_figures(record, doc, lang)
    chart_files.links(request, figures)
    chart_files.remember(request, request.url.path, figures)
    by_id = {f.id: f for f in figures}
    return render(
        request,
        "risk_run.html",
        run=record,
        doc=doc,
        rows=shown.to_dict("records"),
        levels=doc["levels"],
        map_spec=by_id.get("chart-risk-map"),
        ranking_spec=by_id.get("chart-risk-ranking"),
        w=Words(lang),  # the risk modules' own words (classes, rules, reasons) in ``lang``
    )


def run_figures(record: RiskRunRecord, doc: dict, lang: str) -> list[ChartFigure]:
    """The run's charts (its territories' classes on a map, the highest risks), for the page
    and for the chart files; their source is the published run itself."""
    t = translator(lang)
    territories = pd.DataFrame(doc["territories"])
    labels = list(doc["classification"]["labels"])
    published = record.published_at.date().isoformat() if record.published_at else ""
    source = f"target87 CLRISK run {record.id}: {record.name} ({published})"
    figures = []
    if doc.get("geojson"):
        text = t("risk_map_text").format(n=len(territories), k=len(labels))
        spec = class_map_spec(
            doc["geojson"],
            labels,
            t("risk_map"),
            text,
            t("suppressed"),
            lang=lang,
            source=f"target87 CLRISK run {record.id}: {record.name}",
            year=published[:4],
        )
        figures.append(
            ChartFigure("chart-risk-map", spec, t("risk_map"), t("chart_unit_class"), [source])
        )
    shown_top = min(RANKED, len(territories))
    ranking = risk_ranking_spec(
        territories, t("risk_ranking"), t("risk_ranking_text").format(n=shown_top), top=RANKED
    )
    figures.append(
        ChartFigure("chart-risk-ranking", ranking, t("risk_ranking"), t("risk"), [source])
    )
    return figures


def _figures(request: Request, run_id: int):
    def build() -> list[ChartFigure] | None:
        with session(request) as s:
            record = s.get(RiskRunRecord, run_id)
            doc = None if record is None else public_document(record)
            if doc is None:
                return None
            return run_figures(record, doc, choose(request)[0])

    return build


@router.get("/charts/risk/{run_id}/{chart_id}.{fmt}")
def risk_chart(request: Request, run_id: int, chart_id: str, fmt: str):
    """A run's chart as SVG, PNG or CSV (``web.site.figures``)."""
    return chart_file(request, f"/risk/{run_id}", chart_id, fmt, _figures(request, run_id))


@router.get("/embed/risk/{run_id}/{chart_id}")
def risk_embed(request: Request, run_id: int, chart_id: str):
    return embed_page(request, f"/risk/{run_id}", chart_id, _figures(request, run_id))


def _document(request: Request, run_id: int) -> dict | None:
    with session(request) as s:
        record = s.get(RiskRunRecord, run_id)
        return None if record is None else public_document(record)


@router.get("/risk/{run_id}/territories.csv")
def risk_run_csv(request: Request, run_id: int):
    """The published territory table, as the run wrote it (already disclosure-controlled)."""
    doc = _document(request, run_id)
    if doc is None:
        return Response("unknown run", status_code=404, media_type="text/plain")
    buffer = io.StringIO()
    pd.DataFrame(doc["territories"]).to_csv(buffer, index=False)
    headers = {"Content-Disposition": f'attachment; filename="risk-run-{run_id}.csv"'}
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/risk/{run_id}/report.html")
def risk_run_report(request: Request, run_id: int):
    """The run's self-contained report in the reader's language, as a download (its inline
    CSS stays out of our CSP)."""
    from target87.risk.report_html import render_report

    lang, _ = choose(request)
    doc = _document(request, run_id)
    if doc is None:
        return Response("unknown run", status_code=404, media_type="text/plain")
    headers = {
        "Content-Disposition": f'attachment; filename="risk-run-{run_id}-report.html"',
        "Content-Language": lang,
        "Vary": "Accept-Language, Cookie",
    }
    return Response(
        render_report(doc, lang), media_type="text/html; charset=utf-8", headers=headers
    )
