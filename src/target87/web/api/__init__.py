"""The REST API under ``/api/v1`` and its documentation page."""

from fastapi import APIRouter

from target87.web.api import docs, library, routes, supply

router = APIRouter()
router.include_router(routes.router)
router.include_router(supply.router)
router.include_router(library.router)
router.include_router(docs.router)

__all__ = ["router"]
