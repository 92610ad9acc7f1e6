"""Set-up API shapes: create, change (PATCH: only the fields sent change; `null` clears an
optional field) and retire regions, enterprises, sections, kilns, crews, workers and users.
Field names carry their units."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from pydantic import BaseModel, Field, create_model

from kilnguard.api.bounds import REFUSALS as REFUSALS
from kilnguard.api.bounds import Body
from kilnguard.api.bounds import ErrorOut as ErrorOut
from kilnguard.api.features.records.schemas import KilnOut, body_of
from kilnguard.api.features.records.schemas import Out as Out
from kilnguard.services import records as svc


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


class KilnSetupOut(KilnOut):
    """A kiln as the set-up pages and routes show it: the record, with its enterprise's and
    section's names."""

    enterprise: str | None
    section: str | None


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
class RegionCreate(Body):
    name: str
    timezone: str = Field("UTC", description="IANA time zone, e.g. Asia/Pyongyang")


class EnterpriseCreate(Body):
    region_id: int
    name: str
    tier: int = Field(description="1 or 2")
    sector: str = Field(description="e.g. cement, refractory brick, lime")


class NamedCreate(Body):
    enterprise_id: int
    name: str


KilnCreate = body_of(svc.KilnIn, "KilnCreate")


class WorkerCreate(Body):
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
def patch_of(create: type[BaseModel], name: str, omit: tuple[str, ...] = ()) -> type[BaseModel]:
    """The body of an edit (PATCH) route: the create body's fields less `omit`, each optional —
    a field left out keeps its value, `null` clears an optional one — so the two never drift."""
    fields: dict[str, Any] = {}
    for field, info in create.model_fields.items():
        if field in omit:
            continue
        note = "omit to keep" + ("; null clears" if not info.is_required() else "")
        text = f"{info.description}; {note}" if info.description else note
        fields[field] = (Optional[info.annotation], Field(None, description=text))  # noqa: UP045
    return create_model(name, __base__=Body, __module__=__name__, **fields)


RegionPatch = patch_of(RegionCreate, "RegionPatch")
EnterprisePatch = patch_of(EnterpriseCreate, "EnterprisePatch")
NamedPatch = patch_of(NamedCreate, "NamedPatch", ("enterprise_id",))
KilnPatch = patch_of(KilnCreate, "KilnPatch", ("enterprise_id",))
WorkerPatch = patch_of(WorkerCreate, "WorkerPatch", ("enterprise_id",))


class RetireIn(Body):
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


class UserCreate(Body):
    username: str
    password: str = Field(description="At least 8 characters")
    role: str
    display_name: str = ""
    enterprise_ids: list[int] = Field(default_factory=list)
    region_id: int | None = Field(None, description="The region a regulator oversees")


class UserPatch(Body):
    display_name: str | None = None
    role: str | None = None
    enterprise_ids: list[int] | None = Field(None, description="Replaces their enterprises")
    region_id: int | None = Field(None, description="null: no region")


class PasswordIn(Body):
    password: str = Field(description="At least 8 characters")


class RoleOut(BaseModel):
    role: str
    may_change: list[str] = Field(description="Record kinds this role may create or change")
