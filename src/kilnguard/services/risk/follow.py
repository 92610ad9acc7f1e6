"""Stored levels follow every committed write (issue 19 point 1), whichever shell wrote.

Session events on SQLAlchemy's `Session` class (registered when any service is imported, by
`kilnguard.services`): `after_flush` marks the enterprise of every new, changed or deleted row
of a tracked kind dirty from the earliest day it names (`affected_day`), in the write's own
transaction (`levels.mark`); `after_commit` recomputes the marked enterprises in a unit of work
of its own, in the writer's thread — or, where a scheduler runs in this process (`kilnguard
serve`), leaves that to its tick — then calls `AFTER_COMMIT` (the scheduler's wake-up);
`after_rollback` forgets the marks (the database rolled them back too).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from itertools import chain
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from kilnguard.services.risk.levels import ALL_DAYS, WROTE_KEY, mark, refresh
from kilnguard.store import models as m
from kilnguard.store.change_models import ChangeHazardZoneRow, ChangeRecord, ChangeRequestRow
from kilnguard.store.db import clock_of, unit_of_work
from kilnguard.store.models import UTCDateTime

log = logging.getLogger("kilnguard.levels")

TRACKED: tuple[type[Any], ...] = (
    m.ProductionRecord,
    m.Shift,
    m.WorkOrder,
    m.WorkOrderDeferral,
    m.Target,  # enterprise-wide or per kiln: the enterprise is recomputed either way
    m.PlannedStop,
    m.MaintenancePlan,
    m.Kiln,  # rating, commissioning, retirement
    m.Incident,
    ChangeRequestRow,
    ChangeRecord,  # every row about a change request (transitions, firings, PSSR, ...)
    ChangeHazardZoneRow,
)
"""Kinds of rows whose changes move a kiln's risk inputs (all carry `enterprise_id`)."""

MARKED_KEY = "kilnguard.levels.marked"  # session.info: enterprises marked by this transaction

AFTER_COMMIT: list[Callable[[], None]] = []
"""Called after a commit that marked enterprises (and their recompute): the scheduler's wake."""

_recompute_after_commit = True

SCHEDULED: Callable[[], bool] = lambda: False  # noqa: E731
"""Whether a scheduler runs in this process (set by `services.scheduler.dirty`): then the
writer only wakes it, and its tick recomputes — at once, and once for a burst of writes —
instead of the writer's thread recomputing after every commit."""


def recompute_after_commit(on: bool) -> None:
    """Recompute right after each commit that marks (the default), or leave it to the
    scheduler's tick (a benchmark of that path, a bulk load that recomputes at its end)."""
    global _recompute_after_commit
    _recompute_after_commit = on


_DATED: dict[type[Any], tuple[str, ...]] = {}


def _dated_columns(cls: type[Any]) -> tuple[str, ...]:
    """The attributes of a mapped class whose columns hold dates or times (cached)."""
    keys = _DATED.get(cls)
    if keys is None:
        keys = _DATED[cls] = tuple(
            attr.key
            for attr in sa_inspect(cls).column_attrs
            if isinstance(attr.columns[0].type, sa.Date | sa.DateTime | UTCDateTime)
        )
    return keys


def affected_day(obj: object, new: bool = False) -> dt.date:
    """The earliest day a change of this row can move a level: the earliest date among its
    date and time columns, before and after the change (a time's UTC day less one, which
    covers every zone); `ALL_DAYS` for a kiln (rating, kind, lining) or a row naming none.
    `new`: a row being inserted (its values are all there is, no history to read)."""
    if isinstance(obj, m.Kiln):
        return ALL_DAYS
    state = sa_inspect(obj)
    keys = _dated_columns(type(obj))
    values: list[Any]
    if new:
        values = [state.dict.get(k) for k in keys]
    else:
        values = []
        for k in keys:
            hist = state.attrs[k].history
            values.extend(chain(hist.added or (), hist.unchanged or (), hist.deleted or ()))
    days = [
        v.date() - dt.timedelta(days=1) if isinstance(v, dt.datetime) else v
        for v in values
        if isinstance(v, dt.date)
    ]
    return min(days) if days else ALL_DAYS


def _enterprise_of(obj: object) -> int | None:
    value = sa_inspect(obj).dict.get("enterprise_id")
    return value if isinstance(value, int) else None


def _after_flush(session: Session, flush_context: object) -> None:
    session.info[WROTE_KEY] = True
    marks: dict[int, dt.date] = {}
    new = session.new
    for obj in chain(new, session.dirty, session.deleted):
        if isinstance(obj, TRACKED) and (ent := _enterprise_of(obj)) is not None:
            day = affected_day(obj, new=obj in new)
            marks[ent] = min(day, marks.get(ent, day))
    if marks:
        mark(session.connection(), marks)
        session.info.setdefault(MARKED_KEY, set()).update(marks)


def _after_commit(session: Session) -> None:
    session.info.pop(WROTE_KEY, None)
    found: set[int] | None = session.info.pop(MARKED_KEY, None)
    if not found:
        return
    bind = session.get_bind()
    if isinstance(bind, Engine) and _recompute_after_commit and not SCHEDULED():
        try:
            with unit_of_work(bind, clock=clock_of(session), write=True) as own:
                refresh(own, found)
        except Exception:
            log.exception("recomputing the levels of enterprises %s failed", sorted(found))
    for fn in list(AFTER_COMMIT):
        fn()


def _after_rollback(session: Session) -> None:
    session.info.pop(WROTE_KEY, None)
    session.info.pop(MARKED_KEY, None)


def register() -> None:
    """Follow the writes of every `Session` (idempotent; done on import)."""
    for name, fn in (
        ("after_flush", _after_flush),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


register()
