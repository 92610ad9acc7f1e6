"""Change-control records: kinds, stages, states, and the frozen values a change is made of.

Pure values, no rules beyond field validation: every mutating function (``workflow``, ``dissent``,
``zone``) returns a new :class:`ChangeRequest`. Nothing here deletes a review, an objection, an
overrule or a history record.

Sources (confidence tags from ../shared/design/SOURCES.md)
----------------------------------------------------------
- OSHA 29 CFR 1910.119(l)(1): what a change is (chemicals, technology, equipment, procedures,
  facilities) [V summary, SOURCES §4.1].
- OSHA 29 CFR 1910.119(i)(2)(A)–(D) pre-startup safety review items [V summary, SOURCES §4.1].
- CCPS (2008), *Guidelines for the Management of Change for Process Safety*, ISBN
  978-0-470-04309-7: workflow states and what-if/checklist hazard review [R, SOURCES §4.2].
- Staged scale-up (lab → pilot → plant); CSB T2 Laboratories report 2008-3-I-FL [V, SOURCES §4.3].
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.roles import Role
from kilnguard.domain.validation import require_aware, require_text

Source = Literal["recorded", "reconstructed"]
"""Provenance of a record: ``recorded`` in the plant, or ``reconstructed`` for a demo/replay."""


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
        require_text("hazard", self.hazard)
        require_text("cause", self.cause)
        require_text("consequence", self.consequence)


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class EvidenceRef:
    """A file attached as evidence, by name and SHA-256 of its content (the file itself lives in
    the store; the checksum lets anyone prove later that it was not swapped)."""

    name: str
    sha256: str
    stage: ScaleStage | None = None

    def __post_init__(self) -> None:
        require_text("name", self.name)
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
        require_aware("completed_at", self.completed_at)


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
        require_text("name", self.name)
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
class ZoneLogEntry:
    """One request to enter the hazard zone, or a departure: who, when, the outcome and why.

    Refusals are kept as facts (issue 5): onlookers turned away at a firing are part of the
    record an investigation reads."""

    at: datetime
    person: str
    outcome: str  # admitted | refused | left
    reason: str = ""


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
    zone_log: tuple[ZoneLogEntry, ...] = ()
    firings: tuple[Firing, ...] = ()
    history: tuple[TransitionRecord, ...] = ()
    source: Source = "recorded"

    def __post_init__(self) -> None:
        require_text("id", self.id)
        require_text("title", self.title)
        require_text("purpose", self.purpose)
        require_text("enterprise_id", self.enterprise_id)
        require_text("proposed_by", self.proposed_by)
        require_aware("created_at", self.created_at)
        if self.kiln_id is None and not self.new_equipment.strip():
            raise ValidationError(
                "kiln_id", None, "tie the change to a kiln, or name the new equipment"
            )
        if self.deadline is not None:
            require_aware("deadline", self.deadline)
