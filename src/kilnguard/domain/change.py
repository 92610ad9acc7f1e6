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

The module is pure: no database, no clock. Every function takes the time of the act (``at``)
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
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import IntEnum, StrEnum
from typing import Literal, NamedTuple

from kilnguard.domain.errors import Conflict, PermissionDenied, ValidationError

Source = Literal["recorded", "reconstructed"]
"""Provenance of a record: ``recorded`` in the plant, or ``reconstructed`` for a demo/replay."""

# --------------------------------------------------------------------------------------------
# Roles and the overrule ranking
# --------------------------------------------------------------------------------------------


class Role(StrEnum):
    """Roles a person can act in in change control.

    Same values as :class:`kilnguard.domain.roles.Role` (ARCHITECTURE.md) plus
    ``technical_lead``, the reviewer role named in issue 5 (head of the technology department or
    research team). :class:`Actor` converts a ``roles.Role`` or a string to this enum.
    """

    OPERATOR = "operator"
    TECHNICIAN = "technician"
    MAINTENANCE = "maintenance"
    TECHNICAL_LEAD = "technical_lead"
    SAFETY_OFFICER = "safety_officer"
    MANAGER = "manager"
    INVESTIGATOR = "investigator"
    REGULATOR = "regulator"
    ADMIN = "admin"


OVERRULE_RANK: Mapping[Role, int] = {
    Role.OPERATOR: 1,
    Role.TECHNICIAN: 1,
    Role.MAINTENANCE: 1,
    Role.TECHNICAL_LEAD: 2,
    Role.SAFETY_OFFICER: 3,
    Role.MANAGER: 4,
}
"""Authority to overrule an objection, by role. An overrule needs a rank *strictly above* the
objector's. Design choices (kilnguard, not from a standard), and why:

- operator, technician and maintenance are one rank: they are peers on the shop floor, and a
  peer must not be able to silence a peer's safety objection.
- technical_lead (2) leads the technicians and answers for the technical basis (1910.119(l)(2)(i)).
- safety_officer (3) ranks above the technical lead: a technical lead cannot overrule the
  person whose job is the safety case.
- manager (4), the plant manager, is the top of the plant's line of authority. Because no plant
  role ranks above it, a manager's objection can only be withdrawn by its author: when the top
  of the plant says stop, the plant stops.
- regulator, investigator and admin have **no** rank: the regulator is the independent check
  that every overrule is reported to (being both party and judge would defeat that), the
  investigator reconstructs rather than decides, and admin is an IT role. They may object, and
  an objection by a role without rank can only be withdrawn by its author.
"""

PLANT_ROLES: frozenset[Role] = frozenset(OVERRULE_RANK)
"""Roles that work in the plant and may propose changes, object and stop a firing."""

REVIEWER_ROLES: frozenset[Role] = frozenset(
    {Role.TECHNICAL_LEAD, Role.SAFETY_OFFICER, Role.MANAGER}
)
"""Default required reviewer roles for every change kind (issue 5: technical lead, safety
officer, plant manager). Configurable per kind in :class:`ChangePolicy`."""


@dataclass(frozen=True)
class Actor:
    """A person acting in a role. ``name`` is only for messages; ``person_id`` is the identity."""

    person_id: str
    role: Role
    name: str = ""

    def __post_init__(self) -> None:
        _require_text("person_id", self.person_id)
        try:
            # accept kilnguard.domain.roles.Role or a plain string with the same value
            object.__setattr__(self, "role", Role(self.role))
        except ValueError:
            raise ValidationError("role", self.role, "must be one of: " + ", ".join(Role)) from None

    @property
    def label(self) -> str:
        """How the person is named in messages: ``"Pak (technician)"``."""
        return f"{self.name or self.person_id} ({_role_words(self.role)})"


# --------------------------------------------------------------------------------------------
# Kinds, stages, hazards, evidence
# --------------------------------------------------------------------------------------------


class ChangeKind(StrEnum):
    """What is being changed (OSHA 1910.119(l)(1): chemicals, technology, equipment,
    procedures, facilities; the OSHA 2009 letter extends MOC to organisational change)."""

    EXPERIMENT = "experiment"
    PROCESS_CHANGE = "process_change"
    EQUIPMENT_MODIFICATION = "equipment_modification"
    ORGANISATIONAL_CHANGE = "organisational_change"


class ScaleStage(StrEnum):
    """Scale-up stages in order. Each needs its own hazard review (SOURCES §4.3: heat-removal
    capacity scales as surface/volume ∝ 1/r, so a lab result does not carry over)."""

    LAB = "lab"
    PILOT = "pilot"
    PLANT = "plant"

    @property
    def order(self) -> int:
        """Position in the scale-up sequence, lab = 0."""
        return SCALE_STAGE_ORDER.index(self)

    @property
    def previous(self) -> ScaleStage | None:
        """The stage that must be complete before this one, or None for the lab stage."""
        i = self.order
        return SCALE_STAGE_ORDER[i - 1] if i > 0 else None


SCALE_STAGE_ORDER: tuple[ScaleStage, ...] = (ScaleStage.LAB, ScaleStage.PILOT, ScaleStage.PLANT)


class HazardMethod(StrEnum):
    """Hazard-review technique of an entry (CCPS 2008 ch. 5: what-if and checklist) [R]."""

    WHAT_IF = "what_if"
    CHECKLIST = "checklist"


