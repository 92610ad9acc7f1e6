"""The hash-chained audit log.

Every write appends one entry whose `entry_hash` = SHA-256 over the previous entry's hash and
this entry's fields, exactly as stored (the payload is canonical JSON text). Editing or deleting
any row behind the application's back breaks the chain at that row, which `verify` reports.
Appends lock the single `hash_chain_head` row (SELECT … FOR UPDATE on PostgreSQL; SQLite
serialises writers), so concurrent transactions cannot fork the chain.

The head is part of the evidence: it must name the last entry (same seq, same hash), so a head
that is missing, behind the log (rewound) or ahead of it (entries cut from the end) is
reported. Two ways close what an unkeyed chain cannot see, a log cut at the end with its head
set back to match:

- an **anchor** (`take_anchor`, `kilnguard audit anchor`): the last entry's seq and hash,
  recorded outside the database; `verify(anchor=…)` then requires that entry to still exist
  with that hash and the chain to extend from it;
- a **key** (`KILNGUARD_AUDIT_KEY`, `config.audit_key`): from the first write made with it, a
  marker entry (action `key`, entity `audit_log`, entity id = the key's id) starts a keyed
  chain in which each entry's hash is HMAC-SHA256 under the key and the head holds a seal
  (HMAC of the last seq and hash) instead of the bare hash. Without the key nobody can rewrite
  an entry or re-seal a head, so a cut log cannot be re-headed undetected (short of putting
  back a head copied earlier; an anchor covers that). Entries before the marker stay plain
  SHA-256, so an existing chain keeps verifying. Verifying a keyed chain without the key checks
  order and links only and says so: it is never reported intact.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, SessionTransaction

from kilnguard.config import audit_key
from kilnguard.domain.errors import Conflict
from kilnguard.store.db import clock_of
from kilnguard.store.models import AuditEntry, ChainHead

GENESIS_HASH = "0" * 64
_HEAD_KEY = "kilnguard.audit.chain_head"
MARKER_ACTION = "key"
"""Action of the entry that starts the keyed part of a chain (entity `audit_log`)."""
MARKER_ENTITY = "audit_log"
ANCHOR_FORMAT = "kilnguard-audit-anchor/1"


class _Config(enum.Enum):
    KEY = "from KILNGUARD_AUDIT_KEY"


FROM_CONFIG = _Config.KEY
"""Default `key` of `append` and `verify`: read `KILNGUARD_AUDIT_KEY` (None when unset)."""

KeyArg = bytes | None | _Config


def _key_of(key: KeyArg) -> bytes | None:
    return audit_key() if key is FROM_CONFIG else key


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


def key_id(key: bytes) -> str:
    """A public name for a key (16 hex digits of an HMAC of a constant): tells keys apart in
    the marker entry and in messages without revealing the key."""
    return hmac.new(key, b"kilnguard audit key id", hashlib.sha256).hexdigest()[:16]


def head_seal(key: bytes, seq: int, entry_hash: str) -> str:
    """What a keyed chain's head stores: an HMAC of its last entry's seq and hash."""
    return hmac.new(key, f"head\x1f{seq}\x1f{entry_hash}".encode(), hashlib.sha256).hexdigest()


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

    def digest(self, prev_hash: str, key: bytes | None = None) -> str:
        """SHA-256 of the fields, or HMAC-SHA256 under `key` in the keyed part of a chain."""
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
        message = "\x1f".join(fields).encode("utf-8")
        if key is None:
            return hashlib.sha256(message).hexdigest()
        return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who performs a write: a user name, or a system job such as `demo` or `import`."""

    name: str


@dataclass
class _Tip:
    """The locked head with the hash of the entry it names (the link for the next entry)."""

    head: ChainHead
    seq: int
    entry_hash: str
    key: bytes | None
    keyed: bool


def _entry_hash(session: Session, seq: int) -> str | None:
    if seq == 0:
        return GENESIS_HASH
    found = session.execute(
        text("SELECT entry_hash FROM audit_log WHERE seq = :s"), {"s": seq}
    ).scalar()
    return None if found is None else str(found)


def _marker(session: Session) -> tuple[int, str] | None:
    """The seq and key id of the entry that made the chain keyed, if any."""
    row = session.execute(
        text(
            "SELECT seq, entity_id FROM audit_log WHERE action = :a AND entity = :e "
            "ORDER BY seq LIMIT 1"
        ),
        {"a": MARKER_ACTION, "e": MARKER_ENTITY},
    ).first()
    return None if row is None else (int(row.seq), str(row.entity_id))


