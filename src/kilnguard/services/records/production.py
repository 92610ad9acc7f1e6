"""Kiln output per shift, and worked shifts (with the overlap rule fatigue depends on).

Both are held by the entry rules of `records.entry`: dated no later than tomorrow in plant
time, output plausible for the kiln's rating (confirmed with a reason above 2×), one current
record per kiln, day and shift, and shift overlaps told with the worker's name and the times in
plant time. Voided rows (`voided_at`) are kept but do not count for any of these rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import plant as rules
from kilnguard.domain.errors import BatchValidationError, NotFound, RowError, ValidationError
from kilnguard.services import access
from kilnguard.services.access import Principal
from kilnguard.services.records import entry
from kilnguard.services.records.batch import (
    one,
    require_active,
    validate_batch,
    validate_with,
    write_all,
    write_on_kilns,
)
from kilnguard.services.records.plant import require_own
from kilnguard.store.models import Kiln, ProductionRecord, Section, Shift, Worker


@dataclass(frozen=True)
class ProductionIn:
    kiln_id: int
    day: dt.date
    output_t: float
    hours_fired: float
    shift_no: int = 1
    note: str = ""
    source: str = "recorded"
    # why an output above 2× the kiln's rating is right (kept on the note); see records.entry
    confirm_reason: str = ""


def check_production(session: Session, p: ProductionIn, kiln: Kiln) -> None:
    """The entry rules of one production record on `kiln` (not the duplicate rule)."""
    validate_with(rules.validate_production, p)
    rules.require_choice("source", p.source, [s.value for s in rules.Source])
    zone = entry.plant_zone(session, kiln.enterprise_id)
    entry.require_not_after_tomorrow(session, "day", p.day, zone)
    # a reconstructed record states what an accident report found, its note saying so (the
    # demo's TK-1 charged 3× its rating): the note is its confirmation
    reconstructed = p.source == rules.Source.RECONSTRUCTED.value
    entry.check_output(kiln, p.output_t, p.confirm_reason or (p.note if reconstructed else ""))


def record_production(
    session: Session, who: Principal, items: Sequence[ProductionIn]
) -> list[ProductionRecord]:
    """Record kiln output per shift (t, hours fired); a second record of a kiln, day and shift
    (stored or in the batch) is refused, naming the first."""
    stored = entry.stored_production(session, [(p.kiln_id, p.day, p.shift_no) for p in items])
    seen: dict[entry.ProductionKey, int] = {}

    def check(p: ProductionIn, kiln: Callable[[int], Kiln]) -> None:
        check_production(session, p, kiln(p.kiln_id))

    def key(i: int, p: ProductionIn, kiln: Kiln) -> None:
        key = (p.kiln_id, p.day, p.shift_no)
        if key in stored:
            raise entry.duplicate_error(kiln, stored[key])
        if key in seen:
            raise ValidationError(
                "shift_no",
                p.shift_no,
                f"row {seen[key]} already gives kiln {kiln.name}'s {p.day.isoformat()}, shift "
                f"{p.shift_no}: one record per kiln, day and shift",
            )
        seen[key] = i

    def row(p: ProductionIn, kiln: Kiln) -> ProductionRecord:
        values = asdict(p)
        values["note"] = entry.confirmed_note(
            p.note, p.output_t, kiln, values.pop("confirm_reason")
        )
        return ProductionRecord(enterprise_id=kiln.enterprise_id, **values)

    kind = "production_record"
    return write_on_kilns(session, who, items, kind=kind, check=check, row=row, check_row=key)


def record_production_one(session: Session, who: Principal, item: ProductionIn) -> ProductionRecord:
    return one(record_production, session, who, item)


@dataclass(frozen=True)
class ShiftIn:
    worker_id: int
    start_at: dt.datetime
    end_at: dt.datetime
    kiln_id: int | None = None
    section_id: int | None = None
    role: str = "operator"
    source: str = "recorded"


def _span(iv: rules.Interval, zone: str) -> str:
    """A shift's times in plant time: `2021-11-20 18:00–2021-11-21 06:00`."""
    start, end = (t.astimezone(ZoneInfo(zone)) for t in (iv.start, iv.end))
    return f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"