@dataclass(frozen=True)
class HazardEntry:
    """One line of a what-if or checklist hazard review.

    ``question`` is the what-if question or checklist item; ``safeguards`` are the barriers that
    prevent or mitigate the consequence (an entry with no safeguard is allowed: it is a finding).
    """

    hazard: str
    cause: str
    consequence: str
    safeguards: tuple[str, ...] = ()
    method: HazardMethod = HazardMethod.WHAT_IF
    question: str = ""

    def __post_init__(self) -> None:
        _require_text("hazard", self.hazard)
        _require_text("cause", self.cause)
        _require_text("consequence", self.consequence)


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class EvidenceRef:
    """A file attached as evidence, by name and SHA-256 of its content (the file itself lives in
    the store; the checksum lets anyone prove later that it was not swapped)."""

    name: str
    sha256: str
    stage: ScaleStage | None = None

    def __post_init__(self) -> None:
        _require_text("name", self.name)
        if not _SHA256.match(self.sha256):
            raise ValidationError("sha256", self.sha256, "must be 64 lowercase hexadecimal digits")

    @classmethod
    def from_bytes(cls, name: str, content: bytes, stage: ScaleStage | None = None) -> EvidenceRef:
        """Reference for ``content``, hashing it here so caller and store agree on the checksum."""
        return cls(name=name, sha256=hashlib.sha256(content).hexdigest(), stage=stage)


@dataclass(frozen=True)
class StageCompletion:
    """A scale-up stage completed, with the evidence that shows what it found."""

    stage: ScaleStage
    completed_at: datetime
    evidence: tuple[EvidenceRef, ...]
    change_id: str | None = None

    def __post_init__(self) -> None:
        _require_aware("completed_at", self.completed_at)


# --------------------------------------------------------------------------------------------
# Workflow
# --------------------------------------------------------------------------------------------


class ChangeState(StrEnum):
    """Workflow states (CCPS 2008 practice, SOURCES §4.2)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED_FOR_STAGE = "approved_for_stage"
    PRE_STARTUP_REVIEW = "pre_startup_review"
    AUTHORISED_TO_FIRE = "authorised_to_fire"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


TERMINAL_STATES: frozenset[ChangeState] = frozenset(
    {ChangeState.CLOSED, ChangeState.REJECTED, ChangeState.WITHDRAWN}
)
FIRING_STATES: frozenset[ChangeState] = frozenset(
    {ChangeState.AUTHORISED_TO_FIRE, ChangeState.IN_PROGRESS}
)
"""States in which firing under the change is authorised."""


class ChangeAction(StrEnum):
    """Actions that move a change between states."""

    SUBMIT = "submit"
    APPROVE_FOR_STAGE = "approve_for_stage"
    START_PRE_STARTUP_REVIEW = "start_pre_startup_review"
    AUTHORISE_FIRING = "authorise_firing"
    START_FIRING = "start_firing"
    ABORT_FIRING = "abort_firing"
    CLOSE = "close"
    REJECT = "reject"
    WITHDRAW = "withdraw"


_S = ChangeState
_A = ChangeAction
_LIVE_BEFORE_FIRING = (
    _S.IN_REVIEW,
    _S.APPROVED_FOR_STAGE,
    _S.PRE_STARTUP_REVIEW,
    _S.AUTHORISED_TO_FIRE,
)

TRANSITIONS: Mapping[tuple[ChangeState, ChangeAction], ChangeState] = {
    (_S.DRAFT, _A.SUBMIT): _S.IN_REVIEW,
    (_S.IN_REVIEW, _A.APPROVE_FOR_STAGE): _S.APPROVED_FOR_STAGE,
    (_S.APPROVED_FOR_STAGE, _A.START_PRE_STARTUP_REVIEW): _S.PRE_STARTUP_REVIEW,
    (_S.PRE_STARTUP_REVIEW, _A.AUTHORISE_FIRING): _S.AUTHORISED_TO_FIRE,
    (_S.AUTHORISED_TO_FIRE, _A.START_FIRING): _S.IN_PROGRESS,
    (_S.AUTHORISED_TO_FIRE, _A.ABORT_FIRING): _S.PRE_STARTUP_REVIEW,
    (_S.IN_PROGRESS, _A.ABORT_FIRING): _S.PRE_STARTUP_REVIEW,
    (_S.IN_PROGRESS, _A.CLOSE): _S.CLOSED,
    **{(s, _A.REJECT): _S.REJECTED for s in _LIVE_BEFORE_FIRING},
    **{(s, _A.WITHDRAW): _S.WITHDRAWN for s in (_S.DRAFT, *_LIVE_BEFORE_FIRING)},
}
"""(state, action) → next state. Anything not in this table is a :class:`Conflict`."""

ACTION_ROLES: Mapping[ChangeAction, frozenset[Role]] = {
    _A.SUBMIT: PLANT_ROLES,
    _A.APPROVE_FOR_STAGE: REVIEWER_ROLES,
    _A.START_PRE_STARTUP_REVIEW: REVIEWER_ROLES,
    _A.AUTHORISE_FIRING: frozenset({Role.MANAGER}),
    _A.START_FIRING: PLANT_ROLES,
    _A.ABORT_FIRING: PLANT_ROLES | {Role.REGULATOR},
    _A.CLOSE: REVIEWER_ROLES,
    _A.REJECT: REVIEWER_ROLES,
    _A.WITHDRAW: PLANT_ROLES,
}
"""Who may take each action. Stopping needs less authority than starting: anyone in the plant
(and the regulator) may abort a firing, any reviewer may reject, but only the plant manager may
authorise a firing (1910.119(l)(2)(v): "authorization requirements"). Withdrawal is further
limited to the proposer or a manager (checked in :func:`transition`)."""


@dataclass(frozen=True)
class TransitionRecord:
    """One entry of the change's history: who moved it, from where to where, when, and why."""

    at: datetime
    action: ChangeAction
    from_state: ChangeState
    to_state: ChangeState
    actor_id: str
    actor_role: Role
    note: str = ""


# --------------------------------------------------------------------------------------------
# Reviews, objections, overrules, notifications
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """A reviewer's approval. Objections are separate records (:class:`Objection`) because they
    have a life of their own: they stay open until withdrawn or overruled."""

    reviewer_id: str
    role: Role
    at: datetime
    comment: str = ""


@dataclass(frozen=True)
class Objection:
    """A documented 'no' from anyone in the plant. Open until its author withdraws it or a
    higher role overrules it (:func:`overrule_objection`)."""

    id: str
    author_id: str
    author_role: Role
    reason: str
    raised_at: datetime
    withdrawn_at: datetime | None = None
    withdrawal_reason: str = ""


