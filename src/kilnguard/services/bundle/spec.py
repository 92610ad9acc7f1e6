"""The bundle format, declared once: one `SheetSpec` per record kind, its columns with units.

Everything else reads these declarations: the reader and the plan (parse, resolve natural
keys, diff), the export, the template workbook and its README sheet, and docs/BUNDLE.md (a
test checks the document matches). Sheet and column names are a contract read by other
tools: rename nothing without a new format version.

A column is plain (parsed by its kind), a reference (`ref`: the natural key of a row of an
earlier sheet, formed from the columns named in `via` — e.g. a work order's `plan` is the
task of a plan of that order's kiln), or a helper (`attr=""`: not stored, it only completes a
reference's key, e.g. `change_created_at`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kilnguard.domain import plant as rules
from kilnguard.domain.errors import ValidationError
from kilnguard.services.bundle.values import (
    BOOL,
    CHOICE,
    DATE,
    DATETIME,
    FLOAT,
    INT,
    KINDS,
    REF,
    TEXT,
    valid_timezone,
)
from kilnguard.store import models as m
from kilnguard.store.models import Base

FORMAT_VERSION = 1
README_SHEET = "README"


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str
    doc: str
    required: bool = False
    unit: str = ""
    attr: str | None = None  # stored attribute; None: same as name (refs: name + "_id"); "": helper
    default: Any = None  # value of an empty optional cell
    choices: tuple[str, ...] = ()
    ref: str = ""  # target sheet of a reference
    via: tuple[str, ...] = ()  # this row's columns forming the target's key

    @property
    def stored_attr(self) -> str:
        if self.attr is not None:
            return self.attr
        return f"{self.name}_id" if self.kind == REF else self.name

    @property
    def stored(self) -> bool:
        return self.stored_attr != ""


RowCheck = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class SheetSpec:
    name: str
    model: type[Base]
    right: str  # the access right (services.access.RIGHTS) to create or change these rows
    entity: str  # the audit entry's record name for an update
    doc: str
    key: tuple[str, ...]  # column names of the natural key
    columns: tuple[ColumnSpec, ...]
    check: RowCheck | None = None  # domain rules on one row (stored attributes → values)
    constants: dict[str, Any] = field(default_factory=dict)  # stored with every new row
    dated: str = ""  # the attribute dating a row: a new row may not postdate a retired unit

    @property
    def enterprise_scoped(self) -> bool:
        return any(c.name == "enterprise" for c in self.columns)

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def stored_columns(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.stored)

    def column_of_attr(self, attr: str) -> str:
        """The column a validator's field names (kiln_id → kiln); the field itself if none."""
        for c in self.columns:
            if c.stored_attr == attr or c.name == attr:
                return c.name
        return attr


SOURCES = tuple(s.value for s in rules.Source)
KILN_KINDS = tuple(k.value for k in rules.KilnKind)


def enterprise_col() -> ColumnSpec:
    return ColumnSpec(
        "enterprise", REF, "enterprise name (sheet enterprises)", True, ref="enterprises",
        via=("enterprise",),
    )  # fmt: skip


def source_col() -> ColumnSpec:
    return ColumnSpec(
        "source",
        CHOICE,
        "recorded (default) or reconstructed (rebuilt after the fact, labelled everywhere)",
        default="recorded",
        choices=SOURCES,
    )


def retired_col() -> ColumnSpec:
    return ColumnSpec(
        "retired_on", DATE, "day it was retired (kept for history, no longer offered)"
    )


def kiln_ref(required: bool = True) -> ColumnSpec:
    return ColumnSpec(
        "kiln", REF, "kiln name in the enterprise (sheet kilns)", required, ref="kilns",
        via=("enterprise", "kiln"),
    )  # fmt: skip


def section_ref(doc: str = "section name in the enterprise (sheet sections)") -> ColumnSpec:
    return ColumnSpec("section", REF, doc, ref="sections", via=("enterprise", "section"))


def validator(fn: Callable[..., None], **aliases: str) -> RowCheck:
    """A row check calling a domain validator with the row's values it names (`aliases` maps
    a parameter to another attribute, e.g. current_due_on → previous_due_on)."""
    import inspect

    params = inspect.signature(fn).parameters

    def check(row: dict[str, Any]) -> None:
        kwargs = {}
        for name, p in params.items():
            source = aliases.get(name, name)
            if source in row:
                kwargs[name] = row[source]
            elif p.default is inspect.Parameter.empty:
                return  # the validator needs a value this sheet does not carry
        fn(**kwargs)

    return check


def checks(*fns: RowCheck) -> RowCheck:
    def check(row: dict[str, Any]) -> None:
        for fn in fns:
            fn(row)

    return check


