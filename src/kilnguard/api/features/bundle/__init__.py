"""Bundle import and export over HTTP: the upload page with its progress bar, preview and
commit, the template and export downloads (:mod:`.pages`), the JSON routes under
/api/v1/bundle/imports (:mod:`.routes`), pydantic models (:mod:`.schemas`); imports run in
background jobs (:mod:`.jobs`). `router` holds both, for the app."""

from fastapi import APIRouter

from kilnguard.api.features.bundle import pages, routes

__all__ = ["router"]

router = APIRouter()
router.include_router(routes.router)
router.include_router(pages.router)
