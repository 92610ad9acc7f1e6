"""The columnar loader: production and shifts read from the driver into arrays give the engine
exactly what the ORM rows gave it (on SQLite and PostgreSQL), stamps to the microsecond."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace

import numpy as np
import pytest
from sqlalchemy import Engine, select, text

from kilnguard.domain import risk as rk
from kilnguard.domain.risk.records import ProductionColumns, ShiftColumns
from kilnguard.services import risk as rs
from kilnguard.services.access import SYSTEM
from kilnguard.services.risk.columns import read_production, read_shifts
from kilnguard.store import models as m
from kilnguard.store.db import unit_of_work
from tests.conftest import Plant
from tests.domain.risk.test_build_columns import assert_same_inputs


def orm_records(history: rs.LoadedHistory, session) -> rk.Records:  # type: ignore[no-untyped-def]
    """Production and shifts as the loader read them before the columns: ORM rows, summed per
    kiln and day in row order (hours capped at 24), shifts by start."""
    ids = [int(k.kiln_id) for k in history.records.kilns]
    daily: dict[tuple[int, dt.date], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for kiln_id, day, out, hours in session.execute(
        select(
            m.ProductionRecord.kiln_id,
            m.ProductionRecord.day,
            m.ProductionRecord.output_t,
            m.ProductionRecord.hours_fired,
        )
        .where(m.ProductionRecord.kiln_id.in_(ids))
        .order_by(m.ProductionRecord.id)
    ):
        acc = daily[(kiln_id, day)]
        acc[0] += out
        acc[1] += hours
    production = [
        rk.ProductionRecord(str(k), day, out, min(hours, 24.0))
        for (k, day), (out, hours) in sorted(daily.items())
    ]
    shifts = [
        rk.ShiftRecord(str(w), str(c) if c is not None else f"w{w}", str(k), s, e)
        for w, c, k, s, e in session.execute(
            select(
                m.Shift.worker_id,
                m.Shift.crew_id,
                m.Shift.kiln_id,
                m.Shift.start_at,
                m.Shift.end_at,
            )
            .where(m.Shift.kiln_id.in_(ids))
            .order_by(m.Shift.start_at, m.Shift.worker_id)
        )
    ]
    return replace(history.records, production=production, shifts=shifts)


def test_the_demo_loads_as_columns_into_the_same_inputs_as_orm_rows(
    demo_readonly_engine: Engine,
) -> None:
    with unit_of_work(demo_readonly_engine) as s:
        history = rs.load_history(s, rs.readable_kilns(s, SYSTEM))
        lists = orm_records(history, s)
    assert isinstance(history.records.production, ProductionColumns)
    assert isinstance(history.records.shifts, ShiftColumns)
    key = lambda r: (int(r.kiln_id), r.day)  # noqa: E731
    assert sorted(history.records.production, key=key) == list(lists.production)
    assert list(history.records.shifts) == list(lists.shifts)
    cfg = rk.RiskConfig()
    args = (history.start, history.end, cfg, history.utc_offset_h)
    cols_in = rk.build_inputs(history.records, *args)
    lists_in = rk.build_inputs(lists, *args)
    assert_same_inputs(cols_in, lists_in)
    assert np.array_equal(rk.assess(cols_in, cfg).levels, rk.assess(lists_in, cfg).levels)


def test_stamps_keep_microseconds_and_a_worker_on_no_crew_is_a_crew_of_one(plant: Plant) -> None:
    t = dt.datetime(2021, 9, 20, 5, 59, 59, 987654, tzinfo=dt.UTC)
    with unit_of_work(plant.engine) as s:
        s.add(
            m.Shift(
                enterprise_id=plant.ent_a,
                worker_id=plant.workers_a[0],
                crew_id=None,
                kiln_id=plant.kilns_a[0],
                start_at=t,
                end_at=t + dt.timedelta(hours=8, microseconds=3),
            )
        )
    with unit_of_work(plant.engine) as s:
        shifts = read_shifts(s, plant.kilns_a)
        mine = [r for r in shifts if r.start == t]
        assert mine == [
            rk.ShiftRecord(
                str(plant.workers_a[0]),
                f"w{plant.workers_a[0]}",
                str(plant.kilns_a[0]),
                t,
                t + dt.timedelta(hours=8, microseconds=3),
            )
        ]
        starts = shifts.start_us
        assert bool(np.all(starts[1:] >= starts[:-1]))  # sorted by start


@pytest.mark.sqlite_only  # SQLite stores stamps as text
def test_stamps_stored_in_another_text_form_are_parsed_by_sqlite(plant: Plant) -> None:
    """SQLite: stamps not in SQLAlchemy's 26-character form (e.g. written by another tool with a
    'T' and no fraction) take the slower path through SQLite's own date functions."""
    with unit_of_work(plant.engine) as s:
        before = list(read_shifts(s, plant.kilns_a))
        # both stamps in the other form: the table's CHECK (end_at > start_at) compares text
        s.execute(
            text(
                "UPDATE shifts SET start_at = replace(substr(start_at, 1, 19), ' ', 'T'), "
                "end_at = replace(substr(end_at, 1, 19), ' ', 'T')"
            )
        )
        after = list(read_shifts(s, plant.kilns_a))
    assert after == before and before


