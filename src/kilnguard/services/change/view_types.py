"""The typed read views of change control: frozen pydantic models whose fields are the JSON fields
of the REST API (``from_`` is written ``from``). The API declares them as its response models
(`api.features.change_control.schemas`), the pages and the CLI read them, and `to_json` gives
the CLI's JSON-ready dicts. The two views that are not JSON (a page, a file) are dataclasses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field


class HasId(Protocol):
    """Anything that names a change by its id (a row, a summary)."""

    @property
    def id(self) -> int: ...


# ------------------------------------------------------------------------------ the views
class View(BaseModel):
    """A read-only view; built from keyword arguments or from an object's attributes."""

    model_config = ConfigDict(frozen=True, from_attributes=True)


class NamedRef(View):
    id: int
    name: str


class HazardView(View):
    method: str
    question: str
    hazard: str
    cause: str
    consequence: str
    safeguards: tuple[str, ...]


class EvidenceView(View):
    id: int
    name: str
    sha256: str
    size_bytes: int
    stage: str | None
    uploaded_by: str
    uploaded_at: dt.datetime


class StageView(View):
    stage: str
    completed_at: dt.datetime
    prior_change: str | None


class ReviewView(View):
    reviewer: str
    role: str
    decision: str
    reason: str
    at: dt.datetime


class ObjectionView(View):
    id: int
    author: str
    role: str
    reason: str
    raised_at: dt.datetime
    status: str = Field(description="open, withdrawn or overruled")
    withdrawn_at: dt.datetime | None
    withdrawal_reason: str
    overruled_by: str | None
    overrule_id: int | None
    source: str
    may_withdraw: bool
    may_overrule: bool


class OverruleView(View):
    id: int
    kind: str
    by: str
    role: str
    reason: str
    at: dt.datetime
    objection_id: int | None
    skipped_stage: str | None
    permanent: bool = True


class HistoryView(View):
    at: dt.datetime
    action: str
    from_: str = Field(serialization_alias="from")
    to: str
    by: str
    role: str
    note: str


class PssrCheckedView(View):
    item: str
    text: str
    by: str
    at: dt.datetime
    note: str


class PssrMissingView(View):
    item: str
    text: str


class PssrView(View):
    checked: tuple[PssrCheckedView, ...]
    missing: tuple[PssrMissingView, ...]


class ZoneView(View):
    name: str
    max_headcount: int
    essential_people: tuple[str, ...]
    radius_m: float | None
    inside: tuple[str, ...]


class ZoneLogView(View):
    id: int
    person: str
    outcome: str
    reason: str
    at: dt.datetime


class FiringView(View):
    started_at: dt.datetime
    ended_at: dt.datetime | None


class ExtensionView(View):
    at: dt.datetime
    old: dt.datetime
    new: dt.datetime
    by: str
    reason: str


class RushFlagView(View):
    code: str
    message: str


class ChangeDetail(View):
    """Everything a front end shows about one change."""

    id: int
    ref: str
    title: str
    kind: str
    purpose: str
    enterprise: NamedRef
    kiln: NamedRef | None
    new_equipment: str
    stage: str | None
    state: str
    proposed_by: str
    created_at: dt.datetime
    deadline: dt.datetime | None
    deadline_set_by: str
    deadline_external: bool
    source: str
    hazards: tuple[HazardView, ...]
    evidence: tuple[EvidenceView, ...]
    previous_stages: tuple[StageView, ...]
    stage_gate: str | None
    reviews: tuple[ReviewView, ...]
    missing_approvals: tuple[str, ...]
    objections: tuple[ObjectionView, ...]
    open_objections: int
    overrules: tuple[OverruleView, ...]
    barrier_degraded: bool
    history: tuple[HistoryView, ...]
    pssr: PssrView
    hazard_zone: ZoneView | None
    zone_log: tuple[ZoneLogView, ...]
    firings: tuple[FiringView, ...]
    deadline_extensions: tuple[ExtensionView, ...]
    rush_flags: tuple[RushFlagView, ...]
    authorisation_blockers: tuple[str, ...]
    allowed_actions: tuple[str, ...]
    may_skip_stage: bool


class ObjectionBrief(View):
    id: int
    author: str
    role: str
    reason: str
    status: str


class OverruleBrief(View):
    id: int
    by: str
    role: str
    reason: str
    kind: str
    at: dt.datetime


class ChangeSummary(View):
    """The short form used by lists: identity, state, objections and overrules."""

    id: int
    ref: str
    title: str
    kind: str
    kiln: str | None
    kiln_id: int | None
    new_equipment: str
    enterprise: str
    enterprise_id: int
    state: str
    stage: str | None
    deadline: dt.datetime | None
    deadline_set_by: str
    source: str
    objections: tuple[ObjectionBrief, ...]
    overrules: tuple[OverruleBrief, ...]
    barrier_degraded: bool


@dataclass(frozen=True)
class ChangePage:
    """A change and the time zone its plant reads times in (the region's)."""

    change: ChangeDetail
    timezone: str


class NotificationView(View):
    id: int
    region_id: int
    enterprise_id: int
    change_id: int
    overrule_id: int | None
    kiln_id: int | None
    kind: str
    recipient_role: str
    subject: str
    message: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    source: str


class AttachedEvidence(View):
    """An evidence file as stored: what the uploader is told back."""

    id: int
    change_id: int
    name: str
    sha256: str
    size_bytes: int
    stage: str | None


@dataclass(frozen=True)
class EvidenceFile:
    """An evidence file to download, with the checksum it was stored with."""

    name: str
    content_type: str
    sha256: str
    content: bytes


def to_json(view: View) -> dict[str, Any]:
    """A view as JSON-ready values: dicts and lists, times left as datetimes."""
    return _lists(view.model_dump(by_alias=True))  # type: ignore[no-any-return]


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_lists(v) for v in value]
    return value
