"""Change control for experiments, process changes and equipment modifications.

Why this module exists
----------------------
At Chongjin (SCENARIOS.md, scenario B) a test kiln exploded during a scale-up experiment that the
technicians had said was "still dangerous despite being lab-tested"; officials pushed ahead and
onlookers stood next to the kiln. This module makes that sequence impossible to walk through
quietly: every step is a checked state transition, dissent is a record that blocks
authorisation until its author withdraws it or a *higher* role overrules it on the record,
every overrule is permanent and produces a notification to the region's regulators, a
plant-scale firing needs a completed pilot stage (or, again, an overrule), and at firing the
hazard zone refuses people beyond its headcount and people not on its essential list.

The package is pure: no database, no clock. Every function takes the time of the act (``at``)
or of the evaluation (``as_of``); values are frozen dataclasses and every mutating function
returns a new :class:`ChangeRequest`. Nothing here deletes a review, an objection, an overrule
or a history record: the only way to end an objection is a new record (withdrawal or overrule).

Sources (confidence tags from ../shared/design/SOURCES.md)
----------------------------------------------------------
- OSHA 29 CFR 1910.119(l) Management of change: written procedures; before any change address
  the technical basis, the impact on safety and health, procedure changes, the time period
  needed, and authorisation requirements; train before start-up [V summary, SOURCES §4.1].
- OSHA 29 CFR 1910.119(i) Pre-startup safety review: before the hazard is introduced confirm
  (A) equipment per design, (B) safety/operating/maintenance/emergency procedures adequate,
  (C) hazard analysis done and its recommendations resolved, (D) training complete
  [V summary, SOURCES §4.1]. https://www.osha.gov/laws-regs/regulations/standardnumber/1910/1910.119
- CCPS (2008), *Guidelines for the Management of Change for Process Safety*, Wiley/AIChE,
  ISBN 978-0-470-04309-7: draft → review → approval → implementation → PSSR → start-up
  authorised → closed, side exits rejected/withdrawn [R, SOURCES §4.2].
- Staged scale-up (lab → pilot → plant), "each scale step needs its own hazard review, not
  inheritance from the lab result"; CSB T2 Laboratories report 2008-3-I-FL [V, SOURCES §4.3].
- DOE-STD-3006-2000 *Planning and Conduct of Operational Readiness Reviews*: extra controls for
  operations done for the first time with the hazard present; commissioning areas barricaded
  [V, SOURCES §4.3].
- Objections that block, overrule by higher authority with notice to the regulator: a kilnguard
  design addition derived from the seeds, with ILO C155 (1981) Art. 13/19 (workers' right to
  remove themselves from serious danger and to be consulted) as its basis [R, SOURCES §4.2].

Where the design notes and a source disagree, the source wins; none were found to disagree here.

Layout
------
``model`` the records; ``rules`` the role rules (who proposes, reviews, overrules, acts);
``gates`` what blocks a step now, as typed blockers; ``workflow`` the state table and its
transitions; ``dissent`` objections and overrules; ``zone`` the hazard zone at firing;
``signals`` schedule-pressure flags and the barrier signal for the risk engine; ``words`` the
display wording. ``Role`` is :class:`kilnguard.domain.roles.Role`, re-exported here.
"""

from __future__ import annotations

