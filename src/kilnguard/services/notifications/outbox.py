"""The outbox: one message per notification and channel, delivered at least once.

`enqueue` stores the messages in the caller's transaction (so a notification exists exactly
when the act that caused it is committed). `deliver_pending` is the relay a scheduler runs every
few seconds, in a unit of work of its own:

1. **claim** the due messages (`pending`, `next_attempt_at` reached, channel configured), oldest
   first; on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so two workers never take the same one;
2. **send** each on its channel, with nothing written yet (so no database write lock, and no
   audit-chain lock, is held while the network is waited for); a channel that cannot be reached
   is not tried again in this round (its remaining messages wait, untouched);
3. **record** each attempt (`delivery_attempts`, with its audit entry) and the message's state:
   `delivered` with `delivered_at`, or still `pending` with `last_error` and the next attempt
   after a backoff doubling from `RetrySettings.first_s` up to `max_s`. A message is never
   given up.

At least once: if the process dies (or the unit of work fails) after a send and before the
commit, the attempt is not recorded and the message is sent again next round. Receivers drop
duplicates by `message_id` (in the JSON document, the `X-Kilnguard-Message-Id` header, and the
e-mail's `Message-ID`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard import config
from kilnguard.services import writes
from kilnguard.services.access import SYSTEM
from kilnguard.services.audit import canonical_json
from kilnguard.services.notifications.channels import (
    DeliveryFailed,
    Outgoing,
    Sender,
    Unreachable,
    open_sender,
)
from kilnguard.store.notification_models import DeliveryAttemptRow, OutboxMessageRow

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
SCHEMA = "kilnguard.notification/1"


@dataclass
class DeliveryReport:
    """One `deliver_pending` round: messages delivered, attempts failed (message id → error),
    and messages left for a later round because their channel was unreachable."""

    delivered: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    deferred: int = 0

    @property
    def attempted(self) -> int:
        return len(self.delivered) + len(self.failed)


def enqueue(
    session: Session,
    *,
    enterprise_id: int,
    subject: str,
    body: str,
    link: str,
    recipients: Sequence[str],
    kind: str,
    ref: str,
    data: Mapping[str, Any],
    at: dt.datetime,
    channels: Sequence[config.Channel] | None = None,
) -> int:
    """Store one message per channel not yet holding (kind, ref); returns how many."""
    names = sorted(
        {c.name for c in (config.notification_channels() if channels is None else channels)}
    )
    if not names:
        return 0
    done = set(
        session.scalars(
            select(OutboxMessageRow.channel).where(
                OutboxMessageRow.kind == kind, OutboxMessageRow.ref == ref
            )
        )
    )
    rows = []
    for name in names:
        if name in done:
            continue
        message_id = str(uuid.uuid4())
        document = {
            "schema": SCHEMA,
            "message_id": message_id,
            "kind": kind,
            "ref": ref,
            "enterprise_id": enterprise_id,
            "subject": subject,
            "body": body,
            "link": link,
            "recipients": list(recipients),
            "created_at": at.astimezone(dt.UTC).isoformat(),
            "data": dict(data),
        }
        rows.append(
            OutboxMessageRow(
                enterprise_id=enterprise_id,
                message_id=message_id,
                channel=name,
                kind=kind,
                ref=ref,
                subject=subject,
                payload=canonical_json(document),
                status=PENDING,
                attempts=0,
                created_at=at,
                next_attempt_at=at,
                last_error="",
                delivered_at=None,
            )
        )
    session.add_all(rows)
    for row in rows:
        writes.write(
            session,
            who=SYSTEM,
            row=row,
            action="queue",
            kind="notification",
            entity="outbox_message",
            enterprise_id=enterprise_id,
            payload={
                "message_id": row.message_id,
                "channel": row.channel,
                "kind": kind,
                "ref": ref,
            },
            at=at,
            checked=False,
        )
    return len(rows)


def backoff(attempts: int, retry: config.RetrySettings) -> dt.timedelta:
    """Delay before attempt `attempts + 1` after `attempts` failed ones."""
    return dt.timedelta(seconds=min(retry.first_s * 2 ** max(attempts - 1, 0), retry.max_s))


@dataclass
class _Result:
    message: OutboxMessageRow
    error: str | None
    duration_ms: int


def _send_all(
    channel: config.Channel, messages: list[OutboxMessageRow], report: DeliveryReport
) -> list[_Result]:
    """Send `messages` on `channel`; stop at the first `Unreachable` (the rest wait)."""
    out: list[_Result] = []
    started = time.perf_counter()
    try:
        sender: Sender = open_sender(channel)
    except DeliveryFailed as exc:
        # The first message carries the failed connection as its attempt; the rest wait.
        ms = int((time.perf_counter() - started) * 1000)
        report.deferred += len(messages) - 1
        return [_Result(messages[0], str(exc), ms)]
    try:
        for i, msg in enumerate(messages):
            t0 = time.perf_counter()
            error: str | None = None
            unreachable = False
            try:
                sender.send(Outgoing(msg.message_id, msg.kind, msg.subject, msg.payload))
            except DeliveryFailed as exc:
                error = str(exc) or type(exc).__name__
                unreachable = isinstance(exc, Unreachable)
            out.append(_Result(msg, error, int((time.perf_counter() - t0) * 1000)))
            if unreachable:
                report.deferred += len(messages) - i - 1
                break
    finally:
        # closing must not lose the round's records
        with contextlib.suppress(Exception):
            sender.close()
    return out


def deliver_pending(
    session: Session,
    *,
    channels: Sequence[config.Channel] | None = None,
    limit: int = 100,
) -> DeliveryReport:
    """Deliver up to `limit` due outbox messages on the configured channels (see the module
    docstring for the guarantees). Run it in a unit of work of its own."""
    report = DeliveryReport()
    configured = {
        c.name: c for c in (config.notification_channels() if channels is None else channels)
    }
    if not configured or limit <= 0:
        return report
    now = writes.now(session)
    stmt = (
        select(OutboxMessageRow)
        .where(
            OutboxMessageRow.status == PENDING,
            OutboxMessageRow.next_attempt_at <= now,
            OutboxMessageRow.channel.in_(sorted(configured)),
        )
        .order_by(OutboxMessageRow.next_attempt_at, OutboxMessageRow.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    due = list(session.scalars(stmt))
    results: list[_Result] = []
    for name, channel in configured.items():
        batch = [m for m in due if m.channel == name]
        if batch:
            results += _send_all(channel, batch, report)
    retry = config.retry_settings()
    rows = []
    for r in results:
        msg = r.message
        msg.attempts += 1
        ok = r.error is None
        rows.append(
            DeliveryAttemptRow(
                enterprise_id=msg.enterprise_id,
                message_id=msg.id,
                channel=msg.channel,
                attempt=msg.attempts,
                at=now,
                status=DELIVERED if ok else FAILED,
                error=(r.error or "")[:2000],
                duration_ms=r.duration_ms,
            )
        )
        if ok:
            msg.status, msg.delivered_at, msg.last_error = DELIVERED, now, ""
            report.delivered.append(msg.message_id)
        else:
            msg.last_error = rows[-1].error
            msg.next_attempt_at = now + backoff(msg.attempts, retry)
            report.failed[msg.message_id] = rows[-1].error
    session.add_all(rows)
    for row, r in zip(rows, results, strict=True):
        writes.write(
            session,
            who=SYSTEM,
            row=row,
            action="deliver" if row.status == DELIVERED else "delivery_failed",
            kind="notification",
            entity="delivery_attempt",
            enterprise_id=row.enterprise_id,
            payload={
                "message_id": r.message.message_id,
                "channel": row.channel,
                "attempt": row.attempt,
                "status": row.status,
                "error": row.error,
            },
            at=now,
            checked=False,
        )
    return report


@dataclass(frozen=True)
class MessageState:
    """An outbox message with its attempts, as tests, the CLI and operators read it."""

    message_id: str
    channel: str
    kind: str
    ref: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None
    last_error: str
    document: dict[str, Any]
    history: list[tuple[int, str, str]]  # (attempt, status, error)


def messages(
    session: Session, *, kind: str | None = None, ref: str | None = None
) -> list[MessageState]:
    """Outbox messages (optionally of one kind/ref), oldest first, with their attempts. No
    tenancy: for the system's own jobs and operators' tools, not for a user's request."""
    stmt = select(OutboxMessageRow).order_by(OutboxMessageRow.id)
    if kind is not None:
        stmt = stmt.where(OutboxMessageRow.kind == kind)
    if ref is not None:
        stmt = stmt.where(OutboxMessageRow.ref == ref)
    rows = list(session.scalars(stmt))
    attempts: dict[int, list[tuple[int, str, str]]] = {r.id: [] for r in rows}
    if rows:
        for a in session.scalars(
            select(DeliveryAttemptRow)
            .where(DeliveryAttemptRow.message_id.in_(list(attempts)))
            .order_by(DeliveryAttemptRow.id)
        ):
            attempts[a.message_id].append((a.attempt, a.status, a.error))
    return [
        MessageState(
            r.message_id,
            r.channel,
            r.kind,
            r.ref,
            r.status,
            r.attempts,
            r.next_attempt_at,
            r.delivered_at,
            r.last_error,
            json.loads(r.payload),
            attempts[r.id],
        )
        for r in rows
    ]
