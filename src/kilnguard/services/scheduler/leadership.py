"""Which instance is the active scheduler: one at a time, and another takes over if it dies.

* **PostgreSQL** — `AdvisoryLock`: a session-level `pg_try_advisory_lock` on a connection the
  instance keeps open for as long as it leads. The server releases the lock when that session
  ends, however the process dies (crash, kill, lost network), and the next instance to try
  takes it. Advisory locks belong to one database, so two installations on one server do not
  interfere.
* **SQLite** (one machine) — `Lease`: a row in `scheduler_leases` naming the holder and when its
  lease expires. The holder renews it on its ticks once half of it has run (a heartbeat);
  another instance takes it over only once it has expired (`lease_s` after the last heartbeat
  of a dead holder), or at once when the holder released it on a clean shutdown. Expiry is
  judged by the scheduler's clock, the same clock the jobs run on.

Leadership keeps the work in one place; it is not what makes a slot run once. The runs table
does that on its own (`runs`), so a lease that lapses under a long job cannot double a slot.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Protocol

from sqlalchemy import Connection, Engine, delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from kilnguard.store.job_models import SchedulerLease

log = logging.getLogger("kilnguard.scheduler")

LOCK_KEY = 0x6B696C6E67756172  # "kilnguar": the advisory lock's key (a bigint)
LEASE_NAME = "scheduler"


class Leadership(Protocol):
    def acquire(self, now: dt.datetime) -> bool:
        """Become, or stay, the active scheduler; False while another instance is."""
        ...

    def release(self) -> None:
        """Stop being the active scheduler (clean shutdown)."""
        ...


class AdvisoryLock:
    """Leadership by a PostgreSQL session-level advisory lock (see the module docstring)."""

    def __init__(self, engine: Engine, key: int = LOCK_KEY) -> None:
        self.engine = engine
        self.key = key if key < 2**63 else key - 2**64
        self._conn: Connection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def acquire(self, now: dt.datetime) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except DBAPIError:
                log.warning("scheduler: lost the connection holding the advisory lock")
                self._drop()
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}))
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        log.info("scheduler: this instance is the active scheduler (advisory lock %d)", self.key)
        return True

    def release(self) -> None:
        if self._conn is None:
            return
        with contextlib.suppress(DBAPIError):  # else the session is gone, and the lock with it
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        self._drop()

    def _drop(self) -> None:
        """Close the lock's connection for good (never back to the pool: a pooled session
        still holding the lock would keep every other instance waiting)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
            finally:
                conn.close()


class Lease:
    """Leadership by a lease row with a heartbeat, for SQLite (see the module docstring)."""

    def __init__(self, engine: Engine, holder: str, lease_s: float = 30.0) -> None:
        self.engine = engine
        self.holder = holder
        self.ttl = dt.timedelta(seconds=lease_s)
        self.held = False
        self._expires: dt.datetime | None = None

    def acquire(self, now: dt.datetime) -> bool:
        if self.held and self._expires is not None and self._expires - now > self.ttl / 2:
            return True  # renewed recently: no write this tick
        got = self._take(now)
        if got and not self.held:
            log.info("scheduler: this instance is the active scheduler (lease %s)", self.holder)
        self.held = got
        self._expires = now + self.ttl if got else None
        return got

    def _take(self, now: dt.datetime) -> bool:
        t = SchedulerLease
        try:
            with self.engine.begin() as conn:
                row = conn.execute(
                    select(t.holder, t.expires_at).where(t.name == LEASE_NAME)
                ).first()
                if row is None:
                    conn.execute(
                        insert(t).values(
                            name=LEASE_NAME,
                            holder=self.holder,
                            acquired_at=now,
                            expires_at=now + self.ttl,
                        )
                    )
                    got = True
                elif row.holder == self.holder or row.expires_at <= now:
                    # compare-and-set on what was read: a concurrent taker changes the row
                    values = {"holder": self.holder, "expires_at": now + self.ttl}
                    if row.holder != self.holder:
                        values["acquired_at"] = now
                    done = conn.execute(
                        update(t)
                        .where(
                            t.name == LEASE_NAME,
                            t.holder == row.holder,
                            t.expires_at == row.expires_at,
                        )
                        .values(**values)
                    )
                    got = done.rowcount == 1
                else:
                    got = False
        except IntegrityError:
            got = False
        return got

    def release(self) -> None:
        if not self.held:
            return
        with self.engine.begin() as conn:
            conn.execute(
                delete(SchedulerLease).where(
                    SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == self.holder
                )
            )
        self.held, self._expires = False, None


def leadership_for(engine: Engine, holder: str, lease_s: float) -> Leadership:
    """An advisory lock on PostgreSQL, a lease row elsewhere."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    return Lease(engine, holder, lease_s)
