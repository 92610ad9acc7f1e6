"""user_preferences: the language each user reads the pages in (issue 16 point 8). A branch
from 0001_foundation; its table is schema/0018_preferences.toml, kept identical to
store/preference_models.py."""

from kilnguard.store.migrations import columns as c

revision, down_revision, branch_labels = "0018_preferences", "0001_foundation", ("preferences",)
upgrade, downgrade = c.snapshot_steps(revision)