_RUN_VERIFY = "run `kilnguard audit verify` and restore the log from a backup"


def _lock_tip(session: Session, key: bytes | None) -> _Tip:
    """Lock the head and decide how the next entry is hashed; refuse to extend a chain in a way
    that would hide tampering or mix keyed and unkeyed entries."""
    head = session.execute(select(ChainHead).where(ChainHead.id == 1).with_for_update()).scalar()
    if head is None:
        last = session.execute(text("SELECT MAX(seq) FROM audit_log")).scalar()
        if last is not None:
            raise Conflict(
                f"the audit chain's head row is missing but the log holds entries up to "
                f"{last}: {_RUN_VERIFY}; nothing is written until the chain is repaired"
            )
        head = ChainHead(id=1, last_seq=0, last_hash=GENESIS_HASH)
        session.add(head)
        return _Tip(head, 0, GENESIS_HASH, key, keyed=False)
    seq = int(head.last_seq)
    entry = _entry_hash(session, seq)
    if key is not None and entry is not None and head.last_hash == head_seal(key, seq, entry):
        return _Tip(head, seq, entry, key, keyed=True)
    plain = entry is not None and head.last_hash == entry
    marker = None if (plain and key is None) else _marker(session)
    if marker is None:
        # An unkeyed chain: extend it from the head as always (a head that disagrees with the
        # log was tampered with; the next entry keeps that visible to `verify`).
        return _Tip(head, seq, head.last_hash if entry is None else entry, key, keyed=False)
    keyed_at, chain_key = marker
    if key is None:
        raise Conflict(
            f"the audit chain is keyed (from entry {keyed_at}, key id {chain_key}): set "
            "KILNGUARD_AUDIT_KEY to the same key to write"
        )
    if chain_key != key_id(key):
        raise Conflict(
            f"KILNGUARD_AUDIT_KEY (key id {key_id(key)}) is not the key this audit chain is "
            f"keyed with (key id {chain_key}, from entry {keyed_at})"
        )
    raise Conflict(
        f"the audit chain's head does not carry the key's seal for entry {seq}: the head or the "
        f"end of the log was altered without the key; {_RUN_VERIFY}"
    )


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
    key: KeyArg = FROM_CONFIG,
) -> AuditEntry:
    """Append one entry to the chain inside the caller's transaction (keyed with
    `KILNGUARD_AUDIT_KEY` when set; the first keyed write adds the marker entry first)."""
    tip: _Tip | None = session.info.get(_HEAD_KEY)
    if tip is None:
        tip = _lock_tip(session, _key_of(key))
        session.info[_HEAD_KEY] = tip
    elif tip.seq != tip.head.last_seq:  # a savepoint rolled back: find the link again
        session.flush()
        tip.seq = int(tip.head.last_seq)
        tip.entry_hash = _entry_hash(session, tip.seq) or tip.head.last_hash
    entry = _Entry(
        actor, action, entity, str(entity_id), enterprise_id, payload, at or clock_of(session).now()
    )
    if tip.key is not None and not tip.keyed:
        tip.keyed = True
        marker = {"hash": "HMAC-SHA256", "key_id": key_id(tip.key), "from_seq": tip.seq + 1}
        _add(
            session,
            tip,
            replace(
                entry,
                action=MARKER_ACTION,
                entity=MARKER_ENTITY,
                entity_id=key_id(tip.key),
                enterprise_id=None,
                payload=marker,
            ),
        )
    return _add(session, tip, entry)


@dataclass(frozen=True)
class _Entry:
    """What a write says about itself, before it is numbered and hashed into the chain."""

    actor: str
    action: str
    entity: str
    entity_id: str
    enterprise_id: int | None
    payload: dict[str, Any]
    at: dt.datetime


def _add(session: Session, tip: _Tip, entry: _Entry) -> AuditEntry:
    """Number `entry` after the tip, hash it onto the chain and move the head."""
    values = {f.name: getattr(entry, f.name) for f in fields(entry)}  # shallow: no deep copy
    hashed = _Hashed(seq=tip.seq + 1, **{**values, "payload": canonical_json(entry.payload)})
    key = tip.key if tip.keyed else None
    digest = hashed.digest(tip.entry_hash, key)
    row = AuditEntry(**asdict(hashed), prev_hash=tip.entry_hash, entry_hash=digest)
    session.add(row)
    tip.seq, tip.entry_hash = hashed.seq, digest
    tip.head.last_seq = hashed.seq
    tip.head.last_hash = digest if key is None else head_seal(key, hashed.seq, digest)
    return row


