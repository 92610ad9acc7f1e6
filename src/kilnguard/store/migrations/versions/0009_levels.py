"""levels: each kiln's stored daily risk level (with its explanation and fingerprint) and each
enterprise's recompute state. A branch from 0001_foundation; its tables are
schema/0009_levels.toml, kept identical to store/level_models.py."""

from kilnguard.store.migrations import columns as c

revision, down_revision, branch_labels = "0009_levels", "0001_foundation", ("levels",)
upgrade, downgrade = c.snapshot_steps(revision)
