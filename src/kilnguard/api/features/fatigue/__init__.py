"""Crew fatigue on the kiln page: the HSE Fatigue and Risk Index (FI and RI, with their three
components) per worker and per crew, as a kiln-page panel (:mod:`.pages`). `router` is empty: the
panel is rendered inside the kiln page; the app's feature discovery (`kilnguard.plugins`) imports
the package, which registers the panel."""

from fastapi import APIRouter

from kilnguard.api.features.fatigue import pages

__all__ = ["router"]

router = APIRouter()
router.include_router(pages.router)
