"""plan_jobs: planning runs off the request path, with their live progress and stored result
(issue 14 point 4). A branch from 0001_foundation; its table is schema/0012_plan_jobs.toml,
kept identical to store/plan_job_models.py."""

from kilnguard.store.migrations import columns as c

revision, down_revision, branch_labels = "0012_plan_jobs", "0001_foundation", ("plan_jobs",)
upgrade, downgrade = c.snapshot_steps(revision)
