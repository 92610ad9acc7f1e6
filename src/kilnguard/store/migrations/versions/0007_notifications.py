"""notifications: the users' in-app inbox, the outbox of messages to the plant's channels
(webhook, MQTT, e-mail) and every delivery attempt. A branch from 0001_foundation; its tables
are schema/0007_notifications.toml, kept identical to store/notification_models.py."""

from kilnguard.store.migrations import columns as c

revision, down_revision, branch_labels = "0007_notifications", "0001_foundation", ("notifications",)
upgrade, downgrade = c.snapshot_steps(revision)
