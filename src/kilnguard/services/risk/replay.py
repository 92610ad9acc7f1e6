"""Replays of loaded histories: the whole history at once, one kiln, or many kilns in chunks.

A chunked replay (`replay_chunks`) loads and scores a bounded number of kilns at a time (each
chunk's kilns with the other kilns of their enterprises, as `load_history` does for targets)
over the window of the whole request, so every kiln gets exactly the levels of a one-shot
replay while memory stays bounded by the chunk, not the region.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.risk.load import LoadedHistory, load_history, readable_kilns
from kilnguard.store import models as m

#: Kiln-days (of a chunk's kilns and their enterprise mates) scored at a time by a chunked
#: replay. About 400 B of loader arrays and 1.4 kB of engine arrays per kiln-day (4 shifts a
#: kiln-day): ~0.6 GB at this size on top of the process.
CHUNK_KILN_DAYS = 400_000


def replay(history: LoadedHistory, config: rk.RiskConfig | None = None) -> rk.RiskResult:
    """Levels for every kiln and day of the loaded history."""
    cfg = config or rk.RiskConfig()
    inputs = rk.build_inputs(history.records, history.start, history.end, cfg, history.utc_offset_h)
    return rk.assess(inputs, cfg)


def has_table(session: Session, name: str) -> bool:
    return inspect(session.get_bind()).has_table(name)


def kiln_span(history: LoadedHistory, index: int) -> tuple[int, int]:
    """Day indexes of the kiln's first and last production record (its life in the data)."""
    span = history.record_spans.get(history.records.kilns[index].kiln_id)
    if span is None:
        return 0, -1
    return (span[0] - history.start).days, (span[1] - history.start).days


def last_record_day(history: LoadedHistory, index: int) -> dt.date:
    """The day of the kiln's last production record (its first day when it has none)."""
    lo, hi = kiln_span(history, index)
    return history.start + dt.timedelta(days=max(hi, lo))


def replay_kiln(
    session: Session, who: Principal, *, kiln_id: int, config: rk.RiskConfig | None = None
) -> tuple[LoadedHistory, rk.RiskResult] | None:
    """One kiln's history and levels (index 0), None before its first production record;
    NotFound when `who` may not read the kiln."""
    kiln = access.get_readable(session, who, m.Kiln, kiln_id)
    has = session.scalar(
        select(m.ProductionRecord.id)
        .where(m.ProductionRecord.kiln_id == kiln.id, m.ProductionRecord.voided_at.is_(None))
        .limit(1)
    )
    if has is None:
        return None
    history = load_history(session, [kiln])
    return history, replay(history, config)


def history_window(session: Session, kilns: Sequence[m.Kiln]) -> tuple[dt.date, dt.date]:
    """The day range `load_history(kilns)` would replay: the first to the last production day
    of the kilns and the other kilns of their enterprises (today when there is none)."""
    p = m.ProductionRecord
    ents = {k.enterprise_id for k in kilns}
    first, last = session.execute(
        select(func.min(p.day), func.max(p.day)).where(
            p.kiln_id.in_(select(m.Kiln.id).where(m.Kiln.enterprise_id.in_(ents)))
        )
    ).one()
    if first is None:
        today = writes.today(session)
        return today, today
    return first, last


def chunks(session: Session, kilns: Sequence[m.Kiln], max_kilns: int) -> list[list[m.Kiln]]:
    """`kilns` in chunks of whole enterprises of at most `max_kilns` loaded kilns (requested
    ones and their enterprise mates; an enterprise larger than that is a chunk of its own),
    in the order given."""
    sizes = dict(
        list(
            session.execute(
                select(m.Kiln.enterprise_id, func.count(m.Kiln.id))
                .where(m.Kiln.enterprise_id.in_({k.enterprise_id for k in kilns}))
                .group_by(m.Kiln.enterprise_id)
            )
        )
    )
    by_ent: dict[int, list[m.Kiln]] = {}
    for k in kilns:
        by_ent.setdefault(k.enterprise_id, []).append(k)
    out: list[list[m.Kiln]] = []
    current: list[m.Kiln] = []
    load = 0
    for ent, ent_kilns in by_ent.items():
        if current and load + sizes[ent] > max_kilns:
            out.append(current)
            current, load = [], 0
        current.extend(ent_kilns)
        load += sizes[ent]
    if current:
        out.append(current)
    return out


def replay_chunks(
    session: Session,
    kilns: Sequence[m.Kiln],
    *,
    config: rk.RiskConfig | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    chunk_kiln_days: int = CHUNK_KILN_DAYS,
) -> Iterator[tuple[LoadedHistory, rk.RiskResult]]:
    """Replay `kilns` a chunk at a time: (history, result) per chunk, kilns in chunks of whole
    enterprises (`kiln_rows` of each history lists that chunk's kilns, in the order given).

    Every chunk covers the window of the whole request (`history_window`, or `start`/`end`),
    so each kiln's levels are those of one `load_history(kilns)` + `replay`; a chunk holds
    about `chunk_kiln_days` kiln-days. Keep only what you need of each chunk and drop your
    references to it before asking for the next (`del history, result` at the end of the loop
    body), or two chunks are in memory while the next one loads.
    """
    if not kilns:
        return
    first, last = history_window(session, kilns)
    first, last = start or first, end or last
    n_days = max((last - first).days + 1, 1)
    for part in chunks(session, kilns, max(1, chunk_kiln_days // n_days)):
        history = load_history(session, part, start=first, end=last)
        result = replay(history, config)
        yield history, result
        del history, result  # not alive while the next chunk loads


def latest_levels(session: Session, who: Principal) -> dict[int, str]:
    """Each readable kiln's risk level on its latest record day (chunked columnar replays)."""
    levels = {}
    for history, result in replay_chunks(session, readable_kilns(session, who)):
        for i, kiln in enumerate(history.kiln_rows):
            _, last = kiln_span(history, i)
            if last >= 0:
                levels[kiln.id] = rk.LEVEL_NAMES[int(result.levels[i, last])]
        del history, result
    return levels
