"""The scheduler: time passes without anyone running a command (issue 19 point 3).

Every test moves a `FixedClock` and calls `tick()`; nothing sleeps on the wall clock for the
logic. Realistic plant (tests/conftest.py): region North Hamgyong (Asia/Pyongyang, UTC+9) with
enterprises A (mgr_a, regulator reg) and B; enterprise A's third kiln is a 40 t/day shaft kiln.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kilnguard.clock import FixedClock
from kilnguard.services import records as svc
from kilnguard.services.access import SYSTEM
from kilnguard.services.scheduler import (
    Every,
    Job,
    Lease,
    Scheduler,
    SchedulerConfig,
    Slot,
    runs,
    standard_jobs,
)
from kilnguard.services.scheduler.leadership import Leadership
from kilnguard.store import models as m
from kilnguard.store.alert_models import AlertEscalationRow, AlertRow
from kilnguard.store.db import make_engine, unit_of_work
from kilnguard.store.job_models import SchedulerRun
from tests.conftest import Plant

KST = ZoneInfo("Asia/Pyongyang")
H = dt.timedelta(hours=1)


def kst(day: dt.date, hour: int = 0, minute: int = 0, second: int = 30) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=KST).astimezone(dt.UTC)


def d(month: int, day: int) -> dt.date:
    return dt.date(2021, month, day)


@pytest.fixture
def schedulers(plant: Plant) -> Iterator[Callable[..., Scheduler]]:
    """Makes schedulers on the plant's database; every one is stopped at the end."""
    made: list[Scheduler] = []

    def make(
        clock: FixedClock,
        *,
        engine: Engine | None = None,
        leadership: Leadership | None = None,
        catch_up_days: int = 31,
    ) -> Scheduler:
        s = Scheduler(
            engine or plant.engine,
            clock=clock,
            config=SchedulerConfig(poll_s=0.05, catch_up_days=catch_up_days),
            leadership=leadership,
        )
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()


def write(plant: Plant, clock: FixedClock, fn: Callable[[Session], object]) -> None:
    with unit_of_work(plant.engine, clock=clock) as s:
        fn(s)


def overload(plant: Plant, clock: FixedClock, kiln: int, days: list[dt.date]) -> None:
    """Production at 2.5× the 40 t/day rating, as an operator enters it."""
    write(
        plant,
        clock,
        lambda s: svc.record_production(
            s,
            SYSTEM,
            [
                svc.ProductionIn(kiln_id=kiln, day=day, shift_no=n, output_t=100 / 3, hours_fired=8)
                for day in days
                for n in (1, 2, 3)
            ],
        ),
    )


def alerts_of(engine: Engine, kiln: int) -> list[AlertRow]:
    with unit_of_work(engine) as s:
        return list(
            s.scalars(select(AlertRow).where(AlertRow.kiln_id == kiln).order_by(AlertRow.id))
        )


def escalations(engine: Engine) -> list[tuple[int, dt.datetime, str, str]]:
    with unit_of_work(engine) as s:
        return [
            (e.level, e.at, e.notified_role, e.notified)
            for e in s.scalars(select(AlertEscalationRow).order_by(AlertEscalationRow.id))
        ]


def audit_count(engine: Engine, action: str | None = None) -> int:
    with unit_of_work(engine) as s:
        stmt = select(func.count()).select_from(m.AuditEntry)
        if action:
            stmt = stmt.where(m.AuditEntry.action == action)
        return int(s.scalar(stmt) or 0)


