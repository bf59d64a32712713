"""Good practices in the browser: ``/library/practices`` (list by country and theme), each
practice's page (with the roadmap actions it informs, and the pooled evidence for its
intervention type: ``/evidence?intervention=CODE``), the new/edit form, the review queue and
the workflow buttons (``record_pages``). The intervention type is checked here against the
evidence taxonomy, since the library does not import the evidence room."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from starlette.datastructures import FormData

from target87.evidence import taxonomy
from target87.library import practices
from target87.library.models import THEMES, GoodPractice
from target87.library.records import RecordFilters
from target87.web.library.record_pages import (
    RecordPages,
    add_record_routes,
    form_data,
    may,
    new_router,
)
from target87.web.site.language import choose
from target87.web.site.visitors import Visitor

router = new_router()


def intervention_names(lang: str) -> dict[str, str]:
    return {x.code: x.name(lang) for x in taxonomy.interventions()}


def _filters(request: Request) -> RecordFilters:
    q = request.query_params
    theme = q.get("theme", "")
    return RecordFilters(
        country=q.get("country", "").strip().upper()[:16],
        status=q.get("status", ""),
        theme=theme if theme in THEMES else "",
    )


def _save(v: Visitor, form: FormData, record_id: int | None) -> GoodPractice:
    data = form_data(form, practices.FIELDS, ("themes", "actions"))
    codes = tuple(intervention_names("en"))
    if record_id is None:
        return practices.create(v.db, v.actor, data, codes)
    return practices.edit(v.db, v.actor, record_id, data, codes)


def _form_values(v: Visitor, record: GoodPractice) -> dict[str, Any]:
    values = {f: getattr(record, f) or "" for f in practices.STORED}
    values["themes"] = practices.themes_of(record)
    values["actions"] = [str(a.id) for a in practices.linked_actions(v.db, record.id)]
    return values


def _form_context(request: Request, v: Visitor, values: dict[str, Any]) -> dict[str, Any]:
    """The choices of the form: themes, intervention types, and the roadmap actions of the
    countries the visitor may write for (a practice links to its own country's only)."""
    lang = choose(request)[0]
    actions = []
    countries = {values.get("country"), v.user.country}  # the form's country, the user's own
    for country in sorted(c for c in countries if c and may(v.user, "read_unpublished", c)):
        for action in practices.country_actions(v.db, v.actor, country):
            actions.append((str(action.id), country, action.title))
    values.setdefault("actions", [])
    values.setdefault("themes", [])
    return {
        "themes": THEMES,
        "interventions": sorted(intervention_names(lang).items(), key=lambda p: p[1]),
        "actions": actions,
    }


def _page_context(request: Request, v: Visitor, record: GoodPractice) -> dict[str, Any]:
    lang = choose(request)[0]
    linked = practices.linked_actions(v.db, record.id)
    code = record.intervention_type
    return {
        "themes_of": practices.themes_of(record),
        "intervention_name": intervention_names(lang).get(code, code) if code else None,
        "evidence_href": f"/evidence?{urlencode({'intervention': code})}" if code else None,
        "linked": linked,
        # a roadmap is read with read_unpublished for its country: others see how many
        "roadmap_readable": may(v.user, "read_unpublished", record.country),
    }


def _list_context(request: Request, v: Visitor) -> dict[str, Any]:
    return {"themes": THEMES}


PAGES = RecordPages(
    module=practices,
    path="/library/practices",
    prefix="library/practice_",
    filters=_filters,
    save=_save,
    form_values=_form_values,
    form_context=_form_context,
    page_context=_page_context,
    list_context=_list_context,
)
add_record_routes(router, PAGES)
