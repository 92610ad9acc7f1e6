"""Correct and void, never delete (issue 16 point 2): one mechanism for every record kind.

A record kind registers a `Kind`: its table, the right that guards it (`services.access`), the
fields a correction may change (with their types, so text from a form, a JSON body or a CLI
argument reads the same way), and the check its new values must pass — the same entry rules
as a new record. Then

- `correct(session, who, kind, ident, changes, reason)` changes those fields on the stored row
  and appends one audit entry, action "correct", with the reason and every changed field's
  value before and after;
- `void(session, who, kind, ident, reason)` marks the row voided (`voided_at`, `voided_by`,
  `void_reason`): it stays, readable, but no longer counts (risk, rates, the duplicate rule);
  its audit entry, action "void", keeps the whole record as it was;
- `history(session, who, kind, ident)` is the record's audit entries, oldest first.

Both acts are ORM changes of the row, so `services.risk.follow` marks the kiln-day dirty from
the earliest date the row held before or after, and stored levels follow. Nothing commits
here: the unit of work does. A voided record is not corrected (enter a new one instead), and
is voided once. Other features register their own kinds with `register`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import plant as rules
from kilnguard.domain.errors import Conflict, ValidationError
from kilnguard.domain.validation import (
    parse_day,
    parse_time,
    parse_whole,
    require_storable_text,
    require_text,
)
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.records import entry
from kilnguard.services.records.batch import validate_with
from kilnguard.services.records.production import (
    ProductionIn,
    ShiftIn,
    check_production,
    overlapping_shifts,
)
from kilnguard.store import models as m

Values = dict[str, Any]
Check = Callable[[Session, Any, Values, str], None]
"""Check the corrected values of a stored row: (session, row, new values, confirm reason)."""

REASON_LEN = 2_000
"""Longest reason for a correction or a void [characters]: a sentence or a paragraph."""


@dataclass(frozen=True)
class Kind:
    """A record kind that can be corrected and voided."""

    name: str  # the access right and the audit entity ("production_record")
    model: type[m.Base]
    fields: Mapping[str, str]  # correctable field -> type: text, int, float, bool, date, time
    check: Check
    label: str = ""  # how a person calls it ("production record"); default from `name`
    aliases: tuple[str, ...] = field(default=())  # other names: URL segment, CLI word

    @property
    def words(self) -> str:
        return self.label or self.name.replace("_", " ")


KINDS: dict[str, Kind] = {}
"""Registered kinds by name and by each alias."""


def register(kind: Kind) -> Kind:
    """Make `kind` correctable and voidable (under its name and its aliases)."""
    for key in (kind.name, *kind.aliases):
        KINDS[key] = kind
    return kind


def kind_of(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        known = ", ".join(sorted({k.name for k in KINDS.values()}))
        raise ValidationError("kind", name, f"must be one of: {known}") from None


# ------------------------------------------------------------------------ typed values
def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "on"):
        return True
    if text in ("0", "false", "no", "n", "off", ""):
        return False
    raise ValidationError(name, value, "must be yes or no (true/false)")


def coerce(name: str, kind: str, value: Any, zone: str) -> Any:
    """`value` (typed, or text from a form, JSON or a command line) as the field's type; a
    time without an offset is read in the plant's zone."""
    if value is None or (kind not in ("text", "bool") and value == ""):
        return None
    if kind == "text":
        text = str(value)
        require_storable_text(name, text)
        return text
    if kind == "bool":
        return _boolean(name, value)
    if kind == "int":
        return value if type(value) is int else parse_whole(name, str(value))
    if kind == "float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return entry.parse_local_number(name, str(value))
    if kind == "date":
        return value if type(value) is dt.date else parse_day(name, str(value))
    moment = value if isinstance(value, dt.datetime) else parse_time(name, str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))


# ------------------------------------------------------------------------- the acts
def _zone(session: Session, row: Any) -> str:
    return entry.plant_zone(session, row.enterprise_id)


def _open(session: Session, who: Principal, kind: Kind, ident: int) -> Any:
    """The stored row `who` may change, re-read under a row lock; NotFound when absent or
    not theirs to read, 403 when their role may not change this kind."""
    row: Any = access.get_readable(session, who, kind.model, ident)
    access.require_write(session, who, kind.name, row.enterprise_id)
    row = writes.locked(session, kind.model, ident) or row
    if row.voided_at is not None:
        raise Conflict(
            f"{kind.words} {ident} was voided by {row.voided_by} on "
            f"{entry.local_text(row.voided_at, _zone(session, row))} ({row.void_reason}): "
            "it is kept as it was; enter a new record instead"
        )
    return row


