"""Chunked replays: every kiln gets exactly the levels of one replay of all kilns, whatever the
chunk size, and a chunk never splits an enterprise."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine

from kilnguard.domain import risk as rk
from kilnguard.services import risk as rs
from kilnguard.services.access import SYSTEM
from kilnguard.store.db import unit_of_work


@pytest.fixture(scope="module")
def one_shot(demo_readonly_engine: Engine) -> tuple[rs.LoadedHistory, rk.RiskResult]:
    with unit_of_work(demo_readonly_engine) as s:
        history = rs.load_history(s, rs.readable_kilns(s, SYSTEM))
    return history, rs.replay(history)


@pytest.mark.parametrize("chunk_kiln_days", [1, 600, 10**9])
def test_chunks_give_every_kiln_the_levels_of_one_replay(
    demo_readonly_engine: Engine,
    one_shot: tuple[rs.LoadedHistory, rk.RiskResult],
    chunk_kiln_days: int,
) -> None:
    history, result = one_shot
    seen: list[int] = []
    n_chunks = 0
    with unit_of_work(demo_readonly_engine) as s:
        for part, res in rs.replay_chunks(
            s, rs.readable_kilns(s, SYSTEM), chunk_kiln_days=chunk_kiln_days
        ):
            n_chunks += 1
            assert (part.start, part.end) == (history.start, history.end)
            assert len({k.enterprise_id for k in part.kiln_rows}) >= 1
            for i, kiln in enumerate(part.kiln_rows):
                j = history.kiln_index(kiln.id)
                seen.append(kiln.id)
                assert np.array_equal(res.levels[i], result.levels[j]), kiln.name
                assert np.array_equal(res.risk_ratio[i], result.risk_ratio[j]), kiln.name
                assert np.array_equal(res.wear_damage[i], result.wear_damage[j])
                assert rs.kiln_span(part, i) == rs.kiln_span(history, j)
    assert sorted(seen) == sorted(k.id for k in history.kiln_rows)
    n_ent = len({k.enterprise_id for k in history.kiln_rows})
    assert n_chunks == {1: n_ent, 10**9: 1}.get(chunk_kiln_days, n_chunks)
    if chunk_kiln_days == 600:  # ~4 kilns a chunk: enterprises of 4 or more, one each
        assert 1 < n_chunks <= n_ent


def test_latest_levels_are_each_kilns_level_on_its_last_record_day(
    demo_readonly_engine: Engine, one_shot: tuple[rs.LoadedHistory, rk.RiskResult]
) -> None:
    history, result = one_shot
    with unit_of_work(demo_readonly_engine) as s:
        latest = rs.latest_levels(s, SYSTEM)
    expected = {
        k.id: rk.LEVEL_NAMES[int(result.levels[i, rs.kiln_span(history, i)[1]])]
        for i, k in enumerate(history.kiln_rows)
    }
    assert latest == expected
    assert set(latest.values()) >= {"green", "stop"}


def test_chunks_keep_enterprises_whole_and_in_order(demo_readonly_engine: Engine) -> None:
    with unit_of_work(demo_readonly_engine) as s:
        kilns = rs.readable_kilns(s, SYSTEM)
        parts = rs.chunks(s, kilns, 5)
    assert [k for part in parts for k in part] == kilns
    ents = [{k.enterprise_id for k in part} for part in parts]
    assert all(not (a & b) for i, a in enumerate(ents) for b in ents[i + 1 :])
    for part in parts:  # at most 5 kilns, unless one enterprise alone has more
        assert len(part) <= 5 or len({k.enterprise_id for k in part}) == 1


def test_a_chunked_backtest_summarises_like_the_one_shot_one(
    demo_readonly_engine: Engine, one_shot: tuple[rs.LoadedHistory, rk.RiskResult], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from kilnguard.services import backtest as bt

    history, result = one_shot
    done: list[str] = []
    with unit_of_work(demo_readonly_engine) as s:
        kilns = rs.readable_kilns(s, SYSTEM)
        run = bt.run(s, kilns, chunk_kiln_days=1, progress=done.append)
        plotted = bt.run(s, kilns[:1], plots=tmp_path)
    assert [k.as_json() for k in run.kilns] == [k.as_json() for k in bt.summarise(history, result)]
    assert done == [k.name for k in kilns] and not run.plots
    assert (run.start, run.end) == (history.start, history.end)
    assert run.kiln_days == result.levels.size
    assert len(plotted.plots) == 1 and plotted.plots[0].stat().st_size > 10_000
