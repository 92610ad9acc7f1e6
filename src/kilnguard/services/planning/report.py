"""The planner's answer for an enterprise as of a day: the safe plan, why a target cannot be met
safely (max_safe_t, earliest safe date, binding constraints), and the price-of-pushing table —
every plan replayed through the risk engine before it is shown (:func:`make_plan`).

Solving (greedy first, then improved, never worse) and the shortfall explanation are the domain's
(:func:`kilnguard.domain.planning.anytime.solve_safe_plan`,
:func:`kilnguard.domain.planning.explain.plan`); here they meet the records and the replay.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain.planning import PlanResult, Target, pushing
from kilnguard.domain.planning import explain as plan_explain
from kilnguard.domain.planning.anytime import OnProgress
from kilnguard.domain.planning.anytime import solve_safe_plan as solve
from kilnguard.domain.planning.previous import KilnChange, PreviousPlan, difference
from kilnguard.domain.planning.problem import PlanningProblem
from kilnguard.services.access import Principal
from kilnguard.services.planning.baseline import latest_adoption
from kilnguard.services.planning.forecast import previous_plan
from kilnguard.services.planning.problem import PlanningInput, build_problem
from kilnguard.services.planning.replay import ReplaySummary, replay_actual, replay_plan
from kilnguard.store import models as m

__all__ = ["PlanReport", "explained_plan", "make_plan", "price_of_pushing", "solve"]


# ----------------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class PlanReport:
    """A planned, explained and replayed answer for one enterprise as of one day."""

    inp: PlanningInput
    result: PlanResult
    replay: ReplaySummary
    actual: ReplaySummary | None
    pushing: tuple[pushing.PushingRow, ...]
    adopted_id: int | None = None  # the adoption this run started from (the baseline)
    vs_adopted: tuple[KilnChange, ...] = ()  # per kiln: the adopted plan vs this one

    @property
    def first_target(self) -> Target | None:
        targets = sorted(self.inp.problem.targets, key=lambda t: (t.deadline, t.target_id))
        return targets[0] if targets else None

    def _named(self, text: str) -> str:
        """Binding text with kiln names instead of database ids ("kiln RF-2", not "kiln 2")."""
        names = {k.kiln_id: k.name for k in self.inp.problem.kilns}
        return re.sub(
            r"\bkiln (\d+)\b", lambda g: f"kiln {names.get(g.group(1), g.group(1))}", text
        )

    def to_json(self) -> dict[str, Any]:
        """The planner's answer as plain JSON (CLI ``--json`` and ``GET /api/v1/plans``)."""
        r, p = self.result, self.inp.problem
        first = self.first_target
        outcomes = {t.target_id: t for t in r.targets}
        targets = []
        for t in sorted(p.targets, key=lambda t: (t.deadline, t.target_id)):
            o = outcomes.get(t.target_id)
            row = self.inp.target_rows[t.target_id]
            planned = o.planned_t if o else 0.0
            met = bool(o and o.met)
            max_safe = r.max_safe_t.get(t.target_id, planned)
            when = r.earliest_safe_date.get(t.target_id, t.deadline if met else None)
            targets.append(
                {
                    "target_id": int(t.target_id),
                    "description": row.description,
                    "imposed_by": row.imposed_by,
                    "additional": row.additional,
                    "quantity_t": row.quantity_t,
                    "remaining_t": round(t.quantity_t, 3),
                    "entered_on": row.entered_on.isoformat(),
                    "deadline": t.deadline.isoformat(),
                    "planned_t": round(planned, 3),
                    "shortfall_t": round(o.shortfall_t, 3) if o else round(t.quantity_t, 3),
                    "met": met,
                    "max_safe_t": round(max_safe, 3),
                    "max_safe_proven": r.max_safe_proven.get(t.target_id, met),
                    "earliest_safe_date": when.isoformat() if when else None,
                    "earliest_safe_proven": r.earliest_safe_proven.get(t.target_id, met),
                }
            )
        head = targets[0] if targets else None
        return {
            "enterprise": self.inp.enterprise,
            "enterprise_id": self.inp.enterprise_id,
            "as_of": self.inp.as_of.isoformat(),
            "horizon": {
                "first_day": p.horizon_start.isoformat(),
                "last_day": p.horizon_end.isoformat(),
                "days": p.horizon_days,
                "shifts_per_day": p.shift_pattern.shifts_per_day,
            },
            "feasible": r.feasible,
            "status": r.status.value,
            "objective": r.objective,
            "bound": r.bound,
            "gap": r.gap,
            "runtime_s": round(r.runtime_s, 3),
            "allowed_load_margin": r.allowed_load_margin,
            "first_deadline": first.deadline.isoformat() if first else None,
            "max_safe_t": head["max_safe_t"] if head else None,
            "earliest_safe_date": head["earliest_safe_date"] if head else None,
            "binding": [self._named(b) for b in r.binding],
            "targets": targets,
            "replay": {
                **self.replay.to_json(),
                "actual_worst_level": self.actual.worst_level if self.actual else None,
                "actual": self.actual.to_json() if self.actual else None,
            },
            "price_of_pushing": [_pushing_json(row) for row in self.pushing],
            "kilns": [
                {
                    "kiln_id": int(k.kiln_id),
                    "name": k.name,
                    "kind": k.kind,
                    "rated_capacity_t_per_day": k.rated_capacity_t_per_day,
                    "crew_size": k.crew_size,
                    "wear_damage": round(k.wear_damage, 4),
                    "campaign_limit_days": k.campaign_limit_days,
                    "days_run_since_stop": k.days_run_since_stop,
                    "planned_output_t": round(
                        sum(s.output_t for s in r.shifts if s.kiln_id == k.kiln_id), 3
                    ),
                    "maintenance": [
                        {
                            "task": t.name,
                            "duration_days": t.duration_days,
                            "due_on": t.due_on.isoformat(),
                            "overdue": p.is_overdue(t),
                        }
                        for t in k.maintenance
                    ],
                }
                for k in p.kilns
            ],
            "maintenance": [
                {
                    "kiln": p.kiln(s.kiln_id).name,
                    "task": s.name,
                    "first_day": s.first_day.isoformat(),
                    "last_day": s.last_day.isoformat(),
                    "due_on": s.due_on.isoformat(),
                    "overdue": s.overdue,
                }
                for s in r.maintenance
            ],
            "planned_output_t": round(r.total_output_t, 3),
            "kiln_shifts": len(r.shifts),
            "worker_shifts": sum(len(s.worker_ids) for s in r.shifts),
            "notes": [*self.inp.notes, *r.notes],
            "adopted": self._adopted_json(),
        }

    def _adopted_json(self) -> dict[str, Any] | None:
        """The difference from the adopted plan this run started from (None: none adopted)."""
        if self.adopted_id is None:
            return None
        names = {k.kiln_id: k.name for k in self.inp.problem.kilns}
        kilns = [
            {
                "kiln": names.get(c.kiln_id, c.kiln_id),
                "adopted_t": c.previous_t,
                "planned_t": c.new_t,
                "change_t": round(c.change_t, 3),
                "adopted_shifts": c.previous_shifts,
                "planned_shifts": c.new_shifts,
                "shifts_moved": c.shifts_moved,
            }
            for c in self.vs_adopted
        ]
        return {
            "adoption_id": self.adopted_id,
            "change_t": round(sum(c.change_t for c in self.vs_adopted), 3),
            "shifts_moved": sum(c.shifts_moved for c in self.vs_adopted),
            "kilns": kilns,
        }


