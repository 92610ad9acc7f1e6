"""The loader's explicit safety fields (never guessed from words) and the lining state at
onboarding."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from kilnguard.domain import risk as rk
from kilnguard.domain.plant import Protects
from kilnguard.services import records as svc
from kilnguard.services import risk as rs
from kilnguard.services.access import SYSTEM
from kilnguard.store import models as m
from kilnguard.store.db import unit_of_work
from tests.conftest import Plant

D0 = dt.date(2021, 9, 1)  # the plant fixture's first production day (14 days of 36 t)


def _plan(s, kiln: int, task: str, protects: Protects, critical: bool = True) -> int:  # type: ignore[no-untyped-def]
    return svc.create_maintenance_plan(
        s,
        SYSTEM,
        svc.MaintenancePlanIn(
            kiln_id=kiln,
            task=task,
            interval_days=30,
            safety_critical=critical,
            protects=protects.value,
        ),
    ).id


def _order(s, kiln: int, task: str, plan: int | None, due: int, done: int | None = None) -> None:  # type: ignore[no-untyped-def]
    svc.create_work_order_one(
        s,
        SYSTEM,
        svc.WorkOrderIn(
            kiln_id=kiln,
            task=task,
            plan_id=plan,
            safety_critical=True,
            due_on=D0 + dt.timedelta(days=due),
            done_on=None if done is None else D0 + dt.timedelta(days=done),
        ),
    )


def test_what_a_plan_protects_is_read_from_the_plan_not_its_words(plant: Plant) -> None:
    """'BMS function check' has no trip word but protects burner management: overdue it loses
    the barrier's credit (stop rule). 'Interlock inspection' says 'interlock' but protects
    nothing. An order with no plan: 30-day interval, protects nothing."""
    k1, k2, k3 = plant.kilns_a
    with unit_of_work(plant.engine) as s:
        bms = _plan(s, k1, "BMS function check", Protects.BURNER_MANAGEMENT)
        words = _plan(s, k2, "Interlock inspection", Protects.NONE)
        _order(s, k1, "BMS function check", bms, due=1)
        _order(s, k2, "Interlock inspection", words, due=1)
        _order(s, k3, "interlock proof test (no plan)", None, due=1)
    with unit_of_work(plant.engine) as s:
        history = rs.load_history(s, rs.readable_kilns(s, plant.users["op_a"]))
    plans = {p.task: p for p in history.records.plans}
    assert plans["BMS function check"].protects_ipl
    assert not plans["Interlock inspection"].protects_ipl
    loose = plans["interlock proof test (no plan)"]
    assert not loose.protects_ipl and not loose.renews_lining and loose.interval_days == 30.0
    result = rs.replay(history)
    last = result.levels.shape[1] - 1
    by_id = {k.kiln_id: i for i, k in enumerate(history.records.kilns)}
    assert int(result.ipl_overdue_days[by_id[str(k1)], last]) == 12
    assert rk.LEVEL_NAMES[int(result.levels[by_id[str(k1)], last])] == "stop"
    for k in (k2, k3):
        assert int(result.ipl_overdue_days[by_id[str(k)], last]) == 0
        assert int(result.maint_overdue_days[by_id[str(k)], last]) == 12


def test_a_lining_plan_or_a_relining_stop_renews_the_lining(plant: Plant) -> None:
    """A completed order of a `lining` plan relines (even when the plan is not marked
    safety-critical), as does a stop with `relines_lining`; a stop called 'relining' without
    the flag does not."""
    k1, k2, k3 = plant.kilns_a
    with unit_of_work(plant.engine) as s:
        lining = _plan(s, k1, "Hot-face renewal", Protects.LINING, critical=False)
        svc.create_work_order_one(
            s,
            SYSTEM,
            svc.WorkOrderIn(kiln_id=k1, task="Hot-face renewal", plan_id=lining,
                            due_on=D0 + dt.timedelta(days=5), done_on=D0 + dt.timedelta(days=5)),
        )  # fmt: skip
        for kiln, flag in ((k2, True), (k3, False)):
            svc.create_planned_stop(
                s,
                SYSTEM,
                svc.PlannedStopIn(
                    kiln_id=kiln,
                    start_on=D0 + dt.timedelta(days=5),
                    end_on=D0 + dt.timedelta(days=5),
                    reason="relining",
                    relines_lining=flag,
                ),
            )
    with unit_of_work(plant.engine) as s:
        history = rs.load_history(s, rs.readable_kilns(s, plant.users["op_a"]))
    inputs = rk.build_inputs(history.records, history.start, history.end)
    relined = {(history.records.kilns[int(k)].kiln_id, int(d)) for k, d in
               zip(inputs.reline_kiln, inputs.reline_day, strict=True)}  # fmt: skip
    assert relined == {(str(k1), 5), (str(k2), 5)}
    assert not inputs.wo_kiln.size  # the lining order is not safety-critical: not scored


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("lining_used_fraction_at_onboarding", 0.4, 0.4),
        # 600 t/day rotary kiln, 365-day lining: 300 days at rating = 180,000 t
        ("lining_used_t_at_onboarding", 180_000.0, 300 / 365),
    ],
)
def test_the_lining_state_at_onboarding_is_carried_in_as_wear(
    plant: Plant, field: str, value: float, expected: float
) -> None:
    with unit_of_work(plant.engine) as s:
        kilns = rs.readable_kilns(s, plant.users["op_a"])
        rotary = next(k for k in kilns if k.rated_capacity_t_per_day == 600.0)
        k40 = next(k for k in kilns if k.rated_capacity_t_per_day == 40.0)
        setattr(s.get(m.Kiln, rotary.id), field, value)
        s.get(m.Kiln, rotary.id).lining_installed_on = None
        k40.lining_installed_on = dt.date(2021, 3, 1)  # before onboarding: not a reline
        rotary_id, k40_id = rotary.id, k40.id
    with unit_of_work(plant.engine) as s:
        history = rs.load_history(s, rs.readable_kilns(s, plant.users["op_a"]))
    spec = {k.kiln_id: k for k in history.records.kilns}
    assert spec[str(rotary_id)].lining_wear_at_onboarding == pytest.approx(expected)
    assert spec[str(k40_id)].lining_wear_at_onboarding == 0.0
    result = rs.replay(history)
    i = next(i for i, k in enumerate(history.records.kilns) if k.kiln_id == str(rotary_id))
    wear = result.wear_damage[i]
    # day 0: the onboarding wear plus one day at 36 t of 600 t/day over 365 days
    assert wear[0] == pytest.approx(expected + 36.0 / 600.0 / 365.0)
    assert np.all(np.diff(wear) > 0)


def test_onboarding_of_a_kiln_without_records_changes_nothing(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        kiln = s.get(m.Kiln, plant.kilns_a[0])
        assert kiln is not None
        kiln.lining_used_fraction_at_onboarding = None
        kiln.lining_used_t_at_onboarding = None
        assert rs.onboarding_wear(kiln) == 0.0


def test_every_kiln_carries_its_region_s_zone_into_the_engine(plant: Plant) -> None:
    """Issue 13 point 5: shift times are converted per kiln with its region's IANA zone."""
    with unit_of_work(plant.engine) as s:
        kilns = [k for k in (s.get(m.Kiln, i) for i in plant.kilns_a) if k is not None]
        history = rs.load_history(s, kilns)
        zones = {k.timezone for k in history.records.kilns}
        assert zones == {"Asia/Pyongyang"}
        assert rs.region_zones(s, kilns) == {plant.ent_a: "Asia/Pyongyang"}
