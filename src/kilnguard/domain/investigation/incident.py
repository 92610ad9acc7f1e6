"""The incident register: what happened, who was harmed, and how severe it was.

Why this module exists
----------------------
After Komusan (2 killed, 6 gravely wounded) and Chongjin (2 seriously, 5 lightly injured) the
records that mattered were scattered and, at Chongjin, the casualty count was reportedly hushed
up (SCENARIOS.md). A register needs: a fixed vocabulary of events (`domain.plant.EventType`),
casualties by category, a severity derived by a stated rule (not argued case by case), and near
misses and unsafe conditions that count — including anonymous ones whose reporter is absent *by
construction*. Rates are in :mod:`.rates`, corrective actions in :mod:`.actions`.

Pure: no clock reads.

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
- Rate bases (BLS, GRI 403-9, IOGP): see :mod:`.rates`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time
from enum import IntEnum, StrEnum

from kilnguard.domain.change import Source
from kilnguard.domain.errors import ValidationError
from kilnguard.domain.plant import EventType
from kilnguard.domain.validation import require_aware, require_text

# --------------------------------------------------------------------------------------------
# Events and casualties
# --------------------------------------------------------------------------------------------

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
    days_lost: int = 0
    """Calendar days away from work of the injured, summed [d] (the severity rate's numerator)."""

    def __post_init__(self) -> None:
        require_text("id", self.id)
        require_text("enterprise_id", self.enterprise_id)
        require_aware("occurred_at", self.occurred_at)
        if self.days_lost < 0:
            raise ValidationError("days_lost", self.days_lost, "must be 0 days or more")
        if self.anonymous:
            wrong = self.reported_by is not None
            why = "an anonymous report stores no reporter"
        else:
            wrong = not (self.reported_by or "").strip()
            why = "name the reporter, or file it as anonymous"
        if wrong:
            raise ValidationError("reported_by", self.reported_by, why)


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
        require_text("enterprise_id", self.enterprise_id)
        require_text("description", self.description)
        if self.occurred_on > self.received_on:
            raise ValidationError("occurred_on", self.occurred_on, "cannot be after received_on")


def incident_from_anonymous_report(report: AnonymousReport, incident_id: str) -> Incident:
    """Register an anonymous report. The time of day is unknown, so it is set to 00:00 UTC of
    ``occurred_on`` and flagged as assumed."""
    incident_fields = {f.name for f in fields(Incident)}
    shared = {f.name: getattr(report, f.name) for f in fields(report) if f.name in incident_fields}
    return Incident(
        id=incident_id,
        occurred_at=datetime.combine(report.occurred_on, time(0), tzinfo=UTC),
        reported_by=None,
        anonymous=True,
        occurred_at_assumed=True,
        **shared,  # what the reporter told: enterprise, event, casualties, kiln, section, text
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