class OverruleKind(StrEnum):
    """What an overrule sets aside: a person's objection, or the staged scale-up rule."""

    OBJECTION = "objection"
    STAGE_SKIP = "stage_skip"


@dataclass(frozen=True)
class Overrule:
    """A documented decision to proceed against an objection or past a missing stage.

    Permanent: no function removes it. While the change is live it marks the change-control
    barrier as degraded (:func:`barrier_degraded`), and creating one yields a
    :class:`Notification` to the region's regulators.
    """

    id: str
    kind: OverruleKind
    decided_by: str
    role: Role
    reason: str
    at: datetime
    objection_id: str | None = None
    skipped_stage: ScaleStage | None = None


@dataclass(frozen=True)
class Notification:
    """A message the service layer must deliver at once. The domain only composes it."""

    kind: Literal["overrule"]
    recipient_role: Role
    region_id: str
    enterprise_id: str
    kiln_id: str | None
    change_id: str
    overrule_id: str
    subject: str
    body: str
    created_at: datetime


# --------------------------------------------------------------------------------------------
# Pre-startup review, hazard zone, firings
# --------------------------------------------------------------------------------------------


class PssrItem(StrEnum):
    """Pre-startup safety review checklist, after OSHA 29 CFR 1910.119(i)(2)(A)–(D) [V summary]
    plus the first-firing controls of SOURCES §4.3 (DOE-STD-3006: barricaded area, first-time
    operations with extra controls) and issue 5 (hazard zone, non-essential people out)."""

    EQUIPMENT_PER_DESIGN = "equipment_per_design"  # (i)(2)(A)
    INTERLOCKS_TESTED = "interlocks_tested"  # (i)(2)(B) safety procedures/devices
    PRESSURE_RELIEF_TESTED = "pressure_relief_tested"  # (i)(2)(B)
    EMERGENCY_PLAN = "emergency_plan"  # (i)(2)(B) emergency procedures
    HAZARD_REVIEW_RESOLVED = "hazard_review_resolved"  # (i)(2)(C)
    OPERATORS_TRAINED = "operators_trained"  # (i)(2)(D), (l)(3)
    HAZARD_ZONE_DEFINED = "hazard_zone_defined"  # kilnguard, SOURCES §4.3
    NON_ESSENTIAL_PEOPLE_OUT = "non_essential_people_out"  # kilnguard, SOURCES §4.3


PSSR_ITEM_TEXT: Mapping[PssrItem, str] = {
    PssrItem.EQUIPMENT_PER_DESIGN: "equipment built and installed to the design",
    PssrItem.INTERLOCKS_TESTED: "interlocks tested",
    PssrItem.PRESSURE_RELIEF_TESTED: "pressure relief tested",
    PssrItem.EMERGENCY_PLAN: "emergency plan in place",
    PssrItem.HAZARD_REVIEW_RESOLVED: "hazard review recommendations resolved",
    PssrItem.OPERATORS_TRAINED: "operators trained in the new procedure",
    PssrItem.HAZARD_ZONE_DEFINED: "hazard zone defined with maximum headcount and essential list",
    PssrItem.NON_ESSENTIAL_PEOPLE_OUT: "non-essential people out of the hazard zone",
}


@dataclass(frozen=True)
class PssrCheck:
    """One checklist item ticked, by whom and when."""

    item: PssrItem
    checked_by: str
    role: Role
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class HazardZone:
    """The area around the kiln that people may enter only if essential, up to a headcount.

    ``radius_m`` [m] is the exclusion radius computed elsewhere (SOURCES §1.7); informational here.
    """

    name: str
    max_headcount: int
    essential_people: frozenset[str]
    radius_m: float | None = None

    def __post_init__(self) -> None:
        _require_text("name", self.name)
        if self.max_headcount < 1:
            raise ValidationError("max_headcount", self.max_headcount, "must be at least 1")
        if not self.essential_people:
            raise ValidationError(
                "essential_people", self.essential_people, "name at least one essential person"
            )
        if self.radius_m is not None and self.radius_m <= 0:
            raise ValidationError("radius_m", self.radius_m, "must be positive [m]")


@dataclass(frozen=True)
class HeadcountObservation:
    """Who was seen inside the hazard zone at a moment (zone log entry at firing)."""

    at: datetime
    people_inside: frozenset[str]


@dataclass(frozen=True)
class Firing:
    """A firing of the kiln under this change. Recorded by :func:`transition` on start_firing,
    or by :func:`record_firing` for a firing that happened outside the workflow (a fact to keep,
    not an act to authorise)."""

    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class DeadlineExtension:
    """A deadline moved: from, to, by whom, why."""

    at: datetime
    old_deadline: datetime
    new_deadline: datetime
    by: str
    reason: str


# --------------------------------------------------------------------------------------------
# Policy and the change request
# --------------------------------------------------------------------------------------------


def _default_reviewers() -> dict[ChangeKind, frozenset[Role]]:
    return {kind: REVIEWER_ROLES for kind in ChangeKind}


MIN_REVIEW_TIME_H = 72.0
"""Default minimum hazard-review time [h]. [T] plant practice, editable: three working days
lets every reviewer read the hazard review and a technician's doubt be heard; no standard fixes
the number (1910.119(l)(2)(iv) only requires the 'necessary time period' to be addressed)."""

EXTENSIONS_FLAG_AT = 2
"""Deadline extensions at or above which the change is flagged as under schedule pressure [T]."""


