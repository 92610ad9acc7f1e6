"""The floor under every entry point: a row the database cannot hold is a ValidationError
naming its column (422), never a driver error (500), on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kilnguard.domain.errors import ValidationError
from kilnguard.store.db import unit_of_work
from kilnguard.store.models import WorkOrder
from tests.conftest import Plant


def _order(plant: Plant, **change: Any) -> WorkOrder:
    row = WorkOrder(
        enterprise_id=plant.ent_a,
        kiln_id=plant.kilns_a[0],
        task="Shell scan",
        due_on=dt.date(2021, 12, 1),
        findings="",
    )
    for name, value in change.items():
        setattr(row, name, value)
    return row


def _count(engine: Engine) -> int:
    with unit_of_work(engine) as s:
        return int(s.scalar(select(func.count()).select_from(WorkOrder)) or 0)


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("task", "x" * 201, "at most 200 characters"),
        ("findings", "rust\x00", "NUL"),
        ("findings", "rust\udc80", "surrogate"),
        ("kiln_id", 2**31, "between"),
        ("kiln_id", 2**63, "between"),
    ],
)
def test_a_value_no_column_can_hold_is_refused_before_the_write(
    plant: Plant, column: str, value: Any, rule: str
) -> None:
    before = _count(plant.engine)
    with pytest.raises(ValidationError) as err, unit_of_work(plant.engine) as s:
        s.add(_order(plant, **{column: value}))
        s.flush()
    assert err.value.field == column and rule in err.value.rule
    assert _count(plant.engine) == before


def test_a_changed_row_is_checked_too(plant: Plant) -> None:
    with pytest.raises(ValidationError), unit_of_work(plant.engine) as s:
        order = s.scalars(select(WorkOrder).limit(1)).one()
        order.findings = "cracks\x00"
        s.flush()
