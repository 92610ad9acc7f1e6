"""Risk alerts: raised when a kiln's level rises, acknowledged by a named person, escalated when
nobody does, closed when the level falls back to green (issue 8 point 4).

Rules (per kiln, day by day over the replayed levels, `services.risk`):

* **raise** on a day whose level is amber or worse and higher than the previous day's, unless an
  open alert of the kiln already stands at that level or higher (deduplicated while the level
  stays, and while it wavers below the open alert's level);
* a further rise above the open alert's level (amber → red → stop) raises a new alert and
  closes the previous one as ``superseded``;
* **close** the open alert on the first day the level is green again ("level fell to green");
  rows are never deleted, so the history is kept.

`evaluate` is incremental and idempotent: for each kiln it resumes on the day after the last
event stored (a raise or a close) and walks the levels of ONE replay up to `as_of`, so calling
it once over a whole history or day by day gives the same rows. Days after the kiln's
enterprise's last production record are not evaluated (no records, no verdict).

Escalation (`escalate`) is time-aware: a red or stop alert escalates to the enterprise's
managers (level 1) once it has been unacknowledged and open for
``KILNGUARD_ALERT_ESCALATE_MANAGERS_H`` hours (default 4) and to the region's regulators
(level 2) after ``KILNGUARD_ALERT_ESCALATE_REGULATORS_H`` hours (default 24), counted from
`raised_at`. The escalation is recorded at the moment it fell due (so a job running late, or a
single replay over a past history, records the same times), with the users notified.
`raised_at` of a replayed day is the end of that plant-local day (when its records are
complete), or now (the unit of work's clock) if that is earlier. Every write goes through
`services.writes.write`.

Acknowledging a red or stop alert takes a manager or a safety officer
(``KILNGUARD_ALERT_ACK_ROLES``); anyone else of the enterprise may comment (`comments`), which
does not stop the escalation (issue 16 point 4).

Modules: `rules` (levels, configuration), `raising` (evaluate: raise and close),
`acknowledgement`, `comments`, `escalation` (and `replay_alerts`), `views` (reads for front
ends and the investigation timeline), `chart` (the kiln page's risk chart data).
"""

from kilnguard.services.alerts.acknowledgement import acknowledge as acknowledge
from kilnguard.services.alerts.acknowledgement import may_acknowledge as may_acknowledge
from kilnguard.services.alerts.comments import comment as comment
from kilnguard.services.alerts.escalation import escalate as escalate
from kilnguard.services.alerts.escalation import replay_alerts as replay_alerts
from kilnguard.services.alerts.raising import EvaluateReport as EvaluateReport
from kilnguard.services.alerts.raising import evaluate as evaluate
from kilnguard.services.alerts.rules import ESCALATION_WORDS as ESCALATION_WORDS
from kilnguard.services.alerts.rules import FELL_TO_GREEN as FELL_TO_GREEN
from kilnguard.services.alerts.rules import LEVELS as LEVELS
from kilnguard.services.alerts.rules import RANK as RANK
from kilnguard.services.alerts.rules import SUPERSEDED as SUPERSEDED
from kilnguard.services.alerts.rules import AlertConfig as AlertConfig
from kilnguard.services.alerts.rules import ack_roles as ack_roles
from kilnguard.services.alerts.rules import end_of_day as end_of_day
from kilnguard.services.alerts.rules import summary_of as summary_of
from kilnguard.services.alerts.views import AlertFact as AlertFact
from kilnguard.services.alerts.views import KilnRisk as KilnRisk
from kilnguard.services.alerts.views import alerts_raised as alerts_raised
from kilnguard.services.alerts.views import comments_of as comments_of
from kilnguard.services.alerts.views import describe as describe
from kilnguard.services.alerts.views import escalations_of as escalations_of
from kilnguard.services.alerts.views import get_alert as get_alert
from kilnguard.services.alerts.views import kiln_risk as kiln_risk
from kilnguard.services.alerts.views import list_alerts as list_alerts