@dataclass(frozen=True)
class ChangePolicy:
    """Plant-configurable rules.

    Parameters
    ----------
    required_reviewers
        Roles whose approval is required, per change kind. Default: technical lead, safety
        officer, plant manager for every kind.
    min_review_time_h
        Minimum time between submission and approval for the stage [h]; default 72 [T].
    extensions_flag_at
        Number of deadline extensions that raises a schedule-pressure flag; default 2 [T].
    stage_skip_min_role
        Lowest role that may overrule a missing scale-up stage; default manager, because the
        rule stands in for the whole change-control system, not for one person's view.
    """

    required_reviewers: Mapping[ChangeKind, frozenset[Role]] = field(
        default_factory=_default_reviewers
    )
    min_review_time_h: float = MIN_REVIEW_TIME_H
    extensions_flag_at: int = EXTENSIONS_FLAG_AT
    stage_skip_min_role: Role = Role.MANAGER

    def __post_init__(self) -> None:
        if self.min_review_time_h < 0:
            raise ValidationError("min_review_time_h", self.min_review_time_h, "must be ≥ 0 [h]")
        if self.extensions_flag_at < 1:
            raise ValidationError("extensions_flag_at", self.extensions_flag_at, "must be ≥ 1")
        if self.stage_skip_min_role not in OVERRULE_RANK:
            raise ValidationError(
                "stage_skip_min_role", self.stage_skip_min_role, "must be a plant role with rank"
            )

    def reviewers_for(self, kind: ChangeKind) -> frozenset[Role]:
        """Required reviewer roles for ``kind`` (the default set when the kind is not listed)."""
        return self.required_reviewers.get(kind, REVIEWER_ROLES)


DEFAULT_POLICY = ChangePolicy()


@dataclass(frozen=True)
class ChangeRequest:
    """A change request: what, why, where, at which scale, its hazards, evidence and records.

    ``kiln_id`` is None for new equipment not yet registered as a kiln (then ``new_equipment``
    names it). ``deadline_external`` is True when the deadline was set from outside the plant
    (a ministry, a party committee, a head office) — a schedule-pressure signal.
    ``source`` is ``reconstructed`` for demo/replay data (SCENARIOS.md).
    """

    id: str
    kind: ChangeKind
    title: str
    purpose: str
    enterprise_id: str
    kiln_id: str | None
    proposed_by: str
    created_at: datetime
    stage: ScaleStage | None = None
    new_equipment: str = ""
    state: ChangeState = ChangeState.DRAFT
    deadline: datetime | None = None
    deadline_set_by: str = ""
    deadline_external: bool = False
    deadline_extensions: tuple[DeadlineExtension, ...] = ()
    hazards: tuple[HazardEntry, ...] = ()
    evidence: tuple[EvidenceRef, ...] = ()
    previous_stages: tuple[StageCompletion, ...] = ()
    reviews: tuple[Review, ...] = ()
    objections: tuple[Objection, ...] = ()
    overrules: tuple[Overrule, ...] = ()
    pssr_checks: tuple[PssrCheck, ...] = ()
    hazard_zone: HazardZone | None = None
    headcounts: tuple[HeadcountObservation, ...] = ()
    firings: tuple[Firing, ...] = ()
    history: tuple[TransitionRecord, ...] = ()
    source: Source = "recorded"

    def __post_init__(self) -> None:
        _require_text("id", self.id)
        _require_text("title", self.title)
        _require_text("purpose", self.purpose)
        _require_text("enterprise_id", self.enterprise_id)
        _require_text("proposed_by", self.proposed_by)
        _require_aware("created_at", self.created_at)
        if self.kiln_id is None and not self.new_equipment.strip():
            raise ValidationError(
                "kiln_id", None, "tie the change to a kiln, or name the new equipment"
            )
        if self.deadline is not None:
            _require_aware("deadline", self.deadline)


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------


def state_at(change: ChangeRequest, at: datetime) -> ChangeState:
    """The state the change was in at ``at``, from its history (for replay and investigation).

    A transition recorded exactly at ``at`` counts as done.
    """
    state = ChangeState.DRAFT
    for rec in change.history:
        if rec.at <= at:
            state = rec.to_state
    return state


def submitted_at(change: ChangeRequest) -> datetime | None:
    """When the change was first submitted for review, or None."""
    return next((r.at for r in change.history if r.action is ChangeAction.SUBMIT), None)


def _objection_closed_at(change: ChangeRequest, objection: Objection) -> datetime | None:
    ends = [o.at for o in change.overrules if o.objection_id == objection.id]
    if objection.withdrawn_at is not None:
        ends.append(objection.withdrawn_at)
    return min(ends) if ends else None


def open_objections(change: ChangeRequest, at: datetime | None = None) -> list[Objection]:
    """Objections open at ``at`` (default: now, i.e. taking every record into account)."""
    result = []
    for obj in change.objections:
        if at is not None and obj.raised_at > at:
            continue
        closed = _objection_closed_at(change, obj)
        if closed is None or (at is not None and closed > at):
            result.append(obj)
    return result


def barrier_degraded(change: ChangeRequest, at: datetime | None = None) -> bool:
    """True when an overrule is on record (by ``at``): the change-control barrier held only
    because someone with authority set it aside, so the risk engine must not give it full credit.
    """
    return any(at is None or o.at <= at for o in change.overrules)


def missing_approvals(change: ChangeRequest, policy: ChangePolicy = DEFAULT_POLICY) -> list[Role]:
    """Required reviewer roles that have not approved yet, in a stable order."""
    approved = {r.role for r in change.reviews}
    return sorted(policy.reviewers_for(change.kind) - approved)


def pssr_missing(change: ChangeRequest) -> list[PssrItem]:
    """Pre-startup review items not yet checked, in checklist order."""
    done = {c.item for c in change.pssr_checks}
    return [item for item in PssrItem if item not in done]


def _stage_completed(change: ChangeRequest, stage: ScaleStage, at: datetime | None) -> bool:
    return any(
        c.stage is stage and c.evidence and (at is None or c.completed_at <= at)
        for c in change.previous_stages
    )


def _stage_skip_overruled(change: ChangeRequest, stage: ScaleStage, at: datetime | None) -> bool:
    return any(
        o.kind is OverruleKind.STAGE_SKIP
        and o.skipped_stage is stage
        and (at is None or o.at <= at)
        for o in change.overrules
    )


