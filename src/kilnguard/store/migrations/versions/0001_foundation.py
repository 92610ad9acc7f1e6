"""foundation: plant records, users, audit log

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-23 07:47:38.786484
"""

from __future__ import annotations

from kilnguard.store.migrations import columns as c

revision = "0001_foundation"
down_revision = None

# create (upgrade) and drop (downgrade) the tables of schema/0001_foundation.toml
upgrade, downgrade = c.snapshot_steps(revision)
