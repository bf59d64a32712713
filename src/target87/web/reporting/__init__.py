"""National reporting in the browser: each person's account, the dashboard and the countries'
pages, roadmaps, reports, review, the administration of accounts and agreed indicators, and
the loading of national data files into the warehouse (``upload``).
The pages call ``target87.reporting`` with the visitor's ``Actor`` and decide no right
themselves (``reporting.permissions`` does); every route goes through ``site.forms.guard``."""

from fastapi import APIRouter

from target87.web.reporting import account, admin, dashboard, report, review, roadmap, upload

router = APIRouter(include_in_schema=False)
for _module in (account, dashboard, roadmap, report, review, admin, upload):
    router.include_router(_module.router)

__all__ = ["router"]
