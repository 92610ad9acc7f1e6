"""scheduler: claimed runs of background jobs per slot, and the active scheduler's lease. A
branch from 0001_foundation; its tables are schema/0008_scheduler.toml, kept identical to
store/job_models.py."""

from kilnguard.store.migrations import columns as c

revision, down_revision, branch_labels = "0008_scheduler", "0001_foundation", ("scheduler",)
upgrade, downgrade = c.snapshot_steps(revision)
