"""scheduler: claimed runs of background jobs per slot, and the active scheduler's lease

Hand-written to match store/job_models.py (keep the two identical).

Revision ID: 0008_scheduler
Revises: 0001_foundation
Create Date: 2026-11-29 23:30:00
"""

from __future__ import annotations

from kilnguard.store.migrations import columns as c

revision = "0008_scheduler"
down_revision = "0001_foundation"
branch_labels = ("scheduler",)

# create (upgrade) and drop (downgrade) the tables of schema/0008_scheduler.toml
upgrade, downgrade = c.snapshot_steps(revision)
