"""Plain input records of the investigation timeline: production against rating, targets,
maintenance, shifts with fatigue, risk levels and alerts, each with its provenance
(``recorded``/``reconstructed``). The service layer builds them from the stores; the timeline
(:mod:`.timeline`) turns them into entries. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from kilnguard.domain.change import Source
from kilnguard.domain.errors import ValidationError

DEFAULT_WINDOW_DAYS = 60
"""Days of records before the incident that the timeline covers by default (issue 6)."""

FactValue = str | int | float | bool | None
"""Type of a value in :attr:`TimelineEntry.facts`."""

# --------------------------------------------------------------------------------------------
# Plain input records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductionDay:
    """Output of one kiln on one day against its rating."""

    kiln_id: str
    day: date
    output_t: float
    rated_capacity_t_per_day: float
    source: Source = "recorded"

    def __post_init__(self) -> None:
        if self.rated_capacity_t_per_day <= 0:
            raise ValidationError(
                "rated_capacity_t_per_day", self.rated_capacity_t_per_day, "must be > 0 [t/day]"
            )
        if self.output_t < 0:
            raise ValidationError("output_t", self.output_t, "must be ≥ 0 [t]")

    @property
    def load_ratio(self) -> float:
        """output / rated capacity [-]."""
        return self.output_t / self.rated_capacity_t_per_day


@dataclass(frozen=True)
class TargetEntered:
    """A production target (or any imposed goal) entered, with who set it and its deadline."""

    at: datetime
    description: str
    set_by: str
    quantity_t: float | None = None
    deadline: datetime | None = None
    external: bool = False
    kiln_id: str | None = None
    source: Source = "recorded"


class MaintenanceStatus(StrEnum):
    """What the maintenance record says happened."""

    DUE = "due"
    DEFERRED = "deferred"
    DONE = "done"


@dataclass(frozen=True)
class MaintenanceRecord:
    """A maintenance task falling due, deferred (with its reason) or done."""

    at: datetime
    kiln_id: str | None
    task: str
    status: MaintenanceStatus
    reason: str = ""
    by: str = ""
    source: Source = "recorded"

    def __post_init__(self) -> None:
        if self.status is MaintenanceStatus.DEFERRED and not self.reason.strip():
            raise ValidationError("reason", self.reason, "a deferral must record its reason")


@dataclass(frozen=True)
class ShiftRecord:
    """A crew's shift on a kiln with the fatigue the model gave it.

    ``fatigue_score`` is in the units of ``fatigue_model`` (e.g. HSE FRI-like risk index, or
    KSS); ``fatigue_label`` is its plain-words band ("high").
    """

    kiln_id: str | None
    crew: str
    start: datetime
    end: datetime
    people: tuple[str, ...] = ()
    fatigue_score: float | None = None
    fatigue_label: str = ""
    fatigue_model: str = ""
    source: Source = "recorded"

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValidationError("end", self.end, "must be after start")


@dataclass(frozen=True)
class RiskLevelRecord:
    """The risk level the engine gave a kiln on a day, with its reasons."""

    kiln_id: str
    day: date
    level: str
    reasons: tuple[str, ...] = ()
    source: Source = "recorded"


@dataclass(frozen=True)
class AlertRecord:
    """An alert raised, and who acknowledged it when (None: nobody)."""

    kiln_id: str | None
    raised_at: datetime
    level: str
    message: str
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    source: Source = "recorded"
