"""Alert vocabulary and configuration: levels, escalation words and delays, plant-day times."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kilnguard.config import ALERT_ACK_ROLES_VAR, alert_ack_roles_setting, env_number
from kilnguard.domain import risk as rk
from kilnguard.domain.errors import ValidationError
from kilnguard.domain.roles import Role
from kilnguard.services.access import RIGHTS
from kilnguard.services.risk.levels import summary_of as summary_of  # the alerts' summary

LEVELS = rk.LEVEL_NAMES  # green, amber, red, stop
RANK = {name: i for i, name in enumerate(LEVELS)}
ESCALATION_WORDS = (
    "not escalated",
    "escalated to the enterprise's managers",
    "escalated to the region's regulators",
)
SUPERSEDED = "superseded"
#: Levels whose acknowledgement stops an escalation, so only `ack_roles()` may give it.
SEVERE = ("red", "stop")
ACK_ROLES_VAR = ALERT_ACK_ROLES_VAR
#: Who may acknowledge a red or stop alert unless `KILNGUARD_ALERT_ACK_ROLES` says otherwise:
#: the people an unacknowledged one escalates to first, and the enterprise's safety officers.
DEFAULT_ACK_ROLES = (Role.MANAGER, Role.SAFETY_OFFICER)
FELL_TO_GREEN = "level fell to green"


@dataclass(frozen=True)
class AlertConfig:
    """Escalation delays [h] after an unacknowledged red or stop alert is raised."""

    escalate_managers_h: float = 4.0
    escalate_regulators_h: float = 24.0

    @classmethod
    def from_env(cls) -> AlertConfig:
        def hours(name: str, default: float) -> float:
            return env_number(name, default, unit="hours")

        managers = hours("KILNGUARD_ALERT_ESCALATE_MANAGERS_H", cls.escalate_managers_h)
        regulators = hours("KILNGUARD_ALERT_ESCALATE_REGULATORS_H", cls.escalate_regulators_h)
        if regulators < managers:
            raise ValidationError(
                "KILNGUARD_ALERT_ESCALATE_REGULATORS_H",
                regulators,
                f"must not be earlier than the managers' escalation ({managers:g} h)",
            )
        return cls(managers, regulators)


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The end of plant-local `day` (midnight starting the next day) in UTC."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz).astimezone(dt.UTC)


def ack_roles() -> tuple[Role, ...]:
    """The roles that may acknowledge a red or stop alert: `KILNGUARD_ALERT_ACK_ROLES`, a
    comma-separated list of role names (default ``manager,safety_officer``). An unknown name,
    or a role that may not acknowledge alerts at all (a regulator), is refused naming the
    variable.
    """
    raw = alert_ack_roles_setting().strip()
    if not raw:
        return DEFAULT_ACK_ROLES
    names = [n.strip().lower().replace(" ", "_") for n in raw.split(",") if n.strip()]
    members = RIGHTS["alert_acknowledgement"].roles  # who may acknowledge any alert at all
    known = {r.value: r for r in Role if r in members}
    if not names or any(n not in known for n in names):
        raise ValidationError(
            ACK_ROLES_VAR,
            raw,
            "must list roles of enterprise members, comma-separated, from: "
            + ", ".join(sorted(known)),
        )
    return tuple(known[n] for n in dict.fromkeys(names))
