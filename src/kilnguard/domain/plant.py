"""Plant records as the domain sees them: kinds, sources, and the rules a record must keep.

Validators are pure: they take plain values and raise `ValidationError(field, value, rule)` with
a rule a plant user understands. Services call them before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.validation import require_choice as require_choice
from kilnguard.domain.validation import require_finite as require_finite
from kilnguard.domain.validation import require_non_negative as require_non_negative
from kilnguard.domain.validation import require_plausible_day as require_plausible_day
from kilnguard.domain.validation import require_positive as require_positive
from kilnguard.domain.validation import require_text as require_text


class KilnKind(StrEnum):
    ROTARY = "rotary"
    TUNNEL = "tunnel"
    SHAFT = "shaft"
    PERIODIC = "periodic"
    TEST = "test"


class Source(StrEnum):
    """Where a record comes from; reconstructed demo data is labelled on every screen."""

    RECORDED = "recorded"
    RECONSTRUCTED = "reconstructed"


class EventType(StrEnum):
    EXPLOSION = "explosion"
    FIRE = "fire"
    BURN = "burn"
    FALL = "fall"
    COLLAPSE = "collapse"
    RELEASE = "release"
    NEAR_MISS = "near_miss"
    UNSAFE_CONDITION = "unsafe_condition"


class Protects(StrEnum):
    """What a maintenance task keeps working, said on the plan, never guessed from its words.

    A protection layer's proof test (relief, interlock, burner management, emergency shutdown,
    gas detection, another independent layer): overdue, that barrier loses its credit in the
    risk engine. `lining`: completing the task renews the refractory lining (a reline), which
    resets lining wear. `none`: neither (an inspection stays safety-critical through the plan's
    `safety_critical` flag).
    """

    NONE = "none"
    LINING = "lining"
    RELIEF = "relief"
    INTERLOCK = "interlock"
    BURNER_MANAGEMENT = "burner_management"
    EMERGENCY_SHUTDOWN = "emergency_shutdown"
    GAS_DETECTION = "gas_detection"
    OTHER_LAYER = "other_layer"


PROTECTION_LAYERS: frozenset[str] = frozenset(
    p.value for p in Protects if p not in (Protects.NONE, Protects.LINING)
)
"""The `protects` values that name an independent protection layer."""


#: Longest credible single shift; anything longer is a data-entry error, not a roster [h].
MAX_SHIFT_H = 24.0


def validate_tier(tier: int) -> None:
    if tier not in (1, 2):
        raise ValidationError("tier", tier, "enterprise tier must be 1 or 2")


def validate_kiln(
    *,
    kind: str,
    rated_capacity_t_per_day: float,
    max_temperature_c: float,
    campaign_limit_days: int,
    lining_design_life_days: int | None,
    lining_installed_on: dt.date | None = None,
) -> None:
    require_choice("kind", kind, [k.value for k in KilnKind])
    require_plausible_day("lining_installed_on", lining_installed_on)
    require_positive("rated_capacity_t_per_day", rated_capacity_t_per_day, "t/day")
    if not 100 <= max_temperature_c <= 2500:
        raise ValidationError(
            "max_temperature_c", max_temperature_c, "must lie between 100 and 2500 °C"
        )
    require_positive("campaign_limit_days", campaign_limit_days, "days")
    if lining_design_life_days is not None:
        require_positive("lining_design_life_days", lining_design_life_days, "days")


def validate_lining_at_onboarding(
    *,
    lining_used_t_at_onboarding: float | None,
    lining_used_fraction_at_onboarding: float | None,
) -> None:
    """The lining's state when the kiln is onboarded: tonnes already fired on it, or the
    fraction of its design life used, not both (they would say two things)."""
    if lining_used_t_at_onboarding is not None and lining_used_fraction_at_onboarding is not None:
        raise ValidationError(
            "lining_used_fraction_at_onboarding",
            lining_used_fraction_at_onboarding,
            "give the lining's state as tonnes fired or as a fraction of life used, not both",
        )
    if lining_used_t_at_onboarding is not None:
        require_non_negative("lining_used_t_at_onboarding", lining_used_t_at_onboarding, "t")
    if lining_used_fraction_at_onboarding is not None:
        require_finite(
            "lining_used_fraction_at_onboarding",
            lining_used_fraction_at_onboarding,
            "the design life (a fraction)",
        )
        if not 0.0 <= lining_used_fraction_at_onboarding <= 1.0:
            raise ValidationError(
                "lining_used_fraction_at_onboarding",
                lining_used_fraction_at_onboarding,
                "must lie between 0 and 1 (0.4 = 40 % of the design life used)",
            )


def validate_production(
    *, output_t: float, hours_fired: float, shift_no: int, day: dt.date | None = None
) -> None:
    require_plausible_day("day", day)
    require_finite("output_t", output_t, "t")
    require_finite("hours_fired", hours_fired, "h")
    if output_t < 0:
        raise ValidationError("output_t", output_t, "output cannot be negative: enter 0 t or more")
    if not 0 <= hours_fired <= MAX_SHIFT_H:
        raise ValidationError(
            "hours_fired", hours_fired, f"must lie between 0 and {MAX_SHIFT_H:g} h per record"
        )
    if not 1 <= shift_no <= 4:
        raise ValidationError("shift_no", shift_no, "must be 1, 2, 3 or 4")


def validate_shift_times(start_at: dt.datetime, end_at: dt.datetime) -> None:
    for field, value in (("start_at", start_at), ("end_at", end_at)):
        if value.tzinfo is None:
            raise ValidationError(field, value.isoformat(), "must carry a time zone (e.g. +09:00)")
        require_plausible_day(field, value)
    if end_at <= start_at:
        raise ValidationError(
            "end_at",
            end_at.isoformat(),
            f"a shift must end after it starts ({start_at.isoformat()})",
        )
    hours = (end_at - start_at).total_seconds() / 3600
    if hours > MAX_SHIFT_H:
        raise ValidationError(
            "end_at", end_at.isoformat(), f"a shift of {hours:.1f} h exceeds {MAX_SHIFT_H:g} h"
        )


@dataclass(frozen=True)
class Interval:
    key: int  # e.g. worker id
    start: dt.datetime
    end: dt.datetime
    label: str = ""


def find_overlaps(intervals: Sequence[Interval]) -> list[tuple[Interval, Interval]]:
    """Pairs of intervals of the same key that overlap (touching ends do not overlap)."""
    clashes: list[tuple[Interval, Interval]] = []
    by_key: dict[int, list[Interval]] = {}
    for iv in intervals:
        by_key.setdefault(iv.key, []).append(iv)
    for ivs in by_key.values():
        ivs.sort(key=lambda i: i.start)
        latest = ivs[0]
        for iv in ivs[1:]:
            if iv.start < latest.end:
                clashes.append((latest, iv))
            if iv.end > latest.end:
                latest = iv
    return clashes


def validate_target(*, quantity_t: float, entered_on: dt.date, deadline: dt.date) -> None:
    require_positive("quantity_t", quantity_t, "t")
    require_plausible_day("entered_on", entered_on)
    require_plausible_day("deadline", deadline)
    if deadline < entered_on:
        raise ValidationError(
            "deadline", deadline.isoformat(), f"must not be before entered_on {entered_on}"
        )


def validate_planned_stop(*, start_on: dt.date, end_on: dt.date) -> None:
    require_plausible_day("start_on", start_on)
    require_plausible_day("end_on", end_on)
    if end_on < start_on:
        raise ValidationError(
            "end_on", end_on.isoformat(), f"must not be before start_on {start_on}"
        )


def validate_maintenance_plan(
    *,
    task: str,
    interval_days: int | None,
    interval_t: float | None,
    duration_days: int,
    protects: str = Protects.NONE.value,
) -> None:
    require_text("task", task)
    require_choice("protects", protects, [p.value for p in Protects])
    if interval_days is None and interval_t is None:
        raise ValidationError("interval_days", None, "give an interval in days, in tonnes, or both")
    if interval_days is not None:
        require_positive("interval_days", interval_days, "days")
    if interval_t is not None:
        require_positive("interval_t", interval_t, "t")
    require_positive("duration_days", duration_days, "days")


def validate_work_order(*, task: str, due_on: dt.date, done_on: dt.date | None) -> None:
    require_text("task", task)
    require_plausible_day("due_on", due_on)
    require_plausible_day("done_on", done_on)
    if done_on is not None and done_on > due_on + dt.timedelta(days=3650):
        raise ValidationError("done_on", done_on.isoformat(), "is more than 10 years after due_on")


def validate_deferral(
    *, current_due_on: dt.date, new_due_on: dt.date | None, reason: str, deferred_by: str
) -> None:
    """A deferral says why and who (a person, a user or not); a new due date is optional (an
    order deferred without one stays due, and overdue, on its current date)."""
    require_text("reason", reason)
    require_text("deferred_by", deferred_by)
    if new_due_on is None:
        return
    require_plausible_day("new_due_on", new_due_on)
    if new_due_on <= current_due_on:
        raise ValidationError(
            "new_due_on",
            new_due_on.isoformat(),
            f"a deferral must move the due date later than {current_due_on}",
        )


def validate_incident(
    *,
    event_type: str,
    killed: int,
    seriously_injured: int,
    minor_injuries: int,
    missing: int,
    occurred_at: dt.datetime | None = None,
    days_lost: int = 0,
) -> None:
    require_choice("event_type", event_type, [e.value for e in EventType])
    require_plausible_day("occurred_at", occurred_at)
    require_non_negative("days_lost", days_lost, "days")
    for field, value in (
        ("killed", killed),
        ("seriously_injured", seriously_injured),
        ("minor_injuries", minor_injuries),
        ("missing", missing),
    ):
        require_non_negative(field, value, "people")
