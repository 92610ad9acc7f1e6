"""Stored daily risk levels, kept current as records arrive (issue 19 point 1).

Every kiln has one stored row per day (`store.level_models.KilnLevelRow`) from its first
production record to its enterprise's latest one — the horizon the dashboards and the alerts
judge by. A committed write that changes a risk input marks its enterprise dirty from the
earliest day it touches (`mark`, called by the session hooks of `services.risk.follow`, in
the write's own transaction, so a mark is as durable as the write and a rolled-back write
marks nothing). `refresh` recomputes a dirty enterprise: the columnar engine on the window
from the dirty day to the horizon, with the state before the window carried in (lining
damage, overdue work, target progress, rosters: `domain.risk.build_inputs`), and rewrites only
the days whose fingerprint changed. The window's levels equal a full replay's
(tests/services/risk/test_levels.py holds them to it).

Reads (`latest`, `series`, `explanation_of`) never replay: dashboards, the regulator's view,
kiln pages and alerts read these rows. A read first refreshes any enterprise still dirty
(`fresh`), so a page right after a write shows it even before the scheduler's tick.

Why whole enterprises: a target may span every kiln of its enterprise, so one kiln's
production moves its mates' target pressure; the enterprise is the unit of recompute.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.services import writes
from kilnguard.services.access import SYSTEM
from kilnguard.services.risk.load import load_history, readable_kilns
from kilnguard.services.risk.replay import history_window, kiln_span, replay
from kilnguard.store import models as m
from kilnguard.store.db import WRITE_OPTION, clock_of, unit_of_work
from kilnguard.store.level_models import KilnLevelRow, RiskLevelStateRow

log = logging.getLogger("kilnguard.levels")

WROTE_KEY = "kilnguard.levels.wrote"  # session.info: this transaction has flushed a write

LEVELS = cast(Table, KilnLevelRow.__table__)
STATES = cast(Table, RiskLevelStateRow.__table__)

#: `dirty_from` meaning "every day" (a change with no date of its own: a kiln's rating).
ALL_DAYS = dt.date(1, 1, 1)

#: Engine arrays whose values on a kiln-day make its fingerprint: the level, R, every barrier
#: factor and floor, the hard-rule flags and the indicators the explanation quotes.
_FINGERPRINTED = (
    "risk_ratio",
    "load_ratio",
    "load_ratio_7d",
    "days_over_rating",
    "target_pressure",
    "continuous_days",
    "wear_damage",
    "maint_wo",
    "maint_overdue_days",
    "maint_deferrals",
    "ipl_overdue_days",
    "rr_kss",
)


@dataclass(frozen=True)
class StoredLevel:
    """One kiln-day as stored."""

    kiln_id: int
    enterprise_id: int
    day: dt.date
    level: int
    risk_ratio: float
    summary: str

    @property
    def name(self) -> str:
        return rk.LEVEL_NAMES[self.level]


@dataclass
class RefreshReport:
    enterprises: int = 0
    kiln_days: int = 0  # kiln-days recomputed (the windows' size)
    written: int = 0  # rows inserted or rewritten (fingerprint changed)
    deleted: int = 0  # rows beyond a kiln's span (records voided or moved)


# ------------------------------------------------------------------------------ marking
def mark(connection: Connection, marks: dict[int, dt.date]) -> None:
    """Mark enterprises dirty from the given days, in the caller's transaction: bump the
    version, lower `dirty_from` to the day (never raise it)."""
    if not marks:
        return
    state = STATES
    dialect_insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(
        dialect_insert(state)
        .values(
            [
                {
                    "enterprise_id": ent,
                    "dirty_from": None,
                    "dirty_version": 0,
                    "computed_version": 0,
                    "judged_version": 0,
                }
                for ent in sorted(marks)
            ]
        )
        .on_conflict_do_nothing(index_elements=["enterprise_id"])
    )
    for ent, day in sorted(marks.items()):
        connection.execute(
            update(state)
            .where(state.c.enterprise_id == ent)
            .values(
                dirty_version=state.c.dirty_version + 1,
                dirty_from=case(
                    (state.c.dirty_from.is_(None), day),
                    (state.c.dirty_from > day, day),
                    else_=state.c.dirty_from,
                ),
            )
        )


def dirty(session: Session, enterprise_ids: Collection[int] | None = None) -> dict[int, dt.date]:
    """Enterprises whose stored levels wait for a recompute, with the day it starts from."""
    stmt = select(RiskLevelStateRow.enterprise_id, RiskLevelStateRow.dirty_from).where(
        RiskLevelStateRow.dirty_from.is_not(None)
    )
    if enterprise_ids is not None:
        stmt = stmt.where(RiskLevelStateRow.enterprise_id.in_(list(enterprise_ids)))
    return {e: d for e, d in session.execute(stmt) if d is not None}


# ----------------------------------------------------------------------------- computing
def _fingerprints(result: rk.RiskResult, config_tag: bytes) -> np.ndarray[Any, Any]:
    """SHA-1 (hex) of each kiln-day's numbers: (kilns, days) array of str."""
    cols = [result.levels.astype(np.float64)[..., None]]
    cols.append(result.factors.transpose(1, 2, 0).astype(np.float64))
    cols.append(result.floors.transpose(1, 2, 0).astype(np.float64))
    cols.append(result.rules.astype(np.float64)[..., None])
    cols += [
        np.asarray(getattr(result, name), dtype=np.float64)[..., None] for name in _FINGERPRINTED
    ]
    cols.append(np.asarray(result.fatigue.kss_worst, dtype=np.float64)[..., None])
    block = np.ascontiguousarray(np.concatenate(cols, axis=2))
    n_k, n_d, _ = block.shape
    out = np.empty((n_k, n_d), dtype=object)
    for k in range(n_k):
        for d in range(n_d):
            out[k, d] = hashlib.sha1(config_tag + block[k, d].tobytes()).hexdigest()
    return out


