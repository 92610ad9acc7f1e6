"""Change control over HTTP: REST routes under /api/v1/changes and /api/v1/notifications
(`routes`, bodies and page forms in `schemas`), and the web pages /changes and /changes/{id}
(`pages`); `acts` holds what both hand to the service acts (fields as keyword arguments, the
evidence upload).

`router` carries both, for the app's feature discovery (`kilnguard.plugins`)."""

from __future__ import annotations

from fastapi import APIRouter

from kilnguard.api.features.change_control.pages import pages_router
from kilnguard.api.features.change_control.routes import router as rest_router

router = APIRouter()
router.include_router(rest_router)
router.include_router(pages_router)

__all__ = ["pages_router", "rest_router", "router"]
