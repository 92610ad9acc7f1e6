"""Alert vocabulary and configuration: levels, escalation words and delays, plant-day times."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kilnguard.config import env_number
from kilnguard.domain import risk as rk
from kilnguard.domain.errors import ValidationError
from kilnguard.services.risk.levels import summary_of as summary_of  # the alerts' summary

LEVELS = rk.LEVEL_NAMES  # green, amber, red, stop
RANK = {name: i for i, name in enumerate(LEVELS)}
ESCALATION_WORDS = (
    "not escalated",
    "escalated to the enterprise's managers",
    "escalated to the region's regulators",
)
SUPERSEDED = "superseded"
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