def _pushing_json(row: pushing.PushingRow) -> dict[str, Any]:
    f = row.fatigue
    return {
        "margin": row.margin,
        "status": row.status.value,
        "planned_t": round(row.planned_t, 3),
        "extra_t": round(row.extra_t, 3),
        "total_output_t": round(row.total_output_t, 3),
        "max_load_ratio": round(row.max_load_ratio, 4),
        "wear_damage": round(row.max_wear_damage, 4),
        "wear_damage_by_kiln": {k: round(v, 4) for k, v in row.wear_damage.items()},
        "worker_shifts": f.worker_shifts,
        "night_worker_shifts": f.night_worker_shifts,
        "min_rest_h": f.min_rest_h,
        "max_consecutive_days": f.max_consecutive_days,
        "worst_level": row.worst_level,
    }


def explained_plan(
    problem: PlanningProblem,
    *,
    time_limit_s: float = 20.0,
    search_time_limit_s: float = 5.0,
    max_search_days: int = 1100,
    on_progress: OnProgress | None = None,
    cancel: threading.Event | None = None,
    previous: PreviousPlan | None = None,
) -> PlanResult:
    """``domain.planning.explain.plan``: the anytime plan (progress reported, cancellable),
    started from ``previous`` (the adopted plan) where it is still feasible.

    Same explanation: for each unmet target the safe maximum (the target planned alone),
    the earliest safe date and the binding constraints in words.
    """
    return plan_explain.plan(
        problem,
        time_limit_s=time_limit_s,
        search_time_limit_s=search_time_limit_s,
        max_search_days=max_search_days,
        on_progress=on_progress,
        cancel=cancel,
        previous=previous,
    )