from kilnguard.domain.change.dissent import (
    overrule_objection,
    overrule_stage_skip,
    raise_objection,
    withdraw_objection,
)
from kilnguard.domain.change.gates import (
    GATES,
    Blocker,
    BlockerCode,
    authorisation_blockers,
    blockers,
    missing_approvals,
    objection_closed_at,
    open_objections,
    pssr_missing,
    stage_gate_blocker,
)
from kilnguard.domain.change.model import (
    FIRING_STATES,
    SCALE_STAGE_ORDER,
    TERMINAL_STATES,
    ChangeAction,
    ChangeKind,
    ChangeRequest,
    ChangeState,
    DeadlineExtension,
    EvidenceRef,
    Firing,
    HazardEntry,
    HazardMethod,
    HazardZone,
    HeadcountObservation,
    Notification,
    Objection,
    Overrule,
    OverruleKind,
    PssrCheck,
    PssrItem,
    Review,
    ScaleStage,
    Source,
    StageCompletion,
    TransitionRecord,
    ZoneLogEntry,
)
from kilnguard.domain.change.rules import (
    ACTION_ROLES,
    DEFAULT_POLICY,
    EXTENSIONS_FLAG_AT,
    MIN_REVIEW_TIME_H,
    OVERRULE_RANK,
    PLANT_ROLES,
    RECORD_ROLES,
    REVIEWER_ROLES,
    Actor,
    ChangePolicy,
    RecordAct,
    can_overrule,
    may_skip_stage,
    require_may_record,
)
from kilnguard.domain.change.signals import (
    BarrierSeverity,
    ChangeControlSignal,
    RushCode,
    RushFlag,
    barrier_degraded,
    change_control_signal,
    rush_flags,
)
from kilnguard.domain.change.words import (
    ACTION_WORDS,
    PSSR_ITEM_TEXT,
    action_words,
    fmt,
    objection_words,
    role_words,
)
from kilnguard.domain.change.workflow import (
    TRANSITIONS,
    allowed_actions,
    approve,
    check_pssr_item,
    check_transition,
    extend_deadline,
    record_firing,
    require_live,
    stage_completion,
    state_at,
    submitted_at,
    transition,
)
from kilnguard.domain.change.zone import (
    admit_to_zone,
    define_hazard_zone,
    leave_zone,
    record_headcount,
)
from kilnguard.domain.roles import Role

__all__ = [
    "ACTION_ROLES",
    "ACTION_WORDS",
    "DEFAULT_POLICY",
    "EXTENSIONS_FLAG_AT",
    "FIRING_STATES",
    "GATES",
    "MIN_REVIEW_TIME_H",
    "OVERRULE_RANK",
    "PLANT_ROLES",
    "PSSR_ITEM_TEXT",
    "RECORD_ROLES",
    "REVIEWER_ROLES",
    "SCALE_STAGE_ORDER",
    "TERMINAL_STATES",
    "TRANSITIONS",
    "Actor",
    "BarrierSeverity",
    "Blocker",
    "BlockerCode",
    "ChangeAction",
    "ChangeControlSignal",
    "ChangeKind",
    "ChangePolicy",
    "ChangeRequest",
    "ChangeState",
    "DeadlineExtension",
    "EvidenceRef",
    "Firing",
    "HazardEntry",
    "HazardMethod",
    "HazardZone",
    "HeadcountObservation",
    "Notification",
    "Objection",
    "Overrule",
    "OverruleKind",
    "PssrCheck",
    "PssrItem",
    "RecordAct",
    "Review",
    "Role",
    "RushCode",
    "RushFlag",
    "ScaleStage",
    "Source",
    "StageCompletion",
    "TransitionRecord",
    "ZoneLogEntry",
    "action_words",
    "admit_to_zone",
    "allowed_actions",
    "approve",
    "authorisation_blockers",
    "barrier_degraded",
    "blockers",
    "can_overrule",
    "change_control_signal",
    "check_pssr_item",
    "check_transition",
    "define_hazard_zone",
    "extend_deadline",
    "fmt",
    "leave_zone",
    "may_skip_stage",
    "missing_approvals",
    "objection_closed_at",
    "objection_words",
    "open_objections",
    "overrule_objection",
    "overrule_stage_skip",
    "pssr_missing",
    "raise_objection",
    "record_firing",
    "record_headcount",
    "require_live",
    "require_may_record",
    "role_words",
    "rush_flags",
    "stage_completion",
    "stage_gate_blocker",
    "state_at",
    "submitted_at",
    "transition",
    "withdraw_objection",
]
