"""The web page /dashboard (issue 16 point 5): a region's enterprises and each enterprise's
kilns ranked worst first (level, then how far, then how long), each with its own top cause,
the age of its level and a "no records for N days" state; a trend per enterprise over its
own last days of records, as inline SVG. Times are plant times with the zone shown."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from kilnguard.api.deps import Who, uow
from kilnguard.api.features.dashboards import charts
from kilnguard.services import dashboard as db
from kilnguard.services.backtest import LEVEL_COLOURS, LEVELS
from kilnguard.web import pages

router = APIRouter(include_in_schema=False)
COLOURS = {**dict(zip(LEVELS, LEVEL_COLOURS, strict=True)), db.NO_LEVEL: "#c9cfd5"}
ORDER = ("stop", "red", "amber", "green", db.NO_LEVEL)


def trend_svg(trend: list[dict[str, Any]], *, compact: bool = False) -> Markup:
    """Stacked bars: kilns per level per day (worst on top) over the days of records given,
    with the first and last day written under them and a text legend (not when `compact`)."""
    if not trend:
        return Markup('<p class="trend-none">No records to show a trend.</p>')
    bar, gap, height = (5, 1, 28) if compact else (14, 3, 110)
    total = max(sum(int(t[k]) for k in ORDER) for t in trend) or 1
    width = len(trend) * (bar + gap)
    foot = 0 if compact else 36
    first, last = escape(trend[0]["day"]), escape(trend[-1]["day"])
    parts = [
        f'<svg class="trend" role="img" width="{width}" height="{height + foot}" '
        f'viewBox="0 0 {width} {height + foot}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>Kilns per risk level per day of records, {first} to {last}</title>",
    ]
    for i, t in enumerate(trend):
        x, y = i * (bar + gap), float(height)
        for level in reversed(ORDER):  # no records at the bottom, stop on top
            n = int(t[level])
            if not n:
                continue
            h = height * n / total
            y -= h
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="{bar}" height="{h:.1f}" '
                f'fill="{COLOURS[level]}"><title>{escape(t["day"])}: {n} {level}</title></rect>'
            )
    if not compact:
        parts.append(f'<text x="0" y="{height + 14}" font-size="11">{first}</text>')
        parts.append(
            f'<text x="{width}" y="{height + 14}" font-size="11" text-anchor="end">{last}</text>'
        )
        x = 0
        for level in ORDER:
            parts.append(
                f'<rect x="{x}" y="{height + 24}" width="10" height="10" fill="{COLOURS[level]}"/>'
                f'<text x="{x + 13}" y="{height + 33}" font-size="11">{level}</text>'
            )
            x += 14 + 7 * len(level) + 10
    parts.append("</svg>")
    return Markup("".join(parts))


def days(n: int | None) -> str:
    """'1 day', 'N days', '—'."""
    if n is None:
        return "—"
    return "1 day" if n == 1 else f"{n:,} days"


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, who: Who) -> HTMLResponse:
    with uow(request) as session:
        views = db.dashboards(session, who)
    return pages.render(
        request,
        "dashboards/dashboard.html",
        who,
        views=views,
        order=ORDER,
        trend_svg=trend_svg,
        days=days,
        plant_time=pages.plant_time,
        stale_after=db.STALE_AFTER_DAYS,
    )


if ("Dashboard", "/dashboard") not in pages.NAV:
    pages.NAV.append(("Dashboard", "/dashboard"))
charts.register()
