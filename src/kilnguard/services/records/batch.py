"""Batch validation shared by every plant-record use case: all-or-nothing imports.

Every item is checked first; the errors of all bad rows are raised together as one
`BatchValidationError` (1-based row numbers), so nothing is written unless every row passes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain.errors import (
    BatchValidationError,
    KilnguardError,
    NotFound,
    RowError,
    ValidationError,
)
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.store.models import Base, Kiln, Worker, WorkOrder

T = TypeVar("T")
ItemT = TypeVar("ItemT")
R = TypeVar("R", bound=Base)


class OnKiln(Protocol):
    """An input record written on one kiln (production, work order)."""

    @property
    def kiln_id(self) -> int: ...


K = TypeVar("K", bound=OnKiln)


def validate_batch(items: Sequence[T], check: Callable[[int, T], None]) -> None:
    """Run `check` on every item, collecting errors with 1-based row numbers."""
    errors: list[RowError] = []
    for i, item in enumerate(items, start=1):
        try:
            check(i, item)
        except ValidationError as exc:
            errors.append(RowError(i, exc.field, f"{exc.value!r}: {exc.rule}", exc))
        except KilnguardError as exc:
            errors.append(RowError(i, "", exc.message, exc))
    if errors:
        raise BatchValidationError(errors)


def validate_with(check: Callable[..., None], data: Any) -> None:
    """Run a domain validator on the fields of `data` it names (its keyword parameters)."""
    check(**{name: getattr(data, name) for name in inspect.signature(check).parameters})


def _single(exc: BatchValidationError) -> KilnguardError:
    """A one-item batch failure reads better as the plain validation error."""
    if len(exc.errors) == 1 and exc.errors[0].cause is not None:
        return exc.errors[0].cause
    if len(exc.errors) == 1:
        err = exc.errors[0]
        return ValidationError(err.column or "record", "", err.reason)
    return exc


def one(
    batch: Callable[[Session, Principal, Sequence[ItemT]], list[R]],
    session: Session,
    who: Principal,
    item: ItemT,
) -> R:
    """Write one item through its batch use case, raising its error unwrapped."""
    try:
        return batch(session, who, [item])[0]
    except BatchValidationError as exc:
        raise _single(exc) from exc


def require_active(row: Base, field: str) -> None:
    """Refuse a new record placed in a retired unit (region, enterprise, section, kiln, crew,
    worker): it is kept for history only. The rule says how to fix it."""
    retired_on = getattr(row, "retired_on", None)
    if retired_on is not None:
        what = row.__tablename__.rstrip("s")
        name = getattr(row, "name", row.id)  # type: ignore[attr-defined]
        raise ValidationError(
            field,
            row.id,  # type: ignore[attr-defined]
            f"{what} {name} was retired on {retired_on.isoformat()}: it takes no new records "
            f"(reinstate it first, or choose another {what})",
        )


def kiln_for_write(session: Session, who: Principal, kind: str, kiln_id: int) -> Kiln:
    """The kiln a record of `kind` is written on, once `who` may write there and while it is
    in service (a retired kiln takes no new records)."""
    kiln = access.get_readable(session, who, Kiln, kiln_id)
    access.require_write(session, who, kind, kiln.enterprise_id)
    require_active(kiln, "kiln_id")
    return kiln


class KilnsInBatch:
    """The kilns a batch writes on, each checked once; a kiln `who` may not read is reported
    on the row as "no such kiln in your enterprises" (no hint that it exists elsewhere)."""

    def __init__(self, session: Session, who: Principal, kind: str) -> None:
        self.session, self.who, self.kind = session, who, kind
        self.kilns: dict[int, Kiln] = {}

    def get(self, kiln_id: int) -> Kiln:
        if kiln_id not in self.kilns:
            try:
                self.kilns[kiln_id] = kiln_for_write(self.session, self.who, self.kind, kiln_id)
            except NotFound as exc:
                raise ValidationError(
                    "kiln_id", kiln_id, "no such kiln in your enterprises"
                ) from exc
        return self.kilns[kiln_id]


def write_all(
    session: Session, who: Principal, rows: Sequence[R], *, kind: str, action: str = "create"
) -> list[R]:
    """Write a validated batch, one audit entry per row. The batch check has already asked
    `access` about every row, so the rows are written as part of that checked act."""
    session.add_all(rows)  # one INSERT batch on the first flush
    for row in rows:
        writes.write_own(session, who=who, row=row, action=action, kind=kind, checked=False)
    return list(rows)


def write_on_kilns(
    session: Session,
    who: Principal,
    items: Sequence[K],
    *,
    kind: str,
    check: Callable[[K, Callable[[int], Kiln]], None],
    row: Callable[[K, Kiln], R],
    check_row: Callable[[int, K, Kiln], None] | None = None,
) -> list[R]:
    """The batch shape of every record on a kiln: `check` each item (it looks its kiln up
    through the callable it is given, so a kiln `who` may not write is a row error), then
    `check_row(row number, item, kiln)` when given (rules across rows: a key given twice),
    then write `row(item, kiln)` for all of them, or nothing."""
    kilns = KilnsInBatch(session, who, kind)

    def check_one(i: int, item: K) -> None:
        check(item, kilns.get)
        if check_row is not None:
            check_row(i, item, kilns.get(item.kiln_id))

    validate_batch(items, check_one)
    return write_all(session, who, [row(i, kilns.get(i.kiln_id)) for i in items], kind=kind)


NUMBER_LEN = 32
"""Longest worker or work-order number (the column's length)."""


class FreeNumbers:
    """The numbers taken in each enterprise for one numbered record kind, and the next free
    one, `<prefix><n>` (the migration numbered older records `<prefix><id>` the same way)."""

    def __init__(
        self, session: Session, model: type[Worker] | type[WorkOrder], prefix: str
    ) -> None:
        self.session, self.model, self.prefix = session, model, prefix
        self.used: dict[int, set[str]] = {}

    def _of(self, enterprise_id: int) -> set[str]:
        if enterprise_id not in self.used:
            m = self.model
            self.used[enterprise_id] = set(
                self.session.scalars(select(m.number).where(m.enterprise_id == enterprise_id))
            )
        return self.used[enterprise_id]

    def taken(self, enterprise_id: int, number: str) -> bool:
        return number in self._of(enterprise_id)

    def next(self, enterprise_id: int) -> str:
        used = self._of(enterprise_id)
        n = len(used) + 1
        while f"{self.prefix}{n}" in used:
            n += 1
        used.add(f"{self.prefix}{n}")
        return f"{self.prefix}{n}"
