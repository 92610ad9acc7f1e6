"""Pydantic models of the planner's REST bodies and responses (the OpenAPI document's).

Field names and shapes are the contract of ``GET /api/v1/plans`` — the same JSON as
``kilnguard plan --json`` (:meth:`kilnguard.services.planning.PlanReport.to_json`) — and of
``POST /api/v1/plans/adopt``. ``extra="forbid"``: a field the report adds without its model
here is an error, not a silent loss.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from kilnguard.api.bounds import Body
from kilnguard.config import env_number
from kilnguard.services.planning.adopt import AdoptionView

__all__ = [
    "AdoptBody",
    "AdoptionOut",
    "HorizonOut",
    "KilnMaintenanceOut",
    "KilnOut",
    "MaintenanceSlotOut",
    "PlanOut",
    "PlanReplayOut",
    "PushingRowOut",
    "ReplaySummaryOut",
    "TargetOut",
]

#: Tonnes [t]: a float, but the integer 0 where the report sums nothing (a kiln that does not
#: fire); kept as the report writes it, so the JSON is the CLI's to the byte.
Tonnes = float | int

#: Solver limit of the web and API front ends [s]: short, the page waits for it.
WEB_TIME_LIMIT_S = 10.0

#: The most solver time one web or API request may ask for [s]: a request holds a server
#: worker while it solves, so the server caps it (the CLI, run by the plant itself, does not).
#: Setting ``KILNGUARD_PLAN_MAX_TIME_LIMIT_S`` (default 30 s; read at start).
MAX_WEB_TIME_LIMIT_S = env_number(
    "KILNGUARD_PLAN_MAX_TIME_LIMIT_S", 30.0, unit="seconds", above=True
)

TIME_LIMIT_HELP = f"Solver time limit [s]: more than 0, at most {MAX_WEB_TIME_LIMIT_S:g}"

TimeLimit = Annotated[
    float, Field(gt=0, le=MAX_WEB_TIME_LIMIT_S, allow_inf_nan=False, description=TIME_LIMIT_HELP)
]
"""A solver time limit a request may ask for [s] (finite, positive, capped)."""


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AdoptBody(Body):
    """Which enterprise's plan to adopt, as of which day, and how long to solve."""

    enterprise_id: int
    as_of: dt.date | None = Field(None, description="Default: as for GET /api/v1/plans")
    time_limit_s: TimeLimit = WEB_TIME_LIMIT_S


class HorizonOut(_Out):
    """The planned days."""

    first_day: dt.date
    last_day: dt.date
    days: int
    shifts_per_day: int


class TargetOut(_Out):
    """One open target: what is still due, what the safe plan makes, and what is safe [t]."""

    target_id: int
    description: str
    imposed_by: str
    additional: bool
    quantity_t: Tonnes
    remaining_t: Tonnes
    entered_on: dt.date
    deadline: dt.date
    planned_t: Tonnes
    shortfall_t: Tonnes
    met: bool
    max_safe_t: Tonnes
    max_safe_proven: bool
    earliest_safe_date: dt.date | None
    earliest_safe_proven: bool


class ReplaySummaryOut(_Out):
    """Risk-engine levels of a plan (or the recorded history) over the plan's days."""

    worst_level: str
    first_day: dt.date
    last_day: dt.date
    worst_by_kiln: dict[str, str]
    worst_kiln: str | None
    worst_day: dt.date | None
    why: str
    kiln_days_by_level: dict[str, int]


class PlanReplayOut(ReplaySummaryOut):
    """The proposed plan's replay, with the recorded history's beside it."""

    actual_worst_level: str | None
    actual: ReplaySummaryOut | None


class PushingRowOut(_Out):
    """One load margin of the price of pushing: tonnes [t], damage [-], fatigue, risk."""

    margin: float
    status: str
    planned_t: Tonnes
    extra_t: Tonnes
    total_output_t: Tonnes
    max_load_ratio: float
    wear_damage: float
    wear_damage_by_kiln: dict[str, float]
    worker_shifts: int
    night_worker_shifts: int
    min_rest_h: float | None
    max_consecutive_days: int
    worst_level: str | None


class KilnMaintenanceOut(_Out):
    """A maintenance task due on a kiln within the horizon."""

    task: str
    duration_days: int
    due_on: dt.date
    overdue: bool


class KilnOut(_Out):
    """A kiln as planned: rating, crew, lining damage, campaign, planned output."""

    kiln_id: int
    name: str
    kind: str
    rated_capacity_t_per_day: float
    crew_size: int
    wear_damage: float
    campaign_limit_days: int
    days_run_since_stop: int
    planned_output_t: Tonnes
    maintenance: list[KilnMaintenanceOut]


class MaintenanceSlotOut(_Out):
    """A maintenance task placed in the plan (the kiln is cold from first to last day)."""

    kiln: str
    task: str
    first_day: dt.date
    last_day: dt.date
    due_on: dt.date
    overdue: bool


class KilnChangeOut(_Out):
    """One kiln: the adopted plan and this plan over the days both cover."""

    kiln: str
    adopted_t: Tonnes
    planned_t: Tonnes
    change_t: float
    adopted_shifts: int
    planned_shifts: int
    shifts_moved: int


class AdoptedDiffOut(_Out):
    """The adopted plan this run started from, and how this plan differs from it."""

    adoption_id: int
    change_t: float
    shifts_moved: int
    kilns: list[KilnChangeOut]


class PlanOut(_Out):
    """The planner's answer: verdict, safe maximum, earliest safe date, binding constraints,
    the replay of the plan and of the recorded history, and the price of pushing."""

    enterprise: str
    enterprise_id: int
    as_of: dt.date
    horizon: HorizonOut
    feasible: bool
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    runtime_s: float
    allowed_load_margin: float
    first_deadline: dt.date | None
    max_safe_t: Tonnes | None
    earliest_safe_date: dt.date | None
    binding: list[str]
    targets: list[TargetOut]
    replay: PlanReplayOut
    price_of_pushing: list[PushingRowOut]
    kilns: list[KilnOut]
    maintenance: list[MaintenanceSlotOut]
    planned_output_t: Tonnes
    kiln_shifts: int
    worker_shifts: int
    notes: list[str]
    adopted: AdoptedDiffOut | None = None


AdoptionOut = AdoptionView
"""An adopted plan: what was written, and the replay's worst level (the service's view is the
JSON shape; FastAPI serialises the dataclass)."""


class KilnForecastOut(_Out):
    """One kiln under the adopted plan: the first forecast day at each level, the worst."""

    kiln_id: int
    kiln: str
    level_now: str = Field(description="level on the last recorded day")
    worst_level: str = Field(description="worst forecast level after the last record")
    worst_day: dt.date | None
    adopted_worst: str = Field(description="worst level of the forecast the plan was adopted with")
    risen: bool = Field(description="the forecast now reaches a higher level than when adopted")
    first_at: dict[str, dt.date | None] = Field(
        description="first forecast day at amber, red and stop or worse (null: not reached)"
    )
    sentence: str
    why: str


class PlanForecastOut(_Out):
    """The risk engine over the history plus the adopted plan's days after the last record."""

    adoption_id: int
    enterprise_id: int
    adopted_at: dt.datetime
    last_record_day: dt.date | None
    first_day: dt.date
    last_day: dt.date
    days: int
    kilns: list[KilnForecastOut]
