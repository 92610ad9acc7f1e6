"""`kilnguard plan`: can the open targets be met safely, and if not, what can — replayed."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kilnguard.domain.errors import KilnguardError
from kilnguard.services import uow as db

if TYPE_CHECKING:
    from kilnguard.services.planning import PlanReport

AS_OF_HELP = (
    "Plan as the records stood at the end of this day (YYYY-MM-DD); the plan starts the next "
    "day. Default: the day the enterprise's most recent additional target was entered (the "
    "planner answers the day a target arrives), else the last day with production records. "
    "Records after this day are not read."
)


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


EXPORT_COLUMNS = (
    "kiln",
    "day",
    "shift_of_day",
    "start_local",
    "length_h",
    "night",
    "output_t",
    "load_ratio",
    "workers",
    "crews",
)


def _json_default(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _rows(report: PlanReport) -> list[list[Any]]:
    problem = report.inp.problem
    rows = []
    for s in sorted(report.result.shifts, key=lambda s: (s.shift_index, s.kiln_id)):
        rows.append(
            [
                problem.kiln(s.kiln_id).name,
                s.day.isoformat(),
                s.shift_of_day + 1,
                s.start.isoformat(timespec="minutes"),
                s.length_h,
                s.night,
                round(s.output_t, 3),
                round(s.load_ratio, 4),
                " ".join(s.worker_ids),
                " ".join(s.crews),
            ]
        )
    return rows


def export_plan(report: PlanReport, fmt: ExportFormat, path: Path) -> Path:
    """Write the plan shift by shift (one row per kiln-shift) as CSV or XLSX."""
    rows = _rows(report)
    if fmt is ExportFormat.csv:
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(EXPORT_COLUMNS)
            writer.writerows(rows)
        return path
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "plan"
    ws.append(list(EXPORT_COLUMNS))
    for row in rows:
        ws.append(row)
    maint = wb.create_sheet("maintenance")
    maint.append(["kiln", "task", "first_day", "last_day", "due_on", "overdue"])
    for m in report.result.maintenance:
        maint.append(
            [
                report.inp.problem.kiln(m.kiln_id).name,
                m.name,
                m.first_day.isoformat(),
                m.last_day.isoformat(),
                m.due_on.isoformat(),
                m.overdue,
            ]
        )
    push = wb.create_sheet("price_of_pushing")
    push.append(["margin", "planned_t", "extra_t", "max_wear_damage", "worst_level"])
    for r in report.pushing:
        push.append([r.margin, r.planned_t, r.extra_t, r.max_wear_damage, r.worst_level])
    wb.save(path)
    return path


def _t(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f} t"


def _human(data: dict[str, Any], charts: list[Path], export: Path | None) -> str:
    lines = [
        f"{data['enterprise']}: plan for {data['horizon']['first_day']}..{data['horizon']['last_day']} "
        f"({data['horizon']['days']} days × {data['horizon']['shifts_per_day']} shifts), "
        f"records as of {data['as_of']}",
        "",
    ]
    if data["feasible"]:
        lines.append(
            "VERDICT: every open target can be met safely (within rating, rest rules, "
            "maintenance and campaign limits)."
        )
    else:
        lines.append("VERDICT: the open targets CANNOT all be met safely.")
    for t in data["targets"]:
        lines.append(
            f"  target {t['target_id']} ({t['imposed_by']}): {_t(t['remaining_t'])} still due "
            f"by {t['deadline']}; safe plan makes {_t(t['planned_t'])}"
            + (
                ""
                if t["met"]
                else f"; safe maximum {_t(t['max_safe_t'])}; earliest safe date for all of it: "
                f"{t['earliest_safe_date'] or 'not found'}"
            )
        )
    if data["binding"]:
        lines += ["", "Binding constraints:"]
        lines += [f"  - {b}" for b in data["binding"]]
    rep = data["replay"]
    lines += [
        "",
        f"Risk replay of the proposed plan: worst level {rep['worst_level'].upper()} "
        f"({rep['kiln_days_by_level']})",
    ]
    if rep["why"]:
        lines.append(f"  {rep['why']}")
    if rep["actual_worst_level"]:
        actual = rep["actual"]
        lines.append(
            f"Recorded history over {actual['first_day']}..{actual['last_day']}: worst level "
            f"{rep['actual_worst_level'].upper()} ({actual['kiln_days_by_level']})"
        )
    if data["price_of_pushing"]:
        lines += ["", "Price of pushing (only the load margin moves; rest and maintenance stay):"]
        lines.append(
            f"  {'margin':>7} {'for targets':>12} {'extra':>10} {'lining damage [-]':>14} "
            f"{'worker-shifts':>13} {'risk':>6}"
        )
        for r in data["price_of_pushing"]:
            lines.append(
                f"  {r['margin'] * 100:>6.0f}% {_t(r['planned_t']):>12} {_t(r['extra_t']):>10} "
                f"{r['wear_damage']:>14.3f} {r['worker_shifts']:>13,} {r['worst_level'] or '—':>6}"
            )
    gap = data["gap"]
    lines += [
        "",
        f"Solver: {data['status']}, objective {data['objective']}, "
        + (f"gap {gap * 100:.1f} %" if gap is not None else "gap not known (no bound)")
        + f", {data['runtime_s']:.1f} s",
    ]
    lines += [f"Note: {n}" for n in data["notes"]]
    adopted = data.get("adopted")
    if adopted:  # the next run starts from the adopted plan and says how it differs
        moved = [f"{k['kiln']} {k['change_t']:+,.0f} t" for k in adopted["kilns"] if k["change_t"]]
        lines.append(
            f"Against the adopted plan (adoption {adopted['adoption_id']}): "
            f"{adopted['change_t']:+,.0f} t, {adopted['shifts_moved']} kiln-shift(s) moved"
            + (f" ({', '.join(moved)})" if moved else "")
        )
    for path in charts:
        lines.append(f"Chart: {path}")
    if export is not None:
        lines.append(f"Plan exported to {export}")
    return "\n".join(lines)


def plan(
    enterprise: Annotated[
        str | None,
        typer.Option("--enterprise", help="Enterprise name (case-insensitive part of it)."),
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help=AS_OF_HELP)] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print exactly one JSON object, nothing else.")
    ] = False,
    export: Annotated[
        tuple[ExportFormat, Path] | None,
        typer.Option("--export", help="Write the plan shift by shift: --export csv|xlsx PATH."),
    ] = None,
    charts: Annotated[
        Path | None,
        typer.Option("--charts", help="Directory for the Gantt and output-vs-risk PNG charts."),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="CP-SAT time limit of the main solve [s].")
    ] = 20.0,
) -> None:
    """Can the open targets be met safely? If not: the safe maximum by the first deadline,
    the earliest safe date, the binding constraints in words, and the price of pushing —
    every plan replayed through the risk engine before it is shown."""
    from kilnguard.domain.errors import ValidationError
    from kilnguard.services import planning as ps
    from kilnguard.services.access import SYSTEM

    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        typer.secho(f"--as-of {as_of!r}: expected YYYY-MM-DD", err=True, fg=typer.colors.RED)
        raise typer.Exit(2) from None
    search = min(5.0, max(1.0, time_limit / 4))
    progress: AbstractContextManager[Any] = nullcontext()
    say = None
    on_progress = None
    if sys.stdout.isatty() and not as_json:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
        )
        task = bar.add_task("planning…", total=time_limit)
        progress = bar

        def say(msg: str) -> None:
            bar.update(task, description=f"planning: {msg}…")

        def on_progress(p: Any) -> None:  # the anytime planner's Progress
            bar.update(
                task,
                completed=min(time_limit, p.elapsed_s),
                description=(
                    f"best plan {p.objective:,.0f} (bound {p.bound:,.0f}, gap "
                    f"{100 * p.gap:.2f} %, {p.parts_solved}/{p.parts} parts)"
                ),
            )

    try:
        with progress, db.unit_of_work() as session:
            report = ps.make_plan(
                session,
                SYSTEM,
                enterprise=enterprise,
                as_of=day,
                time_limit_s=time_limit,
                search_time_limit_s=search,
                pushing_time_limit_s=search,
                progress=say,
                on_progress=on_progress,
            )
            data = report.to_json()
            written: list[Path] = []
            if charts is not None:
                charts.mkdir(parents=True, exist_ok=True)
                for which in ps.CHARTS:  # rendered in memory; only the bytes are written here
                    path = charts / f"plan-{which}.png"
                    path.write_bytes(ps.chart_png(report, which))
                    written.append(path)
            exported = None
            if export is not None:
                exported = export_plan(report, export[0], export[1])
    except (KilnguardError, ValidationError) as exc:
        typer.secho(exc.message, err=True, fg=typer.colors.RED)
        raise typer.Exit(1) from None
    if as_json:
        data["charts"] = [str(p) for p in written]
        data["export"] = str(exported) if exported else None
        typer.echo(json.dumps(data, ensure_ascii=False, default=_json_default))
        return
    typer.echo(_human(data, written, exported))


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