# ------------------------------------------------------------------ escalation on time
def test_a_red_alert_escalates_at_4_h_and_24_h_once_each_across_a_restart(
    plant: Plant, schedulers: Callable[..., Scheduler]
) -> None:
    kiln = plant.kilns_a[2]  # 40 t/day shaft kiln of enterprise A
    clock = FixedClock(kst(d(9, 15), 9))
    first = schedulers(clock)
    first.tick()  # the day's rollover ran this morning: nothing to say yet
    clock.at = kst(d(9, 15), 10)
    overload(plant, clock, kiln, [d(9, 15)])  # the operator enters the day at 2.5× rating
    first.tick()
    assert alerts_of(plant.engine, kiln) == []  # (until writes raise alerts at once, point 2)

    clock.at = kst(d(9, 16))  # midnight: the day is over, its rollover raises the alert
    first.tick()
    [red] = alerts_of(plant.engine, kiln)
    assert (red.level, red.raised_on) == ("red", d(9, 15))
    t0 = red.raised_at
    assert t0 == kst(d(9, 16), second=0)  # the end of the plant's day

    clock.at = t0 + 4 * H - dt.timedelta(seconds=1)
    first.tick()
    assert escalations(plant.engine) == []
    clock.at = t0 + 4 * H + dt.timedelta(seconds=20)
    first.tick()
    first.tick()
    assert escalations(plant.engine) == [(1, t0 + 4 * H, "manager", "mgr_a")]

    first.stop()  # the server restarts: a new scheduler on the same database
    second = schedulers(clock)
    clock.advance(dt.timedelta(minutes=5))
    second.tick()
    assert len(escalations(plant.engine)) == 1
    clock.at = t0 + 24 * H + dt.timedelta(seconds=5)
    second.tick()
    clock.advance(dt.timedelta(hours=30))
    second.tick()
    assert escalations(plant.engine) == [
        (1, t0 + 4 * H, "manager", "mgr_a"),
        (2, t0 + 24 * H, "regulator", "reg"),
    ]
    assert audit_count(plant.engine, "escalate") == 2


def test_an_acknowledged_alert_is_not_escalated(
    plant: Plant, schedulers: Callable[..., Scheduler]
) -> None:
    from kilnguard.services import alerts as al

    kiln = plant.kilns_a[2]
    clock = FixedClock(kst(d(9, 15), 10))
    overload(plant, clock, kiln, [d(9, 15)])
    sch = schedulers(clock)
    clock.at = kst(d(9, 16))
    sch.tick()
    [red] = alerts_of(plant.engine, kiln)
    clock.at = red.raised_at + 2 * H
    write(plant, clock, lambda s: al.acknowledge(s, plant.users["mgr_a"], red.id, "load cut"))
    clock.advance(dt.timedelta(days=3))
    sch.tick()
    assert escalations(plant.engine) == []


# ------------------------------------------------------------------- midnight rollover
@pytest.fixture
def interlock_due_oct_1(plant: Plant) -> int:
    """Enterprise A's first kiln fires every day to 15 Oct (entered once, on 14 Oct: records
    are never entered ahead of tomorrow; the schedulers below then replay the midnights from
    30 Sep on their own clocks); its interlock proof test falls due on 1 Oct and is never
    done. The engine's hard rule: firing with a protection layer's proof test more than 7 days
    overdue is stop."""
    kiln = plant.kilns_a[0]
    clock = FixedClock(kst(d(10, 14), 12))

    def setup(s: Session) -> None:
        plan = svc.create_maintenance_plan(
            s,
            SYSTEM,
            svc.MaintenancePlanIn(
                kiln_id=kiln,
                task="Interlock proof test",
                interval_days=90,
                safety_critical=True,
                protects="interlock",
            ),
        )
        svc.create_work_orders(
            s,
            SYSTEM,
            [
                svc.WorkOrderIn(
                    kiln_id=kiln,
                    plan_id=plan.id,
                    task="Interlock proof test",
                    due_on=d(10, 1),
                    safety_critical=True,
                )
            ],
        )
        svc.record_production(
            s,
            SYSTEM,
            [
                svc.ProductionIn(
                    kiln_id=kiln,
                    day=d(9, 15) + dt.timedelta(days=i),
                    shift_no=n,
                    output_t=150,
                    hours_fired=8,
                )
                for i in range(31)
                for n in (1, 2, 3)
            ],
        )

    write(plant, clock, setup)
    return kiln


