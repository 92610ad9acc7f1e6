"""The hash-chained audit log.

Every write appends one entry whose `entry_hash` = SHA-256 over the previous entry's hash and
this entry's fields, exactly as stored (the payload is canonical JSON text). Editing or deleting
any row behind the application's back breaks the chain at that row, which `verify` reports.
Appends lock the single `hash_chain_head` row (SELECT … FOR UPDATE on PostgreSQL; SQLite
serialises writers), so concurrent transactions cannot fork the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, SessionTransaction

from kilnguard.store.db import clock_of
from kilnguard.store.models import AuditEntry, ChainHead

GENESIS_HASH = "0" * 64
_HEAD_KEY = "kilnguard.audit.chain_head"


@event.listens_for(Session, "after_transaction_end")
def _forget_head(session: Session, transaction: SessionTransaction) -> None:
    """The locked head is valid only inside the transaction that locked it."""
    if transaction.parent is None:
        session.info.pop(_HEAD_KEY, None)


def canonical_json(payload: dict[str, Any]) -> str:
    """Stable text for hashing: sorted keys, no spaces, dates as ISO strings."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_json_default)


def _json_default(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class _Hashed:
    """The fields of one entry that its hash covers, as stored (entity_id and payload as text).

    One record for both `append` and `verify`, so the two can never hash different fields.
    """

    seq: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    enterprise_id: int | None
    payload: str

    def digest(self, prev_hash: str) -> str:
        at = self.at
        at_utc = at.astimezone(dt.UTC).replace(tzinfo=None) if at.tzinfo else at
        fields = [
            prev_hash,
            str(self.seq),
            at_utc.isoformat(timespec="microseconds"),
            self.actor,
            self.action,
            self.entity,
            self.entity_id,
            "" if self.enterprise_id is None else str(self.enterprise_id),
            self.payload,
        ]
        return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who performs a write: a user name, or a system job such as `demo` or `import`."""

    name: str


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    enterprise_id: int | None,
    payload: dict[str, Any],
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain inside the caller's transaction."""
    head = session.info.get(_HEAD_KEY)
    if head is None:
        head = session.execute(
            select(ChainHead).where(ChainHead.id == 1).with_for_update()
        ).scalar()
        if head is None:
            head = ChainHead(id=1, last_seq=0, last_hash=GENESIS_HASH)
            session.add(head)
        session.info[_HEAD_KEY] = head
    hashed = _Hashed(
        seq=head.last_seq + 1,
        at=at or clock_of(session).now(),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        enterprise_id=enterprise_id,
        payload=canonical_json(payload),
    )
    digest = hashed.digest(head.last_hash)
    entry = AuditEntry(**asdict(hashed), prev_hash=head.last_hash, entry_hash=digest)
    session.add(entry)
    head.last_seq = hashed.seq
    head.last_hash = digest
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries_checked: int
    first_broken_seq: int | None = None
    problem: str = ""


def verify(session: Session) -> ChainReport:
    """Walk the chain in order, recomputing every hash from the stored text.

    Reads raw column values (no JSON decoding), so a payload edited into invalid JSON is
    still reported as a broken entry rather than crashing the check.
    """
    rows = session.execute(
        text(
            "SELECT seq, at, actor, action, entity, entity_id, enterprise_id, payload, "
            "prev_hash, entry_hash FROM audit_log ORDER BY seq"
        )
    ).all()
    prev = GENESIS_HASH
    expected_seq = 1
    for row in rows:
        seq = int(row.seq)
        if seq != expected_seq:
            return ChainReport(
                False,
                expected_seq - 1,
                expected_seq,
                f"entry {expected_seq} is missing (next stored entry is {seq}): deleted",
            )
        at = row.at if isinstance(row.at, dt.datetime) else dt.datetime.fromisoformat(str(row.at))
        digest = _Hashed(
            seq=seq,
            at=at,
            actor=str(row.actor),
            action=str(row.action),
            entity=str(row.entity),
            entity_id=str(row.entity_id),
            enterprise_id=None if row.enterprise_id is None else int(row.enterprise_id),
            payload=str(row.payload),
        ).digest(prev)
        if row.prev_hash != prev:
            return ChainReport(
                False, seq - 1, seq, f"entry {seq}: link to the previous entry was altered"
            )
        if digest != row.entry_hash:
            return ChainReport(
                False,
                seq - 1,
                seq,
                f"entry {seq} ({row.action} {row.entity} {row.entity_id}, by {row.actor}): "
                "contents do not match its hash — edited after it was written",
            )
        prev = str(row.entry_hash)
        expected_seq += 1
    head = session.execute(text("SELECT last_seq, last_hash FROM hash_chain_head")).first()
    if head is None and expected_seq > 1:
        return ChainReport(
            False,
            expected_seq - 1,
            expected_seq,
            f"the chain has {expected_seq - 1} entries but its head row is gone: the head was "
            "deleted, so entries at the end may have been deleted with it",
        )
    if expected_seq == 1 and (records := _audited_records(session)):
        return ChainReport(
            False,
            0,
            1,
            f"the audit log is empty but {records} audited records exist "
            "(regions, enterprises, users): its entries were deleted",
        )
    if head is not None and (int(head.last_seq) != expected_seq - 1 or head.last_hash != prev):
        return ChainReport(
            False,
            expected_seq - 1,
            expected_seq,
            f"the chain ends at entry {expected_seq - 1} but the head records entry "
            f"{head.last_seq}: entries at the end were deleted",
        )
    return ChainReport(True, expected_seq - 1)


def _audited_records(session: Session) -> int:
    """Rows that every installation writes through the audited path first: with any of them
    stored, an empty log means its entries were removed."""
    return sum(
        int(session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() or 0)
        for table in ("regions", "enterprises", "users")
    )
