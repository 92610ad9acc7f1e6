"""Stored levels (issue 19 point 1): the rows equal a full replay of the records, a committed
write recomputes its enterprise from the day it touches (earlier days are not rewritten), a
back-dated correction moves the later days it should, and a read builds levels never computed.

Realistic plant (tests/conftest.py): two enterprises of three kilns each in one region
(Asia/Pyongyang), production from 1 to 14 September 2021 at about 90 % of rating."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import Engine, delete, select, update

from kilnguard.clock import FixedClock
from kilnguard.services import records as svc
from kilnguard.services import risk as rs
from kilnguard.services.access import SYSTEM
from kilnguard.services.risk import levels
from kilnguard.store import models as m
from kilnguard.store.db import unit_of_work
from kilnguard.store.level_models import KilnLevelRow, RiskLevelStateRow
from tests.conftest import Plant, at_once

LATER = FixedClock(dt.datetime(2021, 9, 20, 3, tzinfo=dt.UTC))


def stored_rows(engine: Engine) -> dict[tuple[int, dt.date], KilnLevelRow]:
    with unit_of_work(engine) as s:
        return {(r.kiln_id, r.day): r for r in s.scalars(select(KilnLevelRow))}


def assert_equal_to_full_replay(engine: Engine) -> int:
    """Every stored kiln-day has the level and risk ratio of one replay of every record, and
    every kiln-day from a kiln's first record to its enterprise's last is stored."""
    rows = stored_rows(engine)
    with unit_of_work(engine) as s:
        kilns = rs.readable_kilns(s, SYSTEM)
        history = rs.load_history(s, kilns)
        result = rs.replay(history)
        last = {
            e: d
            for e, d in s.execute(
                select(m.ProductionRecord.enterprise_id, m.ProductionRecord.day).order_by(
                    m.ProductionRecord.day
                )
            )
        }
    seen = 0
    for i, kiln in enumerate(history.kiln_rows):
        lo, hi = rs.kiln_span(history, i)
        if hi < lo:
            assert not [k for k in rows if k[0] == kiln.id]
            continue
        end = (last[kiln.enterprise_id] - history.start).days
        for d in range(lo, end + 1):
            row = rows[(kiln.id, history.day_of(d))]
            assert row.level == int(result.levels[i, d]), (kiln.name, history.day_of(d))
            assert np.isclose(row.risk_ratio, float(result.risk_ratio[i, d]), rtol=1e-12)
            seen += 1
    assert seen == len(rows)
    return seen


def test_stored_levels_are_those_of_a_full_replay(plant: Plant) -> None:
    assert assert_equal_to_full_replay(plant.engine) >= 6 * 14


def test_a_write_recomputes_from_its_day_only(plant: Plant) -> None:
    before = stored_rows(plant.engine)
    kiln = plant.kilns_a[0]
    day = dt.date(2021, 9, 15)
    with unit_of_work(plant.engine, clock=LATER) as s:
        svc.record_production(
            s,
            SYSTEM,
            [
                svc.ProductionIn(kiln_id=kiln, day=day, shift_no=n, output_t=30, hours_fired=8)
                for n in (1, 2, 3)
            ],
        )
    after = stored_rows(plant.engine)
    # the new day is stored for every kiln of A (the enterprise's horizon moved), none of B's
    new = set(after) - set(before)
    assert new == {(k, day) for k in plant.kilns_a}
    # days before the write keep their rows as they were (not rewritten)
    for key, row in before.items():
        if key[1] < day - dt.timedelta(days=1):
            assert after[key].computed_at == row.computed_at, key
    assert_equal_to_full_replay(plant.engine)
    with unit_of_work(plant.engine) as s:
        state = s.get(RiskLevelStateRow, plant.ent_a)
        assert state is not None and state.dirty_from is None
        assert state.computed_version == state.dirty_version


def test_a_back_dated_correction_moves_the_later_days(plant: Plant) -> None:
    kiln = plant.kilns_b[1]
    with unit_of_work(plant.engine) as s:
        rec = s.scalars(
            select(m.ProductionRecord)
            .where(m.ProductionRecord.kiln_id == kiln)
            .order_by(m.ProductionRecord.day)
        ).first()
        assert rec is not None
        first_day = rec.day
    before = stored_rows(plant.engine)
    with unit_of_work(plant.engine, clock=LATER) as s:  # 3.5× rating on its first day
        s.execute(
            update(m.ProductionRecord)
            .where(m.ProductionRecord.kiln_id == kiln, m.ProductionRecord.day == first_day)
            .values(output_t=m.ProductionRecord.output_t * 3.5)
        )
        levels.mark(s.connection(), {plant.ent_b: first_day})  # a Core update: marked by hand
    with unit_of_work(plant.engine, clock=LATER) as s:
        levels.refresh(s)
    after = stored_rows(plant.engine)
    assert after[(kiln, first_day)].level > before[(kiln, first_day)].level
    assert after[(kiln, first_day)].summary  # a level above green keeps its explanation
    assert assert_equal_to_full_replay(plant.engine)


def test_removing_the_last_day_drops_its_levels(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        last = s.scalar(
            select(m.ProductionRecord.day)
            .where(m.ProductionRecord.enterprise_id == plant.ent_a)
            .order_by(m.ProductionRecord.day.desc())
        )
    assert last is not None
    with unit_of_work(plant.engine, clock=LATER) as s:
        for rec in s.scalars(
            select(m.ProductionRecord).where(
                m.ProductionRecord.enterprise_id == plant.ent_a, m.ProductionRecord.day == last
            )
        ):
            s.delete(rec)  # an ORM delete: the hook marks it
    rows = stored_rows(plant.engine)
    assert not [k for k in rows if k[1] == last and k[0] in plant.kilns_a]
    assert_equal_to_full_replay(plant.engine)


@pytest.mark.parametrize(
    "from_day", [dt.date(2021, 9, 1), dt.date(2021, 9, 8), dt.date(2021, 9, 14)]
)
def test_a_window_recompute_equals_the_full_replay(plant: Plant, from_day: dt.date) -> None:
    with unit_of_work(plant.engine, clock=LATER) as s:
        s.execute(delete(KilnLevelRow).where(KilnLevelRow.day >= from_day))
        levels.mark(s.connection(), {plant.ent_a: from_day, plant.ent_b: from_day})
        report = levels.refresh(s)
    assert report.enterprises == 2
    assert report.written == report.kiln_days  # every day of the window was missing
    assert_equal_to_full_replay(plant.engine)


def test_a_read_builds_levels_never_computed(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        s.execute(delete(KilnLevelRow))
        s.execute(delete(RiskLevelStateRow))
    with unit_of_work(plant.engine) as s:
        kilns = rs.readable_kilns(s, SYSTEM)
        latest = levels.latest(s, kilns)
        assert {k.id for k in kilns if k.enterprise_id in (plant.ent_a, plant.ent_b)} <= set(latest)
        assert all(v.day == dt.date(2021, 9, 14) for v in latest.values())
    assert_equal_to_full_replay(plant.engine)


def test_concurrent_recomputes_of_one_enterprise_neither_fail_nor_differ(plant: Plant) -> None:
    """Four threads recompute the same dirty enterprise at once (a writer's thread, the
    scheduler, two page reads): on PostgreSQL the per-enterprise lock makes them queue, on
    SQLite the write lock does; none fails, and the rows are those of a full replay."""

    with unit_of_work(plant.engine, clock=LATER, write=True) as s:
        s.execute(delete(KilnLevelRow).where(KilnLevelRow.enterprise_id == plant.ent_a))
        levels.mark(s.connection(), {plant.ent_a: levels.ALL_DAYS})
    errors: list[BaseException] = []
    written: list[int] = []

    def run() -> None:
        try:
            with unit_of_work(plant.engine, clock=LATER, write=True) as s:
                written.append(levels.refresh(s, [plant.ent_a]).written)
        except BaseException as exc:
            errors.append(exc)

    at_once(run, 4)
    assert errors == []
    assert sorted(written)[-1] > 0 and sorted(written)[:-1] == [0, 0, 0]  # one did the work
    assert_equal_to_full_replay(plant.engine)