def test_the_midnight_rollover_raises_the_alert_on_the_day_maintenance_falls_overdue_with_no_write(
    plant: Plant, interlock_due_oct_1: int, schedulers: Callable[..., Scheduler]
) -> None:
    kiln = interlock_due_oct_1
    clock = FixedClock(kst(d(10, 1), 12))
    sch = schedulers(clock)
    sch.tick()
    assert alerts_of(plant.engine, kiln) == []
    writes_before = audit_count(plant.engine)
    seen: dict[dt.date, int] = {}
    for day in (d(10, 1) + dt.timedelta(days=i) for i in range(1, 11)):
        clock.at = kst(day)  # 30 s past the region's midnight
        sch.tick()
        seen[day] = len(alerts_of(plant.engine, kiln))
    assert next(day for day, n in seen.items() if n) == d(10, 9)  # overdue 8 days > 7
    [stop] = alerts_of(plant.engine, kiln)
    assert (stop.level, stop.raised_on, stop.raised_at) == ("stop", d(10, 9), kst(d(10, 9)))
    assert "8 days overdue while firing" in stop.explanation  # the named proof test
    # nothing but the system's own acts was written meanwhile: the raise and its escalations
    # (and whatever notices they sent)
    with unit_of_work(plant.engine) as s:
        since = s.scalars(select(m.AuditEntry).where(m.AuditEntry.seq > writes_before)).all()
        acts = sorted(e.action for e in since if e.entity == "alert")
        actors = {e.actor for e in since}
    assert acts == ["escalate", "escalate", "raise"] and actors == {"system"}


def test_midnights_missed_while_nothing_ran_are_caught_up_in_order(
    plant: Plant, interlock_due_oct_1: int, schedulers: Callable[..., Scheduler]
) -> None:
    kiln = interlock_due_oct_1
    clock = FixedClock(kst(d(10, 1), 12))
    before = schedulers(clock)
    before.tick()
    before.stop()
    clock.at = kst(d(10, 12), 10)  # the server was down from 1 Oct to 12 Oct, 10:00
    report = schedulers(clock).tick()
    rollovers = [r for r in report.results if r.job == "rollover:region 1"]
    assert [r.slot for r in rollovers] == [str(d(10, 2) + dt.timedelta(days=i)) for i in range(11)]
    assert all(r.status == "done" for r in rollovers)
    assert "1 alert(s) raised" in next(r.outcome for r in rollovers if r.slot == "2021-10-09")
    [stop] = alerts_of(plant.engine, kiln)
    assert stop.raised_on == d(10, 9)
    # the late escalation run records each step when it fell due
    t0 = stop.raised_at
    assert [(lv, at) for lv, at, *_ in escalations(plant.engine)] == [
        (1, t0 + 4 * H),
        (2, t0 + 24 * H),
    ]
    # the jobs "as of now" ran once, for the current slot only
    assert [r.slot for r in report.results if r.job == "escalate"] == ["2021-10-12T01:00:00Z"]


def test_a_long_downtime_catches_up_the_last_days_the_first_covering_the_ones_before(
    plant: Plant, interlock_due_oct_1: int, schedulers: Callable[..., Scheduler]
) -> None:
    clock = FixedClock(kst(d(10, 1), 12))
    before = schedulers(clock, catch_up_days=3)
    before.tick()
    before.stop()
    clock.at = kst(d(10, 12), 10)
    report = schedulers(clock, catch_up_days=3).tick()
    slots = [r.slot for r in report.results if r.job == "rollover:region 1"]
    assert slots == ["2021-10-10", "2021-10-11", "2021-10-12"]
    [stop] = alerts_of(plant.engine, interlock_due_oct_1)
    assert stop.raised_on == d(10, 9)


