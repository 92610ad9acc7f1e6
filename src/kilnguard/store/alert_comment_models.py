"""Comments on risk alerts (issue 16 point 4; service in `kilnguard.services.alerts.comments`).

Acknowledging a red or stop alert takes a manager or a safety officer; anyone else of the
enterprise may comment on it instead. A comment is kept with its author, role and time, is
audited like every write, and neither acknowledges the alert nor stops its escalation.
Migration `0017_alert_comments` (branch `alert_comments`); keep the two identical.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kilnguard.store.models import Base, EnterpriseRow, UTCDateTime


class AlertCommentRow(EnterpriseRow, Base):
    __tablename__ = "alert_comments"
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)