def require_text(*attrs: str) -> RowCheck:
    def check(row: dict[str, Any]) -> None:
        for a in attrs:
            rules.require_text(a, row.get(a) or "")

    return check


def _timezone(row: dict[str, Any]) -> None:
    if not valid_timezone(row["timezone"]):
        raise ValidationError(
            "timezone", row["timezone"], "must be an IANA time zone such as Asia/Pyongyang"
        )


def _shift_place(row: dict[str, Any]) -> None:
    if row.get("kiln_id") is None and row.get("section_id") is None:
        raise ValidationError("kiln", "", "a shift is worked on a kiln or in a section: give one")


REGIONS = SheetSpec(
    "regions", m.Region, "installation", "region", "Regions: each has one time zone.",
    ("name",),
    (
        ColumnSpec("name", TEXT, "region name (unique)", True),
        ColumnSpec("timezone", TEXT, "IANA time zone, e.g. Asia/Pyongyang", True),
        retired_col(),
    ),
    checks(require_text("name"), _timezone),
)  # fmt: skip

ENTERPRISES = SheetSpec(
    "enterprises", m.Enterprise, "installation", "enterprise",
    "Enterprises (plants), each in a region.",
    ("name",),
    (
        ColumnSpec("name", TEXT, "enterprise name (unique)", True),
        ColumnSpec("region", REF, "region name (sheet regions)", True, ref="regions",
                   via=("region",)),
        ColumnSpec("tier", INT, "enterprise tier (1..3)", True),
        ColumnSpec("sector", TEXT, "industry sector, e.g. cement", True),
        retired_col(),
    ),
    checks(require_text("name", "sector"), validator(rules.validate_tier)),
)  # fmt: skip


def named_sheet(sheet: str, model: type[Base], right: str, kind: str, doc: str) -> SheetSpec:
    """The sheet of a unit that is only a name in its enterprise (sections, crews)."""
    return SheetSpec(
        sheet, model, right, kind, doc,
        ("enterprise", "name"),
        (enterprise_col(), ColumnSpec("name", TEXT, f"{kind} name", True), retired_col()),
        require_text("name"),
    )  # fmt: skip


SECTIONS = named_sheet(
    "sections", m.Section, "plant", "section", "Sections of an enterprise's plant."
)

KILNS = SheetSpec(
    "kilns", m.Kiln, "plant", "kiln",
    "Kilns with their rating and the lining's state when they were onboarded.",
    ("enterprise", "name"),
    (
        enterprise_col(),
        ColumnSpec("name", TEXT, "kiln name, unique in the enterprise", True),
        section_ref(),
        ColumnSpec("kind", CHOICE, "kiln kind", True, choices=KILN_KINDS),
        ColumnSpec("rated_capacity_t_per_day", FLOAT, "rated output", True, "t/day"),
        ColumnSpec("max_temperature_c", FLOAT, "maximum firing temperature", True, "°C"),
        ColumnSpec("campaign_limit_days", INT, "longest continuous campaign", True, "days"),
        ColumnSpec("lining_installed_on", DATE, "day the current lining was installed"),
        ColumnSpec("lining_design_life_days", INT, "design life of the lining", unit="days"),
        ColumnSpec("lining_used_t_at_onboarding", FLOAT,
                   "tonnes fired on the current lining before the first production row", unit="t"),
        ColumnSpec("lining_used_fraction_at_onboarding", FLOAT,
                   "fraction of the lining's design life used then (0..1; give this or the "
                   "tonnes, not both)", unit="fraction 0..1"),
        retired_col(),
        source_col(),
    ),
    checks(
        require_text("name"),
        validator(rules.validate_kiln),
        validator(rules.validate_lining_at_onboarding),
    ),
)  # fmt: skip

CREWS = named_sheet("crews", m.Crew, "worker", "crew", "Crews of workers.")

WORKERS = SheetSpec(
    "workers", m.Worker, "worker", "worker",
    "Workers, keyed by their worker number in the enterprise.",
    ("enterprise", "number"),
    (
        enterprise_col(),
        ColumnSpec("number", TEXT, "worker number, unique in the enterprise", True),
        ColumnSpec("name", TEXT, "full name", True),
        ColumnSpec("crew", REF, "crew name (sheet crews)", ref="crews", via=("enterprise", "crew")),
        ColumnSpec("job", TEXT, "job title", default="kiln operator"),
        ColumnSpec("qualifications", KINDS,
                   "kiln kinds the worker is qualified on, comma-separated", default="",
                   choices=KILN_KINDS),
        retired_col(),
        source_col(),
    ),
    require_text("name", "number"),
)  # fmt: skip

