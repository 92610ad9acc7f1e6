"""CAST causal analysis: the safety control structure from the regional authority down to the
kiln, unsafe control actions, systemic factors, and recommendations tracked as corrective
actions. The structure makes the analysis reach every level of control instead of stopping at
the last person who touched the kiln (the Chongjin lab head and researcher, SCENARIOS.md).
Pure.

References
----------
- Leveson, N. G. (2019). *CAST Handbook: How to Learn More from Incidents and Accidents*.
  MIT Partnership for Systems Approaches to Safety and Security.
  https://psas.scripts.mit.edu/home/books-and-handbooks/ — steps 1–5 (basic information;
  control structure; analysis of each component: responsibilities, unsafe control actions,
  process-model flaws, feedback, context; systemic factors; recommendations) [V step list,
  SOURCES §6.1].
- Leveson, N. G. (2011). *Engineering a Safer World: Systems Thinking Applied to Safety*. MIT
  Press. ISBN 978-0-262-01662-9 (STAMP, the model CAST applies) [R].
- Leveson, N. G., Thomas, J. P. (2018). *STPA Handbook*. MIT PSASS: the four types of unsafe
  control action [R].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import IntEnum, StrEnum
from itertools import pairwise

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.investigation.actions import CorrectiveAction
from kilnguard.domain.validation import require_text

# --------------------------------------------------------------------------------------------
# CAST
# --------------------------------------------------------------------------------------------


class ControlLevel(IntEnum):
    """Levels of the safety control structure for a kiln incident, top down."""

    REGIONAL_AUTHORITY = 1
    ENTERPRISE_MANAGEMENT = 2
    SECTION = 3
    CREW = 4
    KILN = 5


class UcaType(StrEnum):
    """The four ways a control action can be unsafe (Leveson & Thomas 2018, STPA Handbook) [R]."""

    NOT_PROVIDED = "not_provided"
    PROVIDED_UNSAFE = "provided_unsafe"
    WRONG_TIMING_OR_ORDER = "wrong_timing_or_order"
    WRONG_DURATION = "wrong_duration"


@dataclass(frozen=True)
class UnsafeControlAction:
    """A control action that contributed to the loss, and how it was unsafe."""

    description: str
    type: UcaType


@dataclass(frozen=True)
class Controller:
    """One controller in the structure (CAST step 3).

    ``responsibilities``, ``control_actions`` and ``feedback_channels`` describe the design;
    ``unsafe_control_actions``, ``flawed_feedback``, ``process_model_flaws`` (what it believed
    that was wrong) and ``context`` (why its actions made sense at the time) are the analysis.
    """

    id: str
    name: str
    level: ControlLevel
    responsibilities: tuple[str, ...]
    control_actions: tuple[str, ...] = ()
    feedback_channels: tuple[str, ...] = ()
    unsafe_control_actions: tuple[UnsafeControlAction, ...] = ()
    flawed_feedback: tuple[str, ...] = ()
    process_model_flaws: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()

    @property
    def analysed(self) -> bool:
        """True once any contribution (UCA, flawed feedback, process-model flaw, context) is on
        record."""
        return bool(
            self.unsafe_control_actions
            or self.flawed_feedback
            or self.process_model_flaws
            or self.context
        )


@dataclass(frozen=True)
class ControlLink:
    """A control relationship: controller acts on controlled; feedback flows back."""

    controller_id: str
    controlled_id: str
    control_actions: tuple[str, ...] = ()
    feedback: tuple[str, ...] = ()


@dataclass(frozen=True)
class ControlStructure:
    """The safety control structure (CAST step 2)."""

    controllers: tuple[Controller, ...]
    links: tuple[ControlLink, ...] = ()

    def __post_init__(self) -> None:
        ids = [c.id for c in self.controllers]
        if len(set(ids)) != len(ids):
            raise ValidationError("controllers", ids, "controller ids must be unique")
        known = set(ids)
        for link in self.links:
            for end in (link.controller_id, link.controlled_id):
                if end not in known:
                    raise ValidationError("links", end, "link to an unknown controller")

    def controller(self, controller_id: str) -> Controller:
        """The controller with ``controller_id``."""
        for c in self.controllers:
            if c.id == controller_id:
                return c
        raise ValidationError("controller_id", controller_id, "no such controller")


def analyse_controller(
    structure: ControlStructure,
    controller_id: str,
    *,
    unsafe_control_actions: Sequence[UnsafeControlAction] = (),
    flawed_feedback: Sequence[str] = (),
    process_model_flaws: Sequence[str] = (),
    context: Sequence[str] = (),
    questions: Sequence[str] = (),
) -> ControlStructure:
    """Add analysis to one controller (appends; nothing earlier is removed)."""
    c = structure.controller(controller_id)
    new = replace(
        c,
        unsafe_control_actions=(*c.unsafe_control_actions, *unsafe_control_actions),
        flawed_feedback=(*c.flawed_feedback, *flawed_feedback),
        process_model_flaws=(*c.process_model_flaws, *process_model_flaws),
        context=(*c.context, *context),
        questions=(*c.questions, *questions),
    )
    return replace(
        structure,
        controllers=tuple(new if x.id == controller_id else x for x in structure.controllers),
    )


def unanalysed_levels(structure: ControlStructure) -> list[ControlLevel]:
    """Levels of control where no controller has any analysis yet.

    An analysis that stops at the crew or the kiln is the blame-the-last-person pattern (the
    Chongjin lab head and researcher) that CAST exists to avoid; a report should show this list
    until it is empty.
    """
    levels = {c.level for c in structure.controllers}
    done = {c.level for c in structure.controllers if c.analysed}
    return sorted(levels - done)


class SystemicFactor(StrEnum):
    """CAST step 4 systemic factors (Leveson 2019) [V step list, SOURCES §6.1]."""

    COMMUNICATION_AND_COORDINATION = "communication_and_coordination"
    SAFETY_INFORMATION_SYSTEM = "safety_information_system"
    SAFETY_MANAGEMENT_DESIGN = "safety_management_design"
    SAFETY_CULTURE = "safety_culture"
    CHANGES_OVER_TIME = "changes_over_time"
    ECONOMICS = "economics"
    ENVIRONMENT = "environment"


@dataclass(frozen=True)
class Recommendation:
    """A CAST recommendation (step 5): which controller it changes, who owns it, by when."""

    id: str
    text: str
    controller_id: str
    owner_id: str
    due_on: date
    priority: int = 2
    systemic_factor: SystemicFactor | None = None

    def __post_init__(self) -> None:
        require_text("id", self.id)
        require_text("text", self.text)
        require_text("owner_id", self.owner_id)
        if self.priority not in (1, 2, 3):
            raise ValidationError("priority", self.priority, "must be 1 (high), 2 or 3 (low)")


def recommendation_to_action(rec: Recommendation, action_id: str | None = None) -> CorrectiveAction:
    """The corrective action that tracks ``rec`` to closure (owner, due date, status)."""
    return CorrectiveAction(
        id=action_id or f"CA-{rec.id}",
        description=rec.text,
        owner_id=rec.owner_id,
        due_on=rec.due_on,
        source_ref=rec.id,
    )


def cast_gaps(structure: ControlStructure, recommendations: Sequence[Recommendation]) -> list[str]:
    """What the analysis still lacks, in words: unanalysed levels, and analysed controllers
    that no recommendation addresses (a finding with no fix is not yet a lesson)."""
    gaps = [
        f"no analysis yet at level {lvl.name.lower().replace('_', ' ')}"
        for lvl in unanalysed_levels(structure)
    ]
    addressed = {r.controller_id for r in recommendations}
    for c in structure.controllers:
        if c.analysed and c.id not in addressed:
            gaps.append(f"no recommendation addresses {c.name}")
    unknown = sorted(addressed - {c.id for c in structure.controllers})
    gaps.extend(f"recommendation targets unknown controller {u}" for u in unknown)
    return gaps


def default_control_structure(
    region: str, enterprise: str, section: str, kiln: str
) -> ControlStructure:
    """The five-level safety control structure for a kiln incident, with default
    responsibilities, control actions and feedback channels (to be edited per case).

    Levels: regional authority → enterprise management → section → crew → kiln (the controlled
    process with its physical controls). The regional authority is a controller because it sets
    targets and deadlines (SOURCES §6.1: "the party/province targets are controllers in the
    control structure"); the feedback channels are the records the Komusan investigators asked
    for — kiln repairs, work shifts, accident-prevention measures.
    """
    for name, value in (
        ("region", region),
        ("enterprise", enterprise),
        ("section", section),
        ("kiln", kiln),
    ):
        require_text(name, value)
    controllers = (
        Controller(
            id="regional_authority",
            name=f"{region} regional authority",
            level=ControlLevel.REGIONAL_AUTHORITY,
            responsibilities=(
                "set production targets that enterprises can meet within the rating of their kilns",
                "enforce safety regulations; inspect enterprises; order stops",
                "act on overrule notifications and incident reports",
                "pass the lessons of every accident to the region's enterprises",
            ),
            control_actions=("targets and deadlines", "inspections and stop orders", "bulletins"),
            feedback_channels=(
                "plan-fulfilment reports",
                "incident reports",
                "overrule notifications",
                "bulletin acknowledgements",
            ),
        ),
        Controller(
            id="enterprise_management",
            name=f"{enterprise} management",
            level=ControlLevel.ENTERPRISE_MANAGEMENT,
            responsibilities=(
                "accept only targets the kilns can meet within rating, or refuse them in writing",
                "fund and schedule maintenance and repairs",
                "staff crews so that rest rules hold",
                "run change control: hear objections, approve or stop changes",
            ),
            control_actions=(
                "production plan",
                "maintenance budget and schedule",
                "rosters",
                "change approvals and overrules",
            ),
            feedback_channels=(
                "production against rating",
                "maintenance due, deferred and done",
                "shift and fatigue records",
                "objections, risk levels and alerts",
            ),
        ),
        Controller(
            id="section",
            name=f"{section} section",
            level=ControlLevel.SECTION,
            responsibilities=(
                "operate kilns within their rating and campaign limits",
                "inspect and reline when due; record every deferral with its reason",
                "run pre-startup reviews; keep the hazard zone to essential people",
            ),
            control_actions=("kiln loading and firing schedule", "work orders", "zone admission"),
            feedback_channels=("kiln logs", "inspection results", "alarms", "crew reports"),
        ),
        Controller(
            id="crew",
            name=f"crew on {kiln}",
            level=ControlLevel.CREW,
            responsibilities=(
                "operate the kiln by procedure",
                "stop firing and report when limits are exceeded",
                "object to unsafe changes",
            ),
            control_actions=("fuel, draught and feed settings", "emergency stop", "objections"),
            feedback_channels=("instrument readings and alarms", "visual inspection"),
        ),
        Controller(
            id="kiln",
            name=kiln,
            level=ControlLevel.KILN,
            responsibilities=(
                "interlocks cut fuel on flame failure, high CO or high pressure",
                "relief vents overpressure",
                "the refractory lining keeps the shell within temperature limits",
            ),
            control_actions=("automatic trips", "pressure relief"),
            feedback_channels=("temperature, pressure and CO", "shell scanner"),
        ),
    )
    links = tuple(
        ControlLink(
            controller_id=upper.id,
            controlled_id=lower.id,
            control_actions=upper.control_actions,
            feedback=lower.feedback_channels,
        )
        for upper, lower in pairwise(controllers)
    )
    return ControlStructure(controllers=controllers, links=links)
