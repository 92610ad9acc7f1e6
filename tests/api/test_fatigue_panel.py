"""Issue 13 point 1: the kiln page shows FI and RI (with their three components) per worker and
crew, read through the access choke point, equal to the scalar HSE FRI replica."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kilnguard.domain.errors import NotFound
from kilnguard.domain.fatigue.hse_fri import Duty, fri_roster
from kilnguard.services.risk.fatigue import kiln_fatigue
from kilnguard.store import models as m
from kilnguard.store.db import unit_of_work
from tests.conftest import Plant, token_for

PYONGYANG = ZoneInfo("Asia/Pyongyang")


def test_each_worker_s_fri_equals_the_replica_on_their_own_shifts(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        got = kiln_fatigue(s, plant.users["mgr_a"], kiln_id=plant.kilns_a[0])
        assert got.day is not None and got.workers
        for x in got.workers:
            worker = s.scalar(
                select(m.Worker).where(m.Worker.number == x.worker_id.split("(")[-1][:-1])
            )
            assert worker is not None
            rows = s.scalars(
                select(m.Shift).where(m.Shift.worker_id == worker.id).order_by(m.Shift.start_at)
            ).all()

            def local(t: dt.datetime) -> dt.datetime:
                aware = t if t.tzinfo else t.replace(tzinfo=dt.UTC)
                return aware.astimezone(PYONGYANG).replace(tzinfo=None)

            lo = dt.datetime.combine(got.day - dt.timedelta(days=got.lookback_days), dt.time())
            hi = dt.datetime.combine(got.day + dt.timedelta(days=1), dt.time())
            duties = [
                Duty(local(r.start_at), local(r.end_at))
                for r in rows
                if lo <= local(r.start_at) < hi
            ]
            want = fri_roster(duties)[-1]  # the day's duty is the last one read
            assert x.ri == pytest.approx(want.ri, rel=1e-9)
            assert x.fi == pytest.approx(want.fi, rel=1e-9)
            assert x.ri == pytest.approx(x.ri_cumulative * x.ri_timing * x.ri_job, rel=1e-12)
            assert (x.fi_limit, x.ri_limit) == (45.0 if x.night else 35.0, 1.6)
        assert sum(c.workers for c in got.crews) == len(got.workers)
        for c in got.crews:
            assert c.ri == max(x.ri for x in got.workers if x.crew == c.crew)


def test_the_kiln_page_shows_the_fatigue_panel_with_units(plant: Plant, client) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "mgr_a")
    page = client.get(f"/kilns/{plant.kilns_a[0]}", headers=h)
    assert page.status_code == 200
    text = page.text
    assert "Crew fatigue (HSE FRI)" in text
    assert "RI cumulative" in text and "FI timing [%]" in text and "FI [%]" in text
    assert "KSS ≥ 8" in text and "Policy limits" in text
    with unit_of_work(plant.engine) as s:
        got = kiln_fatigue(s, plant.users["mgr_a"], kiln_id=plant.kilns_a[0])
    assert f"{got.workers[0].ri:.2f}" in text


def test_another_enterprise_s_kiln_is_not_found(plant: Plant, client) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(plant.engine) as s, pytest.raises(NotFound):
        kiln_fatigue(s, plant.users["mgr_a"], kiln_id=plant.kilns_b[0])
    h = token_for(client, "mgr_a")
    assert client.get(f"/kilns/{plant.kilns_b[0]}", headers=h).status_code == 404
