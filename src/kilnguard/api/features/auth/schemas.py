"""Auth API shapes: token exchange, who-am-I, audit-chain verification."""

from __future__ import annotations

from pydantic import BaseModel


class TokenRequest(BaseModel):
    username: str
    password: str
    name: str = "api token"


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"


class MeOut(BaseModel):
    username: str
    role: str
    region_id: int | None
    enterprise_ids: list[int]


class AuditVerifyOut(BaseModel):
    ok: bool
    entries_checked: int
    first_broken_seq: int | None
    problem: str
