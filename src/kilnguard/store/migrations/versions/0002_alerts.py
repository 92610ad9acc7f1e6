"""alerts: risk alerts per kiln (raise, acknowledge, escalate, close) and escalation history

Hand-written to match store/alert_models.py (keep the two identical).
"""

from __future__ import annotations

from kilnguard.store.migrations import columns as c

revision, down_revision = "0002_alerts", "0001_foundation"
branch_labels = ("alerts",)
upgrade, downgrade = c.snapshot_steps(revision)  # the tables of schema/0002_alerts.toml
