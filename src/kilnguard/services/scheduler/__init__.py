"""Time passes without anyone running a command (issue 19 point 3).

A scheduler runs durable, idempotent jobs, inside `kilnguard serve` (a background thread,
`KILNGUARD_SCHEDULER=off` turns it off) or as `kilnguard worker` (`--once` for cron and tests):
the day's rollover at each region's local midnight (alerts raised and closed as of the new day),
escalation of unacknowledged red and stop alerts every minute, bulletin reminders and
corrective-action escalation daily, and the outbox relay every 10 s. It acts as the system.

* `schedules` — slots: every N seconds, or at 00:00 of an IANA zone (DST-correct);
* `jobs` — the jobs and what each does for a slot; catch-up rules after downtime;
* `runs` — each (job, slot) claimed by a unique row before it runs and marked done in the same
  transaction as the job's writes: one slot's effects commit once, across restarts and
  instances; a slot claimed and not done is run again;
* `leadership` — one active scheduler: a PostgreSQL advisory lock, or a lease row on SQLite;
* `runner` — `Scheduler` (`tick`, `run_forever`, `start`/`stop`) and `background`, the server's
  lifespan hook.

docs/SCHEDULER.md has the operator's view.
"""

from kilnguard.services.scheduler.jobs import Job as Job
from kilnguard.services.scheduler.jobs import JobSettings as JobSettings
from kilnguard.services.scheduler.jobs import standard_jobs as standard_jobs
from kilnguard.services.scheduler.leadership import AdvisoryLock as AdvisoryLock
from kilnguard.services.scheduler.leadership import Lease as Lease
from kilnguard.services.scheduler.runner import Scheduler as Scheduler
from kilnguard.services.scheduler.runner import SchedulerConfig as SchedulerConfig
from kilnguard.services.scheduler.runner import TickReport as TickReport
from kilnguard.services.scheduler.runner import background as background
from kilnguard.services.scheduler.runner import enabled as enabled
from kilnguard.services.scheduler.runs import RunResult as RunResult
from kilnguard.services.scheduler.schedules import DailyAtMidnight as DailyAtMidnight
from kilnguard.services.scheduler.schedules import Every as Every
from kilnguard.services.scheduler.schedules import Slot as Slot
