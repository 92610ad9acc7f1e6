"""What blocks a change step, as typed blockers (`domain.change.gates`), and the role rules the
services used to spell out themselves (`domain.change.rules`)."""

from __future__ import annotations

import pytest

from kilnguard.domain.change import (
    GATES,
    Blocker,
    BlockerCode,
    ChangeAction,
    PssrItem,
    RecordAct,
    Role,
    authorisation_blockers,
    blockers,
    check_pssr_item,
    define_hazard_zone,
    may_skip_stage,
    raise_objection,
    require_may_record,
    transition,
)
from kilnguard.domain.errors import Conflict, PermissionDenied
from tests.domain.test_change import (
    MANAGER,
    SAFETY,
    TECH,
    ZONE,
    approved,
    h,
    in_pssr,
    new_change,
    pssr_done,
)


def _codes(found: list[Blocker]) -> list[BlockerCode]:
    return [b.code for b in found]


def test_a_fresh_change_is_blocked_from_authorisation_by_everything_but_the_stage() -> None:
    found = blockers(new_change(), ChangeAction.AUTHORISE_FIRING)
    assert _codes(found) == [
        BlockerCode.APPROVAL_MISSING,
        BlockerCode.PRE_STARTUP_REVIEW_INCOMPLETE,
        BlockerCode.NO_HAZARD_ZONE,
    ]
    missing = found[0]
    assert set(missing.roles) == {Role.MANAGER, Role.SAFETY_OFFICER, Role.TECHNICAL_LEAD}
    assert found[1].items == tuple(PssrItem)
    assert [b.text for b in found] == authorisation_blockers(new_change())


def test_an_open_objection_blocks_each_gated_step_and_names_its_objection() -> None:
    c = raise_objection(approved(), TECH, "still dangerous", h(97), objection_id="OBJ-7")
    for action in GATES:
        [first, *_] = blockers(c, action)
        assert first.code is BlockerCode.OPEN_OBJECTION
        assert first.objection_id == "OBJ-7"
        assert "still dangerous" in first.text
    assert blockers(c, ChangeAction.REJECT) == []


def test_the_stage_gate_is_a_typed_blocker_until_the_previous_stage_is_complete() -> None:
    c = new_change(previous_stages=())
    [gate] = [
        b for b in blockers(c, ChangeAction.AUTHORISE_FIRING) if b.code.value.startswith("stage")
    ]
    assert gate.code is BlockerCode.STAGE_NOT_COMPLETE and "lab stage is not complete" in gate.text
    assert BlockerCode.STAGE_NOT_COMPLETE not in _codes(blockers(c, ChangeAction.APPROVE_FOR_STAGE))


def test_nothing_blocks_authorisation_after_a_complete_pre_startup_review() -> None:
    c = pssr_done(in_pssr())
    assert blockers(c, ChangeAction.AUTHORISE_FIRING) == []
    assert transition(c, ChangeAction.AUTHORISE_FIRING, MANAGER, h(102)).state.value == (
        "authorised_to_fire"
    )


def test_the_refusal_of_a_step_lists_the_same_blockers_in_the_same_words() -> None:
    c = define_hazard_zone(
        transition(approved(), ChangeAction.START_PRE_STARTUP_REVIEW, SAFETY, h(100)), ZONE
    )
    c = check_pssr_item(c, PssrItem.EMERGENCY_PLAN, SAFETY, h(101))
    found = blockers(c, ChangeAction.AUTHORISE_FIRING)
    with pytest.raises(Conflict) as refused:
        transition(c, ChangeAction.AUTHORISE_FIRING, MANAGER, h(102))
    assert all(b.text in refused.value.message for b in found)


@pytest.mark.parametrize(
    ("act", "role", "allowed"),
    [
        (RecordAct.PROPOSE, Role.OPERATOR, True),
        (RecordAct.PROPOSE, Role.REGULATOR, False),
        (RecordAct.RECORD_STAGE, Role.TECHNICIAN, False),
        (RecordAct.DEFINE_ZONE, Role.SAFETY_OFFICER, True),
        (RecordAct.RECORD_FIRING, Role.INVESTIGATOR, True),
        (RecordAct.KEEP_ZONE_LOG, Role.INVESTIGATOR, False),
    ],
)
def test_who_may_add_which_record(act: RecordAct, role: Role, allowed: bool) -> None:
    if allowed:
        require_may_record(act, role)
    else:
        with pytest.raises(PermissionDenied):
            require_may_record(act, role)


def test_the_proposal_refusal_names_the_role() -> None:
    with pytest.raises(PermissionDenied, match="a regulator may not propose changes"):
        require_may_record(RecordAct.PROPOSE, Role.REGULATOR)


def test_only_a_manager_may_skip_a_stage_by_default() -> None:
    assert may_skip_stage(Role.MANAGER)
    assert not may_skip_stage(Role.SAFETY_OFFICER)
    assert not may_skip_stage(Role.REGULATOR)
