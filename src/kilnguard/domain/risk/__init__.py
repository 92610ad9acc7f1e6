"""Explainable kiln risk: records → columnar indicators → barriers → green/amber/red/stop.

Public API (see docs/models/risk.md):

* records: ``KilnSpec``, ``ProductionRecord``, ``PlannedStop``, ``Target``, ``MaintenancePlan``,
  ``WorkOrder``, ``Deferral``, ``ShiftRecord``, ``ChangeControlState``, ``AlarmState``, ``Records``
* ``build_inputs(records, start, end, config, utc_offset_h) -> RiskInputs`` (arrays kilns × days)
* ``crew_fatigue(inputs, config) -> CrewFatigue``; ``assess(inputs, config, fatigue) -> RiskResult``
* ``explain(result, kiln_index, day_index) -> Explanation``
* ``fri_of_kiln_day(inputs, kiln_index, day_index)``: HSE FRI FI/RI per worker, on demand
* ``assess_reference(inputs, config) -> ReferenceResult`` (plain loop, tests only)
* ``RiskConfig``, level codes ``GREEN AMBER RED STOP`` and ``LEVEL_NAMES``
"""

from kilnguard.domain.risk.build import build_inputs
from kilnguard.domain.risk.config import AMBER, GREEN, LEVEL_NAMES, RED, STOP, RiskConfig
from kilnguard.domain.risk.engine import CrewFatigue, RiskResult, assess, crew_fatigue, explain
from kilnguard.domain.risk.explain import BARRIERS, BarrierFinding, Explanation, KilnDayFacts
from kilnguard.domain.risk.fri_day import WorkerFri, crew_fri, fri_of_kiln_day
from kilnguard.domain.risk.records import (
    AlarmState,
    ChangeControlState,
    Deferral,
    KilnSpec,
    MaintenancePlan,
    PlannedStop,
    ProductionColumns,
    ProductionRecord,
    Records,
    RiskInputs,
    ShiftColumns,
    ShiftRecord,
    Target,
    WorkOrder,
)
from kilnguard.domain.risk.reference import ReferenceResult, assess_reference

__all__ = [
    "AMBER",
    "BARRIERS",
    "GREEN",
    "LEVEL_NAMES",
    "RED",
    "STOP",
    "AlarmState",
    "BarrierFinding",
    "ChangeControlState",
    "CrewFatigue",
    "Deferral",
    "Explanation",
    "KilnDayFacts",
    "KilnSpec",
    "MaintenancePlan",
    "PlannedStop",
    "ProductionColumns",
    "ProductionRecord",
    "Records",
    "ReferenceResult",
    "RiskConfig",
    "RiskInputs",
    "RiskResult",
    "ShiftColumns",
    "ShiftRecord",
    "Target",
    "WorkOrder",
    "WorkerFri",
    "assess",
    "assess_reference",
    "build_inputs",
    "crew_fatigue",
    "crew_fri",
    "explain",
    "fri_of_kiln_day",
]
