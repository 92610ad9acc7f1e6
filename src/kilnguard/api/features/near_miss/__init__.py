"""Anonymous near misses from a kiln's QR code (issue 16 point 12): the printable code page per
kiln and its rotation (managers), and the anonymous form the code opens (:mod:`.pages`), with
its per-address rate limit (:mod:`.limit`). The reports go through
`services.investigation.near_miss`. `router` is for the app (discovered by `kilnguard.plugins`).
"""

from kilnguard.api.features.near_miss.pages import router

__all__ = ["router"]