# ------------------------------------------------------------------------------- anchors
@dataclass(frozen=True)
class Anchor:
    """The chain's last entry at a moment, to be recorded outside the database."""

    seq: int
    hash: str
    anchored_at: dt.datetime
    last_entry_at: dt.datetime | None = None
    key_id: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": ANCHOR_FORMAT,
                "seq": self.seq,
                "entries": self.seq,
                "hash": self.hash,
                "anchored_at": self.anchored_at.isoformat(),
                "last_entry_at": None
                if self.last_entry_at is None
                else self.last_entry_at.isoformat(),
                "key_id": self.key_id,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, raw: str) -> Anchor:
        """Parse an anchor file; a ValueError names what is wrong with it."""
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not an audit anchor (invalid JSON: {exc.msg})") from None
        if not isinstance(data, dict) or data.get("format") != ANCHOR_FORMAT:
            raise ValueError(f'not an audit anchor (expected "format": "{ANCHOR_FORMAT}")')
        seq, digest = data.get("seq"), data.get("hash")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError('audit anchor: "seq" must be a whole number ≥ 0')
        if not isinstance(digest, str) or len(digest) != 64:
            raise ValueError('audit anchor: "hash" must be 64 hexadecimal digits')
        try:
            at = dt.datetime.fromisoformat(str(data.get("anchored_at")))
            last = data.get("last_entry_at")
            last_at = None if last is None else dt.datetime.fromisoformat(str(last))
        except ValueError:
            raise ValueError('audit anchor: "anchored_at" must be an ISO date and time') from None
        kid = data.get("key_id")
        return cls(seq, digest.lower(), at, last_at, None if kid is None else str(kid))


