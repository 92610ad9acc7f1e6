"""HSE FRI (calculator replica) of the workers on one kiln-day: FI and RI per worker and crew.

Shown on the kiln page (``services/risk/fatigue.py``) and named in explanations when the people
barrier moves (issue 13 point 1). Each worker's duties of the ``lookback_days`` before the day and
those starting on it are scored (the cumulative components need the run that leads up to the day;
nothing that starts after the day is read) with the vectorised replica
(``domain/fatigue/hse_fri/fast.py``, equal to the scalar replica — tested), at the calculator's
defaults for commute, workload, attention and breaks (or the roster rules' break inputs), which
plants do not record per shift. Duties over 24 h are left out (the calculator cannot score them;
the engine flags them). Policy limits, not part of the model: RI > 1.6, FI > 35 by day and > 45
by night [V: SOURCES §3.2, Network Rail NR/L2/OHS/003 practice; RR446 and the calculator's user
guidance give no threshold — they compare schedules].
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from kilnguard.domain.fatigue.fri import MAX_DUTY_H
from kilnguard.domain.fatigue.hse_fri import (
    POLICY_FI_LIMIT_DAY,
    POLICY_FI_LIMIT_NIGHT,
    POLICY_RI_LIMIT,
)
from kilnguard.domain.fatigue.hse_fri.fast import RosterColumns, fri_columns
from kilnguard.domain.fatigue.hse_fri.inputs import is_night
from kilnguard.domain.fatigue.rosters import RosterRules
from kilnguard.domain.risk.records import RiskInputs


@dataclass(frozen=True)
class WorkerFri:
    """The worst duty of one worker on the kiln-day: FI [%] and RI [–] with the policy limits,
    and the three components of each (of the duty with the highest RI; FI is the day's worst)."""

    worker_id: str
    crew: str
    fi: float
    ri: float
    night: bool
    fi_limit: float
    ri_limit: float
    fi_cumulative: float = 0.0  #: [%]
    fi_timing: float = 0.0  #: [%]
    fi_job: float = 0.0  #: [%]
    ri_cumulative: float = 1.0  #: [–]
    ri_timing: float = 1.0  #: [–]
    ri_job: float = 1.0  #: [–]
    start: datetime | None = None  #: the duty with the highest RI, plant-local
    end: datetime | None = None

    @property
    def over_limit(self) -> bool:
        """RI or FI above its policy limit."""
        return self.ri > self.ri_limit or self.fi > self.fi_limit


def fri_of_kiln_day(
    inputs: RiskInputs,
    k: int,
    d: int,
    lookback_days: int = 28,
    rules: RosterRules | None = None,
) -> tuple[WorkerFri, ...]:
    """FI and RI of each worker on kiln ``k`` on day ``d`` (worst duty of theirs that day), by
    worker id; the crew figure is the worst of its workers (:func:`crew_fri`)."""
    rr = rules or RosterRules()
    sh = inputs.shifts
    kd = k * inputs.n_days + d
    here = inputs.shift_order[inputs.order_kd == kd]
    if not len(here):
        return ()
    lo_h, hi_h = 24.0 * (d - lookback_days), 24.0 * (d + 1)
    workers = np.unique(sh.worker[here])
    # each worker's rows are contiguous (the table is sorted by worker, start): no full scan
    lo_w = np.searchsorted(sh.worker, workers, "left")
    hi_w = np.searchsorted(sh.worker, workers, "right")
    rows = np.concatenate([np.arange(a, b) for a, b in zip(lo_w, hi_w, strict=True)])
    keep = (sh.start_h[rows] >= lo_h) & (sh.start_h[rows] < hi_h)
    keep &= sh.end_h[rows] - sh.start_h[rows] <= MAX_DUTY_H
    rows = rows[keep]
    scored = fri_columns(
        RosterColumns.with_defaults(
            sh.worker[rows],
            sh.start_h[rows],
            sh.end_h[rows],
            **rr.fri_job_inputs(),
        )
    )
    pos = {int(r): i for i, r in enumerate(rows.tolist())}
    base = datetime(inputs.start.year, inputs.start.month, inputs.start.day)
    by_worker: dict[int, list[int]] = {}
    for r in here.tolist():
        if r in pos:  # duties over 24 h are not scored
            by_worker.setdefault(int(sh.worker[r]), []).append(r)
    out: list[WorkerFri] = []
    for w in sorted(by_worker):
        on_day = sorted(by_worker[w])
        best = max(on_day, key=lambda r: (scored.ri[pos[r]], scored.fi[pos[r]]))
        i = pos[best]
        start = base + timedelta(hours=float(sh.start_h[best]))
        end = base + timedelta(hours=float(sh.end_h[best]))
        night = any(
            is_night(
                base + timedelta(hours=float(sh.start_h[r])),
                base + timedelta(hours=float(sh.end_h[r])),
            )
            for r in on_day
        )
        crew_code = int(inputs.shift_crew[on_day[0]])
        out.append(
            WorkerFri(
                worker_id=inputs.worker_ids[w] if w < len(inputs.worker_ids) else str(w),
                crew=(
                    inputs.crew_ids[crew_code]
                    if crew_code < len(inputs.crew_ids)
                    else str(crew_code)
                ),
                fi=max(float(scored.fi[pos[r]]) for r in on_day),
                ri=float(scored.ri[i]),
                night=night,
                fi_limit=POLICY_FI_LIMIT_NIGHT if night else POLICY_FI_LIMIT_DAY,
                ri_limit=POLICY_RI_LIMIT,
                fi_cumulative=float(scored.fi_cumulative[i]),
                fi_timing=float(scored.fi_timing[i]),
                fi_job=float(scored.fi_job[i]),
                ri_cumulative=float(scored.ri_cumulative[i]),
                ri_timing=float(scored.ri_timing[i]),
                ri_job=float(scored.ri_job[i]),
                start=start,
                end=end,
            )
        )
    return tuple(out)


def crew_fri(workers: tuple[WorkerFri, ...]) -> dict[str, tuple[float, float]]:
    """Per crew, the worst (FI, RI) of its workers on the day."""
    crews: dict[str, tuple[float, float]] = {}
    for x in workers:
        fi, ri = crews.get(x.crew, (0.0, 0.0))
        crews[x.crew] = (max(fi, x.fi), max(ri, x.ri))
    return crews


def fri_summary(workers: tuple[WorkerFri, ...]) -> str:
    """The explanation's words for the day's FRI: the worker with the highest RI and the one with
    the highest FI (share of the FI limit), with the policy limits; "" when nobody was scored."""
    if not workers:
        return ""
    top = max(workers, key=lambda x: (x.ri, x.fi))
    tired = max(workers, key=lambda x: (x.fi / x.fi_limit, x.ri))
    text = (
        f"HSE FRI risk index RI {top.ri:.2f} (worker {top.worker_id}, crew {top.crew}: "
        f"cumulative {top.ri_cumulative:.2f} × timing {top.ri_timing:.2f} × job {top.ri_job:.2f}; "
        f"policy limit {top.ri_limit:g}), fatigue index FI {tired.fi:.1f} (worker "
        f"{tired.worker_id}; policy limit {tired.fi_limit:g} {'by night' if tired.night else 'by day'})"
    )
    over = sum(x.over_limit for x in workers)
    if over:
        text += f"; {over} worker(s) above the policy limits"
    return text
