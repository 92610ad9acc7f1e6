"""Token issue, listing and revocation for machines and scripts, password change, who-am-I,
and the audit chain check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request

from kilnguard.api.deps import Who, clock_of_app, engine_of, uow
from kilnguard.api.features.auth import schemas as s
from kilnguard.config import web_settings
from kilnguard.services import access
from kilnguard.services import credentials as svc
from kilnguard.services.audit import verify

router = APIRouter(prefix="/api/v1", tags=["auth"])


def client_address(request: Request) -> str:
    """The caller's address as the login throttle counts it (uvicorn takes it from
    `X-Forwarded-For` only when the proxy is trusted: FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client is not None else ""


@router.post("/auth/token", response_model=s.TokenOut)
def issue_token(request: Request, body: s.TokenRequest) -> Any:
    """Exchange a user name and password for a bearer API token (shown once), which expires
    after `KILNGUARD_TOKEN_DAYS` (default 30). Wrong passwords are throttled: 429 with
    Retry-After once a user name or an address has too many."""
    lifetime = dt.timedelta(days=web_settings().token_days)
    clock = clock_of_app(request)
    secret = svc.log_in(
        engine_of(request),
        clock,
        username=body.username,
        password=body.password,
        address=client_address(request),
        kind="api_token",
        lifetime=lifetime,
        name=body.name,
    )
    return s.TokenOut(token=secret, expires_at=clock.now() + lifetime)


@router.get("/auth/tokens", response_model=list[s.TokenItem])
def list_tokens(request: Request, who: Who, username: str | None = None) -> Any:
    """Your API tokens, newest first (never their secrets). Administrators may name another
    login with `username`, or `*` for everyone's."""
    with uow(request) as session:
        return svc.list_tokens(session, who, username=username, now=clock_of_app(request).now())


@router.delete("/auth/tokens/{token_id}", response_model=s.TokenItem)
def revoke_token(request: Request, who: Who, token_id: int) -> Any:
    """Revoke an API token at once (yours, or anyone's for an administrator)."""
    with uow(request) as session:
        return svc.revoke_token(session, who, token_id)


@router.post("/me/password", response_model=s.PasswordChanged)
def change_password(request: Request, who: Who, body: s.PasswordChange) -> Any:
    """Replace your own password (NIST SP 800-63B rules); every session and API token of
    yours is revoked, so log in again."""
    with uow(request) as session:
        revoked = svc.change_password(session, who, body.current_password, body.new_password)
    return s.PasswordChanged(credentials_revoked=revoked)


@router.get("/me", response_model=s.MeOut)
def me(who: Who) -> Any:
    return s.MeOut(
        username=who.username,
        role=who.role.value,
        region_id=who.region_id,
        enterprise_ids=access.memberships(who),
    )


@router.get("/audit/verify", response_model=s.AuditVerifyOut, tags=["audit"])
def audit_verify(request: Request, who: Who) -> Any:
    """Recompute the audit chain (admins, regulators, safety officers, investigators)."""
    access.require_right(who, "audit_log")
    with uow(request) as session:
        r = verify(session)
        return s.AuditVerifyOut(
            ok=r.ok,
            entries_checked=r.entries_checked,
            first_broken_seq=r.first_broken_seq,
            problem=r.problem,
        )
