"""Incident register values: event types, casualties, severity, anonymous reports, rates and
corrective actions.

Why this module exists
----------------------
After Komusan (2 killed, 6 gravely wounded) and Chongjin (2 seriously, 5 lightly injured) the
records that mattered were scattered and, at Chongjin, the casualty count was reportedly hushed
up (SCENARIOS.md). A register needs: a fixed vocabulary of events, casualties by category, a
severity derived by a stated rule (not argued case by case), near misses and unsafe conditions
that count — including anonymous ones whose reporter is absent *by construction* — rates with
their hour base in the name, and corrective actions that cannot quietly go overdue.

Pure: no clock reads; everything that depends on "now" takes ``as_of``.

References
----------
- OSHA 29 CFR 1904.7 *General recording criteria*: death, days away from work, restricted work
  or job transfer, medical treatment beyond first aid, loss of consciousness, significant
  diagnosed injury; first aid is not recordable [R, SOURCES §6.4].
  https://www.osha.gov/laws-regs/regulations/standardnumber/1904/1904.7
- API RP 754, *Process Safety Performance Indicators for the Refining and Petrochemical
  Industries*, 2nd ed. 2016 (3rd ed. 2021 exists; thresholds below are from the 2nd and must be
  checked against the edition the plant reports under) [R, SOURCES §6.3–6.4].
- ISO 17776:2000, *Petroleum and natural gas industries — Offshore production installations —
  Guidelines on tools and techniques for hazard identification and risk assessment*, Annex
  risk-assessment matrix, people-consequence scale 0–5 [R].
- US BLS, *How to compute a firm's incidence rate*, http://data.bls.gov/cgi-bin/print.pl/iif/osheval.htm:
  rate = N × 200 000 / hours, 200 000 h = 100 full-time workers × 40 h × 50 weeks [V, SOURCES §6.3].
- GRI 403-9 (2018) *Work-related injuries*: rates per 200 000 or 1 000 000 hours worked, base
  to be stated [V secondary, SOURCES §6.3].
- IOGP Report 2022su (safety performance indicators, annual): lost-time injury = fatality +
  lost work day case [R].
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from enum import IntEnum, StrEnum

from kilnguard.domain.change import Role, Source
from kilnguard.domain.errors import Conflict, ValidationError

# --------------------------------------------------------------------------------------------
# Events and casualties
# --------------------------------------------------------------------------------------------


class EventType(StrEnum):
    """What happened (issue 6 vocabulary)."""

    EXPLOSION = "explosion"
    FIRE = "fire"
    BURN = "burn"
    FALL = "fall"
    COLLAPSE = "collapse"
    RELEASE = "release"
    NEAR_MISS = "near_miss"
    UNSAFE_CONDITION = "unsafe_condition"


LOSS_OF_CONTAINMENT_EVENTS: frozenset[EventType] = frozenset(
    {EventType.EXPLOSION, EventType.FIRE, EventType.RELEASE}
)
"""Events presumed to be a loss of primary containment (API RP 754 process-safety events)
unless the record says otherwise. A kiln explosion releases gas, fuel or material from the
process (SOURCES §6.4: both founding accidents are Tier 1 PSEs)."""


@dataclass(frozen=True)
class Casualties:
    """People harmed, by category (counts [persons]).

    ``seriously_injured`` means hospitalised / unable to work the next day (a lost-time case);
    ``minor_injuries`` are treated beyond first aid unless the register says otherwise (see
    :func:`injury_counts`); ``missing`` are people unaccounted for.
    """

    killed: int = 0
    seriously_injured: int = 0
    minor_injuries: int = 0
    missing: int = 0

    def __post_init__(self) -> None:
        for name in ("killed", "seriously_injured", "minor_injuries", "missing"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ValidationError(name, value, "must be a whole number ≥ 0 [persons]")

    @property
    def total(self) -> int:
        """Everyone harmed or unaccounted for [persons]."""
        return self.killed + self.seriously_injured + self.minor_injuries + self.missing


# --------------------------------------------------------------------------------------------
# Severity
# --------------------------------------------------------------------------------------------


class PeopleConsequence(IntEnum):
    """People-consequence scale of the ISO 17776:2000 risk matrix [R].

    0 no injury; 1 slight injury (first aid); 2 minor injury (medical treatment, restricted
    work); 3 major injury (lost time, permanent partial disability); 4 single fatality or
    permanent total disability; 5 multiple fatalities.
    """

    NO_INJURY = 0
    SLIGHT_INJURY = 1
    MINOR_INJURY = 2
    MAJOR_INJURY = 3
    SINGLE_FATALITY = 4
    MULTIPLE_FATALITIES = 5


class OshaCase(StrEnum):
    """Worst OSHA 29 CFR 1904.7(b) outcome class among the casualties [R]."""

    DEATH = "death"  # 1904.7(b)(2)
    DAYS_AWAY = "days_away"  # 1904.7(b)(3)
    RESTRICTED_OR_TRANSFER = "restricted_or_transfer"  # 1904.7(b)(4)
    OTHER_RECORDABLE = "other_recordable"  # 1904.7(b)(5) medical treatment beyond first aid
    NOT_RECORDABLE = "not_recordable"  # first aid only, or no injury


class PseTier(IntEnum):
    """API RP 754 process-safety event tier [R]. Tier 4 (operating discipline) is a programme
    indicator, not an event class, so it is not assigned to incidents here."""

    TIER_1 = 1
    TIER_2 = 2
    TIER_3 = 3


TIER1_FIRE_EXPLOSION_COST_USD = 100_000.0
"""Direct cost of a fire or explosion at or above which the event is Tier 1 [USD].
API RP 754 2nd ed. (2016) [R] — check the edition in force."""
TIER2_FIRE_EXPLOSION_COST_USD = 2_500.0
"""Direct cost of a fire or explosion at or above which the event is Tier 2 [USD].
API RP 754 2nd ed. (2016) [R] — check the edition in force."""


@dataclass(frozen=True)
class SeverityAssessment:
    """Severity of an incident on three scales, with the rule applied in words.

    ``actual`` is what happened; ``potential`` the worst credible outcome an investigator
    recorded (defaults to ``actual``); ``investigation_class`` the larger of the two, because a
    near miss that could have killed is investigated like a fatality.
    """

    actual: PeopleConsequence
    potential: PeopleConsequence
    osha_case: OshaCase
    pse_tier: PseTier | None
    reasons: tuple[str, ...]

    @property
    def investigation_class(self) -> PeopleConsequence:
        """max(actual, potential): how deep the investigation must go."""
        return max(self.actual, self.potential)


def actual_consequence(casualties: Casualties) -> PeopleConsequence:
    """People consequence from the casualties.

    Missing people count as fatalities until they are found (conservative; kilnguard design
    choice — a register must not look better because people are unaccounted for).
    """
    dead = casualties.killed + casualties.missing
    if dead >= 2:
        return PeopleConsequence.MULTIPLE_FATALITIES
    if dead == 1:
        return PeopleConsequence.SINGLE_FATALITY
    if casualties.seriously_injured:
        return PeopleConsequence.MAJOR_INJURY
    if casualties.minor_injuries:
        return PeopleConsequence.MINOR_INJURY
    return PeopleConsequence.NO_INJURY


def osha_case(casualties: Casualties, *, minor_is_first_aid_only: bool = False) -> OshaCase:
    """Worst OSHA 1904.7(b) class: death > days away > other recordable > not recordable.

    Seriously injured people are taken as days-away cases; minor injuries as medical treatment
    beyond first aid (recordable) unless ``minor_is_first_aid_only``. Missing people are not an
    OSHA case until their outcome is known.
    """
    if casualties.killed:
        return OshaCase.DEATH
    if casualties.seriously_injured:
        return OshaCase.DAYS_AWAY
    if casualties.minor_injuries and not minor_is_first_aid_only:
        return OshaCase.OTHER_RECORDABLE
    return OshaCase.NOT_RECORDABLE


def pse_tier(
    event_type: EventType,
    casualties: Casualties,
    *,
    direct_cost_usd: float | None = None,
    loss_of_containment: bool | None = None,
    safety_system_challenged: bool = False,
) -> PseTier | None:
    """API RP 754 tier of the event, or None when it is not a process-safety event.

    Rule (2nd ed. 2016 [R]): a loss of primary containment (LOPC) is Tier 1 with a lost-time
    injury or fatality, or a fire/explosion costing ≥ 100 000 USD; Tier 2 with a recordable
    injury or a fire/explosion costing ≥ 2 500 USD; otherwise Tier 3 (LOPC below Tier 2). An
    event without LOPC is Tier 3 only if it challenged a safety system (demand on an interlock,
    relief device lift, excursion beyond a safe operating limit). Explosion, fire and release
    are LOPC unless ``loss_of_containment`` is False. Threshold quantities of released material
    are not modelled (no material data in the register); such releases must be tiered by hand.
    """
    lopc = (
        loss_of_containment
        if loss_of_containment is not None
        else event_type in LOSS_OF_CONTAINMENT_EVENTS
    )
    if direct_cost_usd is not None and direct_cost_usd < 0:
        raise ValidationError("direct_cost_usd", direct_cost_usd, "must be ≥ 0 [USD]")
    if not lopc:
        return PseTier.TIER_3 if safety_system_challenged else None
    fire_or_explosion = event_type in (EventType.FIRE, EventType.EXPLOSION)
    cost = direct_cost_usd or 0.0
    if casualties.killed or casualties.missing or casualties.seriously_injured:
        return PseTier.TIER_1
    if fire_or_explosion and cost >= TIER1_FIRE_EXPLOSION_COST_USD:
        return PseTier.TIER_1
    if casualties.minor_injuries:
        return PseTier.TIER_2
    if fire_or_explosion and cost >= TIER2_FIRE_EXPLOSION_COST_USD:
        return PseTier.TIER_2
    return PseTier.TIER_3


# --------------------------------------------------------------------------------------------
# Incidents and anonymous reports
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Incident:
    """One register entry.

    ``reported_by`` is None exactly when ``anonymous`` is True. ``occurred_at_assumed`` marks a
    date or time that was assumed (e.g. Chongjin, "late October 2021" — SCENARIOS.md).
    ``potential`` is the worst credible outcome as judged by an investigator (None: not yet
    judged, taken as equal to the actual outcome). ``direct_cost_usd`` [USD] feeds the API 754
    tier of fires and explosions.
    """

    id: str
    occurred_at: datetime
    enterprise_id: str
    event_type: EventType
    casualties: Casualties = Casualties()
    kiln_id: str | None = None
    section_id: str | None = None
    description: str = ""
    people_involved: tuple[str, ...] = ()
    immediate_actions: tuple[str, ...] = ()
    potential: PeopleConsequence | None = None
    direct_cost_usd: float | None = None
    loss_of_containment: bool | None = None
    safety_system_challenged: bool = False
    reported_by: str | None = None
    anonymous: bool = False
    occurred_at_assumed: bool = False
    source: Source = "recorded"

    def __post_init__(self) -> None:
        _require_text("id", self.id)
        _require_text("enterprise_id", self.enterprise_id)
        _require_aware("occurred_at", self.occurred_at)
        if self.anonymous and self.reported_by is not None:
            raise ValidationError(
                "reported_by", self.reported_by, "an anonymous report stores no reporter"
            )
        if not self.anonymous and not (self.reported_by or "").strip():
            raise ValidationError(
                "reported_by", self.reported_by, "name the reporter, or file it as anonymous"
            )


@dataclass(frozen=True, slots=True)
class AnonymousReport:
    """A report whose author is not stored anywhere — there is no field to store it in.

    Dates, not timestamps: a received-at time to the second could be matched against door or
    login logs to find the reporter, so only the day is kept. Free text can still identify
    someone; front ends should say so next to the text box.
    """

    enterprise_id: str
    event_type: EventType
    description: str
    occurred_on: date
    received_on: date
    kiln_id: str | None = None
    section_id: str | None = None
    casualties: Casualties = Casualties()

    def __post_init__(self) -> None:
        _require_text("enterprise_id", self.enterprise_id)
        _require_text("description", self.description)
        if self.occurred_on > self.received_on:
            raise ValidationError("occurred_on", self.occurred_on, "cannot be after received_on")


def incident_from_anonymous_report(report: AnonymousReport, incident_id: str) -> Incident:
    """Register an anonymous report. The time of day is unknown, so it is set to 00:00 UTC of
    ``occurred_on`` and flagged as assumed."""
    return Incident(
        id=incident_id,
        occurred_at=datetime.combine(report.occurred_on, time(0), tzinfo=UTC),
        enterprise_id=report.enterprise_id,
        event_type=report.event_type,
        casualties=report.casualties,
        kiln_id=report.kiln_id,
        section_id=report.section_id,
        description=report.description,
        reported_by=None,
        anonymous=True,
        occurred_at_assumed=True,
    )


def assess_severity(
    incident: Incident, *, minor_is_first_aid_only: bool = False
) -> SeverityAssessment:
    """Severity of ``incident`` on the ISO 17776 people scale, the OSHA 1904.7 class and the
    API RP 754 tier, with the reasons in words."""
    c = incident.casualties
    actual = actual_consequence(c)
    potential = incident.potential if incident.potential is not None else actual
    case = osha_case(c, minor_is_first_aid_only=minor_is_first_aid_only)
    tier = pse_tier(
        incident.event_type,
        c,
        direct_cost_usd=incident.direct_cost_usd,
        loss_of_containment=incident.loss_of_containment,
        safety_system_challenged=incident.safety_system_challenged,
    )
    reasons = [
        f"{c.killed} killed, {c.seriously_injured} seriously injured, {c.minor_injuries} with "
        f"minor injuries, {c.missing} missing → {actual.name.lower().replace('_', ' ')}",
        f"worst OSHA 1904.7 case: {case.value.replace('_', ' ')}",
    ]
    if c.missing:
        reasons.append("missing people are counted as fatalities until found")
    if tier is not None:
        reasons.append(f"API RP 754 tier {int(tier)} process-safety event")
    if potential > actual:
        reasons.append(f"potential outcome: {potential.name.lower().replace('_', ' ')}")
    return SeverityAssessment(actual, potential, case, tier, tuple(reasons))


# --------------------------------------------------------------------------------------------
# Rates
# --------------------------------------------------------------------------------------------

HOURS_BASE_200K = 200_000.0
"""100 full-time workers × 40 h × 50 weeks [h] — BLS/OSHA incidence-rate base [V]."""
HOURS_BASE_1M = 1_000_000.0
"""One million hours worked [h] — LTIFR base of GRI 403-9 / ILO frequency rate [V secondary]."""
HOURS_BASE_200M = 200_000_000.0
"""BLS fatal-injury rate base: per 100 000 full-time-equivalent workers [h] [R]."""
NOISY_BELOW_HOURS = 1_000_000.0
"""Exposure below which rates are noisy and counts should be shown beside them [h]
(SOURCES §6.3)."""


def rate_per_hours(count: int, hours_worked_h: float, base_h: float) -> float:
    """Incidence rate: count × base / hours worked [cases per ``base_h`` hours].

    .. math:: r = N \\cdot B / H

    Raises ValidationError for a negative count, non-positive hours or base: a rate over no
    exposure is undefined, and showing 0 would hide that there is no data.
    """
    if count < 0:
        raise ValidationError("count", count, "must be ≥ 0")
    if hours_worked_h <= 0:
        raise ValidationError("hours_worked_h", hours_worked_h, "must be > 0 [h]")
    if base_h <= 0:
        raise ValidationError("base_h", base_h, "must be > 0 [h]")
    return count * base_h / hours_worked_h


def trir_per_200k_h(recordable_cases: int, hours_worked_h: float) -> float:
    """Total recordable incident rate (OSHA TCIR) per 200 000 h [V, BLS]."""
    return rate_per_hours(recordable_cases, hours_worked_h, HOURS_BASE_200K)


def dart_rate_per_200k_h(dart_cases: int, hours_worked_h: float) -> float:
    """Days-away, restricted or transferred case rate per 200 000 h [V, BLS]."""
    return rate_per_hours(dart_cases, hours_worked_h, HOURS_BASE_200K)


def ltifr_per_200k_h(lost_time_injuries: int, hours_worked_h: float) -> float:
    """Lost-time injury frequency rate per 200 000 h (OSHA-style base)."""
    return rate_per_hours(lost_time_injuries, hours_worked_h, HOURS_BASE_200K)


def ltifr_per_1m_h(lost_time_injuries: int, hours_worked_h: float) -> float:
    """Lost-time injury frequency rate per 1 000 000 h (GRI 403-9 / ILO style) [V secondary]."""
    return rate_per_hours(lost_time_injuries, hours_worked_h, HOURS_BASE_1M)


def fatality_rate_per_200k_h(fatalities: int, hours_worked_h: float) -> float:
    """Fatalities per 200 000 h (same base as TRIR, for side-by-side charts)."""
    return rate_per_hours(fatalities, hours_worked_h, HOURS_BASE_200K)


def fatality_rate_per_100k_fte(fatalities: int, hours_worked_h: float) -> float:
    """BLS fatal-injury rate: fatalities per 100 000 FTE = per 200 000 000 h [R]."""
    return rate_per_hours(fatalities, hours_worked_h, HOURS_BASE_200M)


@dataclass(frozen=True)
class InjuryCounts:
    """Counts that feed the rates [cases].

    recordable = killed + seriously injured + minor (unless first aid only);
    lost time = killed + seriously injured (IOGP: LTI = fatality + lost work day case [R]);
    fatalities = killed (missing people are not counted until confirmed).
    """

    recordable_cases: int
    lost_time_injuries: int
    fatalities: int
    near_misses: int
    unsafe_conditions: int


def injury_counts(
    incidents: Iterable[Incident], *, minor_is_first_aid_only: bool = False
) -> InjuryCounts:
    """Sum the register into rate counts. Near misses and unsafe conditions (anonymous or
    not) are counted too — a plant reporting few of them per injury under-reports (SOURCES §6.5)."""
    rec = lti = dead = nm = uc = 0
    for inc in incidents:
        c = inc.casualties
        dead += c.killed
        lti += c.killed + c.seriously_injured
        rec += c.killed + c.seriously_injured + (0 if minor_is_first_aid_only else c.minor_injuries)
        nm += inc.event_type is EventType.NEAR_MISS
        uc += inc.event_type is EventType.UNSAFE_CONDITION
    return InjuryCounts(rec, lti, dead, nm, uc)


@dataclass(frozen=True)
class IncidentRates:
    """Counts, exposure and rates with their bases in the names. ``noisy`` is True below
    :data:`NOISY_BELOW_HOURS` of exposure: show the counts next to the rates."""

    counts: InjuryCounts
    hours_worked_h: float
    trir_per_200k_h: float
    ltifr_per_200k_h: float
    ltifr_per_1m_h: float
    fatality_rate_per_200k_h: float
    noisy: bool


def incident_rates(
    incidents: Iterable[Incident], hours_worked_h: float, *, minor_is_first_aid_only: bool = False
) -> IncidentRates:
    """Rates for a set of incidents over ``hours_worked_h`` [h] of exposure."""
    n = injury_counts(incidents, minor_is_first_aid_only=minor_is_first_aid_only)
    return IncidentRates(
        counts=n,
        hours_worked_h=hours_worked_h,
        trir_per_200k_h=trir_per_200k_h(n.recordable_cases, hours_worked_h),
        ltifr_per_200k_h=ltifr_per_200k_h(n.lost_time_injuries, hours_worked_h),
        ltifr_per_1m_h=ltifr_per_1m_h(n.lost_time_injuries, hours_worked_h),
        fatality_rate_per_200k_h=fatality_rate_per_200k_h(n.fatalities, hours_worked_h),
        noisy=hours_worked_h < NOISY_BELOW_HOURS,
    )


@dataclass(frozen=True)
class ShiftInterval:
    """One person's worked interval."""

    person_id: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_text("person_id", self.person_id)
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        if self.end <= self.start:
            raise ValidationError("end", self.end, "must be after start")


