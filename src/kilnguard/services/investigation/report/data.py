"""The data of an investigation report: the investigation view plus what the report derives
from it (the plant's time zone and region, timeline entries grouped by section), and the two
ways the report writes a time."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kilnguard.services.access import Principal
from kilnguard.services.investigation.views import investigation_view
from kilnguard.store import models as m

RECON = "reconstructed"
CHANGE_KINDS = (
    "change",
    "objection",
    "objection_withdrawn",
    "overrule",
    "zone_headcount",
    "firing",
)


# ----------------------------------------------------------------------------- data
def report_data(
    session: Session, who: Principal, investigation_id: int, *, as_of: dt.date | None = None
) -> dict[str, Any]:
    """The investigation view plus what the report derives from it."""
    view = investigation_view(session, who, investigation_id, as_of=as_of)
    ent = session.get(m.Enterprise, view["incident"]["enterprise_id"])
    tz = ZoneInfo(ent.region.timezone if ent else "UTC")
    tl = view["timeline"]
    prod = [t for t in tl if t["kind"] == "production"]
    above = [t for t in prod if t["facts"].get("above_rating")]
    view["tz"] = tz
    view["region"] = ent.region.name if ent else ""
    view["by_kind"] = {
        "production": prod,
        "above": above,
        "targets": [t for t in tl if t["kind"] == "target"],
        "deferred": [t for t in tl if t["kind"] == "maintenance_deferred"],
        "due": [t for t in tl if t["kind"] == "maintenance_due"],
        "done": [t for t in tl if t["kind"] == "maintenance_done"],
        "shifts": [t for t in tl if t["kind"] == "shift"],
        "alerts": [t for t in tl if t["kind"] in ("alert", "alert_acknowledged")],
        "risk": [t for t in tl if t["kind"] == "risk_level"],
        "changes": [t for t in tl if t["kind"] in CHANGE_KINDS],
    }
    return view


def local_time(iso: str, tz: ZoneInfo) -> str:
    """'2021-11-24 15:00 KST (24 Nov 2021)' — ISO date for machines, words for people."""
    at = dt.datetime.fromisoformat(iso).astimezone(tz)
    return f"{at:%Y-%m-%d %H:%M} {at.tzname()}"


def long_date(iso: str, tz: ZoneInfo) -> str:
    at = dt.datetime.fromisoformat(iso).astimezone(tz)
    return f"{at.day} {at:%b %Y}"
