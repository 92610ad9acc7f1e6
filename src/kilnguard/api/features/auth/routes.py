"""Token issue for machines and scripts, who-am-I, and the audit chain check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from kilnguard.api.deps import Who, clock_of_app, uow
from kilnguard.api.features.auth import schemas as s
from kilnguard.services import access
from kilnguard.services.audit import verify
from kilnguard.services.auth import authenticate, issue_credential

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/token", response_model=s.TokenOut)
def issue_token(request: Request, body: s.TokenRequest) -> Any:
    """Exchange a user name and password for a bearer API token (shown once)."""
    with uow(request) as session:
        user = authenticate(session, body.username, body.password)
        secret = issue_credential(
            session,
            user,
            kind="api_token",
            now=clock_of_app(request).now(),
            lifetime=None,
            name=body.name,
        )
        return s.TokenOut(token=secret)


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
