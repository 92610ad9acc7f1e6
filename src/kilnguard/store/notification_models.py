"""Tables for notifications (issue 19 point 4; service in `kilnguard.services.notifications`).

`inbox_entries`: one row per notification of a named user (an alert raised, an escalation),
unique on (user, kind, ref) so notifying twice is harmless; `read_at` marks it read.
`outbox_messages`: one row per notification and configured channel (webhook, mqtt, email),
unique on (channel, kind, ref); `message_id` (a UUID sent with every attempt) lets receivers drop
duplicates. `status` is `pending` until an attempt succeeds (`delivered`, `delivered_at`), and a
failed attempt sets `next_attempt_at` by backoff: no message is ever dropped.
`delivery_attempts`: every attempt, successful or not, with its error.
Migration `0007_notifications` (branch `notifications`); keep the two identical.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kilnguard.store.models import Base, EnterpriseRow, UTCDateTime


class InboxEntryRow(EnterpriseRow, Base):
    __tablename__ = "inbox_entries"
    __table_args__ = (UniqueConstraint("user_id", "kind", "ref"),)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))  # alert.raised | alert.escalated | …
    ref: Mapped[str] = mapped_column(String(120))  # alert:12, alert:12:level:1
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")  # page to open, e.g. /alerts#…
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class OutboxMessageRow(EnterpriseRow, Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("channel", "kind", "ref"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    channel: Mapped[str] = mapped_column(String(16))  # webhook | mqtt | email
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(300))
    payload: Mapped[str] = mapped_column(Text)  # the JSON document sent (canonical text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class DeliveryAttemptRow(EnterpriseRow, Base):
    __tablename__ = "delivery_attempts"
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int] = mapped_column(Integer)  # 1 for the first attempt of the message
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))  # delivered | failed
    error: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
