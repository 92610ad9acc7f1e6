"""Per-user preferences (issue 16 point 8): the language a user reads the pages in.

One row per user who chose; no row means "negotiate from the browser". Migration
`0018_preferences` (branch `preferences`); keep the two identical.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kilnguard.store.models import Base


class UserPreference(Base):
    __tablename__ = "user_preferences"
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
