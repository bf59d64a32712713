"""Roadmap pages: a country's commitments and actions, the Gantt-style timeline with its
table, and the forms that add, edit and remove them (through ``reporting.roadmap``).

The timeline is a chart like the public ones (download as PNG, SVG, CSV; a share link), at
``/charts/reporting/countries/<code>/roadmap/chart-gantt.<fmt>``, but private: each file
asks ``reporting.roadmap`` for the reader's rights, as the page does, and is kept nowhere.
It has no embed page: another site's frame does not carry the reader's session (SameSite
cookie), so it could only ever show a refusal."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from target87 import reporting
from target87.evidence import taxonomy
from target87.evidence.what_works import pooled_evidence
from target87.presentation import translator
from target87.presentation.charts import roadmap_gantt_spec
from target87.presentation.charts.figure import ChartFigure
from target87.reporting.action_fields import ACTION_FIELDS, action_dict, overdue
from target87.reporting.models import ACTION_STATUSES, Action, Commitment
from target87.store.models import Series
from target87.web.reporting.forms import action_form, form_values
from target87.web.reporting.render import (
    by_field,
    country_or_none,
    done,
    guarded,
    page,
    status_of,
    text,
    version,
)
from target87.web.site import figures as chart_files
from target87.web.site.forms import PostedForm, guard
from target87.web.site.language import choose
from target87.web.site.visitors import CurrentVisitor, Visitor

router = APIRouter(include_in_schema=False, dependencies=[Depends(guard)])
GANTT = "chart-gantt"


def gantt_rows(commitments: list[Commitment], today: date, t) -> tuple[pd.DataFrame, list[dict]]:
    """The timeline's bars (actions with both dates) and the table of every action."""
    table = []
    for c in commitments:
        late = {a.id for a in overdue(c.actions, today)}
        for a in c.actions:
            table.append(
                {
                    "id": a.id,
                    "commitment": c.title,
                    "action": a.title,
                    "owner": a.owner_institution,
                    "start": a.start_date.isoformat() if a.start_date else None,
                    "due": a.due_date.isoformat() if a.due_date else None,
                    "status": a.status,
                    "status_label": t(f"action_{a.status}"),
                    "overdue": a.id in late,
                }
            )
    dated = [r for r in table if r["start"] and r["due"]]
    columns = ["action", "commitment", "owner", "start", "due", "status_label", "overdue"]
    frame = pd.DataFrame(dated, columns=columns).rename(columns={"status_label": "status"})
    return frame, table


def intervention_codes() -> tuple[str, ...]:
    """The codes an action may be linked to: the evidence base's intervention taxonomy."""
    return tuple(x.code for x in taxonomy.interventions())


def linked_evidence(v: Visitor, commitments: list[Commitment], lang: str) -> dict[str, dict]:
    """For each intervention type an action is linked to: its name, the pooled evidence per
    outcome and measure (``evidence.what_works``, worked examples left out) with each line's
    link to the analysis page, and the link to the type's whole analysis."""
    names = {x.code: x.name(lang) for x in taxonomy.interventions()}
    outcomes = {x.code: x.name(lang) for x in taxonomy.outcomes()}
    codes = sorted({a.intervention for c in commitments for a in c.actions if a.intervention})
    out = {}
    for code in codes:
        lines = pooled_evidence(v.db, code) if code in names else []
        out[code] = {
            "name": names.get(code, code),
            "href": "/evidence/analysis?" + urlencode({"intervention": code}),
            "lines": [
                {
                    "line": line,
                    "outcome": outcomes.get(line.outcome, line.outcome),
                    "href": "/evidence/analysis?" + urlencode(line.filters.items()),
                }
                for line in lines
            ],
        }
    return out


def roadmap_figures(
    area, commitments: list[Commitment], lang: str, today: date
) -> tuple[list[dict], list[ChartFigure]]:
    """The table of every action and the timeline's chart (none without a dated action), for
    the page and for the chart's files; its source is the roadmap itself, on ``today``."""
    t = translator(lang)
    frame, table = gantt_rows(commitments, today, t)
    if frame.empty:
        return table, []
    labels = {
        "overdue": t("overdue"),
        "today": t("today"),
        "status": t("status"),
        "statuses": [t(f"action_{s}") for s in ACTION_STATUSES],
    }
    text_ = t("gantt_text").format(n=len(frame), total=len(table))
    spec = roadmap_gantt_spec(frame, t("roadmap_timeline"), text_, labels, today)
    source = t("chart_roadmap_source").format(country=area.name(lang), date=today.isoformat())
    return table, [ChartFigure(GANTT, spec, t("roadmap_timeline"), sources=[source])]


