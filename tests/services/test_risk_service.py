"""The risk engine on the stored demo history: the scenario acceptance of issue 8 (default
configuration, never tuned per scenario), and the loader's translation of the records."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import Engine

from kilnguard.domain import risk as rk
from kilnguard.services import backtest as bt
from kilnguard.services import risk as rs
from kilnguard.services.access import SYSTEM
from kilnguard.store.db import unit_of_work
from tests.conftest import Plant

BOOM = dt.date(2021, 11, 24)


@pytest.fixture(scope="module")
def demo(
    demo_readonly_engine: Engine,
) -> tuple[rs.LoadedHistory, rk.RiskResult, dict[str, bt.KilnBacktest]]:
    with unit_of_work(demo_readonly_engine) as s:
        history = rs.load_history(s, rs.readable_kilns(s, SYSTEM))
    result = rs.replay(history)
    summary = {f"{k.enterprise}/{k.kiln}": k for k in bt.summarise(history, result)}
    return history, result, summary


def _day(s: str | None) -> dt.date:
    assert s is not None
    return dt.date.fromisoformat(s)


def test_komusan_kiln_that_exploded_is_red_14_and_stop_7_days_before(demo) -> None:  # type: ignore[no-untyped-def]
    rf2 = demo[2]["Komusan Cement Factory/RF-2"]
    assert (BOOM - _day(rf2.first["red"])).days >= 14
    assert (BOOM - _day(rf2.first["stop"])).days >= 7


def test_target_pressure_flags_on_the_day_the_additional_target_is_entered(demo) -> None:  # type: ignore[no-untyped-def]
    history, result, _ = demo
    k = history.kiln_index(next(r.id for r in history.kiln_rows if r.name == "RF-2"))
    entered = (dt.date(2021, 10, 4) - history.start).days
    assert result.target_pressure[k, entered - 1] <= 1.0
    assert result.target_pressure[k, entered] > 1.0
    assert "additional target" in rk.explain(result, k, entered).text


def test_chongjin_test_kiln_is_stop_on_its_first_firing(demo) -> None:  # type: ignore[no-untyped-def]
    history, result, _ = demo
    k = history.kiln_index(next(r.id for r in history.kiln_rows if r.name == "TK-1"))
    firing = (dt.date(2021, 10, 28) - history.start).days
    assert rk.LEVEL_NAMES[int(result.levels[k, firing])] == "stop"


def test_control_enterprise_never_red_or_stop_and_rarely_amber(demo) -> None:  # type: ignore[no-untyped-def]
    control = [k for name, k in demo[2].items() if name.startswith("Kyongsong")]
    assert len(control) == 4
    for k in control:
        assert k.first["red"] is None and k.first["stop"] is None
        assert k.days["amber"] <= 0.05 * sum(k.days.values())


def test_backtest_days_cover_each_kilns_own_record_span(demo) -> None:  # type: ignore[no-untyped-def]
    rf2 = demo[2]["Komusan Cement Factory/RF-2"]
    assert sum(rf2.days.values()) == (BOOM - dt.date(2021, 8, 1)).days + 1
    kr1 = demo[2]["Kyongsong Refractory Works/KR-1"]
    assert kr1.last_day == dt.date(2021, 12, 31)


def test_loader_keeps_original_due_dates_and_deferral_reasons(demo) -> None:  # type: ignore[no-untyped-def]
    history = demo[0]
    deferred = [w for w in history.records.work_orders if w.deferrals]
    assert deferred
    assert all(w.due_on <= w.deferrals[0].on for w in deferred)
    assert {d.reason for w in deferred for d in w.deferrals} >= {
        "additional production target: no stop allowed"
    }


def test_loader_sums_shift_records_into_kiln_days(plant: Plant) -> None:
    with unit_of_work(plant.engine) as s:
        history = rs.load_history(s, rs.readable_kilns(s, plant.users["op_a"]))
    assert {k.enterprise for k in history.records.kilns} == {"A Cement"}
    days = {(p.kiln_id, p.day) for p in history.records.production}
    assert len(days) == len(history.records.production)  # one record per kiln-day
    p0 = history.records.production[0]
    assert p0.output_t == pytest.approx(36.0) and p0.hours_fired == pytest.approx(24.0)


def test_plot_is_written_per_kiln(demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    history, result, _ = demo
    path = bt.plot_kiln(history, result, 0, tmp_path / "k.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_levels_are_one_per_kiln_day(demo) -> None:  # type: ignore[no-untyped-def]
    history, result, _ = demo
    assert result.levels.shape == (len(history.kiln_rows), (history.end - history.start).days + 1)
    assert set(np.unique(result.levels)) <= {0, 1, 2, 3}


def test_a_one_kiln_replay_gives_the_same_levels_as_the_whole_plant(
    demo, demo_readonly_engine: Engine
) -> None:  # type: ignore[no-untyped-def]
    history, result, _ = demo
    rf2 = next(r for r in history.kiln_rows if r.name == "RF-2")
    with unit_of_work(demo_readonly_engine) as s:
        alone = rs.load_history(s, [s.get(type(rf2), rf2.id)])
    assert [k.name for k in alone.kiln_rows] == ["RF-2"]
    r_alone = rs.replay(alone)
    k = history.kiln_index(rf2.id)
    lo = (alone.start - history.start).days
    n = (alone.end - alone.start).days + 1
    assert np.array_equal(r_alone.levels[0, :n], result.levels[k, lo : lo + n])
    assert np.allclose(r_alone.target_pressure[0, :n], result.target_pressure[k, lo : lo + n])
