"""`notify` and the users' in-app inbox: list, unread count, mark read.

A user sees only their own entries (and, like every record, only of enterprises they may still
read). Every row written here goes through `services.writes.write` with its audit entry; a
notification is the consequence of an act already checked (an alert raised or escalated), so it
is written unchecked, by the system.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kilnguard.config import Channel
from kilnguard.domain.errors import NotFound, ValidationError
from kilnguard.services import access, writes
from kilnguard.services.access import SYSTEM, Principal
from kilnguard.services.notifications import outbox
from kilnguard.store.models import User
from kilnguard.store.notification_models import InboxEntryRow

ALL: Literal["all"] = "all"
ENTITY = "inbox_entry"
KIND_LEN, REF_LEN, SUBJECT_LEN = 40, 120, 300


@dataclass(frozen=True)
class Notified:
    """What one `notify` call added (0 and 0 when it had all been done before)."""

    inbox: int
    outbox: int


@dataclass(frozen=True)
class InboxEntry:
    """One inbox entry as front ends read it."""

    id: int
    enterprise_id: int
    kind: str
    ref: str
    subject: str
    body: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None


def _entry(r: InboxEntryRow) -> InboxEntry:
    return InboxEntry(
        r.id, r.enterprise_id, r.kind, r.ref, r.subject, r.body, r.link, r.created_at, r.read_at
    )


def notify(
    session: Session,
    *,
    enterprise_id: int,
    subject: str,
    body: str,
    users: Sequence[str],
    kind: str,
    ref: str,
    link: str = "",
    data: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
    channels: Sequence[Channel] | None = None,
) -> Notified:
    """An inbox entry for each named user and one outbox message per configured channel
    (`config.notification_channels()` unless `channels` is given), about `kind`/`ref` of
    enterprise `enterprise_id`. Idempotent: a (kind, ref, user) or (kind, ref, channel) already
    stored is left as it is. Unknown or inactive user names are skipped. `at` (default: the
    unit of work's clock) is when it happened."""
    if not kind or len(kind) > KIND_LEN:
        raise ValidationError("kind", kind, f"1 to {KIND_LEN} characters")
    if not ref or len(ref) > REF_LEN:
        raise ValidationError("ref", ref, f"1 to {REF_LEN} characters")
    when = at or writes.now(session)
    subject = subject.strip()[:SUBJECT_LEN]
    names = sorted({u for u in users if u})
    people = (
        list(
            session.execute(
                select(User.id, User.username).where(User.username.in_(names), User.active)
            )
        )
        if names
        else []
    )
    done = set(
        session.scalars(
            select(InboxEntryRow.user_id).where(
                InboxEntryRow.kind == kind, InboxEntryRow.ref == ref
            )
        )
    )
    rows = [
        InboxEntryRow(
            enterprise_id=enterprise_id,
            user_id=user_id,
            kind=kind,
            ref=ref,
            subject=subject,
            body=body,
            link=link,
            created_at=when,
            read_at=None,
        )
        for user_id, _ in people
        if user_id not in done
    ]
    session.add_all(rows)
    by_id = dict(people)
    for row in rows:
        writes.write(
            session,
            who=SYSTEM,
            row=row,
            action="notify",
            kind="notification",
            entity=ENTITY,
            enterprise_id=enterprise_id,
            payload={"user": by_id[row.user_id], "kind": kind, "ref": ref, "subject": subject},
            at=when,
            checked=False,
        )
    queued = outbox.enqueue(
        session,
        enterprise_id=enterprise_id,
        subject=subject,
        body=body,
        link=link,
        recipients=[name for _, name in people],
        kind=kind,
        ref=ref,
        data=data or {},
        at=when,
        channels=channels,
    )
    return Notified(inbox=len(rows), outbox=queued)


def _mine(session: Session, who: Principal) -> Any:
    return select(InboxEntryRow).where(
        InboxEntryRow.user_id == who.user_id,
        access.enterprise_filter(session, who, InboxEntryRow.enterprise_id),
    )


def inbox(
    session: Session, who: Principal, unread_only: bool = False, *, limit: int = 500
) -> list[InboxEntry]:
    """`who`'s own inbox entries, newest first (only unread ones with `unread_only`)."""
    stmt = _mine(session, who)
    if unread_only:
        stmt = stmt.where(InboxEntryRow.read_at.is_(None))
    stmt = stmt.order_by(InboxEntryRow.created_at.desc(), InboxEntryRow.id.desc()).limit(limit)
    return [_entry(r) for r in session.scalars(stmt)]


def unread_count(session: Session, who: Principal) -> int:
    """How many of `who`'s inbox entries are unread."""
    stmt = _mine(session, who).where(InboxEntryRow.read_at.is_(None))
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def mark_read(session: Session, who: Principal, entry: int | Literal["all"]) -> int:
    """Mark one of `who`'s entries read (`entry` its id; NotFound for anyone else's), or all of
    them (`"all"`). Returns how many were unread and are read now (0 when already read)."""
    if entry == ALL:
        rows = list(session.scalars(_mine(session, who).where(InboxEntryRow.read_at.is_(None))))
    elif isinstance(entry, int) and not isinstance(entry, bool):
        row = session.scalar(_mine(session, who).where(InboxEntryRow.id == entry))
        if row is None:
            raise NotFound("inbox entry", entry)
        rows = [row] if row.read_at is None else []
    else:
        raise ValidationError("entry", entry, "an inbox entry id, or 'all'")
    when = writes.now(session)
    for row in rows:
        row.read_at = when
        writes.write(
            session,
            who=who,
            row=row,
            action="read",
            kind="notification",
            entity=ENTITY,
            enterprise_id=row.enterprise_id,
            payload={"read_at": when},
            at=when,
            checked=False,
        )
    return len(rows)