def _readable_roadmap(v: Visitor, code: str):
    """The country and its roadmap, refused (``reporting``) unless the reader may read it."""
    area = country_or_none(v, code)
    if area is None:
        raise reporting.NotFound(f"no country {code!r}")
    return area, reporting.roadmap(v.db, v.actor, area.code)


def _roadmap_page(request: Request, v: Visitor, code: str, status: int = 200, **extra):
    area, commitments = _readable_roadmap(v, code)
    lang = choose(request)[0]
    table, figures = roadmap_figures(area, commitments, lang, date.today())
    # No view in the share link (the page has none: ``done`` is a confirmation), no embed.
    chart_files.links(request, figures, view=[], embed=False)
    spec = figures[0] if figures else None
    return page(
        request,
        v,
        "reporting/roadmap.html",
        status,
        area=area,
        commitments=commitments,
        table=table,
        spec=spec,
        late=sum(r["overdue"] for r in table),
        evidence=linked_evidence(v, commitments, lang),
        **extra,
    )


@router.get("/reporting/countries/{code}/roadmap", response_class=HTMLResponse)
def roadmap(request: Request, code: str, v: CurrentVisitor):
    return guarded(lambda: _roadmap_page(request, v, code), request, v)


@router.get("/charts/reporting/countries/{code}/roadmap/{chart_id}.{fmt}")
def roadmap_chart(request: Request, code: str, chart_id: str, fmt: str, v: CurrentVisitor):
    """The timeline as PNG, SVG or CSV, for a reader who may read the roadmap; anyone else
    (the public too: a file, not a page, so no sign-in form) gets the refusal's status."""

    def build() -> list[ChartFigure]:
        area, commitments = _readable_roadmap(v, code)
        return roadmap_figures(area, commitments, choose(request)[0], date.today())[1]

    path = f"/reporting/countries/{code}/roadmap"
    try:
        return chart_files.chart_file(request, path, chart_id, fmt, build, private=True)
    except reporting.ReportingError as exc:
        v.db.rollback()
        return _refusal(request, v, exc)


def _refusal(request: Request, v: Visitor, exc: reporting.ReportingError) -> Response:
    return page(request, v, "reporting/refused.html", status_of(exc), message=str(exc), problems=[])


@router.post("/reporting/countries/{code}/commitments")
def add_commitment(request: Request, code: str, form: PostedForm, v: CurrentVisitor):
    def act():
        try:
            reporting.create_commitment(
                v.db, v.actor, code.upper(), text(form, "title"), text(form, "description")
            )
        except reporting.ValidationFailed as exc:
            return _roadmap_page(request, v, code, 422, problems=by_field(exc.problems), form=form)
        return done(f"/reporting/countries/{code.upper()}/roadmap", "created")

    return guarded(act, request, v)


def _commitment_country(v: Visitor, commitment_id: int) -> str:
    row = v.db.get(Commitment, commitment_id)
    if row is None:
        raise reporting.NotFound(f"no commitment {commitment_id}")
    return row.country


@router.post("/reporting/commitments/{commitment_id}")
def edit_commitment(
    request: Request,
    commitment_id: int,
    form: PostedForm,
    v: CurrentVisitor,
):
    def act():
        country = _commitment_country(v, commitment_id)
        try:
            reporting.update_commitment(
                v.db,
                v.actor,
                commitment_id,
                version(form),
                text(form, "title"),
                text(form, "description"),
            )
        except (reporting.ValidationFailed, reporting.ConflictError) as exc:
            v.db.rollback()
            problems = getattr(exc, "problems", [])
            conflict = None if problems else str(exc)
            return _roadmap_page(
                request,
                v,
                country,
                422 if problems else 409,
                problems=by_field(problems),
                conflict=conflict,
                editing=commitment_id,
            )
        return done(f"/reporting/countries/{country}/roadmap", "saved", f"#c{commitment_id}")

    return guarded(act, request, v)


