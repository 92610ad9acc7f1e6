"""Change-control sheets: change requests and the records the risk engine's change-control
barrier reads (`services.change.load_change`).

A change request is keyed by its enterprise, when it was created and its title. Each child
sheet names its change by `change` (the title) and `change_created_at`, plus its own columns.
Append-only records (reviews, transitions, PSSR ticks, the zone log, …) are identified by all
their fields: a different value is another record, never an edit. Objections (whose withdrawal
is recorded later on the same row), firings (which end later) and the hazard zone are keyed by
their change and when, so those later facts arrive as updates.
"""

from __future__ import annotations

from dataclasses import replace

from kilnguard.domain import change as dc
from kilnguard.domain.roles import Role
from kilnguard.services.bundle.spec import ColumnSpec, SheetSpec, enterprise_col, kiln_ref
from kilnguard.services.bundle.values import BOOL, CHOICE, DATETIME, FLOAT, INT, REF, TEXT
from kilnguard.store import change_models as cm
from kilnguard.store.models import Base

ROLES = tuple(r.value for r in Role)
STAGES = tuple(s.value for s in dc.ScaleStage)
RIGHT = "change_request"


def _change_cols() -> tuple[ColumnSpec, ...]:
    return (
        enterprise_col(),
        ColumnSpec("change", REF, "title of the change request (sheet change_requests)", True,
                   attr="change_id", ref="change_requests",
                   via=("enterprise", "change_created_at", "change")),
        ColumnSpec("change_created_at", DATETIME, "created_at of that change request", True,
                   attr=""),
    )  # fmt: skip


def _src() -> ColumnSpec:
    return ColumnSpec(
        "source", CHOICE, "recorded (default) or reconstructed", default="recorded",
        choices=("recorded", "reconstructed"),
    )  # fmt: skip


def _role(name: str = "role") -> ColumnSpec:
    return ColumnSpec(name, CHOICE, "role the person acted in", True, choices=ROLES)


def _objection_ref() -> tuple[ColumnSpec, ...]:
    return (
        ColumnSpec("objection_author", REF, "author of the objection this answers "
                   "(sheet change_objections)", attr="objection_id", ref="change_objections",
                   via=("change", "objection_author", "objection_at")),
        ColumnSpec("objection_at", DATETIME, "when that objection was raised", attr=""),
    )  # fmt: skip


def _child(
    name: str,
    model: type[Base],
    doc: str,
    own_key: tuple[str, ...],
    cols: tuple[ColumnSpec, ...],
    entity: str = "",
) -> SheetSpec:
    return SheetSpec(
        name, model, RIGHT, entity or name.removesuffix("s"), doc, ("change", *own_key),
        (*_change_cols(), *cols, _src()),
    )  # fmt: skip


CHANGE_REQUESTS = SheetSpec(
    "change_requests", cm.ChangeRequestRow, RIGHT, "change_request",
    "Change requests (management of change), keyed by enterprise, created_at and title.",
    ("enterprise", "created_at", "title"),
    (
        enterprise_col(),
        ColumnSpec("title", TEXT, "title", True),
        ColumnSpec("created_at", DATETIME, "when it was proposed, ISO 8601 with offset", True),
        kiln_ref(required=False),
        ColumnSpec("new_equipment", TEXT, "new equipment (when not on a kiln)", default=""),
        ColumnSpec("kind", CHOICE, "what is changed", True,
                   choices=tuple(k.value for k in dc.ChangeKind)),
        ColumnSpec("purpose", TEXT, "why", True),
        ColumnSpec("stage", CHOICE, "scale-up stage", choices=STAGES),
        ColumnSpec("proposed_by", TEXT, "who proposed it", True),
        ColumnSpec("deadline", DATETIME, "deadline, ISO 8601 with offset"),
        ColumnSpec("deadline_set_by", TEXT, "who set the deadline", default=""),
        ColumnSpec("deadline_external", BOOL, "true when imposed from outside", default=False),
        ColumnSpec("state", CHOICE, "workflow state", True,
                   choices=tuple(s.value for s in dc.ChangeState)),
        _src(),
    ),
)  # fmt: skip

