"""Live risk in a real browser (issue 19, "Done when"): with only the server running (its
scheduler inside, as `kilnguard serve` runs it), the control plant's manager enters a week of
production at 2.5× rating on a healthy kiln through the kiln page; the red alert appears in
the manager's inbox with nobody running a command; moving the server's clock by 4 h escalates
it to the managers, and by 24 h to the regulator — once each, across a server restart.

The server's clock is a `FixedClock` the test moves (`app.state.clock`), the same object
across the restart; the database is this module's own demo database."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from sqlalchemy import Engine, func, select

from kilnguard.api.app import create_app
from kilnguard.clock import FixedClock
from kilnguard.store import models as m
from kilnguard.store.alert_models import AlertEscalationRow, AlertRow
from kilnguard.store.db import unit_of_work
from kilnguard.store.notification_models import InboxEntryRow
from tests.e2e.conftest import _free_port

pytestmark = pytest.mark.e2e

KST = ZoneInfo("Asia/Pyongyang")


class Server:
    """A uvicorn server in a thread over the module's database, with the scheduler on."""

    def __init__(self, engine: Engine, clock: FixedClock, port: int) -> None:
        app = create_app(engine, scheduler=True)
        app.state.clock = clock
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("test server did not start within 30 s")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def wait_until(check: Callable[[], bool], what: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout_s:.0f} s: {what}")


@pytest.fixture(scope="module")
def healthy_kiln(demo_engine: Engine) -> tuple[int, str, dt.date, float]:
    """The control plant's first kiln: id, name, last production day, rating [t/day]."""
    with unit_of_work(demo_engine) as s:
        ent = s.scalars(select(m.Enterprise).where(m.Enterprise.name.like("Kyongsong%"))).one()
        kiln = s.scalars(
            select(m.Kiln).where(m.Kiln.enterprise_id == ent.id).order_by(m.Kiln.name)
        ).first()
        assert kiln is not None
        last = s.scalar(
            select(func.max(m.ProductionRecord.day)).where(
                m.ProductionRecord.enterprise_id == ent.id
            )
        )
        assert last is not None
        open_hot = s.scalar(
            select(func.count())
            .select_from(AlertRow)
            .where(AlertRow.kiln_id == kiln.id, AlertRow.closed_at.is_(None))
        )
        assert open_hot == 0  # healthy: no open alert before the week
        return kiln.id, kiln.name, last, kiln.rated_capacity_t_per_day


@pytest.fixture(scope="module")
def clock(healthy_kiln: tuple[int, str, dt.date, float]) -> FixedClock:
    """Noon (plant time) of the day after the week the test enters."""
    _, _, last, _ = healthy_kiln
    return FixedClock(dt.datetime.combine(last + dt.timedelta(days=8), dt.time(12), tzinfo=KST))


@pytest.fixture(scope="module")
def server(demo_engine: Engine, clock: FixedClock) -> Iterator[dict[str, object]]:
    os.environ["KILNGUARD_SCHEDULER_POLL_S"] = "0.2"
    port = _free_port()
    holder: dict[str, object] = {"server": Server(demo_engine, clock, port), "port": port}
    yield holder
    srv = holder["server"]
    assert isinstance(srv, Server)
    srv.stop()
    os.environ.pop("KILNGUARD_SCHEDULER_POLL_S", None)


@pytest.fixture
def live_page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=f"http://127.0.0.1:{server['port']}")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    from kilnguard.scenarios.demo import DEMO_PASSWORD

    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/kilns")


def escalations(engine: Engine, alert_id: int) -> list[int]:
    with unit_of_work(engine) as s:
        return list(
            s.scalars(
                select(AlertEscalationRow.level)
                .where(AlertEscalationRow.alert_id == alert_id)
                .order_by(AlertEscalationRow.level)
            )
        )


