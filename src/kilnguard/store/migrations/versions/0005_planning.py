"""planning: adopted plans (plan_adoptions), planned production and planned shifts

Hand-written against store/planning_models.py (keep the two identical).
"""

from __future__ import annotations

from kilnguard.store.migrations import columns as c

revision, down_revision = "0005_planning", "0001_foundation"
branch_labels = ("planning",)
upgrade, downgrade = c.snapshot_steps(revision)  # the tables of schema/0005_planning.toml
