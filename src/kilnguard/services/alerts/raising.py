"""Raising and closing alerts from one replay of the levels, and the alert audit trail."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import risk as rk
from kilnguard.services import risk as rs
from kilnguard.services import writes
from kilnguard.services.access import Principal
from kilnguard.services.alerts.rules import (
    FELL_TO_GREEN,
    LEVELS,
    RANK,
    SUPERSEDED,
    end_of_day,
    summary_of,
)
from kilnguard.services.notifications import alert_notices
from kilnguard.services.risk import levels as stored
from kilnguard.store import models as m
from kilnguard.store.alert_models import AlertEscalationRow, AlertRow


@dataclass
class EvaluateReport:
    raised: list[AlertRow] = field(default_factory=list)
    closed: list[AlertRow] = field(default_factory=list)
    escalated: list[AlertEscalationRow] = field(default_factory=list)
    kilns: int = 0


def record_act(
    session: Session,
    who: Principal,
    action: str,
    a: AlertRow,
    at: dt.datetime,
    **payload: Any,
) -> None:
    """Write an act on alert `a` with its audit entry (kiln, level and what happened).

    Raising, closing and escalating are the evaluation job's own acts on the kilns `who` may
    read (no right is asked); an acknowledgement is checked by its caller first."""
    writes.write(
        session,
        who=who,
        row=a,
        action=action,
        kind="alert",
        enterprise_id=a.enterprise_id,
        payload={"kiln_id": a.kiln_id, "level": a.level, **payload},
        at=at,
        checked=False,
    )


def _tz(enterprise: m.Enterprise | None) -> ZoneInfo:
    return ZoneInfo(enterprise.region.timezone if enterprise is not None else "UTC")


def _enterprise_horizons(history: rs.LoadedHistory, as_of: dt.date) -> dict[int, dt.date]:
    """Last production day (≤ as_of) of each enterprise in the history."""
    by_kiln = {str(k.id): k.enterprise_id for k in history.kiln_rows}
    out: dict[int, dt.date] = {}
    for p in history.records.production:
        ent = by_kiln[p.kiln_id]
        if p.day <= as_of and (ent not in out or p.day > out[ent]):
            out[ent] = p.day
    return out


@dataclass
class _KilnDays:
    """One kiln's days to judge, in order, and how to explain one of them."""

    kiln: m.Kiln
    days: list[dt.date]
    levels: list[int]
    before: int  # the level of the day before the first one (green when none)
    explain: Callable[[int], rk.Explanation]  # index into days


def _stored_days(
    session: Session,
    kilns: Sequence[m.Kiln],
    as_of: dt.date,
    first: dt.date | None,
    since: dict[int, dt.date],
) -> Iterator[tuple[m.Kiln, list[stored.StoredLevel]]]:
    """Each kiln's stored levels up to `as_of` that can change its alerts: from its last alert
    event (that day included, for the level before), or, for a kiln never alerted, from its
    first day above green (the days before it raise nothing); never before `first` - 1."""
    floor = first - dt.timedelta(days=1) if first is not None else None
    starts: dict[int, dt.date] = {}
    never = [k for k in kilns if k.id not in since]
    if never:
        starts.update(stored.first_above_green(session, never, first, as_of))
    for k in kilns:
        if k.id in since:
            starts[k.id] = max(since[k.id], floor) if floor is not None else since[k.id]
    found = stored.rows_from(session, starts, as_of)
    for kiln in kilns:
        if kiln.id in found:
            yield kiln, found[kiln.id]


def _judged_days(
    session: Session,
    kilns: Sequence[m.Kiln],
    as_of: dt.date,
    first: dt.date | None,
    config: rk.RiskConfig | None,
    since: dict[int, dt.date],
) -> Iterator[_KilnDays]:
    """The days after each kiln's last alert event (`since`), from the stored levels, or from
    a replay when a configuration other than the stored levels' is asked for."""
    if config is None:
        for kiln, rows in _stored_days(session, kilns, as_of, first, since):
            lo = since.get(kiln.id)
            before = [r for r in rows if lo is not None and r.day <= lo]
            todo = [
                r for r in rows if (lo is None or r.day > lo) and (first is None or r.day >= first)
            ]
            if not todo:
                continue

            def explain(
                i: int, kiln: m.Kiln = kiln, todo: list[stored.StoredLevel] = todo
            ) -> rk.Explanation:
                e = stored.explanation(session, kiln, todo[i].day)
                if e is None:  # stored levels keep the text of days above green
                    raise LookupError(f"no stored explanation for kiln {kiln.id} on {todo[i].day}")
                return e

            yield _KilnDays(
                kiln,
                [r.day for r in todo],
                [r.level for r in todo],
                before[-1].level if before else rk.GREEN,
                explain,
            )
        return
    history = rs.load_history(session, kilns, start=first, end=as_of)
    if history.start > as_of or not history.records.production:
        return
    result = rs.replay(history, config)
    horizons = _enterprise_horizons(history, as_of)
    for k_index, kiln in enumerate(history.kiln_rows):
        horizon = horizons.get(kiln.enterprise_id)
        if horizon is None:
            continue
        lo = since.get(kiln.id)
        d0 = max(0, (lo - history.start).days + 1) if lo is not None else 0
        hi = (horizon - history.start).days
        if d0 > hi:
            continue
        row = result.levels[k_index].tolist()

        def explain_replayed(i: int, k: int = k_index, d0: int = d0) -> rk.Explanation:
            return rk.explain(result, k, d0 + i)

        yield _KilnDays(
            kiln,
            [history.start + dt.timedelta(days=d) for d in range(d0, hi + 1)],
            [int(x) for x in row[d0 : hi + 1]],
            int(row[d0 - 1]) if d0 > 0 else rk.GREEN,
            explain_replayed,
        )


