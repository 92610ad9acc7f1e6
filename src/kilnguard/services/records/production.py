"""Kiln output per shift, and worked shifts (with the overlap rule fatigue depends on)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import plant as rules
from kilnguard.domain.errors import BatchValidationError, NotFound, RowError, ValidationError
from kilnguard.services import access
from kilnguard.services.access import Principal
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


def record_production(
    session: Session, who: Principal, items: Sequence[ProductionIn]
) -> list[ProductionRecord]:
    """Record kiln output per shift (t, hours fired)."""

    def check(p: ProductionIn, kiln: Callable[[int], Kiln]) -> None:
        validate_with(rules.validate_production, p)
        rules.require_choice("source", p.source, [s.value for s in rules.Source])
        kiln(p.kiln_id)

    def row(p: ProductionIn, kiln: Kiln) -> ProductionRecord:
        return ProductionRecord(enterprise_id=kiln.enterprise_id, **asdict(p))

    return write_on_kilns(session, who, items, kind="production_record", check=check, row=row)


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


def _overlap_errors(
    session: Session, items: Sequence[ShiftIn], worker_ids: Sequence[int]
) -> list[RowError]:
    """Overlapping shifts of one worker, within the batch and against stored shifts."""
    fresh = [
        rules.Interval(s.worker_id, s.start_at, s.end_at, f"row {i}")
        for i, s in enumerate(items, start=1)
    ]
    lo = min(s.start_at for s in items)
    hi = max(s.end_at for s in items)
    stored = [
        rules.Interval(sh.worker_id, sh.start_at, sh.end_at, f"stored shift {sh.id}")
        for sh in session.scalars(
            select(Shift).where(
                Shift.worker_id.in_(list(worker_ids)), Shift.end_at > lo, Shift.start_at < hi
            )
        )
    ]
    errors: list[RowError] = []
    for a, b in rules.find_overlaps(stored + fresh):
        row_iv = b if b.label.startswith("row") else a
        other = a if row_iv is b else b
        row = int(row_iv.label.split()[1])
        errors.append(
            RowError(
                row,
                "start_at",
                f"worker {row_iv.key}'s shift {row_iv.start.isoformat()}–{row_iv.end.isoformat()} "
                f"overlaps {other.label} ({other.start.isoformat()}–{other.end.isoformat()})",
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
        rule = "the kiln must belong to the worker's enterprise"
        require_own(session, Kiln, s.kiln_id, worker.enterprise_id, "kiln_id", rule)
        rule = "the section must belong to the worker's enterprise"
        require_own(session, Section, s.section_id, worker.enterprise_id, "section_id", rule)

    validate_batch(items, check)
    if not items:
        return []
    errors = _overlap_errors(session, items, list(workers))
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
