"""The knowledge library section: one search box over documents, good practices, the
directory of services and the indicator catalogue (``search``), each document's page and the
editors' upload form (``documents``), good practices and directory entries with their forms
and review (``practices``, ``services``)."""

from fastapi import APIRouter

from target87.web.library import documents, practices, search, services

router = APIRouter(include_in_schema=False)
for _part in (search, documents, practices, services):
    router.include_router(_part.router)
router.include_router(documents.upload_router)

__all__ = ["router"]
