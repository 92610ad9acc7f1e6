"""Auth API shapes: token exchange, token lists, password change, who-am-I, audit-chain
verification."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from kilnguard.api.bounds import Body


class TokenRequest(Body):  # NUL in a user name: 422, not a PostgreSQL error
    username: str = Field(max_length=100)
    password: str = Field(max_length=256)
    name: str = Field("api token", max_length=200)


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: dt.datetime | None = Field(
        None, description="When the token stops working (KILNGUARD_TOKEN_DAYS after issue)"
    )


class TokenItem(BaseModel):
    """An API token as listed: never its secret (only a digest of it is stored)."""

    id: int
    username: str
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    expired: bool


class PasswordChanged(BaseModel):
    credentials_revoked: int = Field(description="Sessions and API tokens that stopped working")


class PasswordChange(Body):
    current_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


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
