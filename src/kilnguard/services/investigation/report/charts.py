"""The report's charts as PNG bytes: load against rating, crew fatigue, the CAST control
structure, and incident rates by month. Rendered in memory on an explicit Agg canvas
(``matplotlib.figure.Figure`` + ``FigureCanvasAgg``): no pyplot state, no global backend switch,
no temp files, safe in a server's threads."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num as _date2num
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from kilnguard.domain.risk import RiskConfig
from kilnguard.services.investigation.rates import RateRow


def date2num(value: Any) -> Any:
    """matplotlib's day numbers (typed wrapper; matplotlib.dates is untyped)."""
    return _date2num(value)  # type: ignore[no-untyped-call]


def _png(fig: Figure, *, dpi: int = 110) -> bytes:
    """The figure rendered as PNG bytes on its own Agg canvas."""
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def _axes(width_in: float, height_in: float) -> tuple[Figure, Any]:
    """A new figure of the given size [in] with one axes."""
    fig = Figure(figsize=(width_in, height_in))
    return fig, fig.subplots()


def _mark(ax: Any, day: dt.date, label: str, *, color: str, lw: float, fontsize: int) -> None:
    """A labelled vertical line on a day of a time chart."""
    x = float(date2num(day))
    ax.axvline(x, color=color, lw=lw)
    ax.annotate(
        label,
        (x, ax.get_ylim()[1]),
        fontsize=fontsize,
        color=color,
        rotation=90,
        va="top",
        ha="right",
    )


def load_chart(data: dict[str, Any]) -> bytes:
    """Output against rating per day over the window, with targets, deferrals and the
    incident marked."""
    tz: ZoneInfo = data["tz"]
    series: dict[str, list[tuple[dt.date, float, float]]] = defaultdict(list)
    for t in data["by_kind"]["production"]:
        f = t["facts"]
        series[t["kiln"] or "?"].append(
            (
                dt.date.fromisoformat(f["day"]),
                float(f["output_t"]),
                float(f["rated_capacity_t_per_day"]),
            )
        )
    fig, ax = _axes(9, 3.6)
    for kiln, pts in sorted(series.items()):
        pts.sort()
        days = [p[0] for p in pts]
        ax.plot(
            date2num(days), [p[1] for p in pts], marker=".", lw=1.5, label=f"{kiln} output [t/day]"
        )
        ax.step(
            date2num(days),
            [p[2] for p in pts],
            where="mid",
            ls="--",
            color="black",
            label=f"{kiln} rating",
        )
    for t in data["by_kind"]["targets"]:
        at = dt.datetime.fromisoformat(t["at"]).astimezone(tz).date()
        _mark(ax, at, "target entered", color="tab:purple", lw=1, fontsize=7)
    for t in data["by_kind"]["deferred"]:
        at = dt.datetime.fromisoformat(t["at"]).astimezone(tz).date()
        ax.axvline(float(date2num(at)), color="tab:orange", lw=0.8, ls=":")
    inc_at = dt.datetime.fromisoformat(data["incident"]["occurred_at"]).astimezone(tz).date()
    _mark(ax, inc_at, "incident", color="red", lw=2, fontsize=8)
    ax.set_ylabel("t/day")
    ax.set_title("Load against rating (dotted orange: repair deferred)", fontsize=10)
    if series:
        ax.legend(fontsize=7, loc="upper left")
    ax.xaxis_date()
    fig.autofmt_xdate()
    return _png(fig)


def fatigue_chart(data: dict[str, Any]) -> bytes:
    """Peak KSS of each shift on the incident kiln (three-process model)."""
    tz: ZoneInfo = data["tz"]
    pts = [
        (dt.datetime.fromisoformat(t["at"]).astimezone(tz), t["facts"].get("fatigue_score"))
        for t in data["by_kind"]["shifts"]
    ]
    pts = [(a, float(k)) for a, k in pts if k is not None]
    fig, ax = _axes(9, 2.4)
    if pts:
        ax.plot(date2num([p[0] for p in pts]), [p[1] for p in pts], ".", color="tab:brown")
    kss_ref = RiskConfig().kss_reference  # the threshold the risk engine scores from
    ax.axhline(kss_ref, color="red", ls="--", lw=1)
    ax.set_ylim(1, 9)
    ax.set_ylabel("peak KSS")
    ax.set_title(
        f"Fatigue of the crews present (KSS ≥ {kss_ref:g}: the risk engine's threshold)",
        fontsize=10,
    )
    ax.xaxis_date()
    fig.autofmt_xdate()
    return _png(fig)


def cast_chart(data: dict[str, Any]) -> bytes:
    """The five-level control structure: boxes top-down, control arrows down, feedback up;
    a controller with unsafe control actions on record is drawn red."""
    ctrls = data["controllers"]
    fig, ax = _axes(7, 1.3 * max(len(ctrls), 1) + 0.4)
    n = len(ctrls)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, n * 1.3)
    ax.axis("off")
    for i, c in enumerate(ctrls):
        y = (n - 1 - i) * 1.3 + 0.25
        bad = bool(c["unsafe_control_actions"])
        ax.add_patch(
            FancyBboxPatch(
                (2.0, y),
                6.0,
                0.8,
                boxstyle="round,pad=0.05",
                fc="#fde0dc" if bad else "#e8f1fb",
                ec="#b23b2e" if bad else "#2f5d8a",
                lw=1.4,
            )
        )
        ax.text(
            5.0,
            y + 0.52,
            f"{c['level']}. {c['level_name'].title()}",
            ha="center",
            fontsize=8,
            color="#555",
        )
        ax.text(5.0, y + 0.22, c["name"][:60], ha="center", fontsize=9, weight="bold")
        ax.text(
            8.3,
            y + 0.35,
            f"{len(c['unsafe_control_actions'])} UCA\n{len(c['flawed_feedback'])} flawed feedback",
            fontsize=7,
            va="center",
        )
        if i < n - 1:
            ax.add_patch(
                FancyArrowPatch(
                    (4.3, y), (4.3, y - 0.5), arrowstyle="-|>", mutation_scale=12, color="#2f5d8a"
                )
            )
            ax.add_patch(
                FancyArrowPatch(
                    (5.7, y - 0.5), (5.7, y), arrowstyle="-|>", mutation_scale=12, color="#888"
                )
            )
            ax.text(4.2, y - 0.28, "control", fontsize=6, ha="right", color="#2f5d8a")
            ax.text(5.8, y - 0.28, "feedback", fontsize=6, ha="left", color="#888")
    ax.set_title("CAST safety control structure", fontsize=10)
    return _png(fig)


def make_charts(data: dict[str, Any]) -> dict[str, bytes]:
    return {"load": load_chart(data), "fatigue": fatigue_chart(data), "cast": cast_chart(data)}


def rates_chart(rows: Sequence[RateRow]) -> bytes:
    """TRIR per month and enterprise (PNG)."""
    fig, ax = _axes(8, 3)
    names = sorted({r.name for r in rows if r.scope == "enterprise"})
    months = sorted({r.period for r in rows if r.period != "all"})
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        vals = {
            r.period: r.trir_per_200k_h or 0.0
            for r in rows
            if r.scope == "enterprise" and r.name == name and r.period != "all"
        }
        ax.bar(
            [j + i * width for j in range(len(months))],
            [vals.get(mo, 0.0) for mo in months],
            width,
            label=name,
        )
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(months))], months, fontsize=7)
    ax.set_ylabel("TRIR per 200,000 h")
    if names:
        ax.legend(fontsize=7)
    return _png(fig, dpi=100)
