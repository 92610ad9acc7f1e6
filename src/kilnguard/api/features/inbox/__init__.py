"""The user's inbox over HTTP: REST JSON under /api/v1/inbox (:mod:`.routes`), the page /inbox
and the navigation's unread badge (:mod:`.pages`), pydantic models (:mod:`.schemas`). `router`
holds both, for the app."""

from fastapi import APIRouter

from kilnguard.api.features.inbox import pages, routes

__all__ = ["router"]

router = APIRouter()
router.include_router(routes.router)
router.include_router(pages.router)