def overlapping_shifts(
    session: Session,
    items: Sequence[ShiftIn],
    workers: Mapping[int, Worker],
    *,
    except_id: int | None = None,
) -> list[RowError]:
    """Overlapping shifts of one worker, within the batch and against current stored shifts
    (`except_id`: the stored shift being corrected), told with the worker's name and the times
    in the plant's zone."""
    fresh = [
        rules.Interval(s.worker_id, s.start_at, s.end_at, f"row {i}")
        for i, s in enumerate(items, start=1)
    ]
    lo = min(s.start_at for s in items)
    hi = max(s.end_at for s in items)
    stmt = select(Shift).where(
        Shift.worker_id.in_(list(workers)),
        Shift.end_at > lo,
        Shift.start_at < hi,
        Shift.voided_at.is_(None),
        Shift.id != (except_id or 0),
    )
    stored = [
        rules.Interval(sh.worker_id, sh.start_at, sh.end_at, "stored shift")
        for sh in session.scalars(stmt)
    ]
    zones: dict[int, str] = {}
    errors: list[RowError] = []
    for a, b in rules.find_overlaps(stored + fresh):
        if not (a.label.startswith("row") or b.label.startswith("row")):
            continue  # two stored shifts: not this entry's to judge
        row_iv = b if b.label.startswith("row") else a
        other = a if row_iv is b else b
        worker = workers[int(row_iv.key)]
        if worker.enterprise_id not in zones:
            zones[worker.enterprise_id] = entry.plant_zone(session, worker.enterprise_id)
        zone = zones[worker.enterprise_id]
        errors.append(
            RowError(
                int(row_iv.label.split()[1]),
                "start_at",
                f"{worker.name}{f' ({worker.number})' if worker.number else ''} would work "
                f"{_span(row_iv, zone)}, which overlaps {other.label} ({_span(other, zone)}), "
                f"plant time {zone}: change the times, or correct or void the other shift",
            )
        )
    return sorted(errors, key=lambda e: e.row)


def record_shifts(session: Session, who: Principal, items: Sequence[ShiftIn]) -> list[Shift]:
    """Record worked shifts. Refuses a shift that ends before it starts and any two shifts of
    one worker that overlap, within the batch or with shifts already stored."""
    workers: dict[int, Worker] = {}

    def check(_: int, s: ShiftIn) -> None:
        rules.validate_shift_times(s.start_at, s.end_at)
        if s.kiln_id is None and s.section_id is None:
            raise ValidationError("kiln_id", None, "a shift is worked on a kiln or in a section")
        if s.worker_id not in workers:
            w = session.get(Worker, s.worker_id)
            if w is None:
                raise ValidationError("worker_id", s.worker_id, "no such worker")
            workers[s.worker_id] = w
        worker = workers[s.worker_id]
        try:
            access.require_write(session, who, "shift", worker.enterprise_id)
        except NotFound as exc:
            raise ValidationError("worker_id", s.worker_id, "no such worker") from exc
        require_active(worker, "worker_id")
        zone = entry.plant_zone(session, worker.enterprise_id)
        entry.require_not_after_tomorrow(session, "start_at", s.start_at, zone)
        rule = "the kiln must belong to the worker's enterprise"
        require_own(session, Kiln, s.kiln_id, worker.enterprise_id, "kiln_id", rule)
        rule = "the section must belong to the worker's enterprise"
        require_own(session, Section, s.section_id, worker.enterprise_id, "section_id", rule)

    validate_batch(items, check)
    if not items:
        return []
    errors = overlapping_shifts(session, items, workers)
    if errors:
        raise BatchValidationError(errors)
    rows = [
        Shift(
            enterprise_id=workers[s.worker_id].enterprise_id,
            crew_id=workers[s.worker_id].crew_id,
            **asdict(s),
        )
        for s in items
    ]
    return write_all(session, who, rows, kind="shift")


def record_shift_one(session: Session, who: Principal, item: ShiftIn) -> Shift:
    return one(record_shifts, session, who, item)
