"""Risk roll-ups over HTTP: REST JSON under /api/v1/dashboards (:mod:`.routes`), the web page
/dashboard (:mod:`.pages`), pydantic models (:mod:`.schemas`). `router` holds both."""

from fastapi import APIRouter

from kilnguard.api.features.dashboards import pages, routes
from kilnguard.api.features.dashboards.pages import trend_svg as trend_svg

__all__ = ["router", "trend_svg"]

router = APIRouter()
router.include_router(routes.router)
router.include_router(pages.router)
