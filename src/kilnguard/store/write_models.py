"""Idempotency keys (issue 15 point 2): a POST sent again with the same `Idempotency-Key`
header gets the response of the first instead of writing twice (a client retrying after a
timeout or a kill -9 cannot duplicate a record).

One row per (user, key): the SHA-256 of the request it was first sent with, and, once that
request finished, its status, content type and body. A row with no status is a request still in
progress. Migration `0010_writes` (branch `writes`); keep the two identical.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kilnguard.store.models import Base, IdKey, UTCDateTime

KEY_LEN = 200
"""Longest Idempotency-Key accepted (a UUID is 36 characters)."""


class IdempotencyKey(IdKey, Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("username", "key"),)
    username: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(KEY_LEN))
    request_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[int | None] = mapped_column(Integer)  # None: the first request is running
    content_type: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
