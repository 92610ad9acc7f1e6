"""Idempotency keys: a POST repeated with the same `Idempotency-Key` is answered once.

A client that retries a write after a timeout, a dropped connection or a server kill -9 cannot
know whether the first attempt was stored; with a key it retries safely. The first request
claims (user, key) with the SHA-256 of the request; when it has finished, its response (status,
content type, body) is kept and every repeat gets that response again without running the write.
The same key with a different request is refused (422); a repeat while the first is still
running gets 409 (retry shortly). A first attempt that failed with a server error releases its
key, so a retry runs again. Keys are kept `KEEP` (24 h), then purged.

These rows are a cache of responses, not plant records: they carry no audit entry (the write
the first request made has its own).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from kilnguard.domain.errors import Conflict, ValidationError
from kilnguard.services import writes
from kilnguard.store.write_models import KEY_LEN, IdempotencyKey

HEADER = "Idempotency-Key"
KEEP = dt.timedelta(hours=24)
"""How long a key and its response are kept (a client retries within minutes, not days)."""


@dataclass(frozen=True)
class Stored:
    """The response of the first request sent with a key, to be sent again."""

    status: int
    content_type: str
    body: bytes

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The response's headers as sent again, saying it is a repeat."""
        return [
            (b"content-type", self.content_type.encode("latin-1")),
            (b"content-length", str(len(self.body)).encode()),
            (b"idempotent-replayed", b"true"),
        ]


def validate_key(key: str) -> None:
    """A key is 1–200 printable ASCII characters (a UUID, say)."""
    if not 0 < len(key) <= KEY_LEN or not all(" " < ch <= "~" for ch in key):
        raise ValidationError(
            HEADER, key[:KEY_LEN], f"1 to {KEY_LEN} printable ASCII characters, e.g. a UUID"
        )


def claim(session: Session, *, username: str, key: str, request_sha256: str) -> Stored | None:
    """Claim `key` for this request (None: go on and run it), or the stored response of the
    first request sent with it. Refuses a key reused for another request (ValidationError)
    and one whose first request is still running (Conflict). A concurrent claim of the same
    key loses on the unique constraint (Conflict when the unit of work ends)."""
    validate_key(key)
    now = writes.now(session)
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEEP))
    row = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.username == username, IdempotencyKey.key == key)
    )
    if row is None:
        session.add(
            IdempotencyKey(
                username=username,
                key=key,
                request_sha256=request_sha256,
                created_at=now,
                status=None,
                content_type="",
                body=b"",
            )
        )
        session.flush()
        return None
    if row.request_sha256 != request_sha256:
        raise ValidationError(
            HEADER, key, "was sent before with a different request: use a new key for a new one"
        )
    if row.status is None:
        raise Conflict(f"the first request with {HEADER} {key!r} is still running: retry shortly")
    return Stored(row.status, row.content_type, row.body)


def finish(
    session: Session, *, username: str, key: str, status: int, content_type: str, body: bytes
) -> None:
    """Keep the response of the request that claimed `key`."""
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.username == username, IdempotencyKey.key == key)
        .values(status=status, content_type=content_type, body=body)
    )


def release(session: Session, *, username: str, key: str) -> None:
    """Forget `key` (its request failed): a retry runs the request again."""
    session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.username == username, IdempotencyKey.key == key)
    )