def evaluate(
    session: Session,
    who: Principal,
    as_of: dt.date,
    config: rk.RiskConfig | None = None,
    *,
    first: dt.date | None = None,
    now: dt.datetime | None = None,
    on_raised: Callable[[AlertRow], None] | None = None,
    enterprise_ids: Collection[int] | None = None,
    at_now: bool = False,
) -> EvaluateReport:
    """Raise and close alerts for every kiln `who` may read, from the stored levels up to
    `as_of` (each kiln resumes after its last alert event; a replay instead when `config` is
    given). `now` (default: the unit of work's clock) caps the raise time of a day not yet
    over. `enterprise_ids` narrows it to the kilns of those enterprises. `at_now`: raise and
    close at `now` itself, not at the end of the judged day (the live path after a write: the
    alert reaches people now, so its escalation delays count from now)."""
    report = EvaluateReport()
    kilns = rs.readable_kilns(session, who)
    if enterprise_ids is not None:
        wanted = frozenset(enterprise_ids)
        kilns = [k for k in kilns if k.enterprise_id in wanted]
    if not kilns:
        return report
    now = now or writes.now(session)
    ents = {e.id: e for e in session.scalars(select(m.Enterprise))}
    rows_by_kiln: dict[int, list[AlertRow]] = defaultdict(list)
    for row in session.scalars(
        select(AlertRow).where(AlertRow.kiln_id.in_([k.id for k in kilns])).order_by(AlertRow.id)
    ):
        rows_by_kiln[row.kiln_id].append(row)
    since: dict[int, dt.date] = {}
    for kiln_id, rows in rows_by_kiln.items():
        events = [r.raised_on for r in rows] + [r.closed_on for r in rows if r.closed_on]
        if events:
            since[kiln_id] = max(events)
    if config is None:  # the kilns judged: every kiln with a level by `as_of`
        report.kilns = stored.kilns_with_levels(session, kilns, as_of)
    for todo in _judged_days(session, kilns, as_of, first, config, since):
        kiln = todo.kiln
        if config is not None:
            report.kilns += 1
        tz = _tz(ents.get(kiln.enterprise_id))
        rows = rows_by_kiln[kiln.id]
        open_alert = next((r for r in reversed(rows) if r.closed_at is None), None)
        prev = todo.before
        for i, (day, level) in enumerate(zip(todo.days, todo.levels, strict=True)):
            at = now if at_now else min(end_of_day(day, tz), now)
            if level == rk.GREEN and open_alert is not None:
                _close(session, who, open_alert, day, at, FELL_TO_GREEN)
                report.closed.append(open_alert)
                open_alert = None
            elif (
                level > prev
                and level >= rk.AMBER
                and (open_alert is None or level > RANK[open_alert.level])
            ):
                e = todo.explain(i)
                new = AlertRow(
                    enterprise_id=kiln.enterprise_id,
                    kiln_id=kiln.id,
                    level=LEVELS[level],
                    raised_on=day,
                    raised_at=at,
                    summary=summary_of(e),
                    explanation=e.text,
                    ack_comment="",
                    escalation_level=0,
                    closed_reason="",
                    source=kiln.source,
                )
                record_act(session, who, "raise", new, at, raised_on=day, summary=new.summary)
                alert_notices.alert_raised(session, new, at)  # inbox and outbox (issue 19)
                if open_alert is not None:
                    reason = f"{SUPERSEDED} by alert {new.id} ({new.level})"
                    _close(session, who, open_alert, day, at, reason)
                    report.closed.append(open_alert)
                open_alert = new
                report.raised.append(new)
                if on_raised is not None:
                    on_raised(new)
            prev = level
    return report


def _close(
    session: Session, who: Principal, a: AlertRow, day: dt.date, at: dt.datetime, reason: str
) -> None:
    a.closed_on = day
    a.closed_at = at
    a.closed_reason = reason
    record_act(session, who, "close", a, at, closed_on=day, reason=reason)
