"""credentials: failed logins by account and address, for the login throttle and lockout
(issue 15 point 6). A branch from 0001_foundation; its table is schema/0011_credentials.toml,
kept identical to store/credential_models.py."""

from kilnguard.store.migrations import columns as c

revision, down_revision, branch_labels = "0011_credentials", "0001_foundation", ("credentials",)
upgrade, downgrade = c.snapshot_steps(revision)
