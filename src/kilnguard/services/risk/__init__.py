"""Risk from stored records: load the database into the engine's records, replay it.

* `load` — `load_history` (production and shifts as columns, straight from the driver: `columns`),
  `readable_kilns`, `LoadedHistory`, the explicit safety fields and the lining state at onboarding;
* `replay` — `replay`, `replay_kiln`, the chunked `replay_chunks` (bounded memory, levels
  identical to one pass) and `latest_levels`.
"""

from kilnguard.services.risk.load import (
    UNPLANNED_INTERVAL_DAYS,
    LoadedHistory,
    change_control_states,
    idle_day_stops,
    kiln_spec,
    load_history,
    onboarding_wear,
    readable_kilns,
    region_zones,
    utc_offset_h,
    with_scope_mates,
)
from kilnguard.services.risk.replay import (
    CHUNK_KILN_DAYS,
    chunks,
    has_table,
    history_window,
    kiln_span,
    last_record_day,
    latest_levels,
    replay,
    replay_chunks,
    replay_kiln,
)

__all__ = [
    "CHUNK_KILN_DAYS",
    "UNPLANNED_INTERVAL_DAYS",
    "LoadedHistory",
    "change_control_states",
    "chunks",
    "has_table",
    "history_window",
    "idle_day_stops",
    "kiln_span",
    "kiln_spec",
    "last_record_day",
    "latest_levels",
    "load_history",
    "onboarding_wear",
    "readable_kilns",
    "region_zones",
    "replay",
    "replay_chunks",
    "replay_kiln",
    "utc_offset_h",
    "with_scope_mates",
]
