"""alerts: risk alerts per kiln (raise, acknowledge, escalate, close) and escalation history

Hand-written to match store/alert_models.py (keep the two identical).

Revision ID: 0002_alerts
Revises: 0001_foundation
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

from kilnguard.store.migrations import columns as c

revision = "0002_alerts"
down_revision = "0001_foundation"
branch_labels = ("alerts",)

# create (upgrade) and drop (downgrade) the tables of schema/0002_alerts.toml
upgrade, downgrade = c.snapshot_steps(revision)
