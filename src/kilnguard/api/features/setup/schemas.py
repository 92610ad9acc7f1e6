"""Set-up API shapes: create, change (PATCH: only the fields sent change; `null` clears an
optional field) and retire regions, enterprises, sections, kilns, crews, workers and users.
Field names carry their units."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kilnguard.api.features.records.schemas import body_of
from kilnguard.services import records as svc


class ErrorOut(BaseModel):
    """A refused request: the error's class and a sentence; a validation error also names the
    field, the refused value and the rule."""

    error: str
    detail: str
    field: str | None = None
    value: Any = None
    rule: str | None = None


#: The refusals every set-up write may answer with, documented on each route.
REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "Your role may not do this"},
    404: {"model": ErrorOut, "description": "No such record, or not yours to see"},
    409: {"model": ErrorOut, "description": "Not possible in its current state"},
    422: {"model": ErrorOut, "description": "A field breaks a rule (field, value, rule)"},
}


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RegionOut(Out):
    id: int
    name: str
    timezone: str = Field(description="IANA time zone of the region's plants")
    retired_on: dt.date | None


class EnterpriseSetupOut(Out):
    id: int
    region_id: int
    region: str | None
    name: str
    tier: int
    sector: str
    retired_on: dt.date | None


class SectionSetupOut(Out):
    id: int
    enterprise_id: int
    enterprise: str | None
    name: str
    retired_on: dt.date | None


class KilnSetupOut(Out):
    id: int
    enterprise_id: int
    enterprise: str | None
    section_id: int | None
    section: str | None
    name: str
    kind: str
    rated_capacity_t_per_day: float
    max_temperature_c: float
    campaign_limit_days: int
    lining_installed_on: dt.date | None
    lining_design_life_days: int | None
    lining_used_t_at_onboarding: float | None = Field(
        description="Tonnes fired on the current lining before the first stored record [t]"
    )
    lining_used_fraction_at_onboarding: float | None = Field(
        description="Fraction of the lining's design life used then [0–1]"
    )
    retired_on: dt.date | None
    source: str


class CrewSetupOut(Out):
    id: int
    enterprise_id: int
    enterprise: str | None
    name: str
    retired_on: dt.date | None


class WorkerSetupOut(Out):
    id: int
    enterprise_id: int
    enterprise: str | None
    number: str = Field(description="Worker number, unique in the enterprise")
    name: str
    crew_id: int | None
    crew: str | None
    job: str
    qualifications: str = Field(description="Kiln kinds, comma-separated")
    retired_on: dt.date | None
    source: str


# ------------------------------------------------------------------------------ create
class RegionCreate(BaseModel):
    name: str
    timezone: str = Field("UTC", description="IANA time zone, e.g. Asia/Pyongyang")


class EnterpriseCreate(BaseModel):
    region_id: int
    name: str
    tier: int = Field(description="1, 2 or 3")
    sector: str = Field(description="e.g. cement, refractory brick, lime")


class NamedCreate(BaseModel):
    enterprise_id: int
    name: str


KilnCreate = body_of(svc.KilnIn, "KilnCreate")


class WorkerCreate(BaseModel):
    enterprise_id: int
    name: str
    number: str = Field(
        "", description="Worker number, unique in the enterprise; empty: the next free W-0001"
    )
    crew_id: int | None = None
    job: str = "kiln operator"
    qualifications: list[str] = Field(
        default_factory=list, description="Kiln kinds: rotary, tunnel, shaft, periodic, test"
    )


# ------------------------------------------------------------------------------ change
class RegionPatch(BaseModel):
    name: str | None = None
    timezone: str | None = Field(None, description="IANA time zone")


class EnterprisePatch(BaseModel):
    name: str | None = None
    region_id: int | None = None
    tier: int | None = Field(None, description="1, 2 or 3")
    sector: str | None = None


class NamedPatch(BaseModel):
    name: str | None = None


class KilnPatch(BaseModel):
    name: str | None = None
    section_id: int | None = Field(None, description="null: no section")
    kind: str | None = None
    rated_capacity_t_per_day: float | None = Field(None, description="[t/day]")
    max_temperature_c: float | None = Field(None, description="[°C]")
    campaign_limit_days: int | None = Field(None, description="[days]")
    lining_installed_on: dt.date | None = None
    lining_design_life_days: int | None = Field(None, description="[days]")
    lining_used_t_at_onboarding: float | None = Field(None, description="[t]; null clears")
    lining_used_fraction_at_onboarding: float | None = Field(None, description="[0–1]; null clears")


class WorkerPatch(BaseModel):
    number: str | None = None
    name: str | None = None
    crew_id: int | None = Field(None, description="null: no crew")
    job: str | None = None
    qualifications: list[str] | None = Field(None, description="Kiln kinds")


class RetireIn(BaseModel):
    on: dt.date | None = Field(None, description="Day of retirement (default: today)")


# ------------------------------------------------------------------------------ users
class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    region_id: int | None
    region: str | None
    enterprise_ids: list[int]
    enterprises: list[str]
    active: bool


class UserCreate(BaseModel):
    username: str
    password: str = Field(description="At least 8 characters")
    role: str
    display_name: str = ""
    enterprise_ids: list[int] = Field(default_factory=list)
    region_id: int | None = Field(None, description="The region a regulator oversees")


class UserPatch(BaseModel):
    display_name: str | None = None
    role: str | None = None
    enterprise_ids: list[int] | None = Field(None, description="Replaces their enterprises")
    region_id: int | None = Field(None, description="null: no region")


class PasswordIn(BaseModel):
    password: str = Field(description="At least 8 characters")


class RoleOut(BaseModel):
    role: str
    may_change: list[str] = Field(description="Record kinds this role may create or change")