def price_of_pushing(
    inp: PlanningInput,
    margins: Sequence[float] = pushing.DEFAULT_MARGINS,
    *,
    time_limit_s: float = 5.0,
) -> tuple[pushing.PushingRow, ...]:
    """``domain.planning.pushing.price_of_pushing``, every plan replayed through the risk engine (:func:`replay_plan`)."""
    return pushing.price_of_pushing(
        inp.problem,
        margins,
        partial(replay_plan, inp),
        time_limit_s=time_limit_s,
    )


#: Reports by (database, enterprise, as_of, limits, margins, audit-chain head): every write
#: appends to the audit chain, so a report is reused only while the records are unchanged.
_CACHE: dict[tuple[Any, ...], PlanReport] = {}
_CACHE_SIZE = 8


def make_plan(
    session: Session,
    who: Principal,
    *,
    enterprise: str | None = None,
    enterprise_id: int | None = None,
    as_of: dt.date | None = None,
    time_limit_s: float = 20.0,
    search_time_limit_s: float = 5.0,
    pushing_time_limit_s: float = 5.0,
    margins: Sequence[float] = pushing.DEFAULT_MARGINS,
    progress: Callable[[str], None] | None = None,
    on_progress: OnProgress | None = None,
    cancel: threading.Event | None = None,
) -> PlanReport:
    """Build the problem, plan (with the shortfall explanation), replay, price the pushing.

    The report is cached while the records are unchanged (same audit-chain head), so the web
    page, its chart images and an adoption reuse one solve. ``on_progress`` sees the anytime
    planner's progress (:class:`~kilnguard.domain.planning.anytime.Progress`); ``cancel`` set
    stops it with the best plan so far.
    """
    say = progress or (lambda _msg: None)
    say("reading records")
    inp = build_problem(
        session, who, enterprise=enterprise, enterprise_id=enterprise_id, as_of=as_of
    )
    head = session.scalar(select(m.ChainHead.last_seq).where(m.ChainHead.id == 1))
    key = (
        str(session.get_bind().engine.url),
        inp.enterprise_id,
        inp.as_of,
        time_limit_s,
        search_time_limit_s,
        pushing_time_limit_s,
        tuple(margins),
        head,
    )
    cached = _CACHE.get(key)
    if cached is not None:
        return replace(cached, inp=inp)
    adoption = latest_adoption(session, who, inp.enterprise_id)
    previous = previous_plan(session, adoption) if adoption is not None else None
    say("solving the safe plan and explaining any shortfall")
    result = explained_plan(
        inp.problem,
        time_limit_s=time_limit_s,
        search_time_limit_s=search_time_limit_s,
        on_progress=on_progress,
        cancel=cancel,
        previous=previous,
    )
    say("replaying the plan and the recorded history through the risk engine")
    replayed = replay_plan(inp, result)
    actual = replay_actual(inp)
    rows: tuple[pushing.PushingRow, ...] = ()
    if margins:
        say("pricing the pushing: planning at each load margin and replaying it")
        rows = price_of_pushing(inp, margins, time_limit_s=pushing_time_limit_s)
    changes = tuple(difference(previous, result)) if previous is not None else ()
    report = PlanReport(
        inp, result, replayed, actual, rows, adoption.id if adoption else None, changes
    )
    while len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = report
    return report
