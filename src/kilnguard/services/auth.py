"""Users, passwords (argon2id), web sessions and API tokens.

Only SHA-256 digests of session and token secrets are stored; a stolen database does not give
working credentials. Passwords use argon2-cffi's defaults (RFC 9106 argon2id parameters).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from collections.abc import Sequence

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain.errors import KilnguardError, ValidationError
from kilnguard.domain.plant import require_choice, require_text
from kilnguard.domain.roles import Role
from kilnguard.services import audit
from kilnguard.services.access import Principal, require_role
from kilnguard.store.models import Credential, Enterprise, Region, User, UserEnterprise


def _make_hasher() -> PasswordHasher:
    """RFC 9106 low-memory argon2id by default. `KILNGUARD_PASSWORD_PROFILE=cheapest` exists for
    test suites only (hundreds of throw-away logins); never set it on a plant server."""
    if os.environ.get("KILNGUARD_PASSWORD_PROFILE") == "cheapest":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)


_hasher = _make_hasher()
MIN_PASSWORD_LEN = 8


class AuthenticationFailed(KilnguardError):
    """Wrong user name or password, or an unknown or expired session or token."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_user(
    session: Session,
    who: Principal,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    enterprise_ids: Sequence[int] = (),
    region_id: int | None = None,
) -> User:
    """Create a login. Regulators need a region; everyone else at least one enterprise."""
    require_role(who, Role.ADMIN)
    require_text("username", username)
    require_choice("role", role, [r.value for r in Role])
    if len(password) < MIN_PASSWORD_LEN:
        raise ValidationError(
            "password", "***", f"must have at least {MIN_PASSWORD_LEN} characters"
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationError("username", username, "is already taken")
    if role == Role.REGULATOR and region_id is None:
        raise ValidationError("region_id", None, "a regulator oversees a region: give its id")
    if role not in (Role.REGULATOR, Role.ADMIN) and not enterprise_ids:
        raise ValidationError(
            "enterprise_ids", [], "a plant user belongs to at least one enterprise"
        )
    if region_id is not None and session.get(Region, region_id) is None:
        raise ValidationError("region_id", region_id, "no such region")
    for eid in enterprise_ids:
        if session.get(Enterprise, eid) is None:
            raise ValidationError("enterprise_ids", eid, "no such enterprise")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=_hasher.hash(password),
        role=role,
        region_id=region_id,
        active=True,
    )
    session.add(user)
    session.flush()
    for eid in enterprise_ids:
        session.add(UserEnterprise(user_id=user.id, enterprise_id=eid))
    session.flush()
    session.refresh(user)
    audit.append(
        session,
        actor=who.username,
        action="create",
        entity="user",
        entity_id=user.id,
        enterprise_id=None,
        payload={
            "username": username,
            "role": role,
            "region_id": region_id,
            "enterprise_ids": sorted(enterprise_ids),
        },
    )
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        _hasher.hash(password)  # same work either way: no user-name oracle by timing
        raise AuthenticationFailed("wrong user name or password")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise AuthenticationFailed("wrong user name or password") from exc
    return user


def issue_credential(
    session: Session,
    user: User,
    *,
    kind: str,
    now: dt.datetime,
    lifetime: dt.timedelta | None,
    name: str = "",
) -> str:
    """Create a session or API token; returns the secret (shown once, stored only hashed)."""
    secret = secrets.token_urlsafe(32)
    session.add(
        Credential(
            user_id=user.id,
            kind=kind,
            name=name,
            secret_sha256=_digest(secret),
            created_at=now,
            expires_at=None if lifetime is None else now + lifetime,
        )
    )
    audit.append(
        session,
        actor=user.username,
        action="issue",
        entity=kind,
        entity_id=user.id,
        enterprise_id=None,
        payload={"name": name, "expires": None if lifetime is None else (now + lifetime)},
    )
    return secret


def user_for_secret(session: Session, secret: str, *, now: dt.datetime) -> User:
    cred = session.scalar(select(Credential).where(Credential.secret_sha256 == _digest(secret)))
    if cred is None or (cred.expires_at is not None and cred.expires_at <= now):
        raise AuthenticationFailed("unknown or expired session or token: log in again")
    user = session.get(User, cred.user_id)
    if user is None or not user.active:
        raise AuthenticationFailed("unknown or expired session or token: log in again")
    return user


def revoke(session: Session, secret: str) -> None:
    cred = session.scalar(select(Credential).where(Credential.secret_sha256 == _digest(secret)))
    if cred is not None:
        session.delete(cred)
