"""HSE FRI (calculator replica) of the workers on one kiln-day, on demand.

The risk engine's people barrier scores the Three-Process Model and the shift-pattern risk
(engine.py); the HSE Fatigue and Risk Index replica (``domain/fatigue/hse_fri``, RR446 v2.x) is
too slow to run over every worker-shift of a replay (pure Python, ≈ 6 ms per worker and day), so
it is computed here for one kiln-day when a page or an explanation asks for it (issue 13 point 1:
FI and RI per worker and per crew). Each worker's duties of the ``lookback_days`` before the day
and those starting on it are scored (the cumulative components need the run that leads up to the
day; nothing that starts after the day is read), with the calculator's defaults for commute,
workload, attention and breaks, which plants do not record. Duties over 24 h are left out (the
calculator cannot score them; the engine flags them). Policy limits (not part of the model):
RI > 1.6, FI > 35 by day and > 45 by night [V: SOURCES §3.2, Network Rail practice].
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
    Duty,
    fri_roster,
)
from kilnguard.domain.risk.records import RiskInputs


@dataclass(frozen=True)
class WorkerFri:
    """The worst duty of one worker on the kiln-day: FI [%] and RI [–] with the policy limits."""

    worker_id: str
    crew: str
    fi: float
    ri: float
    night: bool
    fi_limit: float
    ri_limit: float

    @property
    def over_limit(self) -> bool:
        """RI or FI above its policy limit."""
        return self.ri > self.ri_limit or self.fi > self.fi_limit


def fri_of_kiln_day(
    inputs: RiskInputs, k: int, d: int, lookback_days: int = 28
) -> tuple[WorkerFri, ...]:
    """FI and RI of each worker on kiln ``k`` on day ``d`` (worst duty of theirs that day), by
    worker id; the crew figure is the worst of its workers (:func:`crew_fri`)."""
    sh = inputs.shifts
    kd = k * inputs.n_days + d
    here = inputs.shift_order[inputs.order_kd == kd]
    if not len(here):
        return ()
    base = datetime(inputs.start.year, inputs.start.month, inputs.start.day)
    lo_h, hi_h = 24.0 * (d - lookback_days), 24.0 * (d + 1)
    out: list[WorkerFri] = []
    for w in sorted(set(sh.worker[here].tolist())):
        rows = np.flatnonzero(
            (sh.worker == w)
            & (sh.start_h >= lo_h)
            & (sh.start_h < hi_h)
            & (sh.end_h - sh.start_h <= MAX_DUTY_H)
        )
        mine = [int(r) for r in rows.tolist()]
        on_day = set(here.tolist()) & set(mine)
        if not on_day:
            continue  # only duties over 24 h that day
        duties = [
            Duty(
                base + timedelta(hours=float(sh.start_h[r])),
                base + timedelta(hours=float(sh.end_h[r])),
            )
            for r in mine
        ]
        scored = dict(zip(mine, fri_roster(duties), strict=True))
        worst = max((scored[r] for r in on_day), key=lambda x: (x.ri, x.fi))
        fi_worst = max(scored[r].fi for r in on_day)
        night = any(scored[r].night for r in on_day)
        crew_code = int(inputs.shift_crew[min(on_day)])
        out.append(
            WorkerFri(
                worker_id=inputs.worker_ids[w] if w < len(inputs.worker_ids) else str(w),
                crew=(
                    inputs.crew_ids[crew_code]
                    if crew_code < len(inputs.crew_ids)
                    else str(crew_code)
                ),
                fi=fi_worst,
                ri=worst.ri,
                night=night,
                fi_limit=POLICY_FI_LIMIT_NIGHT if night else POLICY_FI_LIMIT_DAY,
                ri_limit=POLICY_RI_LIMIT,
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
