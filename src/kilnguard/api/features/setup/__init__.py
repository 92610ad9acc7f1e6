"""Plant set-up over HTTP: REST JSON under /api/v1 (:mod:`.routes`) to create, change, retire
and reinstate regions, enterprises, sections, kilns, crews, workers and logins; pydantic models
(:mod:`.schemas`); the set-up pages for administrators and managers (:mod:`.pages`). `router`
holds both, for the app (discovered by `kilnguard.plugins`)."""

from fastapi import APIRouter

from kilnguard.api.features.setup import pages, routes

__all__ = ["router"]

router = APIRouter()
router.include_router(routes.router)
router.include_router(pages.router)