# -------------------------------------------------------------------- exactly once
def test_running_the_same_slot_again_changes_nothing(
    plant: Plant, interlock_due_oct_1: int, schedulers: Callable[..., Scheduler]
) -> None:
    clock = FixedClock(kst(d(10, 10), 6))
    sch = schedulers(clock)
    assert sch.tick().results
    before = (audit_count(plant.engine), escalations(plant.engine))
    assert len(alerts_of(plant.engine, interlock_due_oct_1)) == 1
    assert sch.tick().results == []  # same moment: every slot is done
    with unit_of_work(plant.engine) as s:
        done = list(s.scalars(select(SchedulerRun)))
        jobs = {j.name: j for j in standard_jobs(s)}
    for row in done:  # claimed again, then run again: done already
        assert runs.claim(plant.engine, clock, row.job, [Slot(row.slot, row.due_at)], "x") == []
        again = runs.execute(plant.engine, clock, jobs[row.job], row.id, "x")
        assert again.status == "skipped"
    for row in done:  # and the jobs themselves are idempotent, run outside the runs table
        job = jobs[row.job]
        with unit_of_work(plant.engine, clock=clock) as s:
            job.run(s, job.schedule.named(row.slot))
    assert (audit_count(plant.engine), escalations(plant.engine)) == before
    assert len(alerts_of(plant.engine, interlock_due_oct_1)) == 1


def test_a_slot_claimed_and_not_done_is_run_by_the_next_instance(
    plant: Plant, interlock_due_oct_1: int, schedulers: Callable[..., Scheduler]
) -> None:
    clock = FixedClock(kst(d(10, 9), 0))
    with unit_of_work(plant.engine) as s:
        [rollover] = [j for j in standard_jobs(s) if j.name == "rollover:region 1"]
    # an instance claimed the slot and died before running it
    claimed = runs.claim_due(plant.engine, clock, rollover, clock.now(), "dead", catch_up_days=31)
    assert claimed == ["2021-10-09"]
    report = schedulers(clock).tick()
    [r] = [r for r in report.results if r.job == "rollover:region 1"]
    assert (r.slot, r.status) == ("2021-10-09", "done")
    assert len(alerts_of(plant.engine, interlock_due_oct_1)) == 1


def test_a_job_that_fails_midway_leaves_nothing_and_is_retried_after_a_backoff(
    plant: Plant, interlock_due_oct_1: int
) -> None:
    failures = [RuntimeError("database went away")]

    def flaky(session: Session) -> list[Job]:
        jobs = standard_jobs(session)
        for i, job in enumerate(jobs):
            if job.name.startswith("rollover:region 1"):

                def run(s: Session, slot: Slot, real: Job = job) -> str:
                    out = real.run(s, slot)  # the alert is written …
                    if failures:
                        raise failures.pop()  # … and the transaction fails after it
                    return out

                jobs[i] = Job(job.name, job.schedule, run, each=True)
        return jobs

    clock = FixedClock(kst(d(10, 9), 0))
    sch = Scheduler(plant.engine, clock=clock, jobs=flaky, config=SchedulerConfig())
    try:
        [r] = [r for r in sch.tick().results if r.job == "rollover:region 1"]
        assert r.status == "failed" and "database went away" in r.outcome
        assert alerts_of(plant.engine, interlock_due_oct_1) == []  # rolled back with the run
        clock.advance(dt.timedelta(seconds=10))
        assert not [r for r in sch.tick().results if r.job == "rollover:region 1"]  # backoff
        clock.advance(dt.timedelta(seconds=30))
        [r] = [r for r in sch.tick().results if r.job == "rollover:region 1"]
        assert r.status == "done"
        assert len(alerts_of(plant.engine, interlock_due_oct_1)) == 1
        with unit_of_work(plant.engine) as s:
            row = s.scalars(select(SchedulerRun).where(SchedulerRun.job == r.job)).one()
        assert (row.attempts, row.error) == (2, "")
    finally:
        sch.stop()


