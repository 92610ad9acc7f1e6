"""The server's background jobs: started by the app's lifespan when asked (`kilnguard serve`
asks; tests do not, unless they say so), on the app's clock, and stopped with the server."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kilnguard.api.app import create_app
from kilnguard.clock import FixedClock
from kilnguard.domain.errors import ValidationError
from kilnguard.services.scheduler import Scheduler, enabled
from kilnguard.store.db import unit_of_work
from kilnguard.store.job_models import SchedulerLease, SchedulerRun
from tests.conftest import Plant

KST = ZoneInfo("Asia/Pyongyang")


def _runs(engine: Engine) -> list[tuple[str, str]]:
    with unit_of_work(engine) as s:
        return [(r.job, r.slot) for r in s.scalars(select(SchedulerRun).order_by(SchedulerRun.id))]


def _wait_for(predicate: object, timeout: float = 20.0) -> None:
    """Wait for the scheduler's thread (real time only decides when its tick comes)."""
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("the background scheduler did not run in time")
        time.sleep(0.05)


def test_tests_get_no_scheduler_unless_they_ask(
    clean_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KILNGUARD_SCHEDULER", raising=False)
    app = create_app(clean_engine)
    with TestClient(app):
        assert app.state.scheduler is None
    monkeypatch.setenv("KILNGUARD_SCHEDULER", "off")  # off wins over `serve`'s default
    app = create_app(clean_engine, scheduler=True)
    with TestClient(app):
        assert app.state.scheduler is None
    assert _runs(clean_engine) == []


def test_the_setting_reads_on_or_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KILNGUARD_SCHEDULER", "on")
    assert enabled(False)
    monkeypatch.setenv("KILNGUARD_SCHEDULER", "OFF")
    assert not enabled(True)
    monkeypatch.setenv("KILNGUARD_SCHEDULER", "sometimes")
    with pytest.raises(ValidationError, match="on or off"):
        enabled(True)


def test_the_server_runs_the_jobs_on_its_clock_and_stops_them_on_shutdown(
    plant: Plant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KILNGUARD_SCHEDULER", raising=False)
    monkeypatch.setenv("KILNGUARD_SCHEDULER_POLL_S", "0.05")
    app = create_app(plant.engine, scheduler=True)
    clock = FixedClock(dt.datetime(2021, 9, 16, 0, 0, 30, tzinfo=KST).astimezone(dt.UTC))
    app.state.clock = clock
    with TestClient(app):
        scheduler = app.state.scheduler
        assert isinstance(scheduler, Scheduler)
        _wait_for(lambda: ("rollover:region 1", "2021-09-16") in _runs(plant.engine))
        clock.at = dt.datetime(2021, 9, 17, 0, 0, 30, tzinfo=KST).astimezone(dt.UTC)
        scheduler.wake()
        _wait_for(lambda: ("rollover:region 1", "2021-09-17") in _runs(plant.engine))
    assert scheduler._thread is None  # joined
    with unit_of_work(plant.engine) as s:  # and leadership handed over (SQLite: the lease)
        assert s.scalars(select(SchedulerLease)).all() == []
