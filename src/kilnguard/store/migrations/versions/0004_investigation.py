"""investigation: incident extras, investigations, timeline snapshots, evidence, interviews,
findings, CAST controllers, corrective actions, bulletins and their recipients (issue 6)

Hand-written to match src/kilnguard/store/investigation_models.py (no reporter column anywhere).
"""

from __future__ import annotations

from kilnguard.store.migrations import columns as c

revision, down_revision = "0004_investigation", "0001_foundation"
branch_labels = ("investigation",)
upgrade, downgrade = c.snapshot_steps(revision)  # the tables of schema/0004_investigation.toml