def _reason(name: str, reason: str) -> str:
    require_text(name, reason)
    require_storable_text(name, reason, REASON_LEN)
    return reason.strip()


def _plain(value: Any) -> Any:
    """A value as the audit entry keeps it (dates and times as ISO text)."""
    return value.isoformat() if isinstance(value, dt.date) else value


def correct(
    session: Session,
    who: Principal,
    kind: str,
    ident: int,
    changes: Mapping[str, Any],
    reason: str,
    *,
    confirm_reason: str = "",
) -> m.Base:
    """Change fields of a stored record, keeping before and after in the audit log. The new
    values pass the kind's entry rules (a production output above 2× rating needs
    `confirm_reason`). Unchanged values are no change; no change at all is refused."""
    k = kind_of(kind)
    reason = _reason("reason", reason)
    row = _open(session, who, k, ident)
    zone = _zone(session, row)
    for name in changes:
        if name not in k.fields:
            raise ValidationError(
                name,
                changes[name],
                f"cannot be corrected on a {k.words}; correctable: {', '.join(k.fields)}",
            )
    old = {name: getattr(row, name) for name in k.fields}
    new = {**old, **{n: coerce(n, k.fields[n], v, zone) for n, v in changes.items()}}
    for name in changes:
        if new[name] is None and not k.model.__table__.c[name].nullable:
            raise ValidationError(name, "", "must be given: it cannot be emptied")
    changed = [n for n in k.fields if new[n] != old[n]]
    if not changed:
        raise ValidationError(
            "changes", dict(changes), "changes nothing: every value is the one stored"
        )
    k.check(session, row, new, confirm_reason)  # may complete `new` (a confirmed note)
    changed = [n for n in k.fields if new[n] != old[n]]
    for name in changed:
        setattr(row, name, new[name])
    payload = {
        "reason": reason,
        "before": {n: _plain(old[n]) for n in changed},
        "after": {n: _plain(new[n]) for n in changed},
    }
    if confirm_reason.strip():
        payload["confirm_reason"] = confirm_reason.strip()
    writes.write_own(
        session, who=who, row=row, action="correct", kind=k.name, payload=payload, checked=False
    )
    return row  # type: ignore[no-any-return]


def void(session: Session, who: Principal, kind: str, ident: int, reason: str) -> m.Base:
    """Void a stored record with a reason: kept, shown as voided, counted nowhere."""
    k = kind_of(kind)
    reason = _reason("reason", reason)
    row = _open(session, who, k, ident)
    record = {n: _plain(v) for n, v in writes.record_payload(row).items()}
    row.voided_at = writes.now(session)
    row.voided_by = who.username
    row.void_reason = reason
    writes.write_own(
        session,
        who=who,
        row=row,
        action="void",
        kind=k.name,
        payload={"reason": reason, "record": record},
        checked=False,
    )
    return row  # type: ignore[no-any-return]


@dataclass(frozen=True)
class HistoryEntry:
    """One act on a record, as its audit entry keeps it."""

    at: dt.datetime
    actor: str
    action: str  # create, correct, void, defer, complete, ...
    reason: str
    before: Values
    after: Values


def history(session: Session, who: Principal, kind: str, ident: int) -> list[HistoryEntry]:
    """The record's acts from the audit log, oldest first (NotFound when not `who`'s)."""
    k = kind_of(kind)
    access.get_readable(session, who, k.model, ident)
    a = m.AuditEntry
    stmt = select(a).where(a.entity == k.name, a.entity_id == str(ident)).order_by(a.seq)
    out: list[HistoryEntry] = []
    for e in session.scalars(stmt):
        body = json.loads(e.payload)
        before = body.get("before") or {}
        after = body.get("after") or ({} if "before" in body else body.get("record", body))
        out.append(HistoryEntry(e.at, e.actor, e.action, body.get("reason", ""), before, after))
    return out