def _config_tag(config: rk.RiskConfig) -> bytes:
    return hashlib.sha1(repr(config).encode()).digest()


def explanation_json(e: rk.Explanation) -> dict[str, Any]:
    out = dataclasses.asdict(e)
    out["day"] = e.day.isoformat()
    return out


def explanation_of(data: dict[str, Any]) -> rk.Explanation | None:
    """The stored explanation as the domain's dataclass (None where only the level is kept)."""
    if not data:
        return None
    return rk.Explanation(
        kiln_id=data["kiln_id"],
        day=dt.date.fromisoformat(data["day"]),
        level=data["level"],
        risk_ratio=float(data["risk_ratio"]),
        findings=tuple(
            rk.BarrierFinding(f["barrier"], float(f["factor"]), f["level"], tuple(f["facts"]))
            for f in data["findings"]
        ),
        text=data["text"],
    )


def summary_of(e: rk.Explanation) -> str:
    """One line: the explanation's first sentence and the worst barrier's first fact (the
    stored levels' and the alerts' summary)."""
    first = e.text.split(". ", 1)[0].rstrip(".") + "."
    if e.findings and e.findings[0].facts:
        f = e.findings[0]
        first += f" Worst: {f.barrier} ×{f.factor:.2f} ({f.level}): {f.facts[0]}."
    return first[:500]