def stage_gate_blocker(change: ChangeRequest, at: datetime | None = None) -> str | None:
    """Why the staged scale-up gate is shut, or None if it is open.

    The gate: a change at stage S > lab needs the previous stage complete *with evidence*, or a
    stage-skip overrule on record (SOURCES §4.3). Only the immediately previous stage is checked;
    that stage's own change request was gated on the one before it.
    """
    if change.stage is None or change.stage.previous is None:
        return None
    prev = change.stage.previous
    if _stage_completed(change, prev, at) or _stage_skip_overruled(change, prev, at):
        return None
    return (
        f"the {prev.value} stage is not complete with evidence; a {change.stage.value}-scale "
        f"firing needs the {prev.value} result first (or a recorded overrule of the skip)"
    )


def authorisation_blockers(
    change: ChangeRequest, policy: ChangePolicy = DEFAULT_POLICY
) -> list[str]:
    """Every reason firing cannot be authorised now, in plain words. Empty means it can.

    Used by :func:`transition` for ``authorise_firing`` and by front ends to show *why*.
    """
    reasons = [_objection_words(o) for o in open_objections(change)]
    missing = missing_approvals(change, policy)
    if missing:
        reasons.append("approval missing from " + ", ".join(_role_words(r) for r in missing))
    gate = stage_gate_blocker(change)
    if gate:
        reasons.append(gate)
    items = pssr_missing(change)
    if items:
        reasons.append(
            "pre-startup review not complete: " + "; ".join(PSSR_ITEM_TEXT[i] for i in items)
        )
    if change.hazard_zone is None:
        reasons.append("no hazard zone is defined")
    return reasons


def allowed_actions(change: ChangeRequest, role: Role) -> list[ChangeAction]:
    """Actions the table allows ``role`` in the current state (guards not evaluated)."""
    return [
        action
        for (state, action) in TRANSITIONS
        if state is change.state and role in ACTION_ROLES[action]
    ]


# --------------------------------------------------------------------------------------------
# Transitions
# --------------------------------------------------------------------------------------------


def check_transition(state: ChangeState, action: ChangeAction, role: Role) -> ChangeState:
    """The next state for ``action`` from ``state`` taken by ``role``, by the table alone.

    Raises
    ------
    Conflict
        The action is not possible from this state.
    PermissionDenied
        The role may not take this action.
    """
    nxt = TRANSITIONS.get((state, action))
    if nxt is None:
        possible = sorted(s.value for (s, a) in TRANSITIONS if a is action)
        raise Conflict(
            f"Cannot {_action_words(action)}: the change is '{state.value}'; this is only "
            f"possible from: {', '.join(possible)}."
        )
    allowed = ACTION_ROLES[action]
    if role not in allowed:
        raise PermissionDenied(
            f"A {_role_words(role)} may not {_action_words(action)}; this needs: "
            + ", ".join(sorted(_role_words(r) for r in allowed))
            + "."
        )
    return nxt


def transition(
    change: ChangeRequest,
    action: ChangeAction,
    actor: Actor,
    at: datetime,
    *,
    note: str = "",
    policy: ChangePolicy = DEFAULT_POLICY,
) -> ChangeRequest:
    """Apply ``action`` by ``actor`` at ``at`` and return the changed request with history.

    Guards, beyond the table (:func:`check_transition`):

    - submit: at least one hazard entry (1910.119(l)(2)(ii): impact on safety and health).
    - approve_for_stage: every required reviewer role approved; no open objection.
    - authorise_firing: :func:`authorisation_blockers` is empty (no open objection, approvals,
      stage gate, pre-startup review complete per 1910.119(i), hazard zone defined).
    - start_firing: no open objection (one may be raised after authorisation).
    - withdraw: only the proposer or a manager.
    - ``at`` may not be earlier than the last history entry (history is append-only in time).

    start_firing appends a :class:`Firing`; abort_firing and close end the open firing.
    """
    _require_aware("at", at)
    nxt = check_transition(change.state, action, actor.role)
    if change.history and at < change.history[-1].at:
        raise ValidationError(
            "at", at, f"must not be before the last recorded step ({_fmt(change.history[-1].at)})"
        )
    what = _action_words(action)
    if action is ChangeAction.SUBMIT and not change.hazards:
        raise Conflict(f"Cannot {what}: record at least one hazard (what-if or checklist) first.")
    if action is ChangeAction.WITHDRAW and not (
        actor.person_id == change.proposed_by or actor.role is Role.MANAGER
    ):
        raise PermissionDenied(
            f"Only the person who proposed change {change.id} or a plant manager may withdraw it."
        )
    blockers: list[str] = []
    if action is ChangeAction.APPROVE_FOR_STAGE:
        blockers = [_objection_words(o) for o in open_objections(change)]
        missing = missing_approvals(change, policy)
        if missing:
            blockers.append("approval missing from " + ", ".join(_role_words(r) for r in missing))
    elif action is ChangeAction.AUTHORISE_FIRING:
        blockers = authorisation_blockers(change, policy)
    elif action is ChangeAction.START_FIRING:
        blockers = [_objection_words(o) for o in open_objections(change)]
    if blockers:
        raise Conflict(f"Cannot {what} for change {change.id}: " + "; ".join(blockers) + ".")

    firings = change.firings
    if action is ChangeAction.START_FIRING:
        firings = (*firings, Firing(started_at=at))
    elif action in (ChangeAction.ABORT_FIRING, ChangeAction.CLOSE):
        firings = tuple(replace(f, ended_at=at) if f.ended_at is None else f for f in firings)
    record = TransitionRecord(
        at=at,
        action=action,
        from_state=change.state,
        to_state=nxt,
        actor_id=actor.person_id,
        actor_role=actor.role,
        note=note,
    )
    return replace(change, state=nxt, firings=firings, history=(*change.history, record))


def _require_live(change: ChangeRequest, what: str) -> None:
    if change.state in TERMINAL_STATES:
        raise Conflict(f"Cannot {what}: change {change.id} is already '{change.state.value}'.")


