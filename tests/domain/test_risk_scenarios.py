"""Scenario acceptance with the DEFAULT RiskConfig (never tuned per scenario or kiln).

Small synthetic reconstructions of the two founding accidents (SCENARIOS.md; the numbers are a
labelled reconstruction, as in the demo database) and of a healthy control enterprise.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np

from kilnguard.domain.risk import (
    AMBER,
    RED,
    STOP,
    Deferral,
    KilnSpec,
    MaintenancePlan,
    PlannedStop,
    ProductionRecord,
    Records,
    RiskConfig,
    ShiftRecord,
    Target,
    WorkOrder,
    assess,
    build_inputs,
    explain,
)


def _days(a: date, b: date) -> list[date]:
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


def _shift(worker: str, crew: str, kiln: str, day: date, hour: int, length_h: int) -> ShiftRecord:
    s = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
    return ShiftRecord(worker, crew, kiln, s, s + timedelta(hours=length_h))


def _wiggle(i: int, lo: float, hi: float) -> float:
    """Deterministic day-to-day variation between lo and hi."""
    return lo + (hi - lo) * ((i * 7) % 11) / 10.0


def komusan_records() -> Records:
    kilns = [
        KilnSpec(
            f"RF-{n}",
            f"Komusan refractory kiln RF-{n}",
            "periodic",
            "Komusan Cement Factory",
            40.0,
            365.0,
            90.0,
            lining_installed_on=date(2021, 8, 4),
        )
        for n in (1, 2, 3)
    ]
    prod, shifts, plans, wos, stops = [], [], [], [], []
    for k in kilns:
        kid = k.kiln_id
        stops.append(PlannedStop(kid, date(2021, 8, 2), date(2021, 8, 4), relined=True))
        for i, day in enumerate(_days(date(2021, 7, 1), date(2021, 11, 24))):
            if date(2021, 8, 2) <= day <= date(2021, 8, 4):
                continue
            if day < date(2021, 10, 5):
                r = _wiggle(i, 0.85, 0.95)
            elif day < date(2021, 10, 21):
                r = _wiggle(i, 1.4, 1.6)
            else:
                r = _wiggle(i, 2.2, 2.8)
            prod.append(ProductionRecord(kid, day, 40.0 * r, 24.0))
            if day < date(2021, 10, 5):  # 3 crews x 8 h, 2 days on each shift then 3 days off
                for c, crew in enumerate("ABC"):
                    phase = (i + 3 * c) % 9
                    if phase < 6:
                        hour = (6, 6, 14, 14, 22, 22)[phase]
                        for w in (1, 2):
                            shifts.append(_shift(f"{kid}-{crew}{w}", crew, kid, day, hour, 8))
            else:  # 2 crews x 12 h continuous, swapping days/nights weekly, no rest day
                week = (day - date(2021, 10, 5)).days // 7
                for c, crew in enumerate("AB"):
                    hour = 7 if (c + week) % 2 == 0 else 19
                    for w in (1, 2):
                        shifts.append(_shift(f"{kid}-{crew}{w}", crew, kid, day, hour, 12))
        plans.append(MaintenancePlan(f"{kid}-insp", kid, "refractory inspection", 30.0))
        plans.append(MaintenancePlan(f"{kid}-reline", kid, "relining", 365.0, renews_lining=True))
        plans.append(
            MaintenancePlan(
                f"{kid}-relief", kid, "relief valve proof test", 180.0, protects_ipl=True
            )
        )
        for due in (date(2021, 8, 15), date(2021, 9, 14)):
            wos.append(WorkOrder(f"{kid}-{due}", f"{kid}-insp", due, due))
        deferred = (
            Deferral(date(2021, 10, 14), "additional production target", "chief engineer"),
            Deferral(date(2021, 10, 28), "additional production target", "factory manager"),
        )
        wos.append(WorkOrder(f"{kid}-oct", f"{kid}-insp", date(2021, 10, 14), None, deferred))
        wos.append(WorkOrder(f"{kid}-rl", f"{kid}-reline", date(2021, 10, 18), None, deferred))
        wos.append(WorkOrder(f"{kid}-rv", f"{kid}-relief", date(2021, 9, 1), date(2021, 9, 1)))
    ids = tuple(k.kiln_id for k in kilns)
    targets = [
        Target("Q4 plan", ids, 9900.0, date(2021, 10, 1), date(2021, 12, 31), "factory plan"),
        Target(
            "additional",
            ids,
            20000.0,
            date(2021, 10, 4),
            date(2021, 12, 17),
            "provincial authority",
            additional=True,
        ),
    ]
    return Records(kilns, prod, stops, targets, plans, wos, shifts)


def chongjin_records() -> Records:
    kiln = KilnSpec(
        "TK-1",
        "Chongjin test kiln",
        "test",
        "Chongjin Chemical and Textile Factory",
        0.2,
        200.0,
        30.0,
        lining_installed_on=date(2021, 6, 1),
    )
    prod = [
        ProductionRecord("TK-1", date(2021, 10, 21), 0.05, 4.0, 1),
        ProductionRecord("TK-1", date(2021, 10, 24), 0.1, 5.0, 1),
        ProductionRecord("TK-1", date(2021, 10, 28), 0.6, 10.0, 1),
    ]
    plans = [
        MaintenancePlan(
            "TK-pt", "TK-1", "pressure-relief and interlock proof test", 90.0, protects_ipl=True
        )
    ]
    wos = [WorkOrder("TK-pt-q3", "TK-pt", date(2021, 9, 30), None)]
    shifts = [
        _shift(f"tech-{w}", "technicians", "TK-1", day, 7, 14)
        for day in _days(date(2021, 10, 19), date(2021, 10, 28))
        for w in range(4)
    ]
    return Records([kiln], prod, (), (), plans, wos, shifts)


def control_records() -> Records:
    kilns = [
        KilnSpec(
            f"HC-{n}",
            f"Healthy kiln HC-{n}",
            "rotary",
            "Healthy Control Co",
            50.0,
            365.0,
            90.0,
            lining_installed_on=date(2021, 3, 1),
        )
        for n in (1, 2, 3)
    ]
    prod, shifts, plans, wos, stops = [], [], [], [], []
    for n, k in enumerate(kilns):
        kid = k.kiln_id
        stop_days = set()
        for month in range(7, 13):
            a = date(2021, month, 10 + n)
            stops.append(PlannedStop(kid, a, a + timedelta(days=1)))
            stop_days |= {a, a + timedelta(days=1)}
        for i, day in enumerate(_days(date(2021, 7, 1), date(2021, 12, 31))):
            if day not in stop_days:
                prod.append(ProductionRecord(kid, day, 50.0 * _wiggle(i + n, 0.70, 0.95), 24.0))
            for c, crew in enumerate("ABC"):
                phase = (i + 3 * c) % 9
                if phase < 6:
                    hour = (6, 6, 14, 14, 22, 22)[phase]
                    for w in (1, 2):
                        shifts.append(_shift(f"{kid}-{crew}{w}", crew, kid, day, hour, 8))
        plans.append(MaintenancePlan(f"{kid}-insp", kid, "refractory inspection", 30.0))
        plans.append(
            MaintenancePlan(f"{kid}-pt", kid, "interlock proof test", 90.0, protects_ipl=True)
        )
        for j in range(7):
            due = date(2021, 7, 5) + timedelta(days=30 * j)
            wos.append(WorkOrder(f"{kid}-i{j}", f"{kid}-insp", due, due - timedelta(days=1)))
        for j in range(3):
            due = date(2021, 7, 20) + timedelta(days=90 * j)
            wos.append(WorkOrder(f"{kid}-p{j}", f"{kid}-pt", due, due))
    ids = tuple(k.kiln_id for k in kilns)
    targets = [
        Target(
            "Q4 plan",
            ids,
            3 * 50 * 0.8 * 85,
            date(2021, 10, 1),
            date(2021, 12, 31),
            "enterprise plan",
        )
    ]
    return Records(kilns, prod, stops, targets, plans, wos, shifts)


def _first(levels: np.ndarray, at_least: int) -> int | None:
    hit = np.flatnonzero(levels >= at_least)
    return int(hit[0]) if len(hit) else None


def test_komusan_rf2_is_red_two_weeks_and_stop_one_week_before_the_explosion() -> None:
    start = date(2021, 8, 1)
    inputs = build_inputs(komusan_records(), start, date(2021, 11, 24))
    result = assess(inputs, RiskConfig())
    rf2 = [k.kiln_id for k in inputs.kilns].index("RF-2")
    row = result.levels[rf2]
    first_red = _first(row, RED)
    first_stop = _first(row, STOP)
    assert first_red is not None and inputs.day(first_red) <= date(2021, 11, 10)
    assert first_stop is not None and inputs.day(first_stop) <= date(2021, 11, 17)
    # from a week before the explosion it stays stop: nothing in the records made it safer
    nov17 = (date(2021, 11, 17) - start).days
    assert (row[nov17:] == STOP).all()
    # August-September at 85-95 % of rating, on-time maintenance, 3 x 8 h crews: green
    sep30 = (date(2021, 9, 30) - start).days
    assert (row[:sep30] == 0).all()


def test_komusan_target_pressure_flags_on_the_day_the_additional_target_is_entered() -> None:
    start = date(2021, 8, 1)
    inputs = build_inputs(komusan_records(), start, date(2021, 11, 24))
    result = assess(inputs)
    entered = (date(2021, 10, 4) - start).days
    rf2 = 1
    assert result.target_pressure[rf2, entered - 1] < 1.0
    assert result.target_pressure[rf2, entered] > 2.0
    assert result.levels[rf2, entered] >= AMBER
    text = explain(result, rf2, entered).text
    assert "target pressure" in text and "2021-12-17" in text


def test_komusan_explanation_names_load_maintenance_deferrals_and_rosters() -> None:
    start = date(2021, 8, 1)
    inputs = build_inputs(komusan_records(), start, date(2021, 11, 24))
    result = assess(inputs)
    ex = explain(result, 1, (date(2021, 11, 17) - start).days)
    assert ex.level == "stop"
    barriers = [f.barrier for f in ex.findings]
    assert barriers[0] == "operating envelope"
    assert {"equipment integrity", "people"} <= set(barriers)
    assert "deferred twice: 'additional production target'" in ex.text
    assert "× rating" in ex.text and "12 h shifts" in ex.text
    assert "Stop firing until a named person" in ex.text


def test_chongjin_test_kiln_is_stop_on_the_day_of_its_first_firing() -> None:
    start = date(2021, 10, 1)
    inputs = build_inputs(chongjin_records(), start, date(2021, 10, 28))
    result = assess(inputs)
    day = (date(2021, 10, 28) - start).days
    assert result.levels[0, day] == STOP
    assert abs(result.load_ratio[0, day] - 3.0) < 1e-9
    ex = explain(result, 0, day)
    assert "proof test" in ex.text and "3.0× rating" in ex.text


def test_control_enterprise_never_red_and_amber_on_at_most_five_percent_of_days() -> None:
    inputs = build_inputs(control_records(), date(2021, 8, 1), date(2021, 12, 31))
    result = assess(inputs)
    assert int(result.levels.max()) < RED
    assert float((result.levels == AMBER).mean()) <= 0.05
