"""Display wording of change control: how roles, actions, objections and checklist items read
in refusals, notifications and pages. Kept apart so every layer shows the same words."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from kilnguard.domain.change.model import ChangeAction, Objection, PssrItem
from kilnguard.domain.roles import Role

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


def fmt(at: datetime) -> str:
    """A time as the domain's sentences show it, in UTC."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def role_words(role: Role) -> str:
    """A role as people say it: ``plant manager``, ``technical lead``."""
    return "plant manager" if role == Role.MANAGER else str(role).replace("_", " ")


ACTION_WORDS: Mapping[ChangeAction, str] = {
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


def action_words(action: ChangeAction) -> str:
    """What an action does, as a phrase after "Cannot …"."""
    return ACTION_WORDS[action]


def objection_words(obj: Objection) -> str:
    """An open objection as a blocker sentence."""
    return (
        f"open objection by a {role_words(obj.author_role)} ({obj.author_id}) since "
        f"{fmt(obj.raised_at)}: \u201c{obj.reason}\u201d"
    )