def approve(
    change: ChangeRequest,
    actor: Actor,
    at: datetime,
    *,
    comment: str = "",
    policy: ChangePolicy = DEFAULT_POLICY,
) -> ChangeRequest:
    """Record a required reviewer's approval (only while the change is in review).

    An approval counts for the reviewer's role. A reviewer with an open objection must withdraw
    it first: one person cannot hold both a 'yes' and a 'no' on the same change.
    """
    _require_aware("at", at)
    if change.state is not ChangeState.IN_REVIEW:
        raise Conflict(
            f"Cannot approve: change {change.id} is '{change.state.value}'; approvals are "
            "recorded while it is in review."
        )
    if actor.role not in policy.reviewers_for(change.kind):
        raise PermissionDenied(
            f"A {_role_words(actor.role)} is not a required reviewer of a "
            f"{change.kind.value.replace('_', ' ')}; to disagree, raise an objection."
        )
    if any(o.author_id == actor.person_id for o in open_objections(change)):
        raise Conflict(
            f"{actor.label} has an open objection on change {change.id}; withdraw it first."
        )
    review = Review(reviewer_id=actor.person_id, role=actor.role, at=at, comment=comment)
    return replace(change, reviews=(*change.reviews, review))


def raise_objection(
    change: ChangeRequest,
    actor: Actor,
    reason: str,
    at: datetime,
    *,
    objection_id: str | None = None,
) -> ChangeRequest:
    """Record an objection. Anyone may object, in any live state, and must say why.

    Dissent is not limited to the required reviewers: at Chongjin the objection came from the
    technicians on site. An open objection blocks approval, authorisation and the start of firing.
    """
    _require_aware("at", at)
    _require_text("reason", reason)
    _require_live(change, "raise an objection")
    oid = objection_id or f"{change.id}-OBJ{len(change.objections) + 1}"
    if any(o.id == oid for o in change.objections):
        raise ValidationError("objection_id", oid, "already used on this change")
    obj = Objection(
        id=oid, author_id=actor.person_id, author_role=actor.role, reason=reason, raised_at=at
    )
    return replace(change, objections=(*change.objections, obj))


def _find_open_objection(change: ChangeRequest, objection_id: str, what: str) -> Objection:
    obj = next((o for o in change.objections if o.id == objection_id), None)
    if obj is None:
        raise ValidationError("objection_id", objection_id, f"no such objection on {change.id}")
    if obj not in open_objections(change):
        raise Conflict(f"Cannot {what}: objection {objection_id} is no longer open.")
    return obj


def withdraw_objection(
    change: ChangeRequest, objection_id: str, actor: Actor, reason: str, at: datetime
) -> ChangeRequest:
    """The author withdraws their own objection, saying why. Nobody else can."""
    _require_aware("at", at)
    _require_text("reason", reason)
    obj = _find_open_objection(change, objection_id, "withdraw the objection")
    if obj.author_id != actor.person_id:
        raise PermissionDenied(
            f"Only the author of objection {objection_id} may withdraw it; a higher role can "
            "instead overrule it on the record, which notifies the regulator."
        )
    if at < obj.raised_at:
        raise ValidationError("at", at, "a withdrawal cannot precede the objection")
    withdrawn = replace(obj, withdrawn_at=at, withdrawal_reason=reason)
    objections = tuple(withdrawn if o.id == objection_id else o for o in change.objections)
    return replace(change, objections=objections)


def can_overrule(overruler: Role, objector: Role) -> bool:
    """True when ``overruler`` ranks strictly above ``objector`` (see :data:`OVERRULE_RANK`)."""
    mine = OVERRULE_RANK.get(overruler)
    theirs = OVERRULE_RANK.get(objector)
    return mine is not None and theirs is not None and mine > theirs


def overrule_objection(
    change: ChangeRequest,
    objection_id: str,
    actor: Actor,
    reason: str,
    at: datetime,
    *,
    region_id: str,
    overrule_id: str | None = None,
) -> tuple[ChangeRequest, Notification]:
    """Overrule an open objection on the record, and compose the regulators' notification.

    Requires a role strictly above the objector's (:data:`OVERRULE_RANK`) and a reason. The
    overrule is permanent, ends the objection, degrades the change-control barrier, and the
    returned :class:`Notification` must be delivered to the regulators of ``region_id`` at once.
    """
    _require_aware("at", at)
    _require_text("reason", reason)
    _require_text("region_id", region_id)
    _require_live(change, "overrule an objection")
    obj = _find_open_objection(change, objection_id, "overrule the objection")
    if OVERRULE_RANK.get(obj.author_role) is None:
        raise Conflict(
            f"Objection {objection_id} was raised by a {_role_words(obj.author_role)}; no plant "
            "role ranks above it, so only its author can withdraw it."
        )
    if not can_overrule(actor.role, obj.author_role):
        raise PermissionDenied(
            f"A {_role_words(actor.role)} may not overrule an objection by a "
            f"{_role_words(obj.author_role)}; an overrule must come from a higher role."
        )
    if at < obj.raised_at:
        raise ValidationError("at", at, "an overrule cannot precede the objection")
    ovr = Overrule(
        id=overrule_id or f"{change.id}-OVR{len(change.overrules) + 1}",
        kind=OverruleKind.OBJECTION,
        decided_by=actor.person_id,
        role=actor.role,
        reason=reason,
        at=at,
        objection_id=objection_id,
    )
    new = replace(change, overrules=(*change.overrules, ovr))
    subject = f"Safety objection overruled on change {change.id} ({change.title})"
    body = (
        f"On {_fmt(at)} {actor.label} overruled the objection raised on {_fmt(obj.raised_at)} "
        f"by a {_role_words(obj.author_role)}: \u201c{obj.reason}\u201d. "
        f"Reason given for the overrule: \u201c{reason}\u201d. "
        f"Kiln: {change.kiln_id or change.new_equipment}. The change-control barrier is degraded."
    )
    return new, _notification(new, ovr, region_id, subject, body)