def inbox_kinds(engine: Engine, username: str, alert_id: int) -> list[str]:
    with unit_of_work(engine) as s:
        user = s.scalars(select(m.User).where(m.User.username == username)).one()
        return list(
            s.scalars(
                select(InboxEntryRow.kind).where(
                    InboxEntryRow.user_id == user.id, InboxEntryRow.ref.like(f"alert:{alert_id}%")
                )
            )
        )


def test_a_week_at_2_5x_raises_red_then_escalates_on_time_across_a_restart(  # type: ignore[no-untyped-def]
    live_page, demo_engine: Engine, server, clock: FixedClock, healthy_kiln
) -> None:
    kiln_id, kiln_name, last, rated = healthy_kiln
    page = live_page
    log_in(page, "kyongsong-manager")
    page.goto(f"/kilns/{kiln_id}")
    form = page.locator("#production form")
    per_shift = f"{rated * 2.5 / 3:.1f}"
    for d in range(1, 8):
        day = (last + dt.timedelta(days=d)).isoformat()
        for shift in (1, 2, 3):
            form = page.locator("#production form")
            form.locator("input[name=day]").fill(day)
            form.locator("[name=shift_no]").fill(str(shift))
            form.locator("input[name=output_t]").fill(per_shift)
            form.locator("input[name=hours_fired]").fill("8")
            # htmx swaps the card when the write is saved: wait for the new card
            page.eval_on_selector("#production", "el => el.setAttribute('data-sent', '1')")
            form.locator("button[type=submit]").click()
            page.locator("#production:not([data-sent]) p.ok").wait_for()

    with unit_of_work(demo_engine) as s:
        entered = s.scalar(
            select(func.count())
            .select_from(m.ProductionRecord)
            .where(m.ProductionRecord.kiln_id == kiln_id, m.ProductionRecord.day > last)
        )
    assert entered == 21

    # the red alert reaches the manager's inbox by itself (no evaluate command)
    def raised() -> bool:
        with unit_of_work(demo_engine) as s:
            return (
                s.scalar(
                    select(AlertRow.id).where(
                        AlertRow.kiln_id == kiln_id,
                        AlertRow.closed_at.is_(None),
                        AlertRow.level.in_(("red", "stop")),
                    )
                )
                is not None
            )

    wait_until(raised, "a red alert on the kiln after the week at 2.5×")
    with unit_of_work(demo_engine) as s:
        alert = s.scalars(
            select(AlertRow).where(AlertRow.kiln_id == kiln_id, AlertRow.closed_at.is_(None))
        ).one()
        alert_id, raised_at = alert.id, alert.raised_at
    assert raised_at == clock.at.astimezone(dt.UTC)  # raised when the system learnt of it
    page.goto("/inbox")
    entry = page.locator(f"article.entry:has-text('{kiln_name}')").first
    entry.wait_for()
    assert "RED" in entry.inner_text() or "STOP" in entry.inner_text()
    assert escalations(demo_engine, alert_id) == []  # not before 4 h

    clock.advance(dt.timedelta(hours=4, minutes=1))
    wait_until(lambda: escalations(demo_engine, alert_id) == [1], "escalation to the managers")
    assert inbox_kinds(demo_engine, "kyongsong-manager", alert_id).count("alert.escalated") == 1

    srv = server["server"]
    assert isinstance(srv, Server)
    srv.stop()  # a restart: the durable runs and the escalation level carry over
    server["server"] = Server(demo_engine, clock, int(server["port"]))  # type: ignore[call-overload]

    clock.advance(dt.timedelta(hours=20))  # 24 h and 1 min after the raise
    wait_until(lambda: escalations(demo_engine, alert_id) == [1, 2], "escalation to the regulator")
    time.sleep(1.5)  # more ticks: nothing is escalated twice
    assert escalations(demo_engine, alert_id) == [1, 2]
    assert inbox_kinds(demo_engine, "regulator", alert_id).count("alert.escalated") == 1
    assert inbox_kinds(demo_engine, "kyongsong-manager", alert_id).count("alert.escalated") == 1

    log_in(page, "regulator")
    page.goto("/inbox")
    page.locator(f"article.entry:has-text('{kiln_name}')").first.wait_for()
