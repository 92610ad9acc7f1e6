"""notifications: the users' in-app inbox, the outbox of messages to the plant's channels
(webhook, MQTT, e-mail) and every delivery attempt

Hand-written to match store/notification_models.py (keep the two identical).

Revision ID: 0007_notifications
Revises: 0001_foundation
Create Date: 2026-11-29 23:00:00
"""

from __future__ import annotations

from kilnguard.store.migrations import columns as c

revision = "0007_notifications"
down_revision = "0001_foundation"
branch_labels = ("notifications",)

# create (upgrade) and drop (downgrade) the tables of schema/0007_notifications.toml
upgrade, downgrade = c.snapshot_steps(revision)
