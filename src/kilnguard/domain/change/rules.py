"""The role rules of the change-control workflow: who proposes, reviews, overrules and acts.

These are workflow rules, not tenancy: whether a user may act on a change of an enterprise at all
is decided by ``services.access``; once they may, these rules decide which act their role allows
(CCPS 2008 practice [R, SOURCES §4.2]; OSHA 29 CFR 1910.119(l)(2)(v) "authorization
requirements" [V summary, SOURCES §4.1]; ILO C155 (1981) Art. 13/19 as the basis of objections
that block and overrules by higher authority reported to the regulator [R, SOURCES §4.2]).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from kilnguard.domain.change.model import ChangeAction, ChangeKind
from kilnguard.domain.change.words import role_words
from kilnguard.domain.errors import PermissionDenied, ValidationError
from kilnguard.domain.roles import Role
from kilnguard.domain.validation import parse_choice, require_text

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
        require_text("person_id", self.person_id)
        # accept a Role or a plain string with the same value
        object.__setattr__(self, "role", parse_choice(Role, "role", self.role))

    @property
    def label(self) -> str:
        """How the person is named in messages: ``"Pak (technician)"``."""
        return f"{self.name or self.person_id} ({role_words(self.role)})"


_A = ChangeAction

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


def can_overrule(overruler: Role, objector: Role) -> bool:
    """True when ``overruler`` ranks strictly above ``objector`` (see :data:`OVERRULE_RANK`)."""
    mine = OVERRULE_RANK.get(overruler)
    theirs = OVERRULE_RANK.get(objector)
    return mine is not None and theirs is not None and mine > theirs


def may_skip_stage(role: Role, policy: ChangePolicy = DEFAULT_POLICY) -> bool:
    """True when ``role`` ranks high enough to overrule a missing scale-up stage."""
    mine = OVERRULE_RANK.get(role)
    return mine is not None and mine >= OVERRULE_RANK[policy.stage_skip_min_role]


class RecordAct(StrEnum):
    """Acts that add records to a change without moving it between states."""

    PROPOSE = "propose"
    ADD_HAZARD = "add_hazard"
    ATTACH_EVIDENCE = "attach_evidence"
    RECORD_STAGE = "record_stage"
    DEFINE_ZONE = "define_zone"
    KEEP_ZONE_LOG = "keep_zone_log"
    RECORD_FIRING = "record_firing"


_REVIEWERS_ONLY = "only a reviewer (technical lead, safety officer, plant manager) may {what}"

RECORD_ROLES: Mapping[RecordAct, tuple[frozenset[Role], str]] = {
    RecordAct.PROPOSE: (PLANT_ROLES, "a {role} may not propose changes; plant roles only"),
    RecordAct.ADD_HAZARD: (PLANT_ROLES, "plant roles only may add hazard entries"),
    RecordAct.ATTACH_EVIDENCE: (PLANT_ROLES, "plant roles only may attach evidence"),
    RecordAct.RECORD_STAGE: (
        REVIEWER_ROLES,
        _REVIEWERS_ONLY.format(what="record a scale-up stage complete"),
    ),
    RecordAct.DEFINE_ZONE: (REVIEWER_ROLES, _REVIEWERS_ONLY.format(what="define the hazard zone")),
    RecordAct.KEEP_ZONE_LOG: (PLANT_ROLES, "plant roles only may keep the hazard-zone log"),
    RecordAct.RECORD_FIRING: (
        PLANT_ROLES | {Role.INVESTIGATOR},
        "plant roles and investigators only may record a firing",
    ),
}
"""Who may add each kind of record, and the refusal in plain words. Proposing, adding hazards
and evidence and keeping the zone log are plant work; the scale-up stage and the hazard zone
are the reviewers' call; an investigator may record a firing found in the evidence."""


def require_may_record(act: RecordAct, role: Role) -> None:
    """Refuse (PermissionDenied) unless ``role`` may do ``act`` (:data:`RECORD_ROLES`)."""
    roles, refusal = RECORD_ROLES[act]
    if role not in roles:
        raise PermissionDenied(refusal.format(role=role.value.replace("_", " ")))
