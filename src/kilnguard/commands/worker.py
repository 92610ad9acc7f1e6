"""`kilnguard worker`: the scheduler's background jobs, in a process of their own."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from typing import Annotated, Any

import typer

from kilnguard.clock import SYSTEM_CLOCK, Clock, FixedClock
from kilnguard.commands import fail, guarded
from kilnguard.services import scheduler as sch
from kilnguard.services import uow as db
from kilnguard.services.scheduler.views import job_status, lease_holder

HELP = """Run the background jobs: time passes without anyone running a command.

\b
Jobs (idempotent; each slot runs once; they act as the system):
  rollover:region N   00:00 in the region's zone: alerts raised and
                      closed as of the new local day
  escalate            every minute: unacknowledged red/stop alerts go
                      to managers after 4 h, regulators after 24 h
  bulletin-reminders  daily: unacknowledged bulletins reminded
  action-escalation   daily: overdue corrective actions escalated
  deliver-outbox      every 10 s: notifications (webhook, MQTT, mail)
  prune-runs          daily: old runs of the interval jobs forgotten

\b
`kilnguard serve` runs the same scheduler in a thread
(KILNGUARD_SCHEDULER=off turns it off). With several server processes
on one PostgreSQL database, run workers: an advisory lock makes exactly
one instance the active scheduler, and another takes over if it dies.
On SQLite a lease row does the same on one machine. Midnights missed
while nothing ran are caught up in order.

\b
Examples:
  kilnguard worker              run until Ctrl-C or SIGTERM
  kilnguard worker --once       run what is due now, then exit (cron)
  kilnguard worker --status     each job's last run and runs owed

\b
Settings (docs/SCHEDULER.md): KILNGUARD_SCHEDULER_POLL_S (1),
_LEASE_S (30), _CATCH_UP_DAYS (31), _ESCALATE_S (60), _DELIVER_S (10),
_KEEP_DAYS (14).
"""


def _clock(now: str) -> Clock:
    if not now:
        return SYSTEM_CLOCK
    try:
        at = dt.datetime.fromisoformat(now)
    except ValueError:
        raise fail(f"now: {now!r} is not a time like 2021-10-05T00:00:30+09:00") from None
    if at.tzinfo is None:
        raise fail(f"now: {now!r} needs a UTC offset, e.g. 2021-10-05T00:00:30+09:00")
    return FixedClock(at.astimezone(dt.UTC))


def register(app: typer.Typer) -> None:
    @app.command("worker", help=HELP)
    def worker(
        once: Annotated[
            bool, typer.Option("--once", help="Run the jobs due now, then exit (for cron).")
        ] = False,
        status: Annotated[
            bool, typer.Option("--status", help="Show each job's last run, then exit.")
        ] = False,
        now: Annotated[
            str,
            typer.Option(
                "--now",
                help="With --once: act as if it were this time (ISO 8601 with offset), to "
                "replay a missed night; never ahead of the real time.",
            ),
        ] = "",
        quiet: Annotated[bool, typer.Option("--quiet", help="Log warnings only.")] = False,
    ) -> None:
        if now and not once:
            raise fail("now: --now only goes with --once")
        logging.basicConfig(
            level=logging.WARNING if quiet else logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        clock = _clock(now)
        with guarded():
            db.upgrade()
            engine = db.get_engine()
            if status:
                _print_status(engine, clock)
                return
            scheduler = sch.Scheduler(engine, clock=clock)
            if once:
                report = scheduler.tick()
                scheduler.stop()
                for r in report.results:
                    typer.echo(f"{r.job} {r.slot}: {r.status}: {r.outcome}")
                typer.echo(report.summary())
                return
            _run_until_stopped(scheduler)


def _run_until_stopped(scheduler: sch.Scheduler) -> None:
    stopping = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    typer.echo(f"kilnguard worker {scheduler.holder}: running (Ctrl-C or SIGTERM stops)")
    scheduler.start()
    try:
        while not stopping.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.stop()
    typer.echo("kilnguard worker stopped")


def _print_status(engine: Any, clock: Clock) -> None:
    with db.unit_of_work(engine, clock=clock) as session:
        jobs = sch.standard_jobs(session, sch.SchedulerConfig.from_env().jobs)
        rows = job_status(session, jobs)
        holder = lease_holder(session, clock.now())
    if holder:
        typer.echo(f"active scheduler (SQLite lease): {holder}")
    for r in rows:
        last = f"last {r.last_slot}: {r.last_outcome}" if r.last_slot else "never run"
        owed = f"; {r.owed} owed" + (f" (last error: {r.last_error})" if r.last_error else "")
        typer.echo(f"{r.job:<22} {r.schedule:<26} {last}{owed if r.owed else ''}")
