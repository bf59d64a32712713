"""The supply-chain section: footprint maps by consuming country and the share of child labour
linked to exports by producing country (``pages``), a region's sectors and tiers, and the
sourcing screen of an uploaded supplier list (``screen``), public and never stored."""

from fastapi import APIRouter

from target87.web.supply import pages, screen

router = APIRouter(include_in_schema=False)
router.include_router(pages.router)
router.include_router(screen.router)

__all__ = ["router"]
