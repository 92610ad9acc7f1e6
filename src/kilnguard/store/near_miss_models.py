"""Tables of issue 16 point 12: the per-kiln near-miss link and the revisions of bulletins.

- `near_miss_links`: one row per kiln, the unguessable token its printed QR code carries
  (`/near-miss/<token>` opens the anonymous near-miss form for that kiln without an account).
  A manager rotates it (the old code stops working at once); `rotated_by`/`rotated_at` say who
  printed the current one. No report is stored here: a report lands in the incident register
  as an anonymous near miss (`incident_extras.anonymous`), which keeps no reporter and no
  address by construction.
- `bulletin_revisions`: a bulletin changed after sending keeps, per change, the text it had
  before (title, summary, lessons, checks) and the acknowledgements the change set aside, so
  every enterprise is asked again and shown what changed, and both versions stay on record.

Migration `0016_near_miss` (branch `near_miss`); keep the two identical.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kilnguard.store.models import Base, EnterpriseRow, UTCDateTime

TOKEN_LEN = 64


class NearMissLink(EnterpriseRow, Base):
    """The current near-miss token of one kiln (unique per kiln and per token)."""

    __tablename__ = "near_miss_links"
    kiln_id: Mapped[int] = mapped_column(ForeignKey("kilns.id"), unique=True)
    token: Mapped[str] = mapped_column(String(TOKEN_LEN), unique=True)
    rotated_by: Mapped[str] = mapped_column(String(100))
    rotated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class BulletinRevision(EnterpriseRow, Base):
    """One change to a sent bulletin: the text before it, and the acknowledgements it reopened
    (`enterprise_id` is the bulletin's, the incident's enterprise)."""

    __tablename__ = "bulletin_revisions"
    # no foreign key: `bulletins` is another branch's table (0004), and branches upgrade in
    # no fixed order; the service finds the bulletin through `access` before writing
    bulletin_id: Mapped[int] = mapped_column(Integer, index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    lessons: Mapped[list[str]] = mapped_column(JSON, default=list)
    required_checks: Mapped[list[str]] = mapped_column(JSON, default=list)
    reopened: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    revised_by: Mapped[str] = mapped_column(String(100))
    revised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
