"""The directory of services in the browser: ``/library/services`` (list by country and type),
each entry's page, the new/edit form, the review queue and the workflow buttons
(``record_pages``). An entry describes an organisation: the form says, in words, that it holds
no personal data about victims or survivors."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData

from target87.library import services
from target87.library.models import SERVICE_TYPES, ServiceEntry
from target87.library.records import RecordFilters
from target87.web.library.record_pages import RecordPages, add_record_routes, form_data, new_router
from target87.web.site.visitors import Visitor

router = new_router()


def _filters(request: Request) -> RecordFilters:
    q = request.query_params
    service_type = q.get("type", "")
    return RecordFilters(
        country=q.get("country", "").strip().upper()[:16],
        status=q.get("status", ""),
        service_type=service_type if service_type in SERVICE_TYPES else "",
    )


def _save(v: Visitor, form: FormData, record_id: int | None) -> ServiceEntry:
    data = form_data(form, services.FIELDS, ())
    if record_id is None:
        return services.create(v.db, v.actor, data)
    return services.edit(v.db, v.actor, record_id, data)


def _form_values(v: Visitor, record: ServiceEntry) -> dict[str, Any]:
    values = {f: getattr(record, f) or "" for f in services.STORED}
    values["checked_on"] = record.checked_on.isoformat()
    return values


def _form_context(request: Request, v: Visitor, values: dict[str, Any]) -> dict[str, Any]:
    values.setdefault("checked_on", date.today().isoformat())
    return {"types": SERVICE_TYPES, "today": date.today().isoformat()}


def _page_context(request: Request, v: Visitor, record: ServiceEntry) -> dict[str, Any]:
    return {"spoken": services.languages_of(record)}


def _list_context(request: Request, v: Visitor) -> dict[str, Any]:
    return {"types": SERVICE_TYPES}


PAGES = RecordPages(
    module=services,
    path="/library/services",
    prefix="library/service_",
    filters=_filters,
    save=_save,
    form_values=_form_values,
    form_context=_form_context,
    page_context=_page_context,
    list_context=_list_context,
)
add_record_routes(router, PAGES)
