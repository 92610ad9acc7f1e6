"""Change-control use cases (issue 5) over the pure domain `kilnguard.domain.change`.

Every act follows one pattern (`common.acting`): find the change through the tenancy choke point
(`access.get_readable`: a change of another enterprise is `NotFound`, exactly like a missing
one), ask `access.require_write` whether `who` may act on it at all (kind ``change_request``;
``change_firing_abort`` to stop a firing, which a regulator may do in their region), rebuild the
domain `ChangeRequest` from its rows (`load_change`), let the domain decide (state table, role,
guards, plain-words refusals), and write each new record with its one audit entry through
`services.writes.write`. Nothing commits here: the unit of work does.

- Acts are taken by the logged-in person in their own role. The demo builder (holding the
  ``act_on_behalf`` right) may record acts *on behalf of* a named person and role, at the time
  they happened, when reconstructing history: it passes `OnBehalf` where an act takes `who`
  (``cc.review(s, TECH.at(t), cid, ...)``); the audit entry names both.
- An overrule stores its notification to the regulators of the enterprise's region in the same
  transaction ("sent at once"): the regulator's inbox is `notifications_for`.
- Zone admissions are logged whether admitted or refused (`ZoneDecision.admitted = False`).
- Overrules are permanent: there is no service that deletes or edits one.

Modules: ``proposal`` (create, hazards), ``evidence`` (files, stages complete), ``workflow``
(transitions, reviews, objections, overrules, deadline, pre-startup review), ``zone`` (hazard
zone, firings), ``notifications`` (the regulators' inbox), ``barrier`` (reads for the risk
engine and the investigation timeline), ``views`` (typed read views for front ends, their types
in ``view_types``); ``common`` and ``loader`` hold what every act shares.
"""

from __future__ import annotations

from kilnguard.services.change.barrier import (
    KilnDaySignal,
    change_control_inputs,
    changes_of_kilns,
)
from kilnguard.services.change.common import (
    CHANGE_POLICY,
    ENTITY,
    OnBehalf,
    Who,
    get_change,
    ref,
)
from kilnguard.services.change.evidence import (
    MAX_EVIDENCE_BYTES,
    attach_evidence,
    get_evidence,
    record_stage_complete,
)
from kilnguard.services.change.loader import load_change, zone_inside
from kilnguard.services.change.notifications import mark_notification_read, notifications_for
from kilnguard.services.change.proposal import ChangeIn, HazardIn, add_hazard, create_change
from kilnguard.services.change.view_types import (
    AttachedEvidence,
    ChangeDetail,
    ChangePage,
    ChangeSummary,
    EvidenceFile,
    NotificationView,
    to_json,
)
from kilnguard.services.change.views import (
    change_detail,
    change_page,
    change_summaries,
    describe,
    evidence_file,
    inbox,
    list_changes,
    mark_read,
    step_blockers,
    summary,
)
from kilnguard.services.change.workflow import (
    check_pssr,
    extend_deadline,
    overrule,
    raise_objection,
    review,
    transition,
    withdraw_objection,
)
from kilnguard.services.change.zone import (
    ZoneDecision,
    admit_to_zone,
    leave_zone,
    record_firing,
    set_hazard_zone,
)

__all__ = [
    "CHANGE_POLICY",
    "ENTITY",
    "MAX_EVIDENCE_BYTES",
    "AttachedEvidence",
    "ChangeDetail",
    "ChangeIn",
    "ChangePage",
    "ChangeSummary",
    "EvidenceFile",
    "HazardIn",
    "KilnDaySignal",
    "NotificationView",
    "OnBehalf",
    "Who",
    "ZoneDecision",
    "add_hazard",
    "admit_to_zone",
    "attach_evidence",
    "change_control_inputs",
    "change_detail",
    "change_page",
    "change_summaries",
    "changes_of_kilns",
    "check_pssr",
    "create_change",
    "describe",
    "evidence_file",
    "extend_deadline",
    "get_change",
    "get_evidence",
    "inbox",
    "leave_zone",
    "list_changes",
    "load_change",
    "mark_notification_read",
    "mark_read",
    "notifications_for",
    "overrule",
    "raise_objection",
    "record_firing",
    "record_stage_complete",
    "ref",
    "review",
    "set_hazard_zone",
    "step_blockers",
    "summary",
    "to_json",
    "transition",
    "withdraw_objection",
    "zone_inside",
]
