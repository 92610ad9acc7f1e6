"""Use cases of issue 6: incident register extras, anonymous reports, investigations with a
read-only timeline assembled from the records, CAST analysis, corrective actions, regional
bulletins with acknowledgements, and incident rates per 200 000 hours.

Every write goes through `services.writes.write` (check → add → flush → one audit entry);
tenancy and rights are `services.access`'s (right "investigation" for investigations,
"bulletin"/"bulletin_acknowledgement" for bulletins); nothing commits here, and the time is
the unit of work's clock (`writes.now`). Records of another enterprise answer `NotFound`,
exactly like absent ones; regulators read their whole region and write only bulletins.

Modules: `incidents` (register views, extras, anonymous reports), `timeline` (records of the
window through each feature's typed views), `cases` (open/close, findings, evidence,
interviews), `cast`, `actions` (corrective actions and escalation), `bulletins`, `rates`,
`views` (read views for the front ends), `report` (HTML and PDF report).
"""

from kilnguard.services.investigation.actions import (
    action_domain as action_domain,
)
from kilnguard.services.investigation.actions import (
    action_escalation_level as action_escalation_level,
)
from kilnguard.services.investigation.actions import (
    action_of_investigation as action_of_investigation,
)
from kilnguard.services.investigation.actions import (
    add_recommendation as add_recommendation,
)
from kilnguard.services.investigation.actions import (
    escalate_actions as escalate_actions,
)
from kilnguard.services.investigation.actions import (
    set_action_status as set_action_status,
)
from kilnguard.services.investigation.bulletins import (
    acknowledge_bulletin as acknowledge_bulletin,
)
from kilnguard.services.investigation.bulletins import (
    bulletin_escalation_level as bulletin_escalation_level,
)
from kilnguard.services.investigation.bulletins import (
    bulletin_view as bulletin_view,
)
from kilnguard.services.investigation.bulletins import (
    escalate_bulletins as escalate_bulletins,
)
from kilnguard.services.investigation.bulletins import (
    list_bulletins as list_bulletins,
)
from kilnguard.services.investigation.bulletins import (
    revise_bulletin as revise_bulletin,
)
from kilnguard.services.investigation.bulletins import (
    send_bulletin as send_bulletin,
)
from kilnguard.services.investigation.bulletins import (
    text_diff as text_diff,
)
from kilnguard.services.investigation.cases import (
    add_evidence as add_evidence,
)
from kilnguard.services.investigation.cases import (
    add_finding as add_finding,
)
from kilnguard.services.investigation.cases import (
    add_interview as add_interview,
)
from kilnguard.services.investigation.cases import (
    close_investigation as close_investigation,
)
from kilnguard.services.investigation.cases import (
    investigation_for_incident as investigation_for_incident,
)
from kilnguard.services.investigation.cases import (
    open_investigation as open_investigation,
)
from kilnguard.services.investigation.cases import (
    open_or_get as open_or_get,
)
from kilnguard.services.investigation.cast import (
    analyse_controller as analyse_controller,
)
from kilnguard.services.investigation.cast import (
    controllers_of as controllers_of,
)
from kilnguard.services.investigation.cast import (
    create_controllers as create_controllers,
)
from kilnguard.services.investigation.cast import (
    structure_of as structure_of,
)
from kilnguard.services.investigation.incidents import (
    ANONYMOUS as ANONYMOUS,
)
from kilnguard.services.investigation.incidents import (
    ANONYMOUS_ACTOR as ANONYMOUS_ACTOR,
)
from kilnguard.services.investigation.incidents import (
    SEVERITY_CLASS as SEVERITY_CLASS,
)
from kilnguard.services.investigation.incidents import (
    extras_of as extras_of,
)
from kilnguard.services.investigation.incidents import (
    file_anonymous_report as file_anonymous_report,
)
from kilnguard.services.investigation.incidents import (
    get_incident as get_incident,
)
from kilnguard.services.investigation.incidents import (
    incident_summary as incident_summary,
)
from kilnguard.services.investigation.incidents import (
    list_incidents as list_incidents,
)
from kilnguard.services.investigation.incidents import (
    plant_tz as plant_tz,
)
from kilnguard.services.investigation.incidents import (
    set_incident_extras as set_incident_extras,
)
from kilnguard.services.investigation.incidents import (
    source_of as source_of,
)
from kilnguard.services.investigation.incidents import (
    to_domain as to_domain,
)
from kilnguard.services.investigation.rates import (
    RateRow as RateRow,
)
from kilnguard.services.investigation.rates import (
    rates as rates,
)
from kilnguard.services.investigation.timeline import (
    FATIGUE_MODEL as FATIGUE_MODEL,
)
from kilnguard.services.investigation.timeline import (
    Gathered as Gathered,
)
from kilnguard.services.investigation.timeline import (
    assemble as assemble,
)
from kilnguard.services.investigation.timeline import (
    changes_on as changes_on,
)
from kilnguard.services.investigation.timeline import (
    gather_records as gather_records,
)
from kilnguard.services.investigation.timeline import (
    risk_and_alert_facts as risk_and_alert_facts,
)
from kilnguard.services.investigation.timeline import (
    risk_level_changes as risk_level_changes,
)
from kilnguard.services.investigation.timeline import (
    shift_records as shift_records,
)
from kilnguard.services.investigation.views import (
    InvestigationSummary as InvestigationSummary,
)
from kilnguard.services.investigation.views import (
    enterprise_choices as enterprise_choices,
)
from kilnguard.services.investigation.views import (
    investigation_summary as investigation_summary,
)
from kilnguard.services.investigation.views import (
    investigation_view as investigation_view,
)
from kilnguard.services.investigation.views import (
    kiln_choices as kiln_choices,
)
from kilnguard.services.investigation.views import (
    list_investigations as list_investigations,
)
