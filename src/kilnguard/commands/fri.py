"""`kilnguard fri ROSTER.csv`: the HSE Fatigue and Risk Index of a roster, duty by duty."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Annotated

import typer

from kilnguard.commands import fail, guarded
from kilnguard.domain.fatigue import hse_fri as fri

#: Optional columns: name → (int or float, meaning, lowest, highest, unit); names = Duty fields.
_OPTIONAL: dict[str, tuple[str, str, float, float, str]] = {
    "commute_min": ("float", "travel home → work, one way", 0, 1440, "min"),
    "workload": ("int", "0–3: 0 extremely undemanding … 3 extremely demanding", 0, 3, "score"),
    "attention": ("int", "0–3: 0 rarely … 3 all or nearly all of the time", 0, 3, "score"),
    "break_every_min": ("float", "typical work time between breaks", 15, 1440, "min"),
    "break_min": ("float", "average break length", 0, 1440, "min"),
    "longest_work_min": ("float", "longest continuous work without a break", 15, 1440, "min"),
    "break_after_longest_min": ("float", "break after that longest spell", 0, 1440, "min"),
}
_REQUIRED = ("start", "end")

HELP = f"""Score a roster with the HSE Fatigue and Risk Index (RR446, calculator v2.x replica).

ROSTER.csv has a header row and one row per duty of ONE worker, in time order:

\b
  start, end                local date-times, ISO form, e.g. 2024-01-01T06:00 (required)
  commute_min               travel home -> work, one way (min)          default 40
  workload                  0-3: 0 extremely undemanding, 1 moderately undemanding,
                            2 moderately demanding, 3 extremely demanding   default 2
  attention                 0-3: 0 rarely, 1 some of the time, 2 most of the time,
                            3 all or nearly all of the time                 default 1
  break_every_min           typical work time between breaks (min)         default 180
  break_min                 average break length (min)                     default 15
  longest_work_min          longest continuous work without a break (min)  default 240
  break_after_longest_min   break after that longest spell (min)           default 30

