"""Revision 0006_onboarding on a database that already holds records: numbers for older
workers and work orders, `protects` and `relines_lining` filled once from the old keyword rule,
and the plans it could not decide listed (issue 12, point 2)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from alembic import command

from kilnguard.store import db as store_db

ROWS = """
INSERT INTO regions (id, name, timezone) VALUES (1, 'R', 'Asia/Pyongyang');
INSERT INTO enterprises (id, region_id, name, tier, sector) VALUES (1, 1, 'E', 1, 'cement');
INSERT INTO kilns (id, enterprise_id, name, kind, rated_capacity_t_per_day, max_temperature_c,
  campaign_limit_days, source) VALUES (1, 1, 'K-1', 'rotary', 600, 1450, 90, 'recorded');
INSERT INTO workers (id, enterprise_id, name, job, qualifications, source)
  VALUES (7, 1, 'Kim', 'kiln operator', 'rotary', 'recorded');
INSERT INTO maintenance_plans (id, enterprise_id, kiln_id, task, interval_days, duration_days,
  safety_critical, source) VALUES
  (1, 1, 1, 'Pressure-relief valve lift test', 90, 1, true, 'recorded'),
  (2, 1, 1, 'Hot-face relining', 400, 5, true, 'recorded'),
  (3, 1, 1, 'BMS function check', 30, 1, true, 'recorded'),
  (4, 1, 1, 'Flame-failure trip test', 30, 1, true, 'recorded'),
  (5, 1, 1, 'Relining and interlock test', 30, 1, true, 'recorded'),
  (6, 1, 1, 'Clean the kiln hood', 7, 1, false, 'recorded');
INSERT INTO work_orders (id, enterprise_id, kiln_id, plan_id, task, safety_critical, due_on,
  findings, source) VALUES (12, 1, 1, 1, 'Pressure-relief valve lift test', true, '2021-10-01',
  '', 'recorded');
INSERT INTO planned_stops (id, enterprise_id, kiln_id, start_on, end_on, reason, source) VALUES
  (1, 1, 1, '2021-07-01', '2021-07-09', 'Relining of the burning zone', 'recorded'),
  (2, 1, 1, '2021-08-01', '2021-08-02', 'monthly inspection stop', 'recorded');
"""


def test_older_records_are_numbered_and_their_safety_fields_filled_once(
    fresh_database_url: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = fresh_database_url()
    cfg = store_db.alembic_config(url)
    command.upgrade(cfg, "0001_foundation")
    engine = sa.create_engine(store_db.normalise_url(url))
    with engine.begin() as conn:
        for statement in ROWS.split(";"):
            if statement.strip():
                conn.execute(sa.text(statement))
    command.upgrade(cfg, "heads")
    with engine.connect() as conn:
        protects: dict[int, str] = dict(
            conn.execute(sa.text("SELECT id, protects FROM maintenance_plans")).all()
        )
        relines: dict[int, bool] = dict(
            conn.execute(sa.text("SELECT id, relines_lining FROM planned_stops")).all()
        )
        worker = conn.execute(sa.text("SELECT number FROM workers")).scalar_one()
        order = conn.execute(sa.text("SELECT number FROM work_orders")).scalar_one()
    engine.dispose()
    assert protects == {
        1: "relief",
        2: "lining",
        3: "none",  # no word the old rule knew: listed for a person to set
        4: "burner_management",
        5: "none",  # words of a reline and of a protection layer: listed
        6: "none",
    }
    assert {k: bool(v) for k, v in relines.items()} == {1: True, 2: False}
    assert (worker, order) == ("W-7", "WO-12")
    listed = capsys.readouterr().err
    assert "maintenance plan 3 'BMS function check'" in listed
    assert "maintenance plan 5 'Relining and interlock test'" in listed
    assert "plan 6" not in listed  # not safety-critical: nothing to decide
    assert "plan 1 " not in listed
