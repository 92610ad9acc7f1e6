"""Incident rates with their hour base in the name, and hours worked from shift intervals.

Rates over little exposure are noisy: :data:`NOISY_BELOW_HOURS` says when to show the counts
beside them (SOURCES §6.3). Pure: the caller passes the incidents and the shifts.

References
----------
- US BLS, *How to compute a firm's incidence rate*, http://data.bls.gov/cgi-bin/print.pl/iif/osheval.htm:
  rate = N × 200 000 / hours, 200 000 h = 100 full-time workers × 40 h × 50 weeks [V, SOURCES §6.3].
- GRI 403-9 (2018) *Work-related injuries*: rates per 200 000 or 1 000 000 hours worked, base
  to be stated [V secondary, SOURCES §6.3].
- IOGP Report 2022su (safety performance indicators, annual): lost-time injury = fatality +
  lost work day case [R].
- ILO, 16th ICLS (1998), *Resolution concerning statistics of occupational injuries (resulting
  from occupational accidents)*, comparative measures: (a) frequency rate = new cases × 10⁶ /
  hours worked; (b) incidence rate = new cases × 1 000 / workers in the reference group (the
  average over the period); (c) severity rate = days lost / time worked (the ILO's base is
  10⁶ h; the OSHA-style 200 000 h base is given beside it) [V,
  https://webapps.ilo.org/ilostat-files/SSM/SSM8/E/annex.html].

The headline LTIFR is per 10⁶ h (GRI 403-9, ILO (a)); per 200 000 h it is shown only where a
TRIR-style table needs one base for all columns, and every label names its base.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.investigation.incident import Incident
from kilnguard.domain.plant import EventType
from kilnguard.domain.validation import require_aware, require_text

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


def severity_rate_per_200k_h(days_lost: int, hours_worked_h: float) -> float:
    """Severity rate: calendar days lost × 200 000 / hours worked [days per 200 000 h]."""
    return rate_per_hours(days_lost, hours_worked_h, HOURS_BASE_200K)


def severity_rate_per_1m_h(days_lost: int, hours_worked_h: float) -> float:
    """Severity rate on the ILO's base: days lost × 10⁶ / hours worked [days per 10⁶ h]."""
    return rate_per_hours(days_lost, hours_worked_h, HOURS_BASE_1M)


WORKERS_BASE = 1_000
"""ILO incidence rate base: cases per 1 000 workers (16th ICLS 1998, comparative measure (b))."""


def incidence_per_1000_workers(injury_cases: int, workers: int) -> float:
    """ILO incidence rate: new injury cases × 1 000 / workers in the reference group
    [cases per 1 000 workers]. kilnguard counts the people with a worked shift in the period,
    not full-time equivalents (a known deviation: a part-timer counts as one worker)."""
    if injury_cases < 0:
        raise ValidationError("injury_cases", injury_cases, "must be ≥ 0")
    if workers <= 0:
        raise ValidationError("workers", workers, "must be > 0 (nobody worked in the period)")
    return injury_cases * WORKERS_BASE / workers


def fatality_rate_per_100k_fte(fatalities: int, hours_worked_h: float) -> float:
    """BLS fatal-injury rate: fatalities per 100 000 FTE = per 200 000 000 h [R]."""
    return rate_per_hours(fatalities, hours_worked_h, HOURS_BASE_200M)


@dataclass(frozen=True)
class InjuryCounts:
    """Counts that feed the rates [cases].

    recordable = killed + seriously injured + minor (unless first aid only);
    lost time = killed + seriously injured (IOGP: LTI = fatality + lost work day case [R]);
    fatalities = killed (missing people are not counted until confirmed);
    injury cases = killed + seriously injured + minor (the ILO's "new cases of occupational
    injury", fatal and non-fatal); days lost [d] summed from the incidents.
    """

    recordable_cases: int
    lost_time_injuries: int
    fatalities: int
    near_misses: int
    unsafe_conditions: int
    injury_cases: int = 0
    days_lost: int = 0


def injury_counts(
    incidents: Iterable[Incident], *, minor_is_first_aid_only: bool = False
) -> InjuryCounts:
    """Sum the register into rate counts. Near misses and unsafe conditions (anonymous or
    not) are counted too — a plant reporting few of them per injury under-reports (SOURCES §6.5)."""
    rec = lti = dead = nm = uc = cases = lost = 0
    for inc in incidents:
        c = inc.casualties
        cases += c.killed + c.seriously_injured + c.minor_injuries
        lost += inc.days_lost
        dead += c.killed
        lti += c.killed + c.seriously_injured
        rec += c.killed + c.seriously_injured + (0 if minor_is_first_aid_only else c.minor_injuries)
        nm += inc.event_type is EventType.NEAR_MISS
        uc += inc.event_type is EventType.UNSAFE_CONDITION
    return InjuryCounts(rec, lti, dead, nm, uc, cases, lost)


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
    severity_rate_per_200k_h: float = 0.0
    severity_rate_per_1m_h: float = 0.0
    workers: int | None = None
    incidence_per_1000_workers: float | None = None


def incident_rates(
    incidents: Iterable[Incident],
    hours_worked_h: float,
    *,
    minor_is_first_aid_only: bool = False,
    workers: int | None = None,
) -> IncidentRates:
    """Rates for a set of incidents over ``hours_worked_h`` [h] of exposure, and the ILO
    incidence rate when the number of ``workers`` in the period is known."""
    n = injury_counts(incidents, minor_is_first_aid_only=minor_is_first_aid_only)
    return IncidentRates(
        counts=n,
        hours_worked_h=hours_worked_h,
        trir_per_200k_h=trir_per_200k_h(n.recordable_cases, hours_worked_h),
        ltifr_per_200k_h=ltifr_per_200k_h(n.lost_time_injuries, hours_worked_h),
        ltifr_per_1m_h=ltifr_per_1m_h(n.lost_time_injuries, hours_worked_h),
        fatality_rate_per_200k_h=fatality_rate_per_200k_h(n.fatalities, hours_worked_h),
        noisy=hours_worked_h < NOISY_BELOW_HOURS,
        severity_rate_per_200k_h=severity_rate_per_200k_h(n.days_lost, hours_worked_h),
        severity_rate_per_1m_h=severity_rate_per_1m_h(n.days_lost, hours_worked_h),
        workers=workers,
        incidence_per_1000_workers=(
            incidence_per_1000_workers(n.injury_cases, workers) if workers else None
        ),
    )


@dataclass(frozen=True)
class ShiftInterval:
    """One person's worked interval."""

    person_id: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_text("person_id", self.person_id)
        require_aware("start", self.start)
        require_aware("end", self.end)
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
