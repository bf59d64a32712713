"""The supply-chain endpoints of the API: footprint accounts of the input-output system shown
(``TARGET87_MRIO`` or the demonstration system) and the sourcing screen of an uploaded
supplier list, read in memory and never stored."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from target87.supply.demo import regional_accounts, shown_system
from target87.supply.errors import SupplyError
from target87.supply.screen_facts import screen_suppliers
from target87.supply.screen_io import DEFAULT_MAX_BYTES, parse_suppliers, result_dict
from target87.web.api.http import ApiError, CachedRoute, json_safe
from target87.web.api.models import ErrorBody
from target87.web.site.uploads import TooLarge, form_parts, read_body

router = APIRouter(prefix="/api/v1", route_class=CachedRoute, tags=["api v1"])
SUPPLY_SCREEN_LIMIT = DEFAULT_MAX_BYTES
SUPPLY_FORM_MARGIN = 64 * 1024  # the multipart framing around the file


@router.get(
    "/supply/footprints",
    responses={404: {"model": ErrorBody, "description": "Unknown extension or region"}},
    summary="Footprint accounts per extension and region, with pymrio's names",
)
def get_supply_footprints(
    request: Request,
    extension: Annotated[str | None, Query(description="one extension, e.g. child_labour")] = None,
    region: Annotated[str | None, Query(description="one region of the system, e.g. CIV")] = None,
) -> dict:
    """``D_cba_reg``, ``D_pba_reg``, ``D_imp_reg`` and ``D_exp_reg`` of each extension's
    stressors by region, with units, sources, assumptions and ``demonstration`` (true when the
    system shown is the made-up demonstration one: no real table configured with
    ``TARGET87_MRIO``)."""
    shown = shown_system(request.app.state)
    try:
        found = regional_accounts(shown.footprints, extension or None, region or None)
    except SupplyError as exc:
        value = extension if "extension" in str(exc) else region
        raise ApiError(404, str(exc), value=value) from None
    found["notes"] = [shown.note, *([shown.problem] if shown.problem else [])]
    return json_safe(found)


async def _supply_upload(request: Request) -> tuple[str, bytes] | None:
    """The first file of a multipart body, read into memory only and refused with 413 once
    the body passes the limit (by its declared length before reading, else as it arrives)."""
    try:
        body = await read_body(request, SUPPLY_SCREEN_LIMIT + SUPPLY_FORM_MARGIN)
    except TooLarge:
        raise ApiError(
            413,
            f"the upload is over the limit of {SUPPLY_SCREEN_LIMIT // (1024 * 1024)} MB for a "
            "supplier list: split it, or keep only the columns supplier, country, commodity, "
            "spend",
        ) from None
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise ApiError(415, "send the supplier list as multipart/form-data (a field named file)")
    _fields, upload = form_parts(body, content_type)
    if upload is not None and len(upload[1]) > SUPPLY_SCREEN_LIMIT:
        raise ApiError(413, f"the file is over the limit of {SUPPLY_SCREEN_LIMIT // 1048576} MB")
    return (upload[0] or "suppliers.csv", upload[1]) if upload else None


@router.post(
    "/supply/screen",
    responses={
        400: {"model": ErrorBody, "description": "No file, or a file that cannot be read"},
        413: {"model": ErrorBody, "description": "The upload is over the size limit"},
    },
    summary="Screen a supplier list (multipart file): flags with reasons and sources, ranked",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                }
            },
        }
    },
)
async def post_supply_screen(
    request: Request,
    lang: Annotated[Literal["en", "fr", "es"], Query(description="language of the reasons")] = "en",
) -> dict:
    """The sourcing screen of an uploaded supplier list (CSV or Excel: supplier, country,
    commodity as a name or HS code, spend): each line's flags (US DOL list, child and forced
    labour figures, ratifications), each with its reason and source, ranked by severity and
    likelihood. The list is read in memory and never stored."""
    upload = await _supply_upload(request)
    if upload is None:
        raise ApiError(400, "no file: send the supplier list as the multipart field 'file'")
    name, data = upload
    try:
        lines = parse_suppliers(data, name, limit=SUPPLY_SCREEN_LIMIT)
    except SupplyError as exc:
        raise ApiError(400, str(exc), value=name) from None

    def screen() -> dict:
        given = shown_system(request.app.state).intensity()  # a real table's, else none
        intensity, source = given if given else (None, "input-output")
        with Session(request.app.state.engine) as session:
            found = screen_suppliers(session, lines, intensity, intensity_source=source)
            return result_dict(found, lang)

    return json_safe(await run_in_threadpool(screen))
