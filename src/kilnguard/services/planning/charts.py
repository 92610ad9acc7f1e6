"""Charts of plans as PNG bytes: a Gantt chart (kilns × days) and the price-of-pushing chart.

Rendered in memory on an explicit Agg canvas (``matplotlib.figure.Figure`` +
``FigureCanvasAgg``): no pyplot state, no global backend switch, no temp files. The CLI writes
the bytes to files, the web serves them. Every chart says the data it shows are a plan (not a
record); reconstructed inputs are labelled through ``subtitle``.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.planning import PlanningProblem, PlanResult
from kilnguard.domain.planning.pushing import PushingRow

if TYPE_CHECKING:
    from kilnguard.services.planning.report import PlanReport

__all__ = ["CHARTS", "LEVEL_COLOURS", "chart_png", "gantt_png", "pushing_png"]

#: Risk-level colours (green/amber/red/stop); unknown or not replayed → grey.
LEVEL_COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", "stop": "#4a148c"}
_MAINT_COLOUR = "#5d6d7e"
_STOP_COLOUR = "#bdbdbd"


def _png(fig: Figure) -> bytes:
    """The figure laid out and rendered as PNG bytes on its own Agg canvas."""
    FigureCanvasAgg(fig)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def gantt_png(problem: PlanningProblem, result: PlanResult, *, subtitle: str = "") -> bytes:
    """Gantt chart: one row per kiln, one cell per day coloured by the day's load ratio
    (output / rating [-]), maintenance and planned stops marked."""
    kilns = list(problem.kilns)
    daily: dict[tuple[str, int], float] = defaultdict(float)
    for s in result.shifts:
        daily[(s.kiln_id, problem.day_of(s.day))] += s.output_t
    cmap = colormaps["YlOrRd"]
    norm = Normalize(vmin=0.0, vmax=max(1.0, problem.allowed_load_margin))
    height = max(2.5, 0.4 * len(kilns) + 1.5)
    fig = Figure(figsize=(max(8.0, problem.horizon_days * 0.12), height))
    ax = fig.subplots()
    for row, kiln in enumerate(kilns):
        stops = problem.stopped_days(kiln.kiln_id)
        for d in range(problem.horizon_days):
            ratio = daily.get((kiln.kiln_id, d), 0.0) / kiln.rated_capacity_t_per_day
            colour: str | tuple[float, float, float, float]
            if d in stops:
                colour = _STOP_COLOUR
            elif ratio > 0:
                colour = cmap(norm(ratio))
            else:
                continue
            ax.broken_barh([(d, 1)], (row - 0.4, 0.8), facecolors=colour)
    for m in result.maintenance:
        row = next(i for i, k in enumerate(kilns) if k.kiln_id == m.kiln_id)
        first = problem.day_of(m.first_day)
        length = (m.last_day - m.first_day).days + 1
        ax.broken_barh(
            [(first, length)],
            (row - 0.4, 0.8),
            facecolors=_MAINT_COLOUR,
            hatch="//",
            edgecolor="white",
        )
        ax.text(
            first + length / 2, row, m.name, ha="center", va="center", fontsize=7, color="white"
        )
    ax.set_yticks(range(len(kilns)), [k.name for k in kilns])
    ax.set_xlim(0, problem.horizon_days)
    ax.set_ylim(-0.6, len(kilns) - 0.4)
    ticks = list(range(0, problem.horizon_days, max(1, problem.horizon_days // 10)))
    ax.set_xticks(
        ticks, [problem.date_of(d).isoformat() for d in ticks], rotation=30, fontsize=7, ha="right"
    )
    title = f"Proposed plan ({result.status.value}), load margin {result.allowed_load_margin:.2f}"
    ax.set_title(title + (f"\n{subtitle}" if subtitle else ""), fontsize=9)
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, label="day output / rating [-]")
    ax.legend(
        handles=[
            Patch(facecolor=_MAINT_COLOUR, label="maintenance"),
            Patch(facecolor=_STOP_COLOUR, label="planned stop"),
        ],
        loc="upper right",
        fontsize=7,
    )
    return _png(fig)


def pushing_png(rows: Sequence[PushingRow], *, subtitle: str = "") -> bytes:
    """Output vs risk: tonnes for the targets [t] and lining damage [-] per load margin, each
    point coloured by its replayed risk level (grey if not replayed)."""
    fig = Figure(figsize=(7.5, 4.5))
    ax = fig.subplots()
    margins = [r.margin * 100 for r in rows]
    ax.plot(margins, [r.planned_t for r in rows], color="#263238", lw=1, zorder=1)
    colours = [LEVEL_COLOURS.get(r.worst_level or "", "#9e9e9e") for r in rows]
    ax.scatter(margins, [r.planned_t for r in rows], c=colours, s=80, zorder=2, edgecolors="black")
    for r, x in zip(rows, margins, strict=True):
        ax.annotate(
            r.worst_level or "not replayed",
            (x, r.planned_t),
            textcoords="offset points",
            xytext=(0, 8),
            ha="center",
            fontsize=7,
        )
    ax.set_xlabel("allowed load margin [% of rating]")
    ax.set_ylabel("tonnes for the targets by their deadlines [t]")
    ax2 = ax.twinx()
    ax2.plot(
        margins,
        [r.max_wear_damage for r in rows],
        color="#8d6e63",
        ls="--",
        marker="s",
        label="max lining damage at horizon end [-]",
    )
    ax2.axhline(1.0, color="#8d6e63", lw=0.8, ls=":")
    ax2.set_ylabel("lining damage, Palmgren–Miner [-]")
    ax2.legend(loc="lower right", fontsize=7)
    ax.set_title(
        "Price of pushing: output vs wear and risk" + (f"\n{subtitle}" if subtitle else ""),
        fontsize=9,
    )
    return _png(fig)


#: The charts of a plan report by name (``/plan/chart/<name>.png``, ``--charts`` files).
CHARTS = ("gantt", "risk")


def chart_png(report: PlanReport, which: str) -> bytes:
    """The Gantt chart (``which="gantt"``) or the output-vs-risk chart (``"risk"``) as PNG."""
    if which not in CHARTS:
        raise ValidationError("chart", which, "must be gantt or risk")
    subtitle = (
        f"{report.inp.enterprise}, as of {report.inp.as_of} (inputs reconstructed where labelled)"
    )
    if which == "gantt":
        return gantt_png(report.inp.problem, report.result, subtitle=subtitle)
    return pushing_png(report.pushing, subtitle=subtitle)