def recompute(
    session: Session,
    enterprise_id: int,
    from_day: dt.date | None = None,
    config: rk.RiskConfig | None = None,
) -> RefreshReport:
    """Recompute the stored levels of one enterprise's kilns from `from_day` (all days when
    None) to its latest production day; rewrite the rows whose fingerprint changed and drop
    the rows outside each kiln's span."""
    cfg = config or rk.RiskConfig()
    report = RefreshReport(enterprises=1)
    kilns = [k for k in readable_kilns(session, SYSTEM) if k.enterprise_id == enterprise_id]
    rows = LEVELS
    if (
        not kilns
        or session.scalar(
            select(m.ProductionRecord.id)
            .where(
                m.ProductionRecord.enterprise_id == enterprise_id,
                m.ProductionRecord.voided_at.is_(None),
            )
            .limit(1)
        )
        is None
    ):
        gone = session.execute(delete(rows).where(rows.c.enterprise_id == enterprise_id))
        report.deleted += int(gone.rowcount or 0)  # type: ignore[attr-defined]
        return report
    first, last = history_window(session, kilns)
    start = max(first, from_day or first)
    # rows past the horizon (its last records voided) or before the first record go
    gone = session.execute(
        delete(rows).where(
            rows.c.enterprise_id == enterprise_id, (rows.c.day > last) | (rows.c.day < first)
        )
    )
    report.deleted += int(gone.rowcount or 0)  # type: ignore[attr-defined]
    if start > last:
        return report
    history = load_history(session, kilns, start=start, end=last)
    result = replay(history, cfg)
    prints = _fingerprints(result, _config_tag(cfg))
    stored = {
        (k, d): fp
        for k, d, fp in session.execute(
            select(rows.c.kiln_id, rows.c.day, rows.c.fingerprint).where(
                rows.c.enterprise_id == enterprise_id, rows.c.day >= start
            )
        )
    }
    now = writes.now(session)
    n_d = (last - start).days + 1
    upserts: list[dict[str, Any]] = []
    for i, kiln in enumerate(history.kiln_rows):
        lo, hi = kiln_span(history, i)
        if hi < lo:  # no production record at all: no level
            gone = session.execute(delete(rows).where(rows.c.kiln_id == kiln.id))
            report.deleted += int(gone.rowcount or 0)  # type: ignore[attr-defined]
            continue
        if lo > 0:
            gone = session.execute(
                delete(rows).where(rows.c.kiln_id == kiln.id, rows.c.day < history.day_of(lo))
            )
            report.deleted += int(gone.rowcount or 0)  # type: ignore[attr-defined]
        for d in range(max(lo, 0), n_d):
            report.kiln_days += 1
            day = history.day_of(d)
            fp = str(prints[i, d])
            if stored.get((kiln.id, day)) == fp and d < n_d - 1:
                continue  # unchanged (the last day is always rewritten: it keeps its text)
            level = int(result.levels[i, d])
            keep_text = level > rk.GREEN or d == n_d - 1
            e = rk.explain(result, i, d) if keep_text else None
            upserts.append(
                {
                    "kiln_id": kiln.id,
                    "day": day,
                    "enterprise_id": enterprise_id,
                    "level": level,
                    "risk_ratio": float(result.risk_ratio[i, d]),
                    "summary": summary_of(e) if e is not None else "",
                    "explanation": explanation_json(e) if e is not None else {},
                    "fingerprint": fp,
                    "computed_at": now,
                }
            )
    _upsert(session, upserts, stored)
    report.written += len(upserts)
    return report


def _upsert(
    session: Session, values: list[dict[str, Any]], stored: dict[tuple[int, dt.date], str]
) -> None:
    """Replace the changed kiln-days and insert the new ones (executemany)."""
    table = LEVELS
    old = [
        {"b_kiln": v["kiln_id"], "b_day": v["day"]}
        for v in values
        if (v["kiln_id"], v["day"]) in stored
    ]
    if old:
        session.execute(
            delete(table).where(
                table.c.kiln_id == bindparam("b_kiln"), table.c.day == bindparam("b_day")
            ),
            old,
        )
    if values:
        session.execute(insert(table), values)


def refresh(
    session: Session,
    enterprise_ids: Collection[int] | None = None,
    config: rk.RiskConfig | None = None,
) -> RefreshReport:
    """Recompute every dirty enterprise (of `enterprise_ids`, or all), in this session; an
    enterprise stays dirty when a write marked it again meanwhile (compare-and-set on the
    version), so the next refresh takes that write too."""
    report = RefreshReport()
    states = STATES
    candidates = session.scalars(
        select(states.c.enterprise_id)
        .where(states.c.dirty_from.is_not(None))
        .where(
            states.c.enterprise_id.in_(list(enterprise_ids))
            if enterprise_ids is not None
            else states.c.enterprise_id.is_not(None)
        )
        .order_by(states.c.enterprise_id)
    ).all()
    for ent in candidates:
        _serialise(session, ent)
        # read again under the lock: another refresh may have done it meanwhile
        row = session.execute(
            select(states.c.dirty_from, states.c.dirty_version).where(states.c.enterprise_id == ent)
        ).one()
        from_day, version = row
        if from_day is None:
            continue
        part = recompute(session, ent, None if from_day == ALL_DAYS else from_day, config)
        report.enterprises += 1
        report.kiln_days += part.kiln_days
        report.written += part.written
        report.deleted += part.deleted
        _, last = _horizon(session, ent)
        session.execute(
            update(states)
            .where(states.c.enterprise_id == ent, states.c.dirty_version == version)
            .values(
                dirty_from=None,
                computed_version=version,
                computed_through=last,
                computed_at=writes.now(session),
            )
        )
    return report