SHIFTS = SheetSpec(
    "shifts", m.Shift, "shift", "shift",
    "Worked shifts (fatigue): one row per worker and shift; shifts of a worker never overlap.",
    ("enterprise", "worker", "start_at"),
    (
        enterprise_col(),
        ColumnSpec("worker", REF, "worker number (sheet workers)", True, ref="workers",
                   via=("enterprise", "worker")),
        ColumnSpec("start_at", DATETIME, "shift start, ISO 8601 with offset", True),
        ColumnSpec("end_at", DATETIME, "shift end (after start_at, at most 24 h later)", True),
        kiln_ref(required=False),
        section_ref("section worked in (when not on one kiln)"),
        ColumnSpec("crew", REF, "crew worked with (default: the worker's crew)", ref="crews",
                   via=("enterprise", "crew")),
        ColumnSpec("role", TEXT, "role on the shift", default="operator"),
        source_col(),
    ),
    checks(validator(rules.validate_shift_times), _shift_place),
    dated="start_at",
)  # fmt: skip


def kiln_sheet(
    sheet: str,
    model: type[Base],
    entity: str,
    doc: str,
    key: tuple[str, ...],
    columns: tuple[ColumnSpec, ...],
    check: RowCheck,
    dated: str = "",
) -> SheetSpec:
    """The sheet of a kiln's own records: keyed by enterprise, kiln and `key`; its columns are
    the enterprise, the kiln, `columns` and the source; `entity` is also the access right."""
    return SheetSpec(
        sheet, model, entity, entity, doc, ("enterprise", "kiln", *key),
        (enterprise_col(), kiln_ref(), *columns, source_col()), check, dated=dated,
    )  # fmt: skip


PRODUCTION = kiln_sheet(
    "production", m.ProductionRecord, "production_record", "Kiln output per day and shift.",
    ("day", "shift_no"),
    (
        ColumnSpec("day", DATE, "plant-local calendar day", True),
        ColumnSpec("shift_no", INT, "shift of the day (1..4)", True),
        ColumnSpec("output_t", FLOAT, "output fired", True, "t"),
        ColumnSpec("hours_fired", FLOAT, "hours the kiln fired in the shift (0..24)", True, "h"),
        ColumnSpec("note", TEXT, "free text", default=""),
    ),
    validator(rules.validate_production),
    dated="day",
)  # fmt: skip

MAINTENANCE_PLANS = kiln_sheet(
    "maintenance_plans", m.MaintenancePlan, "maintenance_plan",
    "Maintenance plans per kiln; `protects` says what the task keeps working.",
    ("task",),
    (
        ColumnSpec("task", TEXT, "task name, unique per kiln", True),
        ColumnSpec("interval_days", INT, "interval in days (or interval_t, or both)",
                   unit="days"),
        ColumnSpec("interval_t", FLOAT, "interval in tonnes fired", unit="t"),
        ColumnSpec("duration_days", INT, "days the kiln stands for it", unit="days", default=1),
        ColumnSpec("safety_critical", BOOL, "true when the task is safety-critical",
                   default=False),
        ColumnSpec("protects", CHOICE,
                   "none, lining (completing it renews the lining), or the protection layer "
                   "it proof-tests", default="none",
                   choices=tuple(p.value for p in rules.Protects)),
    ),
    validator(rules.validate_maintenance_plan),
)  # fmt: skip

WORK_ORDERS = SheetSpec(
    "work_orders", m.WorkOrder, "work_order", "work_order",
    "Work orders, keyed by their number; `plan` links the order to its kiln's plan.",
    ("enterprise", "number"),
    (
        enterprise_col(),
        ColumnSpec("number", TEXT, "work-order number, unique in the enterprise", True),
        kiln_ref(),
        ColumnSpec("plan", REF, "task of a maintenance plan of this kiln (sheet "
                   "maintenance_plans)", ref="maintenance_plans",
                   via=("enterprise", "kiln", "plan")),
        ColumnSpec("task", TEXT, "what is to be done", True),
        ColumnSpec("safety_critical", BOOL, "true when safety-critical", default=False),
        ColumnSpec("due_on", DATE, "current due day (after any deferral)", True),
        ColumnSpec("done_on", DATE, "day completed (empty: open)"),
        ColumnSpec("findings", TEXT, "what was found", default=""),
        source_col(),
    ),
    validator(rules.validate_work_order),
)  # fmt: skip