def take_anchor(session: Session, at: dt.datetime | None = None) -> Anchor:
    """The last entry's seq and hash now (GENESIS_HASH at seq 0 for an empty log)."""
    row = session.execute(
        text("SELECT seq, at, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    ).first()
    marker = _marker(session)
    when = at or clock_of(session).now()
    if row is None:
        return Anchor(0, GENESIS_HASH, when)
    return Anchor(
        int(row.seq),
        str(row.entry_hash),
        when,
        _as_datetime(row.at),
        None if marker is None else marker[1],
    )


# ------------------------------------------------------------------------------ verifying
Status = Literal["intact", "broken", "unchecked"]


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries_checked: int
    first_broken_seq: int | None = None
    problem: str = ""
    status: Status = "intact"
    """`intact` (ok), `broken` (tampering found at `first_broken_seq`) or `unchecked` (a keyed
    chain checked without its key: order and links held, hashes and head seal not checked)."""
    keyed_from: int | None = None


def _broken(checked: int, seq: int, problem: str, keyed_from: int | None = None) -> ChainReport:
    return ChainReport(False, checked, seq, problem, "broken", keyed_from)


def _as_datetime(value: object) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def verify(
    session: Session, *, key: KeyArg = FROM_CONFIG, anchor: Anchor | None = None
) -> ChainReport:
    """Walk the chain in order, recomputing every hash from the stored text, then hold the head
    (and the `anchor`, when given) against the last entry.

    Reads raw column values (no JSON decoding), so a payload edited into invalid JSON is
    still reported as a broken entry rather than crashing the check.
    """
    secret = _key_of(key)
    rows = session.execute(
        text(
            "SELECT seq, at, actor, action, entity, entity_id, enterprise_id, payload, "
            "prev_hash, entry_hash FROM audit_log ORDER BY seq"
        )
    )
    prev = GENESIS_HASH
    expected_seq = 1
    keyed_from: int | None = None
    unkeyable = ""  # why the keyed part cannot be checked, when it cannot
    at_anchor = GENESIS_HASH if anchor is not None and anchor.seq == 0 else None
    for row in rows:
        seq = int(row.seq)
        if seq != expected_seq:
            return _broken(
                expected_seq - 1,
                expected_seq,
                f"entry {expected_seq} is missing (next stored entry is {seq}): deleted",
                keyed_from,
            )
        if row.prev_hash != prev:
            return _broken(
                seq - 1, seq, f"entry {seq}: link to the previous entry was altered", keyed_from
            )
        if keyed_from is None and row.action == MARKER_ACTION and row.entity == MARKER_ENTITY:
            keyed_from = seq
            if secret is None:
                unkeyable = "KILNGUARD_AUDIT_KEY is not set"
            elif key_id(secret) != str(row.entity_id):
                unkeyable = (
                    f"KILNGUARD_AUDIT_KEY has key id {key_id(secret)}, not the chain's "
                    f"{row.entity_id}"
                )
        if keyed_from is None or not unkeyable:
            digest = _Hashed(
                seq=seq,
                at=_as_datetime(row.at),
                actor=str(row.actor),
                action=str(row.action),
                entity=str(row.entity),
                entity_id=str(row.entity_id),
                enterprise_id=None if row.enterprise_id is None else int(row.enterprise_id),
                payload=str(row.payload),
            ).digest(prev, secret if keyed_from is not None else None)
            if digest != row.entry_hash:
                return _broken(
                    seq - 1,
                    seq,
                    f"entry {seq} ({row.action} {row.entity} {row.entity_id}, by {row.actor}): "
                    "contents do not match its hash — edited after it was written",
                    keyed_from,
                )
        prev = str(row.entry_hash)
        if anchor is not None and seq == anchor.seq:
            at_anchor = prev
        expected_seq += 1
    n = expected_seq - 1
    if anchor is not None and (found := _against_anchor(anchor, n, at_anchor)):
        return _broken(n, min(anchor.seq, n + 1), found, keyed_from)
    head = session.execute(text("SELECT last_seq, last_hash FROM hash_chain_head")).first()
    if (
        problem := _against_head(session, head, n, prev, keyed_from, secret, unkeyable)
    ) is not None:
        return problem
    if unkeyable:
        return ChainReport(
            False,
            n,
            None,
            f"the chain is keyed from entry {keyed_from} and {unkeyable}: its order and links "
            f"held, but entries {keyed_from}–{n} and the head's seal cannot be checked without "
            "the key",
            "unchecked",
            keyed_from,
        )
    return ChainReport(True, n, keyed_from=keyed_from)


def _against_anchor(anchor: Anchor, n: int, at_anchor: str | None) -> str | None:
    when = anchor.anchored_at.isoformat(timespec="seconds")
    if anchor.seq > n:
        return (
            f"the anchor of {when} records entry {anchor.seq} but the log ends at entry {n}: "
            f"entries {n + 1}–{anchor.seq} were cut off since the anchor"
        )
    if at_anchor != anchor.hash:
        return (
            f"entry {anchor.seq} no longer has the hash the anchor of {when} recorded: the log "
            "up to it was rewritten since the anchor"
        )
    return None


def _against_head(
    session: Session,
    head: Any,
    n: int,
    last_hash: str,
    keyed_from: int | None,
    secret: bytes | None,
    unkeyable: str,
) -> ChainReport | None:
    """The head must name the last entry: seq and hash (its seal, in a keyed chain)."""
    if head is None:
        if n > 0:
            return _broken(
                n,
                n,
                f"the chain has {n} entries but its head row is gone: the head was deleted, so "
                "entries at the end may have been deleted with it",
                keyed_from,
            )
        if records := _audited_records(session):
            return _broken(
                0,
                1,
                f"the audit log is empty but {records} audited records exist "
                "(regions, enterprises, users): its entries were deleted",
            )
        return None
    head_seq = int(head.last_seq)
    if n == 0 and (head_seq > 0 or _audited_records(session)):
        return _broken(
            0,
            1,
            f"the audit log is empty but its head records entry {head_seq}"
            + (f" and {r} audited records exist" if (r := _audited_records(session)) else "")
            + ": its entries were deleted",
        )
    if head_seq > n:
        return _broken(
            n,
            n + 1,
            f"the chain ends at entry {n} but the head records entry {head_seq}: entries "
            f"{n + 1}–{head_seq} at the end were deleted",
            keyed_from,
        )
    if head_seq < n:
        return _broken(
            n,
            head_seq + 1,
            f"the head records entry {head_seq} but the log holds {n} entries: the head was "
            f"rewound, or entries {head_seq + 1}–{n} were added behind the application",
            keyed_from,
        )
    if keyed_from is None:
        if head.last_hash != last_hash:
            return _broken(
                n,
                n,
                f"the head's hash does not match entry {n}: the head was rewritten",
            )
        return None
    if unkeyable or secret is None:
        return None
    if head.last_hash != head_seal(secret, n, last_hash):
        return _broken(
            n,
            n,
            f"the head does not carry the key's seal for entry {n}: the head was rewritten "
            "without the key, so entries after it may have been cut off",
            keyed_from,
        )
    return None


def _audited_records(session: Session) -> int:
    """Rows that every installation writes through the audited path first: with any of them
    stored, an empty log means its entries were removed."""
    return sum(
        int(session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() or 0)
        for table in ("regions", "enterprises", "users")
    )