#: Key space of the per-enterprise advisory locks of recomputes ("kglevels"), PostgreSQL.
_LOCK_SPACE = 0x6B676C76


def _serialise(session: Session, enterprise_id: int) -> None:
    """One recompute of an enterprise at a time: on PostgreSQL a transaction-level advisory
    lock per enterprise (taken in enterprise order, so two refreshes never deadlock); SQLite
    write transactions are serialised already (`BEGIN IMMEDIATE`)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :ent)"),
            {"space": _LOCK_SPACE, "ent": enterprise_id},
        )


def _horizon(session: Session, enterprise_id: int) -> tuple[dt.date | None, dt.date | None]:
    p = m.ProductionRecord
    first, last = session.execute(
        select(func.min(p.day), func.max(p.day)).where(p.enterprise_id == enterprise_id)
    ).one()
    return first, last


def rebuild(session: Session, enterprise_ids: Iterable[int] | None = None) -> RefreshReport:
    """Mark enterprises (all when None) dirty from their first day and recompute them: after
    an upgrade, a bulk load that bypassed the hooks, or a change of risk configuration."""
    ids = (
        list(enterprise_ids)
        if enterprise_ids is not None
        else list(session.scalars(select(m.Enterprise.id)))
    )
    mark(session.connection(), {e: ALL_DAYS for e in ids})
    return refresh(session, ids)


def stale(session: Session, enterprise_ids: Collection[int]) -> bool:
    """Whether any of these enterprises is dirty or was never computed."""
    states = STATES
    found = dict(
        session.execute(
            select(states.c.enterprise_id, states.c.dirty_from).where(
                states.c.enterprise_id.in_(list(enterprise_ids))
            )
        ).all()
    )
    return any(e not in found or found[e] is not None for e in enterprise_ids)


def ensure(session: Session, enterprise_ids: Collection[int]) -> None:
    """Bring the stored levels of these enterprises up to date before reading them: recompute
    the dirty ones and build the ones never computed (a database from before stored levels).

    Usually a no-op (one query): every committed write recomputes its enterprise right after
    it commits. When there is work, a session on an engine does it in a write unit of work of
    its own and then ends its own (read) transaction, so it reads the new rows; a session on
    a connection (a test's rolled-back transaction), or one already writing, does it inline.
    """
    ids = sorted(set(enterprise_ids))
    if not ids or not stale(session, ids):
        return
    bind = session.get_bind()
    reading = not (
        session.new
        or session.dirty
        or session.deleted
        or session.info.get(WROTE_KEY)
        or session.connection().get_execution_options().get(WRITE_OPTION)
    )
    if isinstance(bind, Engine) and reading:
        with unit_of_work(bind, clock=clock_of(session), write=True) as own:
            _build(own, ids)
        session.commit()  # a read transaction: start a new snapshot that sees the rows
        return
    _build(session, ids)


def _build(session: Session, ids: Sequence[int]) -> None:
    states = STATES
    known = set(
        session.scalars(select(states.c.enterprise_id).where(states.c.enterprise_id.in_(ids)))
    )
    missing = [e for e in ids if e not in known]
    if missing:
        mark(session.connection(), {e: ALL_DAYS for e in missing})
    refresh(session, ids)


# -------------------------------------------------------------------------------- reading
def _stored(row: Any) -> StoredLevel:
    return StoredLevel(
        row.kiln_id, row.enterprise_id, row.day, int(row.level), float(row.risk_ratio), row.summary
    )


def _of_kilns(session: Session, kilns: Sequence[m.Kiln]) -> Any:
    """The WHERE clause selecting these kilns' rows: by enterprise (the index's first column)
    when they are every kiln of their enterprises, as in a dashboard; else by kiln."""
    ents = {k.enterprise_id for k in kilns}
    total = session.scalar(
        select(func.count()).select_from(m.Kiln).where(m.Kiln.enterprise_id.in_(ents))
    )
    if total == len({k.id for k in kilns}):
        return LEVELS.c.enterprise_id.in_(ents)
    return LEVELS.c.kiln_id.in_([k.id for k in kilns])


_SHORT = (
    LEVELS.c.kiln_id,
    LEVELS.c.enterprise_id,
    LEVELS.c.day,
    LEVELS.c.level,
    LEVELS.c.risk_ratio,
    LEVELS.c.summary,
)


def latest(session: Session, kilns: Sequence[m.Kiln]) -> dict[int, StoredLevel]:
    """Each kiln's level on its enterprise's latest production day (the day the dashboards
    judge); kilns with no production record are absent."""
    if not kilns:
        return {}
    ensure(session, {k.enterprise_id for k in kilns})
    t = LEVELS
    last = [  # the horizon each enterprise's levels were last computed to (fresh: ensured)
        (e, d)
        for e, d in session.execute(
            select(STATES.c.enterprise_id, STATES.c.computed_through).where(
                STATES.c.enterprise_id.in_({k.enterprise_id for k in kilns})
            )
        ).all()
        if d is not None
    ]
    if not last:
        return {}
    wanted = {k.id for k in kilns}
    rows = session.execute(
        select(*_SHORT).where(or_(*(and_(t.c.enterprise_id == e, t.c.day == d) for e, d in last)))
    )
    return {r.kiln_id: _stored(r) for r in rows if r.kiln_id in wanted}


def first_above_green(
    session: Session, kilns: Sequence[m.Kiln], start: dt.date | None, end: dt.date
) -> dict[int, dt.date]:
    """Each kiln's first day above green in `start`..`end` (kilns with none are absent)."""
    ensure(session, {k.enterprise_id for k in kilns})
    stmt = (
        select(LEVELS.c.kiln_id, func.min(LEVELS.c.day))
        .where(LEVELS.c.kiln_id.in_([k.id for k in kilns]), LEVELS.c.level > 0)
        .where(LEVELS.c.day <= end)
        .group_by(LEVELS.c.kiln_id)
    )
    if start is not None:
        stmt = stmt.where(LEVELS.c.day >= start)
    return {k: d for k, d in session.execute(stmt).all()}


