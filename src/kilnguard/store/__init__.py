"""store."""

from kilnguard.store import bounds as bounds  # every session refuses what no column can hold
