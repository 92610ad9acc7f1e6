"""Inbox API shapes: an entry, the unread count, what marking read changed."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from kilnguard.api.shell import EnterpriseItem


class InboxEntryOut(EnterpriseItem):
    model_config = ConfigDict(from_attributes=True)

    kind: str = Field(description="What happened: alert.raised, alert.escalated, …")
    ref: str = Field(description="What it is about, e.g. alert:12 or alert:12:level:1")
    subject: str
    body: str
    link: str = Field(description="The page to open about it (may be empty)")
    created_at: dt.datetime = Field(description="When it happened (UTC)")
    read_at: dt.datetime | None = Field(description="When you marked it read; null if unread")


class UnreadOut(BaseModel):
    unread: int = Field(description="How many of your inbox entries are unread")


class MarkedOut(BaseModel):
    marked: int = Field(description="Entries that were unread and are read now")
    unread: int = Field(description="Unread entries left")