CHANGE_SHEETS: tuple[SheetSpec, ...] = (
    CHANGE_REQUESTS,
    _child("change_hazards", cm.ChangeHazardRow, "Hazard review entries of a change.",
           ("method", "question", "hazard", "cause", "consequence", "safeguards"),
           (ColumnSpec("method", CHOICE, "review technique", default="what_if",
                       choices=tuple(h.value for h in dc.HazardMethod)),
            ColumnSpec("question", TEXT, "what-if question", default=""),
            ColumnSpec("hazard", TEXT, "hazard", True),
            ColumnSpec("cause", TEXT, "cause", True),
            ColumnSpec("consequence", TEXT, "consequence", True),
            ColumnSpec("safeguards", TEXT, "safeguards, one per line", default=""))),
    replace(_child("change_evidence", cm.ChangeEvidenceRow,
           "Evidence attached to a change: name, size and SHA-256 only (the file is not in a "
           "bundle).",
           ("name", "sha256", "stage", "uploaded_at"),
           (ColumnSpec("name", TEXT, "file name", True),
            ColumnSpec("sha256", TEXT, "SHA-256 of the file (hex)", True),
            ColumnSpec("size_bytes", INT, "file size", True, "bytes"),
            ColumnSpec("content_type", TEXT, "media type",
                       default="application/octet-stream"),
            ColumnSpec("stage", CHOICE, "scale-up stage it is evidence for", choices=STAGES),
            ColumnSpec("uploaded_by", TEXT, "who attached it", True),
            ColumnSpec("uploaded_at", DATETIME, "when", True))),
            constants={"content": b""}),
    _child("change_objections", cm.ChangeObjectionRow,
           "Objections to a change, with their withdrawal if any.", ("author", "at"),
           (ColumnSpec("author", TEXT, "who objected", True), _role(),
            ColumnSpec("reason", TEXT, "why", True),
            ColumnSpec("at", DATETIME, "when", True),
            ColumnSpec("withdrawn_at", DATETIME, "when withdrawn (empty: standing)"),
            ColumnSpec("withdrawal_reason", TEXT, "why withdrawn", default=""))),
    _child("change_reviews", cm.ChangeReviewRow, "Reviews: approvals and objections.",
           ("reviewer", "role", "decision", "at"),
           (ColumnSpec("reviewer", TEXT, "who reviewed", True), _role(),
            ColumnSpec("decision", CHOICE, "approve or object", True,
                       choices=("approve", "object")),
            ColumnSpec("reason", TEXT, "why", default=""),
            ColumnSpec("at", DATETIME, "when", True),
            *_objection_ref())),
    _child("change_overrules", cm.ChangeOverruleRow,
           "Overrules of an objection or of the staged scale-up rule (permanent).",
           ("kind", "by", "at"),
           (ColumnSpec("kind", CHOICE, "what is set aside", True,
                       choices=tuple(k.value for k in dc.OverruleKind)),
            ColumnSpec("by", TEXT, "who overruled", True), _role(),
            ColumnSpec("reason", TEXT, "why", True),
            ColumnSpec("at", DATETIME, "when", True),
            *_objection_ref(),
            ColumnSpec("skipped_stage", CHOICE, "stage skipped", choices=STAGES))),
    _child("change_stage_completions", cm.ChangeStageCompletionRow,
           "Earlier scale-up stages recorded complete.", ("stage", "completed_at"),
           (ColumnSpec("stage", CHOICE, "stage completed", True, choices=STAGES),
            ColumnSpec("completed_at", DATETIME, "when", True),
            ColumnSpec("prior_change", REF, "title of the change that completed it",
                       attr="prior_change_id", ref="change_requests",
                       via=("enterprise", "prior_change_created_at", "prior_change")),
            ColumnSpec("prior_change_created_at", DATETIME, "created_at of that change",
                       attr=""),
            ColumnSpec("recorded_by", TEXT, "who recorded it", True),
            ColumnSpec("note", TEXT, "note", default=""))),
    _child("change_transitions", cm.ChangeTransitionRow, "Workflow history of a change.",
           ("at", "action", "from_state", "to_state", "actor", "role", "note"),
           (ColumnSpec("at", DATETIME, "when", True),
            ColumnSpec("action", CHOICE, "action", True,
                       choices=tuple(a.value for a in dc.ChangeAction)),
            ColumnSpec("from_state", CHOICE, "state before", True,
                       choices=tuple(s.value for s in dc.ChangeState)),
            ColumnSpec("to_state", CHOICE, "state after", True,
                       choices=tuple(s.value for s in dc.ChangeState)),
            ColumnSpec("actor", TEXT, "who", True), _role(),
            ColumnSpec("note", TEXT, "note", default=""))),
    _child("change_firings", cm.ChangeFiringRow, "Firings under a change.", ("started_at",),
           (ColumnSpec("started_at", DATETIME, "firing start", True),
            ColumnSpec("ended_at", DATETIME, "firing end (empty: still firing)"))),
    _child("change_deadline_extensions", cm.ChangeDeadlineExtensionRow,
           "Deadline extensions of a change.", ("at", "old_deadline", "new_deadline", "by"),
           (ColumnSpec("at", DATETIME, "when", True),
            ColumnSpec("old_deadline", DATETIME, "deadline before", True),
            ColumnSpec("new_deadline", DATETIME, "deadline after", True),
            ColumnSpec("by", TEXT, "who extended it", True),
            ColumnSpec("reason", TEXT, "why", True))),
    _child("change_pssr_checks", cm.ChangePssrCheckRow, "Pre-startup safety review ticks.",
           ("item", "checked_by", "role", "at", "note"),
           (ColumnSpec("item", CHOICE, "checklist item", True,
                       choices=tuple(p.value for p in dc.PssrItem)),
            ColumnSpec("checked_by", TEXT, "who checked", True), _role(),
            ColumnSpec("at", DATETIME, "when", True),
            ColumnSpec("note", TEXT, "note", default=""))),
    _child("change_hazard_zones", cm.ChangeHazardZoneRow,
           "The hazard zone of a change (one per change).", (),
           (ColumnSpec("name", TEXT, "zone name", True),
            ColumnSpec("max_headcount", INT, "most people allowed inside", True, "people"),
            ColumnSpec("essential_people", TEXT, "essential people, one per line", True),
            ColumnSpec("radius_m", FLOAT, "radius", unit="m"),
            ColumnSpec("defined_by", TEXT, "who defined it", True),
            ColumnSpec("defined_at", DATETIME, "when", True))),
    _child("change_zone_log", cm.ChangeZoneLogRow,
           "Who asked to enter or left the hazard zone, and the outcome.",
           ("person", "outcome", "reason", "at", "recorded_by"),
           (ColumnSpec("person", TEXT, "who", True),
            ColumnSpec("outcome", CHOICE, "admitted, refused or left", True,
                       choices=("admitted", "refused", "left")),
            ColumnSpec("reason", TEXT, "why", default=""),
            ColumnSpec("at", DATETIME, "when", True),
            ColumnSpec("recorded_by", TEXT, "who recorded it", True)), "change_zone_log"),
)  # fmt: skip
"""In dependency order: objections before the reviews and overrules that answer them."""
