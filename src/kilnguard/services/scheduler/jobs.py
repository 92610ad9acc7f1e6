"""The jobs the scheduler runs, and what each does for its slot, acting as the system.

| job                    | schedule                           | catch-up after downtime       |
|------------------------|------------------------------------|-------------------------------|
| `evaluate-dirty`       | each tick, woken by a commit       | the next rollover (`dirty`)   |
| `rollover:region <id>` | 00:00 of the region's IANA zone    | each missed day, in order     |
| `plan-deviations`      | every 300 s                        | the current slot only         |
| `escalate`             | every 60 s                         | the current slot only         |
| `bulletin-reminders`   | 00:00 UTC                          | the current day only          |
| `action-escalation`    | 00:00 UTC                          | the current day only          |
| `deliver-outbox`       | every 10 s                         | the current slot only         |
| `prune-runs`           | 00:00 UTC                          | the current day only          |

The current slot covers the missed ones where the job is "as of now": `alerts.escalate` records
each escalation at the moment it fell due, however late it runs; bulletin reminders and
corrective-action escalation compute their level from the day they are given (one reminder
for the missed days, not one per day all at once). Rollovers are run day by day, as the days
went (`alerts.evaluate` is incremental, so running them late gives the alerts they would have
given on time, and the first of a long catch-up covers every day before it).

The days of bulletin reminders and corrective-action escalation are UTC days because their
services judge "today" in UTC (`writes.today`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kilnguard.domain.roles import Role
from kilnguard.services import alerts, investigation, writes
from kilnguard.services.access import SYSTEM, Principal
from kilnguard.services.scheduler.schedules import DailyAtMidnight, Every, Schedule, Slot
from kilnguard.store import models as m
from kilnguard.store.job_models import SchedulerRun

log = logging.getLogger("kilnguard.scheduler")

NOTIFICATIONS = "kilnguard.services.notifications"


@dataclass(frozen=True)
class Job:
    """A named job on a schedule. `run(session, slot)` does the slot's work in the session it
    is given and says in a line what it did.

    `each`: after downtime run every missed slot in order (daily schedules only), else only the
    current one. `atomic`: the run is marked done in the job's own transaction, so its writes
    and the mark commit together (exactly once); otherwise the job commits on its own and is
    marked done after (at least once: for jobs that are idempotent by themselves, such as the
    outbox relay, which must not hold its transaction open while it sends)."""

    name: str
    schedule: Schedule
    run: Callable[[Session, Slot], str]
    each: bool = False
    atomic: bool = True

    def __post_init__(self) -> None:
        if self.each and not isinstance(self.schedule, DailyAtMidnight):
            raise ValueError(f"{self.name}: only daily jobs catch up slot by slot")


@dataclass(frozen=True)
class JobSettings:
    escalate_s: int = 60
    plan_deviations_s: int = 300  # deviations from adopted plans (services.planning)
    deliver_s: int = 10
    keep_days: int = 14  # done runs of interval jobs older than this are pruned


def system_in_region(region_id: int) -> Principal:
    """The system, reading only the kilns of one region (the scope of a regulator there).

    The rollover evaluates a region's kilns as of that region's new local day; what the system
    may read is narrowed the one way `services.access` knows, by the region. Its acts are the
    evaluation job's own (`alerts.evaluate` asks no right) and are audited as "system"."""
    return dataclasses.replace(SYSTEM, role=Role.REGULATOR, region_id=region_id)


def rollover(region_id: int) -> Callable[[Session, Slot], str]:
    """The day's rollover in one region: levels and alerts of its kilns as of the new day."""

    def run(session: Session, slot: Slot) -> str:
        assert slot.day is not None
        report = alerts.evaluate(session, system_in_region(region_id), slot.day)
        return (
            f"evaluated {report.kilns} kiln(s) up to {slot.day}: "
            f"{len(report.raised)} alert(s) raised, {len(report.closed)} closed"
        )

    return run


def escalate(session: Session, slot: Slot) -> str:
    """Escalate unacknowledged red and stop alerts as of now (each at the moment it fell due)."""
    rows = alerts.escalate(session, writes.now(session))
    return f"{len(rows)} escalation(s)"


def plan_deviations(session: Session, slot: Slot) -> str:
    """Alerts for deviations from the adopted plans (`services.planning.deviations`: a week
    off the plan, a forecast risen since the adoption), imported when first run (the planner
    imports the solver)."""
    from kilnguard.services.planning.deviations import plan_deviations_job

    return plan_deviations_job(session, slot)


def bulletin_reminders(session: Session, slot: Slot) -> str:
    assert slot.day is not None
    changed = investigation.escalate_bulletins(session, SYSTEM, slot.day)
    return f"{len(changed)} bulletin reminder(s) sent"


def action_escalation(session: Session, slot: Slot) -> str:
    assert slot.day is not None
    changed = investigation.escalate_actions(session, SYSTEM, slot.day)
    return f"{len(changed)} corrective action(s) escalated"


_missing_logged: list[bool] = []


def deliver_outbox(session: Session, slot: Slot) -> str:
    """`services.notifications.deliver_pending`, imported when first run (skipped while the
    notifications feature is absent)."""
    try:
        notifications = importlib.import_module(NOTIFICATIONS)
    except ModuleNotFoundError as exc:
        if exc.name is not None and not NOTIFICATIONS.startswith(exc.name):
            raise
        if not _missing_logged:
            log.info("outbox delivery skipped: %s is not installed", NOTIFICATIONS)
            _missing_logged.append(True)
        return f"skipped: {NOTIFICATIONS} is not installed"
    report = notifications.deliver_pending(session)
    return (
        f"{len(report.delivered)} delivered, {len(report.failed)} failed, "
        f"{report.deferred} deferred"
    )


def prune_runs(keep_days: int, interval_jobs: frozenset[str]) -> Callable[[Session, Slot], str]:
    """Forget done runs of interval jobs older than `keep_days` (daily runs are kept)."""

    def run(session: Session, slot: Slot) -> str:
        cutoff = writes.now(session) - dt.timedelta(days=keep_days)
        result = session.execute(
            delete(SchedulerRun).where(
                SchedulerRun.job.in_(sorted(interval_jobs)),
                SchedulerRun.done_at.is_not(None),
                SchedulerRun.done_at < cutoff,
            )
        )
        return f"{getattr(result, 'rowcount', 0)} old run(s) pruned"

    return run


def standard_jobs(session: Session, settings: JobSettings | None = None) -> list[Job]:
    """Every job, in the order a tick runs them: the regions' rollovers (alerts raised) before
    escalation, and escalation before the outbox relay (the notices go out in the same tick)."""
    s = settings or JobSettings()
    utc = DailyAtMidnight("UTC")
    regions = session.execute(
        select(m.Region.id, m.Region.timezone)
        .where(m.Region.retired_on.is_(None))
        .order_by(m.Region.id)
    ).all()
    jobs = [
        Job(f"rollover:region {rid}", DailyAtMidnight(tz or "UTC"), rollover(rid), each=True)
        for rid, tz in regions
    ]
    jobs += [
        Job("plan-deviations", Every(s.plan_deviations_s), plan_deviations),
        Job("escalate", Every(s.escalate_s), escalate),
        Job("bulletin-reminders", utc, bulletin_reminders),
        Job("action-escalation", utc, action_escalation),
        Job("deliver-outbox", Every(s.deliver_s), deliver_outbox, atomic=False),
    ]
    interval = frozenset(j.name for j in jobs if isinstance(j.schedule, Every))
    jobs.append(Job("prune-runs", utc, prune_runs(s.keep_days, interval)))
    return jobs
