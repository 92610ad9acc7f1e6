"""planning: adopted plans (plan_adoptions), planned production and planned shifts

Hand-written against store/planning_models.py (keep the two identical).

Revision ID: 0005_planning
Revises: 0001_foundation
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

from kilnguard.store.migrations import columns as c

revision = "0005_planning"
down_revision = "0001_foundation"
branch_labels = ("planning",)

# create (upgrade) and drop (downgrade) the tables of schema/0005_planning.toml
upgrade, downgrade = c.snapshot_steps(revision)