def kilns_with_levels(session: Session, kilns: Sequence[m.Kiln], end: dt.date) -> int:
    """How many of these kilns have a stored level on or before `end`."""
    ensure(session, {k.enterprise_id for k in kilns})
    n = session.scalar(
        select(func.count(func.distinct(LEVELS.c.kiln_id))).where(
            _of_kilns(session, kilns), LEVELS.c.day <= end
        )
    )
    return int(n or 0)


def rows_from(
    session: Session, starts: dict[int, dt.date], end: dt.date
) -> dict[int, list[StoredLevel]]:
    """Each kiln's stored days from its own start day to `end`, in day order (one query: the
    kilns grouped by start day)."""
    out: dict[int, list[StoredLevel]] = {k: [] for k in starts}
    if not starts:
        return out
    by_start: dict[dt.date, list[int]] = {}
    for kiln_id, day in starts.items():
        by_start.setdefault(day, []).append(kiln_id)
    t = LEVELS
    cond = or_(*(and_(t.c.kiln_id.in_(ks), t.c.day >= d) for d, ks in by_start.items()))
    stmt = select(*_SHORT).where(cond, t.c.day <= end).order_by(t.c.kiln_id, t.c.day)
    for r in session.execute(stmt):
        out[r.kiln_id].append(_stored(r))
    return out


def counts_by_day(
    session: Session, kilns: Sequence[m.Kiln], start: dt.date, end: dt.date
) -> dict[dt.date, dict[int, int]]:
    """Kilns per level per day in `start`..`end` ({day: {level: kilns}}), counted in SQL."""
    ensure(session, {k.enterprise_id for k in kilns})
    t = LEVELS
    stmt = (
        select(t.c.day, t.c.level, func.count())
        .where(_of_kilns(session, kilns), t.c.day >= start, t.c.day <= end)
        .group_by(t.c.day, t.c.level)
    )
    out: dict[dt.date, dict[int, int]] = {}
    for day, level, n in session.execute(stmt).all():
        out.setdefault(day, {})[int(level)] = int(n)
    return out


def explanation(session: Session, kiln: m.Kiln, day: dt.date) -> rk.Explanation | None:
    """The stored explanation of a kiln-day (kept for days above green and each kiln's
    latest day; None otherwise)."""
    ensure(session, {kiln.enterprise_id})
    data = session.scalar(
        select(KilnLevelRow.explanation).where(
            KilnLevelRow.kiln_id == kiln.id, KilnLevelRow.day == day
        )
    )
    return explanation_of(data) if data else None
