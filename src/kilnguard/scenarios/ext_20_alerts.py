"""Demo alerts: the risk alerts the demo history raises, 1 Aug – 31 Dec 2021.

The story: at Komusan nobody acknowledges anything — RF-2's red and stop alerts escalate to
the factory's managers and then to the province's regulators weeks before the explosion; at
Chongjin the test kiln's alerts go unacknowledged too. At the control enterprise (Kyongsong)
any alert is acknowledged within the half hour by its manager (with the default
configuration its kilns stay green, so there is none to acknowledge). The alerts come from the
live path (`services.alerts.replay_alerts`): the stored levels, kept current by the demo's
writes, judged day by day with the clock moved to the end of each day, and escalated as the
scheduler's jobs do — what the timelines show is what the live system would have raised.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from kilnguard.domain.errors import NotFound
from kilnguard.scenarios import demo
from kilnguard.scenarios.demo import BUILDER, CONTROL_END, START, DemoPlants
from kilnguard.services import alerts as al
from kilnguard.services.access import Principal
from kilnguard.services.auth import principal_for

if TYPE_CHECKING:
    from kilnguard.store.alert_models import AlertRow

CONTROL_ACK_AFTER = dt.timedelta(minutes=25)
CONTROL_ACK_COMMENT = (
    "Seen. Load cut back to rating on this kiln and the overdue work scheduled for today's "
    "stop; safety officer informed."
)


def build(session: Session, plants: DemoPlants) -> None:
    control = plants.enterprises.get("control")
    acker: Principal | None
    try:
        acker = principal_for(session, "kyongsong-manager")
    except NotFound:
        acker = None

    def on_raised(alert: AlertRow) -> None:
        if acker is not None and alert.enterprise_id == control:
            al.acknowledge(
                session,
                acker,
                alert.id,
                CONTROL_ACK_COMMENT,
                at=alert.raised_at + CONTROL_ACK_AFTER,
            )

    al.replay_alerts(
        session,
        START,
        CONTROL_END,
        who=BUILDER,
        alert_config=al.AlertConfig(),
        on_raised=on_raised,
    )


if build not in demo.EXTENSIONS:
    demo.EXTENSIONS.append(build)
