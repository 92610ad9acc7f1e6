"""Plant records over HTTP: REST JSON under /api/v1 (:mod:`.routes`), the kiln pages
(:mod:`.pages`), pydantic models (:mod:`.schemas`). `router` holds both, for the app."""

from fastapi import APIRouter

from kilnguard.api.features.records import pages, routes
from kilnguard.api.features.records.routes import KINDS as KINDS

__all__ = ["KINDS", "router"]

router = APIRouter()
router.include_router(routes.router)
router.include_router(pages.router)