An empty cell or a missing optional column takes the default (the calculator's).

Prints per duty the Fatigue Index FI in % (chance x100 of KSS >= 8) and the Risk Index RI
(relative risk, 1.0 = average day shift), each with its cumulative, duty timing and job/breaks
components. Policy limits (Network Rail practice, not part of the model): RI > {fri.POLICY_RI_LIMIT:g};
FI > {fri.POLICY_FI_LIMIT_DAY:g} by day, > {fri.POLICY_FI_LIMIT_NIGHT:g} by night (a duty overlapping 00:00-05:00).

Example:

\b
  start,end,commute_min,workload,attention,break_every_min,break_min,longest_work_min,break_after_longest_min
  2024-01-01T06:00,2024-01-01T18:00,120,2,1,180,15,240,30
  2024-01-02T06:00,2024-01-02T18:00,120,2,1,180,15,240,30

--json prints {{"duties": [{{"start", "end", "fi", "fi_cumulative", "fi_timing", "fi_job",
"ri", "ri_cumulative", "ri_timing", "ri_job"}}]}} with numbers unrounded.
"""


class RosterError(Exception):
    """A bad CSV cell or layout; the message names row, column, value and the fix."""


def _when(text: str, row: int, column: str) -> dt.datetime:
    fix = "write a local date-time like 2024-01-01T06:00"
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise RosterError(
            f"row {row}, column {column}: {text!r} is not a date-time — {fix}"
        ) from None
    if value.tzinfo is not None:
        raise RosterError(
            f"row {row}, column {column}: {text!r} carries a UTC offset — give plant-local "
            "time without an offset, e.g. 2024-01-01T06:00"
        )
    return value


def _number(text: str, row: int, column: str) -> float | int:
    kind, meaning, low, high, unit = _OPTIONAL[column]
    fix = f"give {meaning} as a number from {low:g} to {high:g} [{unit}], or leave it empty"
    try:
        value = float(text.strip())
    except ValueError:
        raise RosterError(f"row {row}, column {column}: {text!r} is not a number — {fix}") from None
    if kind == "int":
        if value != int(value):
            raise RosterError(f"row {row}, column {column}: {text!r} is not a whole score — {fix}")
        value = int(value)
    if not low <= value <= high:
        raise RosterError(f"row {row}, column {column}: {text!r} is out of range — {fix}")
    return value


def read_roster(text: str) -> list[fri.Duty]:
    """Duties from the CSV text; raises RosterError naming row (header = row 1) and column."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise RosterError("the file is empty — the first row must name the columns start,end,…")
    reader.fieldnames = header
    unknown = [h for h in header if h not in _REQUIRED and h not in _OPTIONAL]
    if unknown:
        raise RosterError(
            f"row 1: unknown column {unknown[0]!r} — allowed: "
            + ", ".join((*_REQUIRED, *_OPTIONAL))
        )
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise RosterError(
            f"row 1: column {missing[0]!r} is missing — the header needs start,end "
            "(then any optional columns)"
        )
    duties: list[fri.Duty] = []
    previous_end: dt.datetime | None = None
    for row_no, row in enumerate(reader, start=2):
        if None in row:
            raise RosterError(
                f"row {row_no}: more cells than header columns — remove the extra cells"
            )
        if all(not (v or "").strip() for v in row.values()):
            continue
        start = _when(row.get("start") or "", row_no, "start")
        end = _when(row.get("end") or "", row_no, "end")
        if end <= start:
            raise RosterError(
                f"row {row_no}, column end: {row['end']!r} is not after start {row['start']!r} — "
                "a duty over midnight ends on the next date, e.g. 2024-01-01T22:00 → 2024-01-02T06:00"
            )
        if (end - start) > dt.timedelta(hours=24):
            raise RosterError(
                f"row {row_no}, column end: {row['end']!r} makes a duty over 24 h — the FRI "
                "calculator takes duties up to 24 h; split the duty"
            )
        if previous_end is not None and start < previous_end:
            raise RosterError(
                f"row {row_no}, column start: {row['start']!r} is before the previous duty's end "
                f"{previous_end.isoformat(timespec='minutes')} — sort the rows by start and "
                "remove overlaps"
            )
        values: dict[str, float | int] = {}
        for column in _OPTIONAL:
            cell = (row.get(column) or "").strip()
            if cell:
                values[column] = _number(cell, row_no, column)
        plain = fri.Duty(start=start, end=end)  # the calculator defaults
        duties.append(
            fri.Duty(
                start=start,
                end=end,
                commute_min=float(values.get("commute_min", plain.commute_min)),
                workload=int(values.get("workload", plain.workload)),
                attention=int(values.get("attention", plain.attention)),
                break_every_min=float(values.get("break_every_min", plain.break_every_min)),
                break_min=float(values.get("break_min", plain.break_min)),
                longest_work_min=float(values.get("longest_work_min", plain.longest_work_min)),
                break_after_longest_min=float(
                    values.get("break_after_longest_min", plain.break_after_longest_min)
                ),
            )
        )
        previous_end = end
    if not duties:
        raise RosterError("no duties: add one row per duty under the header")
    return duties


def _table(rows: list[fri.DutyIndex]) -> str:
    lines = [
        f"{'start':<16} {'end':<16} {'FI %':>6} {'cum':>5} {'time':>5} {'job':>5} "
        f"{'limit':>5}  {'RI':>5} {'cum':>5} {'time':>5} {'job':>5}  policy",
    ]
    for r in rows:
        flags = []
        if r.fi > r.fi_limit:
            flags.append(f"FI > {r.fi_limit:g}")
        if r.ri > fri.POLICY_RI_LIMIT:
            flags.append(f"RI > {fri.POLICY_RI_LIMIT:g}")
        lines.append(
            f"{r.start.isoformat(timespec='minutes'):<16} {r.end.isoformat(timespec='minutes'):<16} "
            f"{r.fi:6.1f} {r.fi_cumulative:5.1f} {r.fi_timing:5.1f} {r.fi_job:5.1f} "
            f"{r.fi_limit:5.0f}  {r.ri:5.2f} {r.ri_cumulative:5.2f} {r.ri_timing:5.2f} "
            f"{r.ri_job:5.2f}  {', '.join(flags) or 'within'}"
        )
    lines += [
        "",
        "FI: Fatigue Index, % chance of KSS >= 8 (sleepiness) on the duty; cum/time/job are its",
        "    cumulative, duty-timing and job/breaks components (percentage points).",
        "RI: Risk Index, relative risk of an incident (1.00 = average day shift); RI = cum x time x job.",
        f"Policy (labelled, not part of the model): RI > {fri.POLICY_RI_LIMIT:g}; FI > "
        f"{fri.POLICY_FI_LIMIT_DAY:g} by day, > {fri.POLICY_FI_LIMIT_NIGHT:g} by night "
        "(limit column). Source: HSE RR446 calculator v2.x replica, docs/models/hse-fri.md.",
    ]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command(name="fri", help=HELP)
    def fri_command(
        roster: Annotated[Path, typer.Argument(help="CSV roster of one worker (see above).")],
        as_json: Annotated[
            bool, typer.Option("--json", help="Print JSON with unrounded numbers.")
        ] = False,
    ) -> None:
        try:
            text = roster.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise fail(f"{roster}: no such file — give the path of a roster CSV") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise fail(
                f"{roster}: cannot be read as UTF-8 text ({exc.__class__.__name__})"
            ) from None
        try:
            duties = read_roster(text)
        except RosterError as exc:
            raise fail(f"{roster}: {exc}") from None
        with guarded():
            rows = fri.fri_roster(duties)
        if as_json:
            typer.echo(json.dumps({"duties": [r.as_json() for r in rows]}, indent=2))
            return
        typer.echo(_table(rows))
