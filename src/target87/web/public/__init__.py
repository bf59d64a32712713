"""The public pages: the dashboard, the countries and their profiles, the indicator explorer,
the sources and the page about the platform."""

from fastapi import APIRouter

from target87.web.public import charts, countries, dashboard, explore, sources

router = APIRouter(include_in_schema=False)
for _module in (dashboard, countries, explore, sources, charts):
    router.include_router(_module.router)

__all__ = ["router"]
