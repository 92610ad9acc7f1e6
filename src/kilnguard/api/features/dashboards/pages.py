"""The web page /dashboard: each roll-up's levels as text and colour, a 30-day trend as
inline SVG."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from kilnguard.api.deps import Who, uow
from kilnguard.services import rollup as ru
from kilnguard.services.backtest import LEVEL_COLOURS, LEVELS
from kilnguard.web import pages

router = APIRouter(include_in_schema=False)
COLOURS = {**dict(zip(LEVELS, LEVEL_COLOURS, strict=True)), "no records": "#c9cfd5"}
ORDER = ("stop", "red", "amber", "green", "no records")


def trend_svg(trend: list[dict[str, Any]]) -> Markup:
    """Stacked bars: kilns per level per day (worst on top), with a text legend and titles."""
    if not trend:
        return Markup("<p>No records in the last 30 days.</p>")
    bar, gap, height = 14, 3, 110
    total = max(sum(int(t[k]) for k in ORDER) for t in trend) or 1
    width = len(trend) * (bar + gap)
    parts = [
        f'<svg class="trend" role="img" width="{width}" height="{height + 36}" '
        f'viewBox="0 0 {width} {height + 36}" xmlns="http://www.w3.org/2000/svg">',
        "<title>Kilns per risk level per day, last 30 days of records</title>",
    ]
    for i, t in enumerate(trend):
        x = i * (bar + gap)
        y = float(height)
        for level in reversed(ORDER):  # green at the bottom, stop on top
            n = int(t[level])
            if not n:
                continue
            h = height * n / total
            y -= h
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="{bar}" height="{h:.1f}" '
                f'fill="{COLOURS[level]}"><title>{escape(t["day"])}: {n} {level}</title></rect>'
            )
    first, last = trend[0]["day"], trend[-1]["day"]
    parts.append(f'<text x="0" y="{height + 14}" font-size="10">{escape(first)}</text>')
    parts.append(
        f'<text x="{width}" y="{height + 14}" font-size="10" text-anchor="end">'
        f"{escape(last)}</text>"
    )
    x = 0
    for level in ORDER:
        parts.append(
            f'<rect x="{x}" y="{height + 24}" width="10" height="10" fill="{COLOURS[level]}"/>'
            f'<text x="{x + 13}" y="{height + 33}" font-size="10">{level}</text>'
        )
        x += 14 + 7 * len(level) + 10
    parts.append("</svg>")
    return Markup("".join(parts))


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, who: Who) -> HTMLResponse:
    with uow(request) as session:
        views = ru.dashboards(session, who)
    return pages.render(
        request,
        "dashboards/dashboard.html",
        who,
        views=views,
        order=ORDER,
        colours=COLOURS,
        trend_svg=trend_svg,
    )


if ("Dashboard", "/dashboard") not in pages.NAV:
    pages.NAV.append(("Dashboard", "/dashboard"))
