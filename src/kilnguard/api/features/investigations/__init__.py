"""Incidents, investigations, bulletins and rates over HTTP (issue 6): REST JSON
(:mod:`.routes`, under /api/v1), web pages (:mod:`.pages`), pydantic models (:mod:`.schemas`).
`router` holds both, for the app. Everything goes through `services.investigation`, so tenancy
(404 for other enterprises) and the audit log apply."""

from fastapi import APIRouter

from kilnguard.api.features.investigations import pages, routes

__all__ = ["router"]

router = APIRouter()
router.include_router(routes.router)
router.include_router(pages.router)
