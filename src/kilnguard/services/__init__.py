"""services.

Importing any service registers the session hooks that keep the stored risk levels current
with every committed write (`services.risk.follow`), whichever shell wrote.
"""

from kilnguard.services.risk import follow as _follow  # noqa: F401  (registers the hooks)
