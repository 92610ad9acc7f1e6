"""The safe production planner over HTTP: REST JSON (:mod:`.routes`), the `/plan` page with its
charts (:mod:`.pages`), pydantic models (:mod:`.schemas`). `router` holds both, for the app."""

from fastapi import APIRouter

from kilnguard.api.features.planning import pages, routes

__all__ = ["router"]

router = APIRouter()
router.include_router(routes.router)
router.include_router(pages.router)