# ---------------------------------------------------------------- the plant's record kinds
def _check_production(session: Session, row: Any, new: Values, confirm: str) -> None:
    kiln = session.get(m.Kiln, row.kiln_id)
    assert kiln is not None  # a foreign key
    data = ProductionIn(kiln_id=row.kiln_id, confirm_reason=confirm, source=row.source, **new)
    check_production(session, data, kiln)
    key = (row.kiln_id, new["day"], new["shift_no"])
    other = entry.stored_production(session, [key]).get(key)
    if other is not None and other.id != row.id:
        raise entry.duplicate_error(kiln, other)
    new["note"] = entry.confirmed_note(new["note"], new["output_t"], kiln, confirm)


def _check_shift(session: Session, row: Any, new: Values, confirm: str) -> None:
    rules.validate_shift_times(new["start_at"], new["end_at"])
    zone = _zone(session, row)
    entry.require_not_after_tomorrow(session, "start_at", new["start_at"], zone)
    worker = session.get(m.Worker, row.worker_id)
    assert worker is not None  # a foreign key
    item = ShiftIn(worker_id=row.worker_id, start_at=new["start_at"], end_at=new["end_at"])
    errors = overlapping_shifts(session, [item], {worker.id: worker}, except_id=row.id)
    if errors:
        raise ValidationError("start_at", new["start_at"].isoformat(), errors[0].reason)


def _validated(check: Callable[..., None]) -> Check:
    """A kind's check that is its domain validator over the new values."""

    def run(session: Session, row: Any, new: Values, confirm: str) -> None:
        validate_with(check, SimpleNamespace(**new))

    return run


def _check_work_order(session: Session, row: Any, new: Values, confirm: str) -> None:
    _validated(rules.validate_work_order)(session, row, new, confirm)
    entry.require_not_after_tomorrow(session, "done_on", new["done_on"], _zone(session, row))


def _check_incident(session: Session, row: Any, new: Values, confirm: str) -> None:
    _validated(rules.validate_incident)(session, row, {**new, "event_type": row.event_type}, "")
    zone = _zone(session, row)
    entry.require_not_after_tomorrow(session, "occurred_at", new["occurred_at"], zone)


def _check_maintenance_plan(session: Session, row: Any, new: Values, confirm: str) -> None:
    _validated(rules.validate_maintenance_plan)(session, row, new, confirm)


for _kind in (
    Kind(
        "production_record",
        m.ProductionRecord,
        {
            "day": "date",
            "shift_no": "int",
            "output_t": "float",
            "hours_fired": "float",
            "note": "text",
        },
        _check_production,
        aliases=("production", "production-records"),
    ),
    Kind(
        "shift",
        m.Shift,
        {"start_at": "time", "end_at": "time", "role": "text"},
        _check_shift,
        aliases=("shifts",),
    ),
    Kind(
        "work_order",
        m.WorkOrder,
        {
            "task": "text",
            "safety_critical": "bool",
            "due_on": "date",
            "done_on": "date",
            "findings": "text",
        },
        _check_work_order,
        aliases=("work-orders", "work_orders"),
    ),
    Kind(
        "maintenance_plan",
        m.MaintenancePlan,
        {
            "task": "text",
            "interval_days": "int",
            "interval_t": "float",
            "duration_days": "int",
            "safety_critical": "bool",
            "protects": "text",
        },
        _check_maintenance_plan,
        aliases=("maintenance-plans", "maintenance_plans"),
    ),
    Kind(
        "planned_stop",
        m.PlannedStop,
        {"start_on": "date", "end_on": "date", "reason": "text", "relines_lining": "bool"},
        _validated(rules.validate_planned_stop),
        aliases=("planned-stops", "planned_stops"),
    ),
    Kind(
        "target",
        m.Target,
        {
            "quantity_t": "float",
            "entered_on": "date",
            "deadline": "date",
            "imposed_by": "text",
            "additional": "bool",
            "description": "text",
        },
        _validated(rules.validate_target),
        aliases=("targets",),
    ),
    Kind(
        "incident",
        m.Incident,
        {
            "occurred_at": "time",
            "killed": "int",
            "seriously_injured": "int",
            "minor_injuries": "int",
            "missing": "int",
            "days_lost": "int",
            "description": "text",
            "immediate_actions": "text",
        },
        _check_incident,
        aliases=("incidents",),
    ),
):
    register(_kind)
