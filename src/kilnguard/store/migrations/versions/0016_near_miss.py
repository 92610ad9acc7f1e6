"""near_miss: the per-kiln near-miss link behind each kiln's printed QR code, and the revisions
of bulletins changed after sending (issue 16 point 12). A branch from 0001_foundation; its tables
are schema/0016_near_miss.toml, kept identical to store/near_miss_models.py."""

from kilnguard.store.migrations import columns as c

revision, down_revision, branch_labels = "0016_near_miss", "0001_foundation", ("near_miss",)
upgrade, downgrade = c.snapshot_steps(revision)