def test_two_runs_of_one_slot_at_the_same_moment_commit_once(plant: Plant) -> None:
    """Even without leadership (a lease lapsed under a long job), a slot's effects commit
    once: the second run finds the slot done when it marks it, and rolls back everything."""
    barrier = threading.Barrier(2, timeout=20)

    def not_idempotent(s: Session, slot: Slot) -> str:
        barrier.wait()  # both runs are inside the job at once
        s.add(m.Region(name=f"probe {threading.get_ident()}", timezone="UTC"))
        s.flush()
        return "probe written"

    job = Job("probe", Every(60), not_idempotent)
    clock = FixedClock(kst(d(10, 9), 0))
    runs.claim(plant.engine, clock, "probe", [job.schedule.slot_at(clock.now())], "t")
    with unit_of_work(plant.engine) as s:
        run_id = s.scalars(select(SchedulerRun.id).where(SchedulerRun.job == "probe")).one()
    results: list[runs.RunResult] = []
    engines = [make_engine(plant.engine.url.render_as_string(False)) for _ in range(2)]
    threads = [
        threading.Thread(
            target=lambda e=e, n=n: results.append(runs.execute(e, clock, job, run_id, f"i{n}"))
        )
        for n, e in enumerate(engines)
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        for e in engines:
            e.dispose()
    assert sorted(r.status for r in results) == ["done", "skipped"]
    with unit_of_work(plant.engine) as s:
        probes = s.scalars(select(m.Region.name).where(m.Region.name.like("probe %"))).all()
    assert len(probes) == 1


# ------------------------------------------------------------------- one active instance
@pytest.mark.postgresql_only  # advisory locks (SQLite: the lease test below)
def test_two_instances_on_postgresql_only_the_lock_holder_acts_and_the_other_takes_over(
    plant: Plant, schedulers: Callable[..., Scheduler]
) -> None:
    from sqlalchemy import text

    from kilnguard.services.scheduler import AdvisoryLock

    kiln = plant.kilns_a[2]
    clock = FixedClock(kst(d(9, 15), 10))
    overload(plant, clock, kiln, [d(9, 15)])
    url = plant.engine.url.render_as_string(False)
    e1, e2 = make_engine(url), make_engine(url)
    try:
        one, two = schedulers(clock, engine=e1), schedulers(clock, engine=e2)
        assert isinstance(one.leadership, AdvisoryLock)
        clock.at = kst(d(9, 16))
        assert one.tick().leader and not two.tick().leader
        [red] = alerts_of(plant.engine, kiln)
        t0 = red.raised_at
        for at in (t0 + 4 * H, t0 + 5 * H):
            clock.at = at + dt.timedelta(seconds=1)
            assert two.tick().results == [] and one.tick().leader
        assert [e[0] for e in escalations(plant.engine)] == [1]
        # the active instance dies: its session ends and the lock with it
        assert isinstance(one.leadership, AdvisoryLock) and one.leadership.held
        with plant.engine.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid, 10000) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
        clock.at = t0 + 24 * H + dt.timedelta(seconds=1)
        report = two.tick()
        assert report.leader and [r.outcome for r in report.results if r.job == "escalate"] == [
            "1 escalation(s)"
        ]
        assert not one.tick().leader  # it finds its lock gone and the other one holding it
        clock.advance(dt.timedelta(days=2))
        one.tick()
        two.tick()
        assert [e[0] for e in escalations(plant.engine)] == [1, 2]
    finally:
        for s in (one, two):
            s.stop()
        e1.dispose()
        e2.dispose()


def test_on_sqlite_a_lease_makes_one_instance_active_and_expires_if_it_dies(
    plant: Plant, schedulers: Callable[..., Scheduler]
) -> None:
    clock = FixedClock(kst(d(9, 16), 10))
    one = schedulers(clock, leadership=Lease(plant.engine, "one", lease_s=30))
    two = schedulers(clock, leadership=Lease(plant.engine, "two", lease_s=30))
    assert one.tick().leader
    assert not two.tick().leader
    clock.advance(dt.timedelta(seconds=20))
    assert one.tick().leader  # the heartbeat renews the lease
    clock.advance(dt.timedelta(seconds=20))
    assert not two.tick().leader
    # `one` dies without a word: `two` takes over once the lease has run out
    clock.advance(dt.timedelta(seconds=31))
    assert two.tick().leader
    assert not one.tick().leader
    two.stop()  # a clean shutdown hands the lease over at once
    three = schedulers(clock, leadership=Lease(plant.engine, "three", lease_s=30))
    assert three.tick().leader