@router.post("/reporting/commitments/{commitment_id}/delete")
def remove_commitment(
    request: Request,
    commitment_id: int,
    form: PostedForm,
    v: CurrentVisitor,
):
    def act():
        country = _commitment_country(v, commitment_id)
        reporting.delete_commitment(v.db, v.actor, commitment_id, version(form))
        return done(f"/reporting/countries/{country}/roadmap", "removed")

    return guarded(act, request, v)


def _action_page(
    request: Request,
    v: Visitor,
    commitment: Commitment,
    action: Action | None,
    data: dict,
    status: int = 200,
    **extra,
):
    reporting.roadmap(v.db, v.actor, commitment.country)  # refused unless the reader may
    lang = choose(request)[0]
    return page(
        request,
        v,
        "reporting/action.html",
        status,
        commitment=commitment,
        action=action,
        values=form_values(data),
        statuses=ACTION_STATUSES,
        series=list(v.db.execute(select(Series.code).order_by(Series.code)).scalars()),
        interventions=[(x.code, x.name(lang)) for x in taxonomy.interventions()],
        **extra,
    )


def _problems(exc: reporting.ValidationFailed, names: dict[str, str]) -> dict:
    grouped = by_field(exc.problems)
    return {names.get(k, k) if k else k: p for k, p in grouped.items()}


@router.get("/reporting/commitments/{commitment_id}/actions/new", response_class=HTMLResponse)
def new_action(request: Request, commitment_id: int, v: CurrentVisitor):
    def show():
        commitment = v.db.get(Commitment, commitment_id)
        if commitment is None:
            raise reporting.NotFound(f"no commitment {commitment_id}")
        return _action_page(request, v, commitment, None, {"status": "planned"})

    return guarded(show, request, v)


@router.post("/reporting/commitments/{commitment_id}/actions")
def add_action(
    request: Request,
    commitment_id: int,
    form: PostedForm,
    v: CurrentVisitor,
):
    def act():
        data, names = action_form(form)
        try:
            action = reporting.create_action(
                v.db, v.actor, commitment_id, data, intervention_codes()
            )
        except reporting.ValidationFailed as exc:
            v.db.rollback()
            commitment = v.db.get(Commitment, commitment_id)
            problems = _problems(exc, names)
            return _action_page(request, v, commitment, None, data, 422, problems=problems)
        country = action.commitment.country
        return done(f"/reporting/countries/{country}/roadmap", "created", f"#a{action.id}")

    return guarded(act, request, v)


def _load_action(v: Visitor, action_id: int) -> Action:
    action = v.db.get(Action, action_id)
    if action is None:
        raise reporting.NotFound(f"no action {action_id}")
    return action


@router.get("/reporting/actions/{action_id}", response_class=HTMLResponse)
def edit_action_page(request: Request, action_id: int, v: CurrentVisitor):
    def show():
        action = _load_action(v, action_id)
        return _action_page(request, v, action.commitment, action, action_dict(action))

    return guarded(show, request, v)


@router.post("/reporting/actions/{action_id}")
def edit_action(request: Request, action_id: int, form: PostedForm, v: CurrentVisitor):
    def act():
        data, names = action_form(form)
        try:
            action = reporting.update_action(
                v.db, v.actor, action_id, version(form), data, intervention_codes()
            )
        except (reporting.ValidationFailed, reporting.ConflictError) as exc:
            v.db.rollback()
            action = _load_action(v, action_id)
            if isinstance(exc, reporting.ConflictError):  # show theirs, keep yours beside
                unsaved = {k: data[k] for k in ACTION_FIELDS if data[k]}
                return _action_page(
                    request, v, action.commitment, action, action_dict(action), 409,
                    conflict=str(exc), unsaved=unsaved,
                )  # fmt: skip
            problems = _problems(exc, names)
            return _action_page(request, v, action.commitment, action, data, 422, problems=problems)
        country = action.commitment.country
        return done(f"/reporting/countries/{country}/roadmap", "saved", f"#a{action.id}")

    return guarded(act, request, v)


@router.post("/reporting/actions/{action_id}/delete")
def remove_action(request: Request, action_id: int, form: PostedForm, v: CurrentVisitor):
    def act():
        country = _load_action(v, action_id).commitment.country
        reporting.delete_action(v.db, v.actor, action_id, version(form))
        return done(f"/reporting/countries/{country}/roadmap", "removed")

    return guarded(act, request, v)