def overrule_stage_skip(
    change: ChangeRequest,
    actor: Actor,
    reason: str,
    at: datetime,
    *,
    region_id: str,
    overrule_id: str | None = None,
    policy: ChangePolicy = DEFAULT_POLICY,
) -> tuple[ChangeRequest, Notification]:
    """Record a decision to skip the missing previous scale-up stage, and notify the regulators.

    Needs at least ``policy.stage_skip_min_role`` (default manager). Refused when the gate is
    already open (there is nothing to overrule).
    """
    _require_aware("at", at)
    _require_text("reason", reason)
    _require_text("region_id", region_id)
    _require_live(change, "overrule the staged scale-up rule")
    if stage_gate_blocker(change) is None or change.stage is None or change.stage.previous is None:
        raise Conflict(f"Change {change.id} does not skip a stage; there is nothing to overrule.")
    mine = OVERRULE_RANK.get(actor.role)
    if mine is None or mine < OVERRULE_RANK[policy.stage_skip_min_role]:
        raise PermissionDenied(
            f"A {_role_words(actor.role)} may not skip a scale-up stage; this needs a "
            f"{_role_words(policy.stage_skip_min_role)} or above."
        )
    skipped = change.stage.previous
    ovr = Overrule(
        id=overrule_id or f"{change.id}-OVR{len(change.overrules) + 1}",
        kind=OverruleKind.STAGE_SKIP,
        decided_by=actor.person_id,
        role=actor.role,
        reason=reason,
        at=at,
        skipped_stage=skipped,
    )
    new = replace(change, overrules=(*change.overrules, ovr))
    subject = f"Scale-up stage skipped on change {change.id} ({change.title})"
    body = (
        f"On {_fmt(at)} {actor.label} authorised going to {change.stage.value} scale without a "
        f"completed {skipped.value} stage. Reason given: \u201c{reason}\u201d. "
        f"Kiln: {change.kiln_id or change.new_equipment}. The change-control barrier is degraded."
    )
    return new, _notification(new, ovr, region_id, subject, body)


def _notification(
    change: ChangeRequest, ovr: Overrule, region_id: str, subject: str, body: str
) -> Notification:
    return Notification(
        kind="overrule",
        recipient_role=Role.REGULATOR,
        region_id=region_id,
        enterprise_id=change.enterprise_id,
        kiln_id=change.kiln_id,
        change_id=change.id,
        overrule_id=ovr.id,
        subject=subject,
        body=body,
        created_at=ovr.at,
    )


def stage_completion(change: ChangeRequest) -> StageCompletion:
    """The completion record a closed change contributes to the next stage's gate.

    Refused unless the change is closed, has a stage, and carries evidence for that stage
    (evidence with ``stage`` None counts as evidence for the change's own stage).
    """
    if change.state is not ChangeState.CLOSED or change.stage is None:
        raise Conflict(f"Change {change.id} is not a closed scale-up stage.")
    ev = tuple(e for e in change.evidence if e.stage in (None, change.stage))
    if not ev:
        raise Conflict(
            f"Change {change.id} has no evidence attached for the {change.stage.value} stage; "
            "a stage counts as complete only with its evidence."
        )
    closed_at = change.history[-1].at
    return StageCompletion(
        stage=change.stage, completed_at=closed_at, evidence=ev, change_id=change.id
    )


def check_pssr_item(
    change: ChangeRequest, item: PssrItem, actor: Actor, at: datetime, *, note: str = ""
) -> ChangeRequest:
    """Tick a pre-startup review item (only during the pre-startup review).

    ``hazard_zone_defined`` can only be ticked once a zone is set (:func:`define_hazard_zone`).
    """
    _require_aware("at", at)
    if change.state is not ChangeState.PRE_STARTUP_REVIEW:
        raise Conflict(
            f"Cannot tick '{PSSR_ITEM_TEXT[item]}': change {change.id} is "
            f"'{change.state.value}', not in pre-startup review."
        )
    if actor.role not in PLANT_ROLES:
        raise PermissionDenied(
            f"A {_role_words(actor.role)} may not tick the pre-startup review; plant roles only."
        )
    if item is PssrItem.HAZARD_ZONE_DEFINED and change.hazard_zone is None:
        raise Conflict("Define the hazard zone (maximum headcount, essential people) first.")
    check = PssrCheck(item=item, checked_by=actor.person_id, role=actor.role, at=at, note=note)
    return replace(change, pssr_checks=(*change.pssr_checks, check))


def define_hazard_zone(change: ChangeRequest, zone: HazardZone) -> ChangeRequest:
    """Set the hazard zone (before firing is authorised)."""
    if change.state in FIRING_STATES or change.state in TERMINAL_STATES:
        raise Conflict(
            f"Cannot change the hazard zone: change {change.id} is '{change.state.value}'."
        )
    return replace(change, hazard_zone=zone)


def admit_to_zone(zone: HazardZone, people_inside: Iterable[str], person: str) -> frozenset[str]:
    """Admit ``person`` to the hazard zone, returning who is inside afterwards.

    Raises
    ------
    PermissionDenied
        ``person`` is not on the zone's essential list (onlookers stay outside).
    Conflict
        The zone already holds its maximum headcount, or ``person`` is already inside.
    """
    inside = frozenset(people_inside)
    if person not in zone.essential_people:
        raise PermissionDenied(
            f"Refused: {person} is not on the essential-personnel list for {zone.name}. "
            "Only people needed for the firing may enter; watch from outside the zone."
        )
    if person in inside:
        raise Conflict(f"{person} is already logged inside {zone.name}.")
    if len(inside) >= zone.max_headcount:
        raise Conflict(
            f"Refused: {zone.name} already holds {len(inside)} people, its maximum is "
            f"{zone.max_headcount}. Someone must leave before {person} may enter."
        )
    return inside | {person}


def leave_zone(people_inside: Iterable[str], person: str) -> frozenset[str]:
    """Log ``person`` out of the zone."""
    inside = frozenset(people_inside)
    if person not in inside:
        raise Conflict(f"{person} is not logged inside the zone.")
    return inside - {person}


def record_headcount(
    change: ChangeRequest, at: datetime, people_inside: Iterable[str]
) -> ChangeRequest:
    """Log who was seen inside the hazard zone at ``at``. Facts are kept even when they break
    the limit — that is what the signal and the investigation need to see."""
    _require_aware("at", at)
    obs = HeadcountObservation(at=at, people_inside=frozenset(people_inside))
    return replace(change, headcounts=(*change.headcounts, obs))


