"""Incident register: severity of the founding incidents, anonymous reports, rates against
hand-computed values, hours from shifts, corrective actions and escalation (issue 6)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kilnguard.domain.change import Role
from kilnguard.domain.errors import Conflict, ValidationError
from kilnguard.domain.investigation import (
    DEFAULT_ESCALATION,
    ActionStatus,
    AnonymousReport,
    Casualties,
    CorrectiveAction,
    Incident,
    OshaCase,
    PeopleConsequence,
    PseTier,
    ShiftInterval,
    assess_severity,
    dart_rate_per_200k_h,
    escalation_step,
    fatality_rate_per_100k_fte,
    fatality_rate_per_200k_h,
    hours_worked,
    incident_from_anonymous_report,
    incident_rates,
    injury_counts,
    ltifr_per_1m_h,
    ltifr_per_200k_h,
    pse_tier,
    rate_per_hours,
    set_action_status,
    trir_per_200k_h,
)
from kilnguard.domain.plant import EventType

KOMUSAN = Incident(
    id="INC-KOMUSAN-2021-11-24",
    occurred_at=datetime(2021, 11, 24, 14, 0, tzinfo=UTC),
    enterprise_id="komusan-cement",
    section_id="refractory",
    kiln_id="refractory-kiln-2",
    event_type=EventType.EXPLOSION,
    casualties=Casualties(killed=2, seriously_injured=6),
    reported_by="provincial-report",
)
CHONGJIN = Incident(
    id="INC-CHONGJIN-2021-10-27",
    occurred_at=datetime(2021, 10, 27, 10, 0, tzinfo=UTC),
    enterprise_id="chongjin-ctf",
    kiln_id="itc-test-kiln",
    event_type=EventType.EXPLOSION,
    casualties=Casualties(seriously_injured=2, minor_injuries=5),
    potential=PeopleConsequence.MULTIPLE_FATALITIES,
    reported_by="daily-nk-source",
    occurred_at_assumed=True,
)


# ------------------------------------------------------------------ severity


def test_komusan_two_killed_six_seriously_injured_is_multiple_fatalities_death_tier_1() -> None:
    s = assess_severity(KOMUSAN)
    assert s.actual is PeopleConsequence.MULTIPLE_FATALITIES
    assert s.osha_case is OshaCase.DEATH
    assert s.pse_tier is PseTier.TIER_1
    assert s.investigation_class is PeopleConsequence.MULTIPLE_FATALITIES
    assert s.reasons[0].startswith("2 killed, 6 seriously injured")


def test_chongjin_two_serious_five_minor_is_major_injury_days_away_tier_1() -> None:
    s = assess_severity(CHONGJIN)
    assert s.actual is PeopleConsequence.MAJOR_INJURY
    assert s.osha_case is OshaCase.DAYS_AWAY
    assert s.pse_tier is PseTier.TIER_1
    # onlookers next to an exploding kiln: investigated as the multiple fatality it could have been
    assert s.investigation_class is PeopleConsequence.MULTIPLE_FATALITIES
    assert any("potential outcome: multiple fatalities" in r for r in s.reasons)


@pytest.mark.parametrize(
    ("casualties", "expected"),
    [
        (Casualties(), PeopleConsequence.NO_INJURY),
        (Casualties(minor_injuries=3), PeopleConsequence.MINOR_INJURY),
        (Casualties(seriously_injured=1, minor_injuries=9), PeopleConsequence.MAJOR_INJURY),
        (Casualties(killed=1, seriously_injured=4), PeopleConsequence.SINGLE_FATALITY),
        (Casualties(missing=1), PeopleConsequence.SINGLE_FATALITY),
        (Casualties(killed=1, missing=1), PeopleConsequence.MULTIPLE_FATALITIES),
    ],
)
def test_people_consequence_follows_the_worst_casualty(
    casualties: Casualties, expected: PeopleConsequence
) -> None:
    inc = dataclasses.replace(KOMUSAN, casualties=casualties)
    assert assess_severity(inc).actual is expected


def test_a_missing_person_raises_severity_but_is_not_an_osha_death() -> None:
    s = assess_severity(dataclasses.replace(KOMUSAN, casualties=Casualties(missing=1)))
    assert s.osha_case is OshaCase.NOT_RECORDABLE
    assert "missing people are counted as fatalities until found" in s.reasons


@pytest.mark.parametrize(
    ("event", "casualties", "cost", "lopc", "challenged", "tier"),
    [
        (EventType.FIRE, Casualties(), 150_000.0, None, False, PseTier.TIER_1),
        (EventType.FIRE, Casualties(), 99_999.0, None, False, PseTier.TIER_2),
        (EventType.FIRE, Casualties(), 2_500.0, None, False, PseTier.TIER_2),
        (EventType.FIRE, Casualties(), 2_499.0, None, False, PseTier.TIER_3),
        (EventType.RELEASE, Casualties(minor_injuries=1), None, None, False, PseTier.TIER_2),
        (EventType.RELEASE, Casualties(), 1e6, None, False, PseTier.TIER_3),  # cost rule: fires
        (EventType.FALL, Casualties(killed=1), None, None, False, None),  # personal safety
        (EventType.NEAR_MISS, Casualties(), None, None, True, PseTier.TIER_3),
        (EventType.NEAR_MISS, Casualties(), None, None, False, None),
        (EventType.COLLAPSE, Casualties(seriously_injured=1), None, True, False, PseTier.TIER_1),
        (EventType.EXPLOSION, Casualties(), None, False, False, None),
    ],
)
def test_api_754_tier_follows_the_2016_thresholds(
    event: EventType,
    casualties: Casualties,
    cost: float | None,
    lopc: bool | None,
    challenged: bool,
    tier: PseTier | None,
) -> None:
    got = pse_tier(
        event,
        casualties,
        direct_cost_usd=cost,
        loss_of_containment=lopc,
        safety_system_challenged=challenged,
    )
    assert got == tier


def test_casualties_must_be_whole_non_negative_numbers() -> None:
    with pytest.raises(ValidationError, match="killed"):
        Casualties(killed=-1)


# ------------------------------------------------------------------ anonymous reports


def test_an_anonymous_report_has_no_field_for_the_reporter_and_keeps_only_dates() -> None:
    names = {f.name for f in dataclasses.fields(AnonymousReport)}
    assert not names & {"reporter", "reported_by", "reporter_id", "author", "user_id"}
    report = AnonymousReport(
        enterprise_id="komusan-cement",
        event_type=EventType.UNSAFE_CONDITION,
        description="relining of kiln 2 deferred three times; cracks visible on the shell",
        occurred_on=date(2021, 11, 10),
        received_on=date(2021, 11, 11),
        kiln_id="refractory-kiln-2",
    )
    with pytest.raises((AttributeError, TypeError)):
        report.reporter = "someone"  # type: ignore[attr-defined]
    inc = incident_from_anonymous_report(report, "INC-9")
    assert inc.anonymous and inc.reported_by is None and inc.occurred_at_assumed
    assert inc.occurred_at == datetime(2021, 11, 10, tzinfo=UTC)
    assert injury_counts([inc]).unsafe_conditions == 1


def test_a_register_entry_is_either_named_or_anonymous() -> None:
    with pytest.raises(ValidationError, match="anonymous report stores no reporter"):
        dataclasses.replace(KOMUSAN, anonymous=True)
    with pytest.raises(ValidationError, match="name the reporter"):
        dataclasses.replace(KOMUSAN, reported_by=None)


# ------------------------------------------------------------------ rates


def test_two_recordable_cases_in_100000_hours_is_a_trir_of_4() -> None:
    assert trir_per_200k_h(2, 100_000) == pytest.approx(4.0)


def test_rates_use_the_base_in_their_name() -> None:
    # 3 lost-time injuries over 600 000 h: 3 × 200 000 / 600 000 = 1.0; × 10^6 / 6×10^5 = 5.0
    assert ltifr_per_200k_h(3, 600_000) == pytest.approx(1.0)
    assert ltifr_per_1m_h(3, 600_000) == pytest.approx(5.0)
    assert dart_rate_per_200k_h(1, 400_000) == pytest.approx(0.5)
    # 1 fatality over 2 × 10^6 h: 0.1 per 200 000 h; 100 per 100 000 FTE (2 × 10^8 h)
    assert fatality_rate_per_200k_h(1, 2_000_000) == pytest.approx(0.1)
    assert fatality_rate_per_100k_fte(1, 2_000_000) == pytest.approx(100.0)


def test_a_rate_over_no_hours_is_refused_not_shown_as_zero() -> None:
    with pytest.raises(ValidationError, match="hours_worked_h"):
        trir_per_200k_h(0, 0)
    with pytest.raises(ValidationError, match="count"):
        rate_per_hours(-1, 10, 200_000)


def test_komusan_and_chongjin_together_give_hand_computed_rates() -> None:
    # recordable 8 + 7 = 15; lost time 8 + 2 = 10; fatalities 2; hours 500 000
    r = incident_rates([KOMUSAN, CHONGJIN], 500_000)
    assert (r.counts.recordable_cases, r.counts.lost_time_injuries, r.counts.fatalities) == (
        15,
        10,
        2,
    )
    assert r.trir_per_200k_h == pytest.approx(6.0)
    assert r.ltifr_per_200k_h == pytest.approx(4.0)
    assert r.ltifr_per_1m_h == pytest.approx(20.0)
    assert r.fatality_rate_per_200k_h == pytest.approx(0.8)
    assert r.noisy
    assert injury_counts([CHONGJIN], minor_is_first_aid_only=True).recordable_cases == 2


@given(
    n=st.integers(min_value=0, max_value=1000),
    hours=st.floats(min_value=1.0, max_value=1e9, allow_nan=False),
)
def test_the_1m_rate_is_always_five_times_the_200k_rate(n: int, hours: float) -> None:
    assert ltifr_per_1m_h(n, hours) == pytest.approx(5 * ltifr_per_200k_h(n, hours))


# ------------------------------------------------------------------ hours from shifts

D = datetime(2021, 11, 1, tzinfo=UTC)


def shift(person: str, start_h: float, length_h: float) -> ShiftInterval:
    return ShiftInterval(
        person, D + timedelta(hours=start_h), D + timedelta(hours=start_h + length_h)
    )


def test_hours_worked_sums_people_and_merges_one_persons_overlapping_shifts() -> None:
    shifts = [shift("a", 0, 12), shift("b", 0, 12), shift("a", 8, 12)]  # a: 0–20 h
    assert hours_worked(shifts) == pytest.approx(32.0)


def test_hours_worked_is_clipped_to_the_window() -> None:
    shifts = [shift("a", 20, 12), shift("b", 30, 8)]  # a 20–32, b 30–38
    assert hours_worked(shifts, D + timedelta(hours=24), D + timedelta(hours=36)) == pytest.approx(
        8.0 + 6.0
    )
    assert hours_worked([]) == 0.0


def test_a_shift_must_end_after_it_starts() -> None:
    with pytest.raises(ValidationError, match="after start"):
        shift("a", 5, 0)


# ------------------------------------------------------------------ corrective actions

ACTION = CorrectiveAction(
    id="CA-1",
    description="reline refractory kiln 2 before any further firing",
    owner_id="maint-chief",
    due_on=date(2022, 1, 15),
)


def test_an_action_is_overdue_only_after_its_due_date_and_while_unfinished() -> None:
    assert not ACTION.is_overdue(date(2022, 1, 15))
    assert ACTION.is_overdue(date(2022, 1, 16))
    assert ACTION.days_overdue(date(2022, 1, 25)) == 10
    done = set_action_status(ACTION, ActionStatus.DONE, date(2022, 1, 20))
    assert not done.is_overdue(date(2022, 2, 1)) and done.completed_on == date(2022, 1, 20)


@pytest.mark.parametrize(
    ("as_of", "days", "roles"),
    [
        (date(2022, 1, 15), None, None),
        (date(2022, 1, 16), 1, frozenset()),
        (date(2022, 1, 22), 7, frozenset({Role.MANAGER})),
        (date(2022, 2, 13), 29, frozenset({Role.MANAGER, Role.SAFETY_OFFICER})),
        (date(2022, 2, 14), 30, frozenset({Role.MANAGER, Role.SAFETY_OFFICER, Role.REGULATOR})),
    ],
)
def test_escalation_climbs_the_ladder_with_days_overdue(
    as_of: date, days: int | None, roles: frozenset[Role] | None
) -> None:
    step = escalation_step(ACTION, as_of)
    if days is None:
        assert step is None
    else:
        assert step is not None and step.notify_roles == roles and step.notify_owner
        assert ACTION.days_overdue(as_of) == days
    assert len(DEFAULT_ESCALATION) == 4


def test_verification_needs_a_done_action_and_someone_other_than_the_owner() -> None:
    with pytest.raises(Conflict, match="must be done before"):
        set_action_status(ACTION, ActionStatus.VERIFIED, date(2022, 1, 20), by="inspector")
    done = set_action_status(ACTION, ActionStatus.DONE, date(2022, 1, 20))
    with pytest.raises(ValidationError, match="someone other than the owner"):
        set_action_status(done, ActionStatus.VERIFIED, date(2022, 1, 21), by="maint-chief")
    ok = set_action_status(done, ActionStatus.VERIFIED, date(2022, 1, 21), by="inspector")
    assert ok.verified_by == "inspector"
    with pytest.raises(Conflict, match="already verified"):
        set_action_status(ok, ActionStatus.OPEN, date(2022, 1, 22))
    with pytest.raises(ValidationError, match="why the action is cancelled"):
        set_action_status(ACTION, ActionStatus.CANCELLED, date(2022, 1, 20))


def test_severity_and_ilo_incidence_rates_by_their_definitions() -> None:
    """16th ICLS (1998) comparative measures: incidence = cases × 1 000 / workers; severity =
    days lost over hours worked (ILO base 10⁶ h; the 200 000 h base beside it)."""
    from dataclasses import replace

    from kilnguard.domain.investigation import (
        incidence_per_1000_workers,
        severity_rate_per_1m_h,
        severity_rate_per_200k_h,
    )

    assert incidence_per_1000_workers(3, 250) == pytest.approx(12.0)
    assert severity_rate_per_200k_h(45, 600_000) == pytest.approx(15.0)
    assert severity_rate_per_1m_h(45, 600_000) == pytest.approx(75.0)
    with pytest.raises(ValidationError) as err:
        incidence_per_1000_workers(1, 0)
    assert err.value.field == "workers"
    hurt = replace(KOMUSAN, days_lost=180)
    r = incident_rates([hurt, CHONGJIN], 500_000, workers=400)
    cases = 2 + 6 + 2 + 5  # Komusan 2 killed, 6 gravely; Chongjin 2 seriously, 5 lightly
    assert r.counts.injury_cases == cases
    assert r.incidence_per_1000_workers == pytest.approx(cases * 1000 / 400)
    assert r.severity_rate_per_200k_h == pytest.approx(180 * 200_000 / 500_000)
    assert incident_rates([hurt], 500_000).incidence_per_1000_workers is None
    with pytest.raises(ValidationError):
        replace(KOMUSAN, days_lost=-1)
