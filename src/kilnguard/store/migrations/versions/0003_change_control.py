"""change control: change requests, hazards, evidence, reviews, objections, overrules,
transitions, firings, deadline extensions, PSSR checks, hazard zones, zone log, notifications

Hand-checked against store/change_models.py (keep the two identical).
"""

from __future__ import annotations

from kilnguard.store.migrations import columns as c

revision, down_revision = "0003_change_control", "0001_foundation"
branch_labels = ("change_control",)
upgrade, downgrade = c.snapshot_steps(revision)  # the tables of schema/0003_change_control.toml
