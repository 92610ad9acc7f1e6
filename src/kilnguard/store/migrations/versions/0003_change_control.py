"""change control: change requests, hazards, evidence, reviews, objections, overrules,
transitions, firings, deadline extensions, PSSR checks, hazard zones, zone log, notifications

Hand-checked against store/change_models.py (keep the two identical).

Revision ID: 0003_change_control
Revises: 0001_foundation
Create Date: 2026-11-23 08:00:32.036285
"""

from __future__ import annotations

from kilnguard.store.migrations import columns as c

revision = "0003_change_control"
down_revision = "0001_foundation"
branch_labels = ("change_control",)

# create (upgrade) and drop (downgrade) the tables of schema/0003_change_control.toml
upgrade, downgrade = c.snapshot_steps(revision)
