"""The kiln page's interactive risk chart panel (issue 16 point 7): the page carries only an
element with the data URL (`/api/v1/kilns/{id}/risk-chart`, :mod:`.routes`); the static file
`web/static/risk-chart.js` draws it with the vendored uPlot (no inline script under the CSP).
The static PNG (/kilns/{id}/risk.png) stays for reports, linked from the panel."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kilnguard.services.access import Principal
from kilnguard.services.records import views
from kilnguard.web import pages

TEMPLATE = "dashboards/kiln_chart.html"
TITLE = "Risk chart"


def kiln_chart_panel(session: Session, who: Principal, kiln: views.KilnRef) -> dict[str, Any]:
    """Only URLs: the data comes from the JSON route after the page has been shown."""
    return {
        "src": f"/api/v1/kilns/{kiln.id}/risk-chart",
        "png": f"/kilns/{kiln.id}/risk.png",
        "kiln": kiln.name,
    }


def register() -> None:
    """Add the panel to the kiln page once (importing the feature twice adds nothing)."""
    if not any(t == TEMPLATE for _, t, _ in pages.KILN_PANELS):
        pages.KILN_PANELS.append((TITLE, TEMPLATE, kiln_chart_panel))
