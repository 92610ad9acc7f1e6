"""Failed logins, kept so that every server process throttles them alike (issue 15 point 6;
service in `kilnguard.services.auth`).

`login_failures`: one row per wrong password (or unknown user name), with the user name as
typed (normalised) and the caller's address. The lockout is computed from these rows, so it
holds across processes and restarts; a successful login deletes its account's rows, and rows
older than the longest window are pruned as new ones are written. Migration `0011_credentials`
(branch `credentials`); keep the two identical.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kilnguard.store.models import Base, IdKey, UTCDateTime


class LoginFailure(IdKey, Base):
    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account_at", "account", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )
    account: Mapped[str] = mapped_column(String(100))  # the user name tried, normalised
    address: Mapped[str] = mapped_column(String(64))  # the caller's IP address ("" for none)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
