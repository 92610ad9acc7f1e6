"""Dashboard API shapes: a roll-up of kiln levels for an enterprise or a region."""

from __future__ import annotations

from pydantic import BaseModel, Field


class KilnStatusOut(BaseModel):
    kiln_id: int
    kiln: str
    enterprise_id: int
    enterprise: str
    day: str | None = Field(description="The level's day: the enterprise's last record day")
    level: str = Field(description='green, amber, red, stop or "no records"')
    risk_ratio: float
    summary: str


class RollupOut(BaseModel):
    scope: str = Field(description="enterprise or region")
    id: int
    name: str
    as_of: str | None
    enterprises: list[str]
    counts: dict[str, int] = Field(description='Kilns per level, and "no records"')
    worst: list[KilnStatusOut]
    kilns: list[KilnStatusOut]
    trend: list[dict[str, str | int]] = Field(
        description='Per day of the last 30 days of records: {"day", <level>: kilns, …}'
    )
