"""The safe production planner over HTTP: REST JSON (:mod:`.routes`), planning jobs off the request path (:mod:`.jobs`), the `/plan` page with its
charts (:mod:`.pages`), pydantic models (:mod:`.schemas`). `router` holds both, for the app."""

from fastapi import APIRouter

from kilnguard.api.features.planning import jobs, pages, routes

__all__ = ["router"]

router = APIRouter()
router.include_router(routes.router)
router.include_router(jobs.router)
router.include_router(pages.router)
