"""The independent checker flags each broken rule with names and numbers, and passes a good plan.

Plans are written by hand here (no solver), so each test shows one rule failing on purpose.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from kilnguard.domain.planning import (
    Kiln,
    MaintenanceSlot,
    MaintenanceTask,
    PlannedStop,
    PlanningProblem,
    PlanResult,
    PlanStatus,
    ShiftAssignment,
    ShiftPattern,
    Worker,
)
from kilnguard.domain.planning.check import (
    assert_plan_valid,
    check_campaign_limit,
    check_consecutive_nights,
    check_consecutive_shifts,
    check_crew_and_qualification,
    check_hours_per_7_days,
    check_maintenance_windows,
    check_plan,
    check_planned_stops,
    check_rating,
    check_rest_between_shifts,
)

START = date(2021, 10, 4)


def problem(days: int = 14, spd: int = 3, **kw: object) -> PlanningProblem:
    kiln = Kiln("K1", "K1", "periodic", 30.0, crew_size=1, campaign_limit_days=5, **kw)  # type: ignore[arg-type]
    workers = (
        Worker("W1", "A", frozenset({"periodic"})),
        Worker("W2", "B", frozenset({"tunnel"})),
    )
    return PlanningProblem(
        START, days, (kiln,), workers, shift_pattern=ShiftPattern(shifts_per_day=spd)
    )


def shift(
    p: PlanningProblem, t: int, worker: str = "W1", output_t: float = 10.0
) -> ShiftAssignment:
    spd = p.shift_pattern.shifts_per_day
    return ShiftAssignment(
        kiln_id="K1",
        day=p.date_of(t // spd),
        shift_index=t,
        shift_of_day=t % spd,
        start=p.shift_start(t),
        length_h=p.shift_pattern.shift_length_h,
        night=p.is_night_shift(t),
        output_t=output_t,
        load_ratio=output_t / (30.0 / spd),
        worker_ids=(worker,),
        crews=("A",),
    )


def result(
    *shifts: ShiftAssignment, maintenance: tuple[MaintenanceSlot, ...] = (), margin: float = 1.0
) -> PlanResult:
    return PlanResult(PlanStatus.FEASIBLE, margin, shifts=shifts, maintenance=maintenance)


def test_a_plan_within_every_rule_passes() -> None:
    p = problem()
    # Morning shifts (06–14) on days 0, 1, 2: 16 h rest between, 3 days in a row.
    r = result(*(shift(p, 3 * d) for d in range(3)))
    assert check_plan(p, r) == []
    assert_plan_valid(p, r)


def test_output_above_rating_is_flagged_with_the_limit() -> None:
    p = problem()
    [v] = check_rating(p, result(shift(p, 0, output_t=12.0)))
    assert "kiln K1" in v.message and "12.000 t" in v.message and "= 10.000 t" in v.message
    assert check_rating(p, result(shift(p, 0, output_t=12.0), margin=1.25)) == []


def test_short_rest_is_flagged_with_the_hours() -> None:
    p = problem()
    # Afternoon 14–22 then next morning 06–14: 8 h rest < 11 h.
    [v] = check_rest_between_shifts(p, result(shift(p, 1), shift(p, 3)))
    assert "worker W1" in v.message and "8 h rest < 11 h" in v.message


def test_seventh_consecutive_day_is_flagged() -> None:
    p = problem()
    [v] = check_consecutive_shifts(p, result(*(shift(p, 3 * d) for d in range(7))))
    assert "7 consecutive days" in v.message and "> 6" in v.message


def test_fourth_consecutive_night_is_flagged() -> None:
    p = problem()
    [v] = check_consecutive_nights(p, result(*(shift(p, 3 * d + 2) for d in range(4))))
    assert "4 consecutive nights" in v.message and "> 3" in v.message
    assert check_consecutive_nights(p, result(*(shift(p, 3 * d + 2) for d in range(3)))) == []


def test_more_than_48_hours_in_7_days_is_flagged() -> None:
    p = problem(spd=2)
    # 12 h day shifts on days 0, 1, 2, 3, 5: 60 h within 168 h (run of 4, rests 12 h+).
    [v] = check_hours_per_7_days(
        p, result(*(shift(p, 2 * d, output_t=15.0) for d in (0, 1, 2, 3, 5)))
    )
    assert "60 h" in v.message and "> 48 h" in v.message


def test_firing_during_maintenance_and_late_overdue_work_are_flagged() -> None:
    task = MaintenanceTask("R", "relining", 2, START - timedelta(days=1))
    p = problem(maintenance=(task,))
    late = MaintenanceSlot(
        "R", "K1", "relining", START + timedelta(1), START + timedelta(2), task.due_on, True
    )
    messages = [
        v.message for v in check_maintenance_windows(p, result(shift(p, 3), maintenance=(late,)))
    ]
    assert any("overdue" in m and "not on the first day" in m for m in messages)
    assert any("fires on 2021-10-05" in m and "during relining" in m for m in messages)
    missing = check_maintenance_windows(p, result())
    assert "is not scheduled" in missing[0].message


def test_firing_during_a_planned_stop_is_flagged() -> None:
    p = replace(problem(), planned_stops=(PlannedStop("K1", START, START, "gas works"),))
    [v] = check_planned_stops(p, result(shift(p, 0)))
    assert "during gas works" in v.message


def test_campaign_over_the_limit_counts_days_already_run() -> None:
    p = problem(days_run_since_stop=4)
    # Limit 5 days, 4 already run: firing days 0 and 1 make 6.
    [v] = check_campaign_limit(p, result(shift(p, 0), shift(p, 3)))
    assert "after 4 days already run: 6 > limit 5 days" in v.message


def test_unqualified_worker_and_short_crew_are_flagged() -> None:
    p = problem()
    messages = [v.message for v in check_crew_and_qualification(p, result(shift(p, 0, "W2")))]
    assert any("W2 is not qualified for periodic kilns" in m for m in messages)
    two = replace(shift(p, 0), worker_ids=("W1", "W1"))
    assert any(
        "has 2 workers, needs 1" in v.message for v in check_crew_and_qualification(p, result(two))
    )


def test_assert_plan_valid_raises_with_every_violation() -> None:
    p = problem()
    bad = result(shift(p, 1, output_t=11.0), shift(p, 3))
    try:
        assert_plan_valid(p, bad)
    except AssertionError as error:
        text = str(error)
    else:  # pragma: no cover - the plan is built to fail
        raise AssertionError("checker passed a plan that breaks two rules")
    assert "rating" in text and "rest between shifts" in text
    assert datetime(2021, 10, 4, 14) == p.shift_start(1)
