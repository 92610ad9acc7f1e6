"""Signals from change-control records: schedule-pressure (rush) flags and the severity of the
change-control barrier of one kiln on one day, for the risk engine.

Sources (confidence tags from ../shared/design/SOURCES.md)
----------------------------------------------------------
- HEART (SOURCES §5.2): "shortage of time" as an error-producing condition, ×11 [V].
- OSHA 29 CFR 1910.119(l)(2)(iv): the necessary time period for the change must be addressed
  [V summary, SOURCES §4.1].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import IntEnum, StrEnum
from typing import NamedTuple

from kilnguard.domain.change.gates import objection_closed_at, open_objections, stage_gate_blocker
from kilnguard.domain.change.model import (
    FIRING_STATES,
    TERMINAL_STATES,
    ChangeAction,
    ChangeRequest,
    OverruleKind,
)
from kilnguard.domain.change.rules import DEFAULT_POLICY, ChangePolicy
from kilnguard.domain.change.words import fmt, role_words
from kilnguard.domain.change.workflow import state_at, submitted_at


def barrier_degraded(change: ChangeRequest, at: datetime | None = None) -> bool:
    """True when an overrule is on record (by ``at``): the change-control barrier held only
    because someone with authority set it aside, so the risk engine must not give it full credit.
    """
    return any(at is None or o.at <= at for o in change.overrules)


class RushCode(StrEnum):
    """Kinds of schedule-pressure flag."""

    REVIEW_TOO_SHORT = "review_too_short"
    DEADLINE_SQUEEZES_REVIEW = "deadline_squeezes_review"
    EXTERNAL_DEADLINE = "external_deadline"
    REPEATED_EXTENSIONS = "repeated_extensions"


@dataclass(frozen=True)
class RushFlag:
    """One schedule-pressure flag with a plain-words message."""

    code: RushCode
    message: str


def rush_flags(
    change: ChangeRequest, as_of: datetime, policy: ChangePolicy = DEFAULT_POLICY
) -> list[RushFlag]:
    """Schedule-pressure flags on the change, using only records up to ``as_of``.

    - review_too_short: approval for the stage came less than ``min_review_time_h`` after
      submission.
    - deadline_squeezes_review: the deadline leaves less than ``min_review_time_h`` between
      submission (or ``as_of``, if not yet submitted) and the deadline — visible before anyone
      approves, which is the point of a leading indicator.
    - external_deadline: the deadline was set from outside the plant.
    - repeated_extensions: the deadline was moved ``extensions_flag_at`` times or more.

    HEART (SOURCES §5.2) gives "shortage of time" an error-producing multiplier of ×11 [V]; these
    flags are how shortage of time shows up in change-control records.
    """
    flags: list[RushFlag] = []
    min_h = policy.min_review_time_h
    sub = submitted_at(change)
    if sub is not None and sub > as_of:
        sub = None
    approval = next(
        (
            r.at
            for r in change.history
            if r.action is ChangeAction.APPROVE_FOR_STAGE and r.at <= as_of
        ),
        None,
    )
    if sub is not None and approval is not None:
        took_h = (approval - sub).total_seconds() / 3600.0
        if took_h < min_h:
            flags.append(
                RushFlag(
                    RushCode.REVIEW_TOO_SHORT,
                    f"review took {took_h:.0f} h; the minimum is {min_h:.0f} h",
                )
            )
    deadline = _deadline_as_of(change, as_of)
    if deadline is not None and approval is None:
        start = sub if sub is not None else as_of
        left_h = (deadline - start).total_seconds() / 3600.0
        if left_h < min_h:
            flags.append(
                RushFlag(
                    RushCode.DEADLINE_SQUEEZES_REVIEW,
                    f"the deadline {fmt(deadline)} leaves {max(left_h, 0.0):.0f} h for review; "
                    f"the minimum is {min_h:.0f} h",
                )
            )
    if change.deadline_external and deadline is not None:
        who = f" by {change.deadline_set_by}" if change.deadline_set_by else ""
        flags.append(
            RushFlag(
                RushCode.EXTERNAL_DEADLINE,
                f"the deadline {fmt(deadline)} was set from outside the plant{who}",
            )
        )
    n_ext = sum(1 for e in change.deadline_extensions if e.at <= as_of)
    if n_ext >= policy.extensions_flag_at:
        flags.append(
            RushFlag(
                RushCode.REPEATED_EXTENSIONS,
                f"the deadline has been extended {n_ext} times",
            )
        )
    return flags


def _deadline_as_of(change: ChangeRequest, as_of: datetime) -> datetime | None:
    """The deadline that was in force at ``as_of`` (undoing later extensions)."""
    deadline = change.deadline
    for ext in reversed(change.deadline_extensions):
        if ext.at > as_of:
            deadline = ext.old_deadline
    return deadline


# --------------------------------------------------------------------------------------------
# Signal for the risk engine's change-control barrier
# --------------------------------------------------------------------------------------------


class BarrierSeverity(IntEnum):
    """Severity scale of the change-control barrier for a kiln-day.

    - 0 NONE: nothing of note.
    - 1 PRESSURE: the barrier holds but is under pressure — rush flags, or an open objection on a
      change that is not firing (the objection is doing its job, but someone says it is unsafe).
    - 2 DEGRADED: the barrier was set aside on the record — an overrule (of an objection or of
      a skipped scale-up stage) on a live change.
    - 3 BREACHED: firing with an open objection, firing without authorisation (state not
      authorised, or a skipped stage with no overrule), firing on the strength of an overrule,
      or the hazard zone over its headcount or holding non-essential people.

    Firing under an overrule is 3, not 2: on days without firing an overrule is a degraded
    barrier (2), but once the hazard is present the only thing between the objector's concern
    and the crew is the decision that set it aside. Issue 5's acceptance asks for exactly this
    ("recording the overrule ... puts the test kiln at stop in the risk engine on the firing
    day"); the risk engine maps 3 to ``stop`` (risk/config.py ``change_control_floor``).
    """

    NONE = 0
    PRESSURE = 1
    DEGRADED = 2
    BREACHED = 3


class ChangeControlSignal(NamedTuple):
    """Severity (0..3, :class:`BarrierSeverity`) and the reasons, worst first."""

    severity: BarrierSeverity
    reasons: list[str]


def change_control_signal(
    changes: Sequence[ChangeRequest],
    kiln_id: str,
    day: date,
    *,
    policy: ChangePolicy = DEFAULT_POLICY,
    tz: tzinfo = UTC,
) -> ChangeControlSignal:
    """Summarise the change-control barrier of one kiln on one day, from records alone.

    A change counts if it is tied to ``kiln_id``, was created before the day ends and was not
    already closed, rejected or withdrawn when the day began. Everything is judged with records
    timestamped before the end of ``day`` (midnight to midnight in ``tz``), so replaying history
    day by day gives what the system knew then. Severity is the worst finding (see
    :class:`BarrierSeverity`); reasons are plain sentences, worst first.
    """
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = start + timedelta(days=1)
    found: list[tuple[BarrierSeverity, str]] = []
    for ch in changes:
        if ch.kiln_id != kiln_id or ch.created_at >= end:
            continue
        if state_at(ch, start) in TERMINAL_STATES:
            continue
        found.extend(_signal_for_change(ch, start, end, policy))
    if not found:
        return ChangeControlSignal(BarrierSeverity.NONE, [])
    found.sort(key=lambda f: -f[0])
    reasons: list[str] = []
    for _, text in found:
        if text not in reasons:
            reasons.append(text)
    return ChangeControlSignal(found[0][0], reasons)


def _signal_for_change(
    ch: ChangeRequest, start: datetime, end: datetime, policy: ChangePolicy
) -> list[tuple[BarrierSeverity, str]]:
    out: list[tuple[BarrierSeverity, str]] = []
    cid = ch.id
    firings = [
        f for f in ch.firings if f.started_at < end and (f.ended_at is None or f.ended_at > start)
    ]
    for f in firings:
        lo = max(f.started_at, start)
        hi = end if f.ended_at is None else min(f.ended_at, end)
        st = state_at(ch, f.started_at)
        if st not in FIRING_STATES:
            out.append(
                (
                    BarrierSeverity.BREACHED,
                    f"kiln fired at {fmt(f.started_at)} under change {cid} while it was "
                    f"'{st.value}', not authorised to fire",
                )
            )
        gate = stage_gate_blocker(ch, f.started_at)
        if gate:
            out.append((BarrierSeverity.BREACHED, f"firing under change {cid}: {gate}"))
        prior = [o for o in ch.overrules if o.at < hi]
        if prior:
            out.append(
                (
                    BarrierSeverity.BREACHED,
                    f"kiln fired at {fmt(f.started_at)} under change {cid} on the strength of "
                    f"{len(prior)} overrule(s) by a "
                    + ", ".join(sorted({role_words(o.role) for o in prior}))
                    + "; the concerns set aside are unresolved while the hazard is present",
                )
            )
        for obj in ch.objections:
            closed = objection_closed_at(ch, obj)
            if obj.raised_at < hi and (closed is None or closed > lo):
                out.append(
                    (
                        BarrierSeverity.BREACHED,
                        f"firing under change {cid} with an open objection by a "
                        f"{role_words(obj.author_role)}: \u201c{obj.reason}\u201d",
                    )
                )
    zone = ch.hazard_zone
    for obs in ch.headcounts:
        if not (start <= obs.at < end):
            continue
        n = len(obs.people_inside)
        if zone is None:
            out.append(
                (
                    BarrierSeverity.BREACHED,
                    f"{n} people logged near the kiln at {fmt(obs.at)} under change {cid} "
                    "with no hazard zone defined",
                )
            )
            continue
        if n > zone.max_headcount:
            out.append(
                (
                    BarrierSeverity.BREACHED,
                    f"{n} people in {zone.name} at {fmt(obs.at)}; the maximum is "
                    f"{zone.max_headcount}",
                )
            )
        outsiders = obs.people_inside - zone.essential_people
        if outsiders:
            out.append(
                (
                    BarrierSeverity.BREACHED,
                    f"{len(outsiders)} non-essential people in {zone.name} at {fmt(obs.at)}",
                )
            )
    for ovr in ch.overrules:
        if ovr.at >= end:
            continue
        if ovr.kind is OverruleKind.STAGE_SKIP and ovr.skipped_stage is not None:
            text = (
                f"{ovr.skipped_stage.value} stage skipped on change {cid} by overrule of a "
                f"{role_words(ovr.role)} on {fmt(ovr.at)}: \u201c{ovr.reason}\u201d"
            )
        else:
            target = next((o for o in ch.objections if o.id == ovr.objection_id), None)
            who = role_words(target.author_role) if target else "reviewer"
            text = (
                f"objection by a {who} on change {cid} overruled by a {role_words(ovr.role)} "
                f"on {fmt(ovr.at)}: \u201c{ovr.reason}\u201d"
            )
        out.append((BarrierSeverity.DEGRADED, text))
    if not firings:
        for obj in open_objections(ch, end - timedelta(microseconds=1)):
            out.append(
                (
                    BarrierSeverity.PRESSURE,
                    f"open objection on change {cid} by a {role_words(obj.author_role)}: "
                    f"\u201c{obj.reason}\u201d",
                )
            )
    for flag in rush_flags(ch, end - timedelta(microseconds=1), policy):
        out.append((BarrierSeverity.PRESSURE, f"schedule pressure on change {cid}: {flag.message}"))
    return out
