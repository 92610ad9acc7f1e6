"""The regulators' inbox of overrule notifications, and marking one read.

A regulator sees every notification of the enterprises of their region; plant users see those
about their own enterprises; admins see all (`access.enterprise_filter`). Newest first.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain.errors import NotFound
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.store.change_models import ChangeNotificationRow

NOTIFICATION_RIGHT = "change_notification"


def notifications_for(session: Session, who: Principal) -> list[ChangeNotificationRow]:
    """The inbox of `who` (see the module docstring), newest first."""
    stmt = (
        select(ChangeNotificationRow)
        .where(access.enterprise_filter(session, who, ChangeNotificationRow.enterprise_id))
        .order_by(ChangeNotificationRow.created_at.desc(), ChangeNotificationRow.id.desc())
    )
    return list(session.scalars(stmt))


def mark_notification_read(
    session: Session, who: Principal, notification_id: int
) -> ChangeNotificationRow:
    """A regulator of the region marks a notification read (it stays in the inbox)."""
    n = session.get(ChangeNotificationRow, notification_id)
    if n is None or not access.may_read_enterprise(session, who, n.enterprise_id):
        raise NotFound("notification", notification_id)
    access.require_write(session, who, NOTIFICATION_RIGHT, n.enterprise_id)
    if n.read_at is None:
        n.read_at = writes.now(session)
        n.read_by = who.username
        writes.write(
            session,
            who=who,
            row=n,
            action="read",
            kind=NOTIFICATION_RIGHT,
            enterprise_id=n.enterprise_id,
            payload={"read_at": n.read_at},
        )
    return n
