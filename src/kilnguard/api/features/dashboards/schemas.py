"""Dashboard API shapes: kilns and enterprises ranked by danger, and a kiln's risk chart."""

from __future__ import annotations

from pydantic import BaseModel, Field


class KilnStatusOut(BaseModel):
    kiln_id: int
    kiln: str
    enterprise_id: int
    enterprise: str
    level: str = Field(description='green, amber, red, stop or "no records"')
    day: str | None = Field(description="The level's day: the enterprise's last record day")
    risk_ratio: float = Field(description="How far: R on the level's day (× design basis)")
    since: str | None = Field(description="First day of the kiln's current run at this level")
    days_at_level: int = Field(description="How long: days at this level without a break")
    reason: str = Field(description="The kiln's own top cause (its first finding)")
    summary: str = Field(description="Same as reason (kept for older clients)")
    last_record: str | None = Field(description="The kiln's own last production day")
    days_without_records: int | None = Field(
        description="Plant days since the last production record (null: none ever)"
    )
    stale: bool = Field(description="True when days_without_records is 2 or more")
    level_age_days: int | None = Field(description="Plant days since the level's day")


class EnterpriseRankOut(BaseModel):
    enterprise_id: int
    name: str
    level: str = Field(description="Its worst kiln's level")
    risk_ratio: float
    days_at_level: int
    worst_kiln: str | None
    reason: str
    counts: dict[str, int]
    last_record: str | None
    trend: list[dict[str, str | int]] = Field(
        description='Its own last 30 days of records: {"day", <level>: kilns, …}'
    )


class RollupOut(BaseModel):
    scope: str = Field(description="enterprise or region")
    id: int
    name: str
    timezone: str = Field(description="The plant's time zone (IANA)")
    now: str = Field(description="When this was computed (ISO 8601, UTC)")
    today: str = Field(description="Today in plant time")
    as_of: str | None = Field(description="The latest level's day")
    enterprises: list[str]
    enterprises_ranked: list[EnterpriseRankOut] = Field(
        description="Enterprises worst first (by their worst kiln, ranked as kilns are)"
    )
    counts: dict[str, int] = Field(description='Kilns per level, and "no records"')
    worst: list[KilnStatusOut] = Field(description="Kilns above green, worst first")
    kilns: list[KilnStatusOut] = Field(
        description="Every kiln worst first: level, then risk ratio, then days at that level"
    )
    trend: list[dict[str, str | int]] = Field(
        description="Enterprise scope: kilns per level per day of its last 30 days of records; "
        "region scope: empty (each enterprise's own trend is in enterprises_ranked)"
    )


class ChartSeriesOut(BaseModel):
    key: str
    label: str = Field(description="Name and unit")
    threshold: float | None = Field(description="The engine's own threshold for it (null: none)")
    note: str
    values: list[float | None] = Field(description="One per day; null: no value that day")


class ChartEventOut(BaseModel):
    day: str
    kind: str = Field(description="target, deferral, overrule, incident or alert")
    text: str


class KilnChartOut(BaseModel):
    kiln_id: int
    kiln: str
    enterprise: str
    timezone: str
    days: list[str] = Field(description="Plant days, one per stored level")
    risk_ratio: list[float]
    levels: list[str]
    bands: dict[str, float] = Field(description="R at which amber, red and stop start")
    indicators: list[ChartSeriesOut]
    events: list[ChartEventOut]