def hours_worked(
    shifts: Sequence[ShiftInterval],
    window_start: datetime | None = None,
    window_end: datetime | None = None,
) -> float:
    """Hours worked [h] from shift intervals, clipped to [window_start, window_end).

    Overlapping intervals of the same person are merged first: a person double-booked on two
    rosters worked the hours once, and counting them twice would lower every rate.
    """
    by_person: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for s in shifts:
        lo = s.start if window_start is None else max(s.start, window_start)
        hi = s.end if window_end is None else min(s.end, window_end)
        if hi > lo:
            by_person[s.person_id].append((lo, hi))
    total_s = 0.0
    for spans in by_person.values():
        spans.sort()
        cur_lo, cur_hi = spans[0]
        for lo, hi in spans[1:]:
            if lo <= cur_hi:
                cur_hi = max(cur_hi, hi)
            else:
                total_s += (cur_hi - cur_lo).total_seconds()
                cur_lo, cur_hi = lo, hi
        total_s += (cur_hi - cur_lo).total_seconds()
    return total_s / 3600.0


# --------------------------------------------------------------------------------------------
# Corrective actions
# --------------------------------------------------------------------------------------------


class ActionStatus(StrEnum):
    """Corrective-action status. DONE is the owner's claim; VERIFIED is the check that it
    worked (CAST step 5: feedback on effectiveness)."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED = "verified"
    CANCELLED = "cancelled"


FINISHED_STATUSES: frozenset[ActionStatus] = frozenset(
    {ActionStatus.DONE, ActionStatus.VERIFIED, ActionStatus.CANCELLED}
)


@dataclass(frozen=True)
class CorrectiveAction:
    """An action with an owner and a due date, tracked to closure."""

    id: str
    description: str
    owner_id: str
    due_on: date
    status: ActionStatus = ActionStatus.OPEN
    source_ref: str = ""
    completed_on: date | None = None
    verified_by: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        _require_text("id", self.id)
        _require_text("description", self.description)
        _require_text("owner_id", self.owner_id)

    def is_overdue(self, as_of: date) -> bool:
        """True when not finished and ``as_of`` is past the due date."""
        return self.status not in FINISHED_STATUSES and as_of > self.due_on

    def days_overdue(self, as_of: date) -> int:
        """Days past due [d], 0 when not overdue."""
        return (as_of - self.due_on).days if self.is_overdue(as_of) else 0


def set_action_status(
    action: CorrectiveAction,
    status: ActionStatus,
    on: date,
    *,
    by: str | None = None,
    note: str = "",
) -> CorrectiveAction:
    """Move an action to ``status``. Verification needs a verifier other than the owner and a
    DONE action; cancelling needs a reason; a finished action cannot be reopened silently."""
    if action.status in (ActionStatus.VERIFIED, ActionStatus.CANCELLED):
        raise Conflict(f"Action {action.id} is already {action.status.value}.")
    if status is ActionStatus.VERIFIED:
        if action.status is not ActionStatus.DONE:
            raise Conflict(f"Action {action.id} must be done before it can be verified.")
        if not by or by == action.owner_id:
            raise ValidationError("by", by, "verification needs someone other than the owner")
        return replace(action, status=status, verified_by=by, note=note or action.note)
    if status is ActionStatus.CANCELLED and not note.strip():
        raise ValidationError("note", note, "say why the action is cancelled")
    completed = on if status is ActionStatus.DONE else None
    return replace(action, status=status, completed_on=completed, note=note or action.note)


@dataclass(frozen=True)
class EscalationStep:
    """Who is told once an action is ``days_overdue`` [d] or more past due."""

    days_overdue: int
    notify_owner: bool
    notify_roles: frozenset[Role]


DEFAULT_ESCALATION: tuple[EscalationStep, ...] = (
    EscalationStep(1, True, frozenset()),
    EscalationStep(7, True, frozenset({Role.MANAGER})),
    EscalationStep(14, True, frozenset({Role.MANAGER, Role.SAFETY_OFFICER})),
    EscalationStep(30, True, frozenset({Role.MANAGER, Role.SAFETY_OFFICER, Role.REGULATOR})),
)
"""Default escalation ladder [T] (plant practice, editable): the owner from day 1, the plant
manager from a week, the safety officer from two weeks, the regulator after a month — an action
recommended after a fatal accident that is a month late is the regulator's business."""


def escalation_step(
    action: CorrectiveAction,
    as_of: date,
    ladder: Sequence[EscalationStep] = DEFAULT_ESCALATION,
) -> EscalationStep | None:
    """The highest step of ``ladder`` the action has reached at ``as_of``, or None."""
    late = action.days_overdue(as_of)
    if late == 0:
        return None
    reached = [s for s in ladder if late >= s.days_overdue]
    return max(reached, key=lambda s: s.days_overdue) if reached else None


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _require_text(name: str, value: str) -> None:
    if not value or not value.strip():
        raise ValidationError(name, value, "must not be empty")


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(name, value, "must be timezone-aware (UTC in storage)")
