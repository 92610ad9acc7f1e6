"""The dashboard that ranks (issue 16 point 5): kilns by level, then how far (R), then how
long (days at that level); each row's reason is the kiln's own top cause; the age of each level
and a "no records for N days" state; each enterprise's trend over its own records; the region
view ranks enterprises by their worst kiln. Levels are scripted through the real stored-level
path (the replay is wrapped, the rows are written by `levels.rebuild`)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import select, update

from kilnguard.clock import FixedClock
from kilnguard.domain import risk as rk
from kilnguard.services import dashboard as db
from kilnguard.services import records as svc
from kilnguard.services import risk as rs
from kilnguard.services.access import SYSTEM
from kilnguard.services.risk import levels as stored
from kilnguard.store.db import unit_of_work
from kilnguard.store.level_models import KilnLevelRow
from tests.conftest import Plant, token_for

START = dt.date(2021, 9, 1)
LAST = dt.date(2021, 9, 14)
G, A, R, S = rk.GREEN, rk.AMBER, rk.RED, rk.STOP


def script(
    monkeypatch: pytest.MonkeyPatch, plant: Plant, plan: dict[int, tuple[int, int, float]]
) -> None:
    """Kiln -> (level, from day index, R): the kiln is green with R 1 before that day and at
    `level` with ratio R from it to the end; unlisted kilns stay as replayed."""
    real = rs.replay

    def fake(history: rs.LoadedHistory, config: rk.RiskConfig | None = None) -> rk.RiskResult:
        result = real(history, config)
        for kiln_id, (level, first, ratio) in plan.items():
            if kiln_id not in {k.id for k in history.kiln_rows}:
                continue
            i = history.kiln_index(kiln_id)
            off = (START - history.start).days
            result.levels[i, :] = G
            result.risk_ratio[i, :] = 1.0
            result.levels[i, max(off + first, 0) :] = level
            result.risk_ratio[i, max(off + first, 0) :] = ratio
        return result

    for module in (rs, stored):  # the replay the stored levels are computed with
        monkeypatch.setattr(module, "replay", fake)
    with unit_of_work(plant.engine, write=True) as session:
        stored.rebuild(session)


@pytest.fixture
def ranked_plant(plant: Plant, monkeypatch: pytest.MonkeyPatch) -> Plant:
    """A: K-1 stop from 11 Sep at R 12, K-2 stop from 6 Sep at R 12 (longer), K-3 red from
    2 Sep at R 50 (farther, but a lower level). B: its kilns as replayed (green)."""
    a0, a1, a2 = plant.kilns_a
    script(monkeypatch, plant, {a0: (S, 10, 12.0), a1: (S, 5, 12.0), a2: (R, 1, 50.0)})
    return plant


def view(plant: Plant, who: str, today: dt.date, scope: str = "enterprise") -> db.Ranked:
    clock = FixedClock(dt.datetime.combine(today, dt.time(3), tzinfo=dt.UTC))
    with unit_of_work(plant.engine, clock=clock) as s:
        if scope == "region":
            return db.region_view(s, plant.users[who], plant.region_id)
        return db.enterprise_view(s, plant.users[who], plant.ent_a)


def test_kilns_rank_by_level_then_how_far_then_how_long(ranked_plant: Plant) -> None:
    v = view(ranked_plant, "mgr_a", LAST + dt.timedelta(days=1))
    a0, a1, a2 = ranked_plant.kilns_a
    assert [k.kiln_id for k in v.kilns] == [a1, a0, a2]
    first, second, third = v.kilns
    assert (first.level, first.days_at_level, first.since) == ("stop", 9, dt.date(2021, 9, 6))
    assert (second.level, second.days_at_level) == ("stop", 4)
    assert (third.level, round(third.risk_ratio), third.days_at_level) == ("red", 50, 13)
    assert v.counts == {"green": 0, "amber": 0, "red": 1, "stop": 2, "no records": 0}


def test_each_row_gives_its_own_top_cause_from_its_stored_explanation(
    ranked_plant: Plant,
) -> None:
    """The stored explanation of each kiln's level day is given three different first
    findings (as the engine writes them, worst first); each row shows its own."""
    causes = {
        ranked_plant.kilns_a[0]: ("equipment integrity", 2.5, "stop", "lining inspection 45 days overdue"),
        ranked_plant.kilns_a[1]: ("operating envelope", 13.1, "stop", "load 2.6× rating (7-day mean)"),
        ranked_plant.kilns_a[2]: ("people", 8.9, "red", "52 shifts in a row without a 24 h rest"),
    }  # fmt: skip
    t = KilnLevelRow
    with unit_of_work(ranked_plant.engine, write=True) as s:
        for kiln_id, (barrier, factor, level, fact) in causes.items():
            row = s.scalars(select(t).where(t.kiln_id == kiln_id, t.day == LAST)).one()
            explained = dict(row.explanation)
            second = {"barrier": "people", "factor": 1.1, "level": "green", "facts": ["12 h"]}
            first = {"barrier": barrier, "factor": factor, "level": level, "facts": [fact]}
            explained["findings"] = [first, second]
            s.execute(update(t).where(t.kiln_id == kiln_id, t.day == LAST).values(
                explanation=explained))  # fmt: skip
    v = view(ranked_plant, "mgr_a", LAST + dt.timedelta(days=1))
    for k in v.kilns:
        barrier, factor, level, fact = causes[k.kiln_id]
        assert k.reason == f"{barrier.capitalize()} ×{factor:.2f} ({level}): {fact}"


def test_the_age_of_a_level_and_the_no_records_state(ranked_plant: Plant) -> None:
    fresh = view(ranked_plant, "mgr_a", LAST + dt.timedelta(days=1))
    assert all(k.level_age_days == 1 and not k.stale for k in fresh.kilns)
    late = view(ranked_plant, "mgr_a", LAST + dt.timedelta(days=36))
    assert all(k.stale and k.days_without_records == 36 for k in late.kilns)
    assert all(k.level_age_days == 36 for k in late.kilns)


def test_the_region_ranks_enterprises_and_each_trend_covers_its_own_records(
    ranked_plant: Plant,
) -> None:
    # A reports on for a month more; B stopped on 14 Sep
    later = dt.date(2021, 10, 14)
    with unit_of_work(ranked_plant.engine, write=True) as s:
        svc.record_production(
            s,
            SYSTEM,
            [svc.ProductionIn(kiln_id=ranked_plant.kilns_a[0], day=later, shift_no=1,
                              output_t=12.0, hours_fired=8.0)],
        )  # fmt: skip
    v = view(ranked_plant, "reg", later + dt.timedelta(days=1), scope="region")
    names = [e.name for e in v.enterprises]
    assert names == ["A Cement", "B Refractory"]
    a, b = v.enterprises
    assert a.trend[-1]["day"] == later.isoformat()
    assert b.trend[-1]["day"] == LAST.isoformat()  # its own last day of records, not October
    assert len(b.trend) == 14 and all(t["no records"] == 0 for t in b.trend)
    b_kilns = {k.kiln_id: k for k in b.kilns}
    assert all(k.days_without_records == 31 and k.stale for k in b_kilns.values())
    assert v.kilns[0].enterprise == "A Cement" and v.kilns[-1].enterprise == "B Refractory"


def test_the_api_and_the_page_show_the_ranking(ranked_plant: Plant, client) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "mgr_a")
    body = client.get(f"/api/v1/dashboards/enterprise/{ranked_plant.ent_a}", headers=h).json()
    assert [k["kiln"] for k in body["kilns"]] == ["K-2", "K-1", "K-3"]
    assert body["kilns"][0]["days_at_level"] == 9 and body["kilns"][0]["reason"]
    assert body["timezone"] == "Asia/Pyongyang"
    region = client.get(f"/api/v1/dashboards/region/{ranked_plant.region_id}", headers=h).json()
    assert [e["name"] for e in region["enterprises_ranked"]] == ["A Cement"]
    assert region["enterprises_ranked"][0]["worst_kiln"] == "K-2"
    page = client.get("/dashboard", headers=h).text
    rows = [
        page.index(f'data-kiln="{n}"', page.index("Kilns, worst first"))
        for n in ("K-2", "K-1", "K-3")
    ]
    assert rows == sorted(rows)
    assert "KST" in page and "days old" in page
    assert 'data-scope="region"' not in page  # one enterprise: its region adds nothing
    reg = client.get("/dashboard", headers=token_for(client, "reg")).text
    ents = reg[reg.index("Enterprises, worst first") :]
    assert (
        0 < ents.index('data-enterprise="A Cement"') < ents.index('data-enterprise="B Refractory"')
    )


def test_rank_key_is_total_and_puts_kilns_without_a_level_last() -> None:
    def row(name: str, level: str, ratio: float, days: int) -> db.KilnRank:
        return db.KilnRank(1, name, 1, "E", level, None, ratio, None, days, "", None, None, None)

    rows = [
        row("no-level", db.NO_LEVEL, 0.0, 0),
        row("green", "green", 1.2, 99),
        row("amber-long", "amber", 2.0, 30),
        row("amber-far", "amber", 2.5, 1),
        row("stop", "stop", 10.5, 1),
        row("amber-long-b", "amber", 2.0, 30),
    ]
    order = [r.kiln for r in sorted(rows, key=db.KilnRank.key)]
    assert order == ["stop", "amber-far", "amber-long", "amber-long-b", "green", "no-level"]
    assert np.isfinite([r.risk_ratio for r in rows]).all()
