"""Incidents and their investigation (issue 6): the register with severity, rates, corrective
actions, a read-only timeline assembled from the records, attributed findings, CAST analysis,
and the escalation of regional bulletins.

Modules: :mod:`.incident` (register, severity, casualties), :mod:`.rates`, :mod:`.actions`
(corrective actions and their escalation), :mod:`.records` and :mod:`.timeline` (what the
system knew before the incident), :mod:`.cases` (findings and interview notes), :mod:`.cast`
(control structure and recommendations), :mod:`.bulletins`. Every public name is re-exported
here. Pure: no clock reads, no I/O.
"""

from kilnguard.domain.investigation.actions import (
    DEFAULT_ESCALATION as DEFAULT_ESCALATION,
)
from kilnguard.domain.investigation.actions import (
    FINISHED_STATUSES as FINISHED_STATUSES,
)
from kilnguard.domain.investigation.actions import (
    ActionStatus as ActionStatus,
)
from kilnguard.domain.investigation.actions import (
    CorrectiveAction as CorrectiveAction,
)
from kilnguard.domain.investigation.actions import (
    EscalationStep as EscalationStep,
)
from kilnguard.domain.investigation.actions import (
    escalation_step as escalation_step,
)
from kilnguard.domain.investigation.actions import (
    set_action_status as set_action_status,
)
from kilnguard.domain.investigation.bulletins import (
    BULLETIN_ESCALATION as BULLETIN_ESCALATION,
)
from kilnguard.domain.investigation.bulletins import (
    acknowledge_by as acknowledge_by,
)
from kilnguard.domain.investigation.bulletins import (
    bulletin_escalation_level as bulletin_escalation_level,
)
from kilnguard.domain.investigation.cases import (
    HINDSIGHT_PHRASES as HINDSIGHT_PHRASES,
)
from kilnguard.domain.investigation.cases import (
    Finding as Finding,
)
from kilnguard.domain.investigation.cases import (
    InterviewNote as InterviewNote,
)
from kilnguard.domain.investigation.cases import (
    hindsight_phrases as hindsight_phrases,
)
from kilnguard.domain.investigation.cast import (
    Controller as Controller,
)
from kilnguard.domain.investigation.cast import (
    ControlLevel as ControlLevel,
)
from kilnguard.domain.investigation.cast import (
    ControlLink as ControlLink,
)
from kilnguard.domain.investigation.cast import (
    ControlStructure as ControlStructure,
)
from kilnguard.domain.investigation.cast import (
    Recommendation as Recommendation,
)
from kilnguard.domain.investigation.cast import (
    SystemicFactor as SystemicFactor,
)
from kilnguard.domain.investigation.cast import (
    UcaType as UcaType,
)
from kilnguard.domain.investigation.cast import (
    UnsafeControlAction as UnsafeControlAction,
)
from kilnguard.domain.investigation.cast import (
    analyse_controller as analyse_controller,
)
from kilnguard.domain.investigation.cast import (
    cast_gaps as cast_gaps,
)
from kilnguard.domain.investigation.cast import (
    default_control_structure as default_control_structure,
)
from kilnguard.domain.investigation.cast import (
    recommendation_to_action as recommendation_to_action,
)
from kilnguard.domain.investigation.cast import (
    unanalysed_levels as unanalysed_levels,
)
from kilnguard.domain.investigation.incident import (
    LOSS_OF_CONTAINMENT_EVENTS as LOSS_OF_CONTAINMENT_EVENTS,
)
from kilnguard.domain.investigation.incident import (
    TIER1_FIRE_EXPLOSION_COST_USD as TIER1_FIRE_EXPLOSION_COST_USD,
)
from kilnguard.domain.investigation.incident import (
    TIER2_FIRE_EXPLOSION_COST_USD as TIER2_FIRE_EXPLOSION_COST_USD,
)
from kilnguard.domain.investigation.incident import (
    AnonymousReport as AnonymousReport,
)
from kilnguard.domain.investigation.incident import (
    Casualties as Casualties,
)
from kilnguard.domain.investigation.incident import (
    Incident as Incident,
)
from kilnguard.domain.investigation.incident import (
    OshaCase as OshaCase,
)
from kilnguard.domain.investigation.incident import (
    PeopleConsequence as PeopleConsequence,
)
from kilnguard.domain.investigation.incident import (
    PseTier as PseTier,
)
from kilnguard.domain.investigation.incident import (
    SeverityAssessment as SeverityAssessment,
)
from kilnguard.domain.investigation.incident import (
    actual_consequence as actual_consequence,
)
from kilnguard.domain.investigation.incident import (
    assess_severity as assess_severity,
)
from kilnguard.domain.investigation.incident import (
    incident_from_anonymous_report as incident_from_anonymous_report,
)
from kilnguard.domain.investigation.incident import (
    osha_case as osha_case,
)
from kilnguard.domain.investigation.incident import (
    pse_tier as pse_tier,
)
from kilnguard.domain.investigation.rates import (
    HOURS_BASE_1M as HOURS_BASE_1M,
)
from kilnguard.domain.investigation.rates import (
    HOURS_BASE_200K as HOURS_BASE_200K,
)
from kilnguard.domain.investigation.rates import (
    HOURS_BASE_200M as HOURS_BASE_200M,
)
from kilnguard.domain.investigation.rates import (
    NOISY_BELOW_HOURS as NOISY_BELOW_HOURS,
)
from kilnguard.domain.investigation.rates import (
    IncidentRates as IncidentRates,
)
from kilnguard.domain.investigation.rates import (
    InjuryCounts as InjuryCounts,
)
from kilnguard.domain.investigation.rates import (
    ShiftInterval as ShiftInterval,
)
from kilnguard.domain.investigation.rates import (
    dart_rate_per_200k_h as dart_rate_per_200k_h,
)
from kilnguard.domain.investigation.rates import (
    fatality_rate_per_100k_fte as fatality_rate_per_100k_fte,
)
from kilnguard.domain.investigation.rates import (
    fatality_rate_per_200k_h as fatality_rate_per_200k_h,
)
from kilnguard.domain.investigation.rates import (
    hours_worked as hours_worked,
)
from kilnguard.domain.investigation.rates import (
    incidence_per_1000_workers as incidence_per_1000_workers,
)
from kilnguard.domain.investigation.rates import (
    incident_rates as incident_rates,
)
from kilnguard.domain.investigation.rates import (
    injury_counts as injury_counts,
)
from kilnguard.domain.investigation.rates import (
    ltifr_per_1m_h as ltifr_per_1m_h,
)
from kilnguard.domain.investigation.rates import (
    ltifr_per_200k_h as ltifr_per_200k_h,
)
from kilnguard.domain.investigation.rates import (
    rate_per_hours as rate_per_hours,
)
from kilnguard.domain.investigation.rates import (
    severity_rate_per_1m_h as severity_rate_per_1m_h,
)
from kilnguard.domain.investigation.rates import (
    severity_rate_per_200k_h as severity_rate_per_200k_h,
)
from kilnguard.domain.investigation.rates import (
    trir_per_200k_h as trir_per_200k_h,
)
from kilnguard.domain.investigation.records import (
    DEFAULT_WINDOW_DAYS as DEFAULT_WINDOW_DAYS,
)
from kilnguard.domain.investigation.records import (
    AlertRecord as AlertRecord,
)
from kilnguard.domain.investigation.records import (
    FactValue as FactValue,
)
from kilnguard.domain.investigation.records import (
    MaintenanceRecord as MaintenanceRecord,
)
from kilnguard.domain.investigation.records import (
    MaintenanceStatus as MaintenanceStatus,
)
from kilnguard.domain.investigation.records import (
    ProductionDay as ProductionDay,
)
from kilnguard.domain.investigation.records import (
    RiskLevelRecord as RiskLevelRecord,
)
from kilnguard.domain.investigation.records import (
    ShiftRecord as ShiftRecord,
)
from kilnguard.domain.investigation.records import (
    TargetEntered as TargetEntered,
)
from kilnguard.domain.investigation.timeline import (
    TimelineEntry as TimelineEntry,
)
from kilnguard.domain.investigation.timeline import (
    TimelineKind as TimelineKind,
)
from kilnguard.domain.investigation.timeline import (
    assemble_timeline as assemble_timeline,
)
from kilnguard.domain.investigation.timeline import (
    days_above_rating as days_above_rating,
)
