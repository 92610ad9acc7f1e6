"""Alerts over HTTP: REST JSON under /api/v1/alerts (:mod:`.routes`), the inbox and the kiln
page's risk panel and plot (:mod:`.pages`), pydantic models (:mod:`.schemas`). `router` holds
both, for the app."""

from fastapi import APIRouter

from kilnguard.api.features.alerts import pages, routes

__all__ = ["router"]

router = APIRouter()
router.include_router(routes.router)
router.include_router(pages.router)