DEFERRALS = SheetSpec(
    "work_order_deferrals", m.WorkOrderDeferral, "work_order", "work_order_deferral",
    "Deferrals of work orders: who deferred, why, and the new due day if any.",
    ("enterprise", "work_order", "deferred_on"),
    (
        enterprise_col(),
        ColumnSpec("work_order", REF, "work-order number (sheet work_orders)", True,
                   ref="work_orders", via=("enterprise", "work_order")),
        ColumnSpec("deferred_on", DATE, "day of the deferral", True),
        ColumnSpec("previous_due_on", DATE, "due day before it", True),
        ColumnSpec("new_due_on", DATE, "new due day (empty: none given)"),
        ColumnSpec("reason", TEXT, "why", True),
        ColumnSpec("deferred_by", TEXT, "person who deferred it", True),
        source_col(),
    ),
    validator(rules.validate_deferral, current_due_on="previous_due_on"),
)  # fmt: skip

PLANNED_STOPS = kiln_sheet(
    "planned_stops", m.PlannedStop, "planned_stop", "Planned kiln stops.", ("start_on",),
    (
        ColumnSpec("start_on", DATE, "first day stopped", True),
        ColumnSpec("end_on", DATE, "last day stopped", True),
        ColumnSpec("reason", TEXT, "why", default=""),
        ColumnSpec("relines_lining", BOOL, "true when the stop renews the lining",
                   default=False),
    ),
    validator(rules.validate_planned_stop),
    dated="start_on",
)  # fmt: skip

TARGETS = SheetSpec(
    "targets", m.Target, "target", "target",
    "Production targets imposed on a kiln, a section, or (both empty) the whole enterprise.",
    ("enterprise", "kiln", "section", "entered_on", "deadline", "imposed_by"),
    (
        enterprise_col(),
        kiln_ref(required=False),
        section_ref(),
        ColumnSpec("description", TEXT, "what was demanded", default=""),
        ColumnSpec("quantity_t", FLOAT, "quantity demanded", True, "t"),
        ColumnSpec("entered_on", DATE, "day it was set", True),
        ColumnSpec("deadline", DATE, "day it is due", True),
        ColumnSpec("imposed_by", TEXT, "who imposed it", True),
        ColumnSpec("additional", BOOL, "true when on top of the plan", default=False),
        source_col(),
    ),
    checks(validator(rules.validate_target), require_text("imposed_by")),
    dated="entered_on",
)  # fmt: skip

INCIDENTS = SheetSpec(
    "incidents", m.Incident, "incident", "incident", "Incidents as recorded at the time.",
    ("enterprise", "occurred_at", "event_type"),
    (
        enterprise_col(),
        ColumnSpec("occurred_at", DATETIME, "when it happened, ISO 8601 with offset", True),
        ColumnSpec("event_type", CHOICE, "what happened", True,
                   choices=tuple(e.value for e in rules.EventType)),
        kiln_ref(required=False),
        section_ref(),
        ColumnSpec("killed", INT, "people killed", unit="people", default=0),
        ColumnSpec("seriously_injured", INT, "people seriously injured", unit="people",
                   default=0),
        ColumnSpec("minor_injuries", INT, "people with minor injuries", unit="people",
                   default=0),
        ColumnSpec("missing", INT, "people missing", unit="people", default=0),
        ColumnSpec("description", TEXT, "what happened", default=""),
        ColumnSpec("immediate_actions", TEXT, "what was done at once", default=""),
        source_col(),
    ),
    validator(rules.validate_incident),
    dated="occurred_at",
)  # fmt: skip

PLANT_SHEETS: tuple[SheetSpec, ...] = (
    REGIONS,
    ENTERPRISES,
    SECTIONS,
    KILNS,
    CREWS,
    WORKERS,
    SHIFTS,
    PRODUCTION,
    MAINTENANCE_PLANS,
    WORK_ORDERS,
    DEFERRALS,
    PLANNED_STOPS,
    TARGETS,
    INCIDENTS,
)


def all_sheets() -> tuple[SheetSpec, ...]:
    """Every sheet in dependency (and insertion) order: plant records, then change control."""
    from kilnguard.services.bundle.change_spec import CHANGE_SHEETS

    return PLANT_SHEETS + CHANGE_SHEETS


NOT_IN_BUNDLE = (
    "Logins (users, roles, passwords) are not in a bundle: add them with `kilnguard users add`.",
    "Evidence files of change requests are not in a bundle: the change_evidence sheet keeps "
    "each file's name, size and SHA-256 (what the stage gates read); attach the files again "
    "to serve them.",
    "Investigations (with findings, CAST analyses and corrective actions), incident extras and "
    "bulletins are not in a bundle.",
    "Alerts and overrule notifications are derived, not imported: they are raised again by the "
    "risk evaluation and the change workflow.",
)
