"""Change control: workflow table, dissent, overrules, staged scale-up, PSSR, hazard zone,
schedule pressure and the change-control barrier signal (issue 5, scenario B)."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kilnguard.domain.change import (
    ACTION_ROLES,
    OVERRULE_RANK,
    TRANSITIONS,
    Actor,
    BarrierSeverity,
    ChangeAction,
    ChangeKind,
    ChangePolicy,
    ChangeRequest,
    ChangeState,
    EvidenceRef,
    HazardEntry,
    HazardZone,
    OverruleKind,
    PssrItem,
    Role,
    RushCode,
    ScaleStage,
    StageCompletion,
    admit_to_zone,
    allowed_actions,
    approve,
    authorisation_blockers,
    barrier_degraded,
    can_overrule,
    change_control_signal,
    check_pssr_item,
    check_transition,
    define_hazard_zone,
    extend_deadline,
    leave_zone,
    open_objections,
    overrule_objection,
    overrule_stage_skip,
    raise_objection,
    record_firing,
    record_headcount,
    rush_flags,
    stage_completion,
    stage_gate_blocker,
    state_at,
    transition,
    withdraw_objection,
)
from kilnguard.domain.errors import Conflict, PermissionDenied, ValidationError

T0 = datetime(2021, 10, 1, 8, 0, tzinfo=UTC)
LEAD = Actor("lead-1", Role.TECHNICAL_LEAD, "Ri")
SAFETY = Actor("safety-1", Role.SAFETY_OFFICER, "Choe")
MANAGER = Actor("mgr-1", Role.MANAGER, "Kang")
TECH = Actor("tech-1", Role.TECHNICIAN, "Pak")
TECH2 = Actor("tech-2", Role.TECHNICIAN, "Han")
MAINT = Actor("maint-1", Role.MAINTENANCE, "Jo")
OPERATOR = Actor("op-1", Role.OPERATOR, "Yun")
REGULATOR = Actor("reg-1", Role.REGULATOR, "Provincial inspector")
LAB_REPORT = EvidenceRef.from_bytes("lab-calorimetry.pdf", b"lab result", ScaleStage.LAB)
PILOT_REPORT = EvidenceRef.from_bytes("pilot-run.pdf", b"pilot result", ScaleStage.PILOT)
ZONE = HazardZone(
    name="test kiln exclusion zone",
    max_headcount=3,
    essential_people=frozenset({"op-1", "tech-1", "lead-1"}),
    radius_m=25.0,
)
HAZARD = HazardEntry(
    hazard="overpressure in the closed test kiln",
    cause="gas evolution of the new reagent exceeds vent capacity at full charge",
    consequence="kiln bursts; people within the radius are struck",
    safeguards=("pressure relief valve", "exclusion zone"),
)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def new_change(**kw: object) -> ChangeRequest:
    base: dict[str, object] = dict(
        id="CR-1",
        kind=ChangeKind.EXPERIMENT,
        title="Local reagent in test kiln 2",
        purpose="replace imported reagent",
        enterprise_id="chongjin-ctf",
        kiln_id="test-kiln-2",
        proposed_by="lead-1",
        created_at=T0,
        stage=ScaleStage.PILOT,
        hazards=(HAZARD,),
        previous_stages=(StageCompletion(ScaleStage.LAB, T0, (LAB_REPORT,)),),
    )
    base.update(kw)
    return ChangeRequest(**base)  # type: ignore[arg-type]


def approved(change: ChangeRequest | None = None, start_h: float = 0.0) -> ChangeRequest:
    """Submitted, reviewed by all three required roles over 4 days, approved for the stage."""
    c = transition(change or new_change(), ChangeAction.SUBMIT, LEAD, h(start_h))
    c = approve(c, LEAD, h(start_h + 24))
    c = approve(c, SAFETY, h(start_h + 48))
    c = approve(c, MANAGER, h(start_h + 72))
    return transition(c, ChangeAction.APPROVE_FOR_STAGE, MANAGER, h(start_h + 96))


def in_pssr(change: ChangeRequest | None = None) -> ChangeRequest:
    c = transition(approved(change), ChangeAction.START_PRE_STARTUP_REVIEW, SAFETY, h(100))
    return define_hazard_zone(c, ZONE)


def pssr_done(c: ChangeRequest, at: datetime = h(101)) -> ChangeRequest:
    for item in PssrItem:
        c = check_pssr_item(c, item, SAFETY, at)
    return c


def authorised(change: ChangeRequest | None = None) -> ChangeRequest:
    return transition(pssr_done(in_pssr(change)), ChangeAction.AUTHORISE_FIRING, MANAGER, h(102))


def drive_to(state: ChangeState) -> ChangeRequest:
    """A change in ``state`` reached through the normal workflow."""
    c = new_change()
    if state is ChangeState.DRAFT:
        return c
    if state is ChangeState.IN_REVIEW:  # with every approval in, so approval can proceed
        c = transition(c, ChangeAction.SUBMIT, LEAD, h(0))
        for who in (LEAD, SAFETY, MANAGER):
            c = approve(c, who, h(80))
        return c
    if state is ChangeState.APPROVED_FOR_STAGE:
        return approved()
    if state is ChangeState.PRE_STARTUP_REVIEW:  # with the checklist complete
        return pssr_done(in_pssr())
    if state is ChangeState.AUTHORISED_TO_FIRE:
        return authorised()
    c = transition(authorised(), ChangeAction.START_FIRING, TECH, h(103))
    if state is ChangeState.IN_PROGRESS:
        return c
    if state is ChangeState.CLOSED:
        return transition(c, ChangeAction.CLOSE, LEAD, h(110))
    first = transition(new_change(), ChangeAction.SUBMIT, LEAD, h(0))
    if state is ChangeState.REJECTED:
        return transition(first, ChangeAction.REJECT, SAFETY, h(1))
    return transition(first, ChangeAction.WITHDRAW, LEAD, h(1))


ACTOR_FOR = {
    ChangeAction.SUBMIT: LEAD,
    ChangeAction.APPROVE_FOR_STAGE: MANAGER,
    ChangeAction.START_PRE_STARTUP_REVIEW: SAFETY,
    ChangeAction.AUTHORISE_FIRING: MANAGER,
    ChangeAction.START_FIRING: TECH,
    ChangeAction.ABORT_FIRING: OPERATOR,
    ChangeAction.CLOSE: LEAD,
    ChangeAction.REJECT: SAFETY,
    ChangeAction.WITHDRAW: LEAD,
}


# ------------------------------------------------------------------ the transition table


@pytest.mark.parametrize(("state", "action"), sorted(TRANSITIONS))
def test_every_allowed_transition_reaches_its_target_state_and_is_recorded(
    state: ChangeState, action: ChangeAction
) -> None:
    c = drive_to(state)
    assert c.state is state
    after = transition(c, action, ACTOR_FOR[action], h(200), note="by the table")
    assert after.state is TRANSITIONS[(state, action)]
    last = after.history[-1]
    assert (last.from_state, last.to_state, last.action) == (state, after.state, action)
    assert last.actor_id == ACTOR_FOR[action].person_id


NOT_IN_TABLE = [
    (s, a) for s, a in itertools.product(ChangeState, ChangeAction) if (s, a) not in TRANSITIONS
]


@pytest.mark.parametrize(("state", "action"), NOT_IN_TABLE)
def test_every_transition_outside_the_table_is_a_conflict(
    state: ChangeState, action: ChangeAction
) -> None:
    with pytest.raises(Conflict, match=f"the change is '{state.value}'"):
        check_transition(state, action, Role.MANAGER)


ROLE_NOT_ALLOWED = [
    (a, r) for a, r in itertools.product(ChangeAction, Role) if r not in ACTION_ROLES[a]
]


@pytest.mark.parametrize(("action", "role"), ROLE_NOT_ALLOWED)
def test_a_role_outside_the_action_roles_is_denied(action: ChangeAction, role: Role) -> None:
    state = next(s for (s, a) in TRANSITIONS if a is action)
    with pytest.raises(PermissionDenied, match="may not"):
        check_transition(state, action, role)


def test_only_the_plant_manager_may_authorise_firing_and_anyone_may_abort_it() -> None:
    assert ACTION_ROLES[ChangeAction.AUTHORISE_FIRING] == {Role.MANAGER}
    assert Role.OPERATOR in ACTION_ROLES[ChangeAction.ABORT_FIRING]
    assert Role.REGULATOR in ACTION_ROLES[ChangeAction.ABORT_FIRING]
    with pytest.raises(PermissionDenied, match="A safety officer may not authorise firing"):
        transition(pssr_done(in_pssr()), ChangeAction.AUTHORISE_FIRING, SAFETY, h(102))


def test_allowed_actions_lists_what_a_role_may_do_now() -> None:
    c = in_pssr()
    assert set(allowed_actions(c, Role.MANAGER)) == {
        ChangeAction.AUTHORISE_FIRING,
        ChangeAction.REJECT,
        ChangeAction.WITHDRAW,
    }
    assert allowed_actions(c, Role.REGULATOR) == []


def test_submitting_needs_at_least_one_hazard_entry() -> None:
    with pytest.raises(Conflict, match="record at least one hazard"):
        transition(new_change(hazards=()), ChangeAction.SUBMIT, LEAD, h(0))


def test_approval_for_the_stage_needs_every_required_reviewer() -> None:
    c = transition(new_change(), ChangeAction.SUBMIT, LEAD, h(0))
    c = approve(c, LEAD, h(80))
    with pytest.raises(Conflict, match="approval missing from plant manager, safety officer"):
        transition(c, ChangeAction.APPROVE_FOR_STAGE, MANAGER, h(90))


def test_only_the_proposer_or_a_manager_may_withdraw_a_change() -> None:
    c = transition(new_change(), ChangeAction.SUBMIT, LEAD, h(0))
    with pytest.raises(PermissionDenied, match="Only the person who proposed"):
        transition(c, ChangeAction.WITHDRAW, TECH, h(1))
    assert transition(c, ChangeAction.WITHDRAW, MANAGER, h(1)).state is ChangeState.WITHDRAWN


def test_history_cannot_go_back_in_time() -> None:
    c = transition(new_change(), ChangeAction.SUBMIT, LEAD, h(10))
    with pytest.raises(ValidationError, match="must not be before the last recorded step"):
        transition(c, ChangeAction.REJECT, SAFETY, h(9))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        transition(new_change(), ChangeAction.SUBMIT, LEAD, datetime(2021, 10, 1, 8))


def test_state_at_replays_the_history() -> None:
    c = authorised()
    assert state_at(c, h(-1)) is ChangeState.DRAFT
    assert state_at(c, h(0)) is ChangeState.IN_REVIEW
    assert state_at(c, h(99)) is ChangeState.APPROVED_FOR_STAGE
    assert state_at(c, h(102)) is ChangeState.AUTHORISED_TO_FIRE


def test_starting_and_aborting_a_firing_opens_and_closes_a_firing_record() -> None:
    c = transition(authorised(), ChangeAction.START_FIRING, TECH, h(103))
    assert c.firings[-1].started_at == h(103) and c.firings[-1].ended_at is None
    c = transition(c, ChangeAction.ABORT_FIRING, OPERATOR, h(104), note="pressure rising")
    assert c.state is ChangeState.PRE_STARTUP_REVIEW
    assert c.firings[-1].ended_at == h(104)


# ------------------------------------------------------------------ reviews and objections


def test_a_non_reviewer_cannot_approve_but_can_object() -> None:
    c = transition(new_change(), ChangeAction.SUBMIT, LEAD, h(0))
    with pytest.raises(PermissionDenied, match="not a required reviewer"):
        approve(c, TECH, h(1))
    c = raise_objection(c, TECH, "observe the process in more detail first", h(1))
    assert [o.author_id for o in open_objections(c)] == ["tech-1"]


def test_required_reviewers_are_configurable_per_change_kind() -> None:
    policy = ChangePolicy(required_reviewers={ChangeKind.EXPERIMENT: frozenset({Role.MANAGER})})
    c = transition(new_change(), ChangeAction.SUBMIT, LEAD, h(0))
    c = approve(c, MANAGER, h(80), policy=policy)
    c = transition(c, ChangeAction.APPROVE_FOR_STAGE, MANAGER, h(90), policy=policy)
    assert c.state is ChangeState.APPROVED_FOR_STAGE
    with pytest.raises(PermissionDenied):
        approve(
            transition(new_change(), ChangeAction.SUBMIT, LEAD, h(0)), SAFETY, h(1), policy=policy
        )


def test_approvals_are_only_taken_while_in_review() -> None:
    with pytest.raises(Conflict, match="approvals are recorded while it is in review"):
        approve(new_change(), LEAD, h(1))


def test_a_reviewer_with_an_open_objection_cannot_also_approve() -> None:
    c = transition(new_change(), ChangeAction.SUBMIT, LEAD, h(0))
    c = raise_objection(c, SAFETY, "relief undersized", h(1))
    with pytest.raises(Conflict, match="withdraw it first"):
        approve(c, SAFETY, h(2))


def test_an_objection_needs_a_reason() -> None:
    c = transition(new_change(), ChangeAction.SUBMIT, LEAD, h(0))
    with pytest.raises(ValidationError, match="reason"):
        raise_objection(c, TECH, "  ", h(1))


def test_an_open_objection_blocks_approval_for_the_stage() -> None:
    c = transition(new_change(), ChangeAction.SUBMIT, LEAD, h(0))
    for who, at in ((LEAD, 24), (SAFETY, 48), (MANAGER, 72)):
        c = approve(c, who, h(at))
    c = raise_objection(c, TECH, "still dangerous despite lab test", h(80))
    with pytest.raises(Conflict, match="open objection by a technician"):
        transition(c, ChangeAction.APPROVE_FOR_STAGE, MANAGER, h(96))


def test_only_the_author_can_withdraw_an_objection_and_then_it_stops_blocking() -> None:
    c = raise_objection(in_pssr(), TECH, "relief valve untested", h(100))
    oid = c.objections[0].id
    with pytest.raises(PermissionDenied, match="Only the author"):
        withdraw_objection(c, oid, MANAGER, "enough", h(101))
    c = withdraw_objection(c, oid, TECH, "relief valve tested today", h(101))
    assert open_objections(c) == []
    assert not barrier_degraded(c)
    c = transition(pssr_done(c), ChangeAction.AUTHORISE_FIRING, MANAGER, h(102))
    assert c.state is ChangeState.AUTHORISED_TO_FIRE


def test_an_objection_raised_after_authorisation_blocks_the_start_of_firing() -> None:
    c = raise_objection(authorised(), OPERATOR, "burner flame unstable", h(102.5))
    with pytest.raises(Conflict, match="Cannot start firing"):
        transition(c, ChangeAction.START_FIRING, TECH, h(103))


@pytest.mark.parametrize(
    ("overruler", "objector", "allowed"),
    [
        (Role.MAINTENANCE, Role.TECHNICIAN, False),  # peers
        (Role.TECHNICIAN, Role.TECHNICIAN, False),
        (Role.TECHNICAL_LEAD, Role.TECHNICIAN, True),
        (Role.TECHNICAL_LEAD, Role.SAFETY_OFFICER, False),
        (Role.SAFETY_OFFICER, Role.TECHNICAL_LEAD, True),
        (Role.MANAGER, Role.SAFETY_OFFICER, True),
        (Role.MANAGER, Role.MANAGER, False),  # nobody overrules the top of the plant
        (Role.REGULATOR, Role.TECHNICIAN, False),  # the regulator is told, it does not decide
        (Role.ADMIN, Role.OPERATOR, False),
        (Role.MANAGER, Role.REGULATOR, False),
    ],
)
def test_an_overrule_needs_a_strictly_higher_plant_role(
    overruler: Role, objector: Role, allowed: bool
) -> None:
    assert can_overrule(overruler, objector) is allowed


def test_the_ranking_puts_operator_technician_and_maintenance_below_lead_safety_manager() -> None:
    r = OVERRULE_RANK
    assert r[Role.OPERATOR] == r[Role.TECHNICIAN] == r[Role.MAINTENANCE]
    assert r[Role.MAINTENANCE] < r[Role.TECHNICAL_LEAD] < r[Role.SAFETY_OFFICER] < r[Role.MANAGER]
    assert Role.REGULATOR not in r


def test_a_peer_cannot_overrule_and_a_regulators_objection_cannot_be_overruled() -> None:
    c = raise_objection(in_pssr(), TECH, "unsafe", h(100))
    with pytest.raises(PermissionDenied, match="must come from a higher role"):
        overrule_objection(c, c.objections[0].id, MAINT, "go", h(101), region_id="nh")
    c = raise_objection(c, REGULATOR, "no permit", h(100.5))
    with pytest.raises(Conflict, match="only its author can withdraw it"):
        overrule_objection(c, c.objections[1].id, MANAGER, "go", h(101), region_id="nh")


def test_an_overrule_is_permanent_degrades_the_barrier_and_notifies_the_regulator() -> None:
    c = raise_objection(in_pssr(), SAFETY, "relief capacity not verified", h(100))
    oid = c.objections[0].id
    assert not barrier_degraded(c)
    c, note = overrule_objection(c, oid, MANAGER, "plan due at year end", h(101), region_id="nh")
    assert open_objections(c) == []
    assert barrier_degraded(c) and not barrier_degraded(c, at=h(100.5))
    ovr = c.overrules[0]
    assert (ovr.kind, ovr.decided_by, ovr.role, ovr.objection_id) == (
        OverruleKind.OBJECTION,
        "mgr-1",
        Role.MANAGER,
        oid,
    )
    assert note.recipient_role is Role.REGULATOR and note.region_id == "nh"
    assert note.overrule_id == ovr.id and note.change_id == "CR-1"
    assert "relief capacity not verified" in note.body and "plan due at year end" in note.body
    # the overruled objection cannot be withdrawn away, and later steps keep the overrule
    with pytest.raises(Conflict, match="no longer open"):
        withdraw_objection(c, oid, SAFETY, "never mind", h(102))
    c = transition(pssr_done(c, h(101)), ChangeAction.AUTHORISE_FIRING, MANAGER, h(102))
    assert c.overrules == (ovr,)


# ------------------------------------------------------------------ staged scale-up


def test_a_plant_scale_firing_needs_the_pilot_stage_complete_with_evidence() -> None:
    c = new_change(stage=ScaleStage.PLANT)
    assert stage_gate_blocker(c) is not None and "pilot stage is not complete" in str(
        stage_gate_blocker(c)
    )
    empty_pilot = StageCompletion(ScaleStage.PILOT, T0, ())
    assert stage_gate_blocker(replace(c, previous_stages=(empty_pilot,))) is not None
    pilot = StageCompletion(ScaleStage.PILOT, T0, (PILOT_REPORT,))
    assert stage_gate_blocker(replace(c, previous_stages=(pilot,))) is None
    assert stage_gate_blocker(new_change(stage=ScaleStage.LAB, previous_stages=())) is None
    assert stage_gate_blocker(new_change(stage=None)) is None


def test_a_pilot_firing_without_a_lab_result_is_refused() -> None:
    c = in_pssr(new_change(previous_stages=()))
    with pytest.raises(Conflict, match="the lab stage is not complete"):
        transition(pssr_done(c), ChangeAction.AUTHORISE_FIRING, MANAGER, h(102))


def test_skipping_a_stage_needs_a_manager_and_something_to_skip() -> None:
    c = in_pssr(new_change(stage=ScaleStage.PLANT))
    with pytest.raises(PermissionDenied, match="may not skip a scale-up stage"):
        overrule_stage_skip(c, SAFETY, "hurry", h(101), region_id="nh")
    with pytest.raises(Conflict, match="nothing to overrule"):
        overrule_stage_skip(in_pssr(), MANAGER, "hurry", h(101), region_id="nh")
    c, note = overrule_stage_skip(c, MANAGER, "no pilot kiln available", h(101), region_id="nh")
    assert stage_gate_blocker(c) is None
    assert c.overrules[0].skipped_stage is ScaleStage.PILOT
    assert "without a completed pilot stage" in note.body


def test_a_closed_stage_with_evidence_becomes_the_next_stages_completion() -> None:
    closed = drive_to(ChangeState.CLOSED)
    with pytest.raises(Conflict, match="no evidence attached for the pilot stage"):
        stage_completion(closed)
    done = stage_completion(replace(closed, evidence=(PILOT_REPORT,)))
    assert (done.stage, done.evidence, done.change_id) == (
        ScaleStage.PILOT,
        (PILOT_REPORT,),
        "CR-1",
    )
    plant = new_change(id="CR-2", stage=ScaleStage.PLANT, previous_stages=(done,))
    assert stage_gate_blocker(plant) is None
    with pytest.raises(Conflict, match="not a closed scale-up stage"):
        stage_completion(authorised())


def test_evidence_checksum_is_sha256_of_the_content() -> None:
    # FIPS 180-2 Appendix B.1 example: SHA-256("abc")
    ref = EvidenceRef.from_bytes("abc.txt", b"abc")
    assert ref.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert ref.sha256 == hashlib.sha256(b"abc").hexdigest()
    with pytest.raises(ValidationError, match="64 lowercase hexadecimal"):
        EvidenceRef("x", "ABC")


# ------------------------------------------------------------------ pre-startup review and zone


def test_authorisation_lists_every_missing_pre_startup_item_citing_1910_119_i() -> None:
    c = in_pssr()
    c = check_pssr_item(c, PssrItem.INTERLOCKS_TESTED, SAFETY, h(101))
    blockers = authorisation_blockers(c)
    text = " ".join(blockers)
    assert "interlocks tested" not in text
    for words in ("pressure relief tested", "emergency plan", "non-essential people out"):
        assert words in text
    with pytest.raises(Conflict, match="pre-startup review not complete"):
        transition(c, ChangeAction.AUTHORISE_FIRING, MANAGER, h(102))


def test_the_hazard_zone_item_cannot_be_ticked_without_a_zone() -> None:
    c = transition(approved(), ChangeAction.START_PRE_STARTUP_REVIEW, SAFETY, h(100))
    with pytest.raises(Conflict, match="Define the hazard zone"):
        check_pssr_item(c, PssrItem.HAZARD_ZONE_DEFINED, SAFETY, h(101))
    with pytest.raises(Conflict, match="not in pre-startup review"):
        check_pssr_item(approved(), PssrItem.EMERGENCY_PLAN, SAFETY, h(99))


def test_the_zone_admits_essential_people_up_to_the_maximum_only() -> None:
    inside = admit_to_zone(ZONE, [], "op-1")
    inside = admit_to_zone(ZONE, inside, "tech-1")
    with pytest.raises(PermissionDenied, match="not on the essential-personnel list"):
        admit_to_zone(ZONE, inside, "party-secretary")
    with pytest.raises(Conflict, match="already logged inside"):
        admit_to_zone(ZONE, inside, "op-1")
    small = replace(ZONE, max_headcount=2)
    with pytest.raises(Conflict, match="already holds 2 people, its maximum is 2"):
        admit_to_zone(small, inside, "lead-1")
    assert admit_to_zone(small, leave_zone(inside, "op-1"), "lead-1") == {"tech-1", "lead-1"}


def test_a_zone_needs_a_positive_headcount_and_an_essential_list() -> None:
    with pytest.raises(ValidationError, match="at least 1"):
        HazardZone("z", 0, frozenset({"a"}))
    with pytest.raises(ValidationError, match="essential"):
        HazardZone("z", 2, frozenset())


# ------------------------------------------------------------------ schedule pressure


def test_a_review_shorter_than_the_minimum_is_flagged() -> None:
    c = transition(new_change(), ChangeAction.SUBMIT, LEAD, h(0))
    for who in (LEAD, SAFETY, MANAGER):
        c = approve(c, who, h(10))
    c = transition(c, ChangeAction.APPROVE_FOR_STAGE, MANAGER, h(20))
    codes = [f.code for f in rush_flags(c, h(30))]
    assert codes == [RushCode.REVIEW_TOO_SHORT]
    assert rush_flags(approved(), h(200)) == []  # 96 h ≥ 72 h
    assert rush_flags(c, h(30), ChangePolicy(min_review_time_h=12)) == []


def test_a_deadline_that_leaves_too_little_review_time_is_flagged_before_approval() -> None:
    c = transition(new_change(deadline=h(48)), ChangeAction.SUBMIT, LEAD, h(0))
    flags = rush_flags(c, h(1))
    assert [f.code for f in flags] == [RushCode.DEADLINE_SQUEEZES_REVIEW]
    assert "leaves 48 h for review" in flags[0].message


def test_an_external_deadline_and_two_extensions_are_flagged_as_they_happen() -> None:
    c = new_change(
        deadline=h(1000), deadline_set_by="factory party committee", deadline_external=True
    )
    c = extend_deadline(c, h(1100), "party committee", "results needed", h(10))
    assert {f.code for f in rush_flags(c, h(20))} == {RushCode.EXTERNAL_DEADLINE}
    c = extend_deadline(c, h(1200), "party committee", "results needed", h(30))
    assert {f.code for f in rush_flags(c, h(40))} == {
        RushCode.EXTERNAL_DEADLINE,
        RushCode.REPEATED_EXTENSIONS,
    }
    assert RushCode.REPEATED_EXTENSIONS not in {f.code for f in rush_flags(c, h(20))}


# ------------------------------------------------------------------ the barrier signal

DAY0 = date(2021, 10, 1)


def test_a_quiet_kiln_day_has_severity_zero() -> None:
    assert change_control_signal([approved()], "test-kiln-2", DAY0 + timedelta(days=5)) == (0, [])
    assert change_control_signal([], "test-kiln-2", DAY0) == (BarrierSeverity.NONE, [])


def test_rush_flags_and_a_standing_objection_are_severity_one() -> None:
    c = transition(new_change(deadline=h(30)), ChangeAction.SUBMIT, LEAD, h(0))
    sev, reasons = change_control_signal([c], "test-kiln-2", DAY0)
    assert sev == BarrierSeverity.PRESSURE and "schedule pressure" in reasons[0]
    c2 = raise_objection(approved(), TECH, "unsafe", h(97))
    assert change_control_signal([c2], "test-kiln-2", date(2021, 10, 5)).severity == 1


def test_an_overrule_is_severity_two_three_once_firing_and_zero_after_the_change_ends() -> None:
    c = raise_objection(in_pssr(), TECH, "unsafe", h(100))
    c, _ = overrule_objection(c, c.objections[0].id, MANAGER, "go", h(101), region_id="nh")
    day = (T0 + timedelta(hours=101)).date()
    sev, reasons = change_control_signal([c], "test-kiln-2", day)
    assert sev == BarrierSeverity.DEGRADED
    assert "objection by a technician on change CR-1 overruled by a plant manager" in reasons[0]
    assert change_control_signal([c], "test-kiln-2", day - timedelta(days=1)).severity == 0
    c = transition(pssr_done(c, h(101)), ChangeAction.AUTHORISE_FIRING, MANAGER, h(102))
    c = transition(c, ChangeAction.START_FIRING, TECH, h(103))
    c = transition(c, ChangeAction.CLOSE, LEAD, h(110))
    # the same day, once the kiln fires on the strength of the overrule, is a stop
    assert change_control_signal([c], "test-kiln-2", day).severity == BarrierSeverity.BREACHED
    assert change_control_signal([c], "test-kiln-2", day + timedelta(days=2)).severity == 0


def test_firing_while_not_authorised_is_severity_three() -> None:
    c = record_firing(transition(new_change(), ChangeAction.SUBMIT, LEAD, h(0)), h(30), h(34))
    sev, reasons = change_control_signal([c], "test-kiln-2", (T0 + timedelta(hours=30)).date())
    assert sev == BarrierSeverity.BREACHED
    assert "while it was 'in_review', not authorised to fire" in reasons[0]


def test_firing_with_an_open_objection_is_severity_three() -> None:
    c = record_firing(raise_objection(authorised(), TECH, "unsafe", h(102.5)), h(103))
    sev, reasons = change_control_signal([c], "test-kiln-2", (T0 + timedelta(hours=103)).date())
    assert sev == 3 and any("open objection by a technician" in r for r in reasons)


def test_a_headcount_above_the_limit_is_severity_three_and_other_kilns_are_unaffected() -> None:
    c = transition(authorised(), ChangeAction.START_FIRING, TECH, h(103))
    c = record_headcount(c, h(103.5), ["op-1", "tech-1"])
    day = (T0 + timedelta(hours=103)).date()
    assert change_control_signal([c], "test-kiln-2", day).severity == 0
    c = record_headcount(c, h(104), ["op-1", "tech-1", "lead-1", "visitor-1"])
    sev, reasons = change_control_signal([c], "test-kiln-2", day)
    assert sev == 3 and "4 people in test kiln exclusion zone" in reasons[0]
    assert any("1 non-essential people" in r for r in reasons)
    assert change_control_signal([c], "kiln-9", day) == (0, [])


# ------------------------------------------------------------------ scenario B


def test_scenario_b_chongjin_scale_up_cannot_be_walked_through_quietly() -> None:
    """Reconstructed Chongjin sequence (SCENARIOS.md B): lab-tested only, technicians object,
    officials push ahead under a year-end deadline set from outside; onlookers gather."""
    oct19 = datetime(2021, 10, 19, 8, 0, tzinfo=UTC)
    c = ChangeRequest(
        id="CR-CJ-1",
        kind=ChangeKind.EXPERIMENT,
        title="Local reagent substitution, test kiln",
        purpose="cut dependence on imported raw materials and reagents",
        enterprise_id="chongjin-ctf",
        kiln_id="itc-test-kiln",
        proposed_by="lead-1",
        created_at=oct19 - timedelta(days=2),
        stage=ScaleStage.PLANT,
        deadline=datetime(2021, 12, 31, tzinfo=UTC),
        deadline_set_by="factory party committee",
        deadline_external=True,
        hazards=(HAZARD,),
        evidence=(LAB_REPORT,),
        previous_stages=(
            StageCompletion(ScaleStage.LAB, oct19 - timedelta(days=3), (LAB_REPORT,)),
        ),
        source="reconstructed",
    )
    c = transition(c, ChangeAction.SUBMIT, LEAD, oct19)
    for who, d in ((LEAD, 1), (SAFETY, 2), (MANAGER, 3)):
        c = approve(c, who, oct19 + timedelta(days=d))
    c = transition(c, ChangeAction.APPROVE_FOR_STAGE, MANAGER, oct19 + timedelta(days=4))
    c = transition(c, ChangeAction.START_PRE_STARTUP_REVIEW, SAFETY, oct19 + timedelta(days=4))
    c = define_hazard_zone(c, ZONE)
    c = pssr_done(c, oct19 + timedelta(days=5))
    c = raise_objection(
        c,
        TECH,
        "still dangerous despite being lab-tested; observe the process first",
        oct19 + timedelta(days=5, hours=2),
    )
    # 1. the technicians' objection stands, and the pilot stage is missing: refused, both named
    with pytest.raises(Conflict) as refused:
        transition(c, ChangeAction.AUTHORISE_FIRING, MANAGER, oct19 + timedelta(days=6))
    assert "open objection by a technician" in refused.value.message
    assert "pilot stage is not complete" in refused.value.message
    # 2. a technical lead overruling is not enough for the stage skip; a manager overrules both
    c, n1 = overrule_objection(
        c,
        c.objections[0].id,
        MANAGER,
        "innovation plan due by year end",
        oct19 + timedelta(days=6),
        region_id="north-hamgyong",
    )
    with pytest.raises(Conflict, match="pilot stage is not complete"):
        transition(c, ChangeAction.AUTHORISE_FIRING, MANAGER, oct19 + timedelta(days=6, hours=1))
    c, n2 = overrule_stage_skip(
        c,
        MANAGER,
        "no time for a pilot run",
        oct19 + timedelta(days=6, hours=2),
        region_id="north-hamgyong",
    )
    # 3. the overrules reach the regulator and degrade the barrier
    assert [n.recipient_role for n in (n1, n2)] == [Role.REGULATOR, Role.REGULATOR]
    assert {n.region_id for n in (n1, n2)} == {"north-hamgyong"}
    assert barrier_degraded(c)
    c = transition(c, ChangeAction.AUTHORISE_FIRING, MANAGER, oct19 + timedelta(days=6, hours=3))
    fire_at = datetime(2021, 10, 27, 9, 0, tzinfo=UTC)  # day assumed: "late October" (Daily NK)
    c = transition(c, ChangeAction.START_FIRING, TECH, fire_at)
    # 4. the crowd of onlookers is refused at the zone
    inside: frozenset[str] = frozenset()
    for person in ("op-1", "tech-1", "lead-1"):
        inside = admit_to_zone(ZONE, inside, person)
    with pytest.raises(Conflict, match="its maximum is 3"):
        admit_to_zone(
            replace(ZONE, essential_people=ZONE.essential_people | {"tech-2"}), inside, "tech-2"
        )
    for onlooker in ("research-team-1", "tech-dept-1", "official-1"):
        with pytest.raises(PermissionDenied, match="not on the essential-personnel list"):
            admit_to_zone(ZONE, inside, onlooker)
    # 5. before the firing the overrules degrade the barrier (2); firing on their strength is
    #    a stop (3), and the crowd logged anyway is named first
    day = fire_at.date()
    sev, reasons = change_control_signal([c], "itc-test-kiln", day - timedelta(days=1))
    assert sev == BarrierSeverity.DEGRADED
    assert any("pilot stage skipped" in r for r in reasons)
    assert any("set from outside the plant" in r for r in reasons)
    sev, reasons = change_control_signal([c], "itc-test-kiln", day)
    assert sev == BarrierSeverity.BREACHED
    assert "on the strength of 2 overrule(s) by a plant manager" in reasons[0]
    crowd = inside | {f"onlooker-{i}" for i in range(9)}
    c = record_headcount(c, fire_at + timedelta(minutes=30), crowd)
    sev, reasons = change_control_signal([c], "itc-test-kiln", day)
    assert sev == BarrierSeverity.BREACHED
    assert any(r.startswith("12 people in test kiln exclusion zone") for r in reasons)
    assert any(r.startswith("9 non-essential people") for r in reasons)


# ------------------------------------------------------------------ property

ACTS = st.lists(
    st.tuples(
        st.sampled_from([*ChangeAction, "object", "withdraw_objection", "approve", "pssr"]),
        st.sampled_from([LEAD, SAFETY, MANAGER, TECH, OPERATOR]),
    ),
    max_size=30,
)


def _play(c: ChangeRequest, steps: list[tuple[object, Actor]]) -> list[ChangeRequest]:
    """Apply the acts in order, one hour apart, skipping refused ones; return each result."""
    seen = []
    at = h(200)
    for act, actor in steps:
        at += timedelta(hours=1)
        try:
            if act == "object":
                c = raise_objection(c, actor, "unsafe", at)
            elif act == "withdraw_objection":
                mine = [o for o in open_objections(c) if o.author_id == actor.person_id]
                if mine:
                    c = withdraw_objection(c, mine[0].id, actor, "resolved", at)
            elif act == "approve":
                c = approve(c, actor, at)
            elif act == "pssr":
                c = pssr_done(c, at)
            else:
                assert isinstance(act, ChangeAction)
                c = transition(c, act, actor, at)
        except (Conflict, PermissionDenied):
            continue
        seen.append(c)
    return seen


@settings(max_examples=300, deadline=None)
@given(steps=ACTS)
def test_no_sequence_of_acts_authorises_or_starts_a_firing_over_an_open_objection(
    steps: list[tuple[object, Actor]],
) -> None:
    # start in the pre-startup review with the checklist done: a few acts reach the gate
    for c in _play(pssr_done(in_pssr()), steps):
        last = c.history[-1] if c.history else None
        if last and last.action in (ChangeAction.AUTHORISE_FIRING, ChangeAction.START_FIRING):
            assert open_objections(c, at=last.at) == []
            assert len({r.role for r in c.reviews}) == 3
            assert stage_gate_blocker(c) is None


@settings(max_examples=300, deadline=None)
@given(steps=ACTS)
def test_no_sequence_of_acts_authorises_a_plant_firing_without_pilot_or_overrule(
    steps: list[tuple[object, Actor]],
) -> None:
    start = pssr_done(in_pssr(new_change(stage=ScaleStage.PLANT)))
    for c in _play(start, steps):
        assert c.state not in (ChangeState.AUTHORISED_TO_FIRE, ChangeState.IN_PROGRESS)


def test_an_actor_accepts_the_foundation_role_enum_and_refuses_unknown_roles() -> None:
    from kilnguard.domain import roles

    actor = Actor("mgr-2", roles.Role.MANAGER)  # type: ignore[arg-type]
    assert actor.role is Role.MANAGER
    with pytest.raises(ValidationError, match="role"):
        Actor("x", "party_secretary")  # type: ignore[arg-type]
