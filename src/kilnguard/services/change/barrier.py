"""Change control as other features read it: the barrier signal per kiln-day for the risk
engine, and the domain change requests of some kilns for the investigation timeline. No tenancy
here: the caller has already decided which kilns it evaluates or may read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import change as dc
from kilnguard.domain.errors import ValidationError
from kilnguard.services.change.common import CHANGE_POLICY
from kilnguard.services.change.loader import load_change
from kilnguard.store.change_models import ChangeRequestRow
from kilnguard.store.models import Enterprise, Kiln, Region


class KilnDaySignal(NamedTuple):
    """The change-control barrier of one kiln on one day: severity 0..3 and why."""

    severity: int
    reasons: list[str]


def change_control_inputs(
    session: Session,
    kiln_ids: Iterable[int],
    first_day: dt.date,
    last_day: dt.date,
) -> dict[tuple[int, dt.date], KilnDaySignal]:
    """The change-control barrier per kiln-day, for the risk engine (no tenancy: the caller
    has already decided which kilns it evaluates).

    Days are the plant's local calendar days (the region's time zone). Every kiln-day in the
    range is present; severity 0..3 as `domain.change.BarrierSeverity`, reasons worst first.
    """
    if last_day < first_day:
        raise ValidationError("last_day", last_day.isoformat(), "must not be before first_day")
    ids = list(dict.fromkeys(kiln_ids))
    out: dict[tuple[int, dt.date], KilnDaySignal] = {}
    if not ids:
        return out
    rows = session.scalars(select(ChangeRequestRow).where(ChangeRequestRow.kiln_id.in_(ids))).all()
    by_kiln: dict[int, list[dc.ChangeRequest]] = {}
    for r in rows:
        assert r.kiln_id is not None
        by_kiln.setdefault(r.kiln_id, []).append(load_change(session, r))
    tz_of: dict[int, ZoneInfo] = {}
    for kiln_id, tzname in session.execute(
        select(Kiln.id, Region.timezone)
        .join(Enterprise, Enterprise.id == Kiln.enterprise_id)
        .join(Region, Region.id == Enterprise.region_id)
        .where(Kiln.id.in_(ids))
    ):
        tz_of[int(kiln_id)] = ZoneInfo(str(tzname or "UTC"))
    for kiln_id in ids:
        changes = by_kiln.get(kiln_id, [])
        tz = tz_of.get(kiln_id, ZoneInfo("UTC"))
        day = first_day
        while day <= last_day:
            if changes:
                sig = dc.change_control_signal(
                    changes, str(kiln_id), day, policy=CHANGE_POLICY, tz=tz
                )
                out[(kiln_id, day)] = KilnDaySignal(int(sig.severity), list(sig.reasons))
            else:
                out[(kiln_id, day)] = KilnDaySignal(0, [])
            day += dt.timedelta(days=1)
    return out


def changes_of_kilns(
    session: Session, *, kiln_ids: Sequence[int], until: dt.datetime | None = None
) -> list[dc.ChangeRequest]:
    """Every change request on `kiln_ids` created up to `until`, as domain objects (history,
    reviews, objections, overrules, stages, zone), oldest first. No tenancy: the caller has
    already checked who may read these kilns (the investigation timeline reads this)."""
    stmt = select(ChangeRequestRow).where(ChangeRequestRow.kiln_id.in_(list(kiln_ids)))
    if until is not None:
        stmt = stmt.where(ChangeRequestRow.created_at <= until)
    rows = session.scalars(stmt.order_by(ChangeRequestRow.created_at, ChangeRequestRow.id))
    return [load_change(session, r) for r in rows]