def record_firing(
    change: ChangeRequest, started_at: datetime, ended_at: datetime | None = None
) -> ChangeRequest:
    """Record a firing as a fact (e.g. one that happened outside the workflow, or a
    reconstruction). Does not change the state; :func:`change_control_signal` judges it."""
    _require_aware("started_at", started_at)
    if ended_at is not None:
        _require_aware("ended_at", ended_at)
        if ended_at <= started_at:
            raise ValidationError("ended_at", ended_at, "must be after started_at")
    return replace(change, firings=(*change.firings, Firing(started_at, ended_at)))


def extend_deadline(
    change: ChangeRequest, new_deadline: datetime, by: str, reason: str, at: datetime
) -> ChangeRequest:
    """Move the deadline, keeping the old one on record (repeated moves are a pressure flag)."""
    _require_aware("new_deadline", new_deadline)
    _require_aware("at", at)
    _require_text("by", by)
    _require_text("reason", reason)
    if change.deadline is None:
        raise Conflict(f"Change {change.id} has no deadline to extend; set one instead.")
    ext = DeadlineExtension(
        at=at, old_deadline=change.deadline, new_deadline=new_deadline, by=by, reason=reason
    )
    return replace(
        change, deadline=new_deadline, deadline_extensions=(*change.deadline_extensions, ext)
    )


# --------------------------------------------------------------------------------------------
# Schedule pressure (rush flags)
# --------------------------------------------------------------------------------------------


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
                    f"the deadline {_fmt(deadline)} leaves {max(left_h, 0.0):.0f} h for review; "
                    f"the minimum is {min_h:.0f} h",
                )
            )
    if change.deadline_external and deadline is not None:
        who = f" by {change.deadline_set_by}" if change.deadline_set_by else ""
        flags.append(
            RushFlag(
                RushCode.EXTERNAL_DEADLINE,
                f"the deadline {_fmt(deadline)} was set from outside the plant{who}",
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
                    f"kiln fired at {_fmt(f.started_at)} under change {cid} while it was "
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
                    f"kiln fired at {_fmt(f.started_at)} under change {cid} on the strength of "
                    f"{len(prior)} overrule(s) by a "
                    + ", ".join(sorted({_role_words(o.role) for o in prior}))
                    + "; the concerns set aside are unresolved while the hazard is present",
                )
            )
        for obj in ch.objections:
            closed = _objection_closed_at(ch, obj)
            if obj.raised_at < hi and (closed is None or closed > lo):
                out.append(
                    (
                        BarrierSeverity.BREACHED,
                        f"firing under change {cid} with an open objection by a "
                        f"{_role_words(obj.author_role)}: \u201c{obj.reason}\u201d",
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
                    f"{n} people logged near the kiln at {_fmt(obs.at)} under change {cid} "
                    "with no hazard zone defined",
                )
            )
            continue
        if n > zone.max_headcount:
            out.append(
                (
                    BarrierSeverity.BREACHED,
                    f"{n} people in {zone.name} at {_fmt(obs.at)}; the maximum is "
                    f"{zone.max_headcount}",
                )
            )
        outsiders = obs.people_inside - zone.essential_people
        if outsiders:
            out.append(
                (
                    BarrierSeverity.BREACHED,
                    f"{len(outsiders)} non-essential people in {zone.name} at {_fmt(obs.at)}",
                )
            )
    for ovr in ch.overrules:
        if ovr.at >= end:
            continue
        if ovr.kind is OverruleKind.STAGE_SKIP and ovr.skipped_stage is not None:
            text = (
                f"{ovr.skipped_stage.value} stage skipped on change {cid} by overrule of a "
                f"{_role_words(ovr.role)} on {_fmt(ovr.at)}: \u201c{ovr.reason}\u201d"
            )
        else:
            target = next((o for o in ch.objections if o.id == ovr.objection_id), None)
            who = _role_words(target.author_role) if target else "reviewer"
            text = (
                f"objection by a {who} on change {cid} overruled by a {_role_words(ovr.role)} "
                f"on {_fmt(ovr.at)}: \u201c{ovr.reason}\u201d"
            )
        out.append((BarrierSeverity.DEGRADED, text))
    if not firings:
        for obj in open_objections(ch, end - timedelta(microseconds=1)):
            out.append(
                (
                    BarrierSeverity.PRESSURE,
                    f"open objection on change {cid} by a {_role_words(obj.author_role)}: "
                    f"\u201c{obj.reason}\u201d",
                )
            )
    for flag in rush_flags(ch, end - timedelta(microseconds=1), policy):
        out.append((BarrierSeverity.PRESSURE, f"schedule pressure on change {cid}: {flag.message}"))
    return out


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _require_text(name: str, value: str) -> None:
    if not value or not value.strip():
        raise ValidationError(name, value, "must not be empty")


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(name, value, "must be timezone-aware (UTC in storage)")


def _fmt(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _role_words(role: Role) -> str:
    return "plant manager" if role == Role.MANAGER else str(role).replace("_", " ")


_ACTION_WORDS: Mapping[ChangeAction, str] = {
    ChangeAction.SUBMIT: "submit the change for review",
    ChangeAction.APPROVE_FOR_STAGE: "approve the change for this stage",
    ChangeAction.START_PRE_STARTUP_REVIEW: "start the pre-startup review",
    ChangeAction.AUTHORISE_FIRING: "authorise firing",
    ChangeAction.START_FIRING: "start firing",
    ChangeAction.ABORT_FIRING: "abort the firing",
    ChangeAction.CLOSE: "close the change",
    ChangeAction.REJECT: "reject the change",
    ChangeAction.WITHDRAW: "withdraw the change",
}


def _action_words(action: ChangeAction) -> str:
    return _ACTION_WORDS[action]


def _objection_words(obj: Objection) -> str:
    return (
        f"open objection by a {_role_words(obj.author_role)} ({obj.author_id}) since "
        f"{_fmt(obj.raised_at)}: \u201c{obj.reason}\u201d"
    )
