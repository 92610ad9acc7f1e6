"""alert_comments: comments on risk alerts that do not acknowledge them (issue 16 point 4). A
branch from 0001_foundation that depends on 0002_alerts (its rows reference `alerts`); its
table is schema/0017_alert_comments.toml, kept identical to store/alert_comment_models.py."""

from kilnguard.store.migrations import columns as c

revision, down_revision, branch_labels = (
    "0017_alert_comments",
    "0001_foundation",
    ("alert_comments",),
)
depends_on = ("0002_alerts",)
upgrade, downgrade = c.snapshot_steps(revision)