def test_production_is_summed_per_kiln_day_with_hours_capped_at_24(plant: Plant) -> None:
    k = plant.kilns_a[0]
    with unit_of_work(plant.engine) as s:
        s.add(
            m.ProductionRecord(
                enterprise_id=plant.ent_a,
                kiln_id=k,
                day=dt.date(2021, 9, 1),
                shift_no=4,
                output_t=0.5,
                hours_fired=6.0,
            )
        )
    with unit_of_work(plant.engine) as s:
        prod = read_production(s, [k, *plant.kilns_a[1:]])
    rows = {(r.kiln_id, r.day): r for r in prod}
    first = rows[(str(k), dt.date(2021, 9, 1))]
    assert first.output_t == pytest.approx(36.5) and first.hours_fired == 24.0
    assert len(rows) == len(prod) == 14 * len(plant.kilns_a)
    assert rows[(str(k), dt.date(2021, 9, 2))].output_t == pytest.approx(36.0)


def test_no_records_gives_empty_columns(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        assert len(read_production(s, [])) == 0 and len(read_shifts(s, [])) == 0
        assert len(read_shifts(s, [10**6])) == 0 and len(read_production(s, [10**6])) == 0


def test_both_tables_read_together_as_one_after_the_other(plant: Plant, backend: str) -> None:
    """With nothing uncommitted, production is read on a second connection in a thread; once
    the session has written, both go through its own connection (and see the write)."""
    from kilnguard.services.risk.columns import _pg_nothing_written, _sqlite_reader, read_columns

    k = plant.kilns_a[0]
    with unit_of_work(plant.engine) as s:
        reader = _sqlite_reader(s)
        assert (reader is not None) == (backend == "sqlite")
        if reader is not None:
            reader.close()
        else:
            assert _pg_nothing_written(s)
        prod, shifts = read_columns(s, plant.kilns_a)
        assert list(prod) == list(read_production(s, plant.kilns_a))
        assert list(shifts) == list(read_shifts(s, plant.kilns_a))
        for day in (1, 2):
            s.add(
                m.ProductionRecord(
                    enterprise_id=plant.ent_a, kiln_id=k, day=dt.date(2021, 10, day), shift_no=1,
                    output_t=7.0, hours_fired=8.0,
                )
            )  # fmt: skip
            if day == 1:
                s.flush()
                assert _sqlite_reader(s) is None  # a write is open: one connection only
                assert backend == "sqlite" or not _pg_nothing_written(s)
        prod, _ = read_columns(s, plant.kilns_a)  # flushes the second row first
        made = [(r.kiln_id, r.day, r.output_t) for r in prod]
        assert (str(k), dt.date(2021, 10, 1), 7.0) in made
        assert (str(k), dt.date(2021, 10, 2), 7.0) in made
