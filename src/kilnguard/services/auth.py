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

from kilnguard.domain.errors import KilnguardError, NotFound, ValidationError
from kilnguard.domain.roles import Role
from kilnguard.domain.validation import parse_choice, require_choice, require_text
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
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
    access.require_right(who, "user")
    require_text("username", username)
    require_choice("role", role, [r.value for r in Role])
    if len(password) < MIN_PASSWORD_LEN:
        raise ValidationError(
            "password", "***", f"must have at least {MIN_PASSWORD_LEN} characters"
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationError("username", username, "is already taken")
    access.check_membership(parse_choice(Role, "role", role), region_id, enterprise_ids)
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
    # The memberships are part of the user as created: added before the one write, which
    # flushes them with the user and records them in its audit entry.
    user.enterprise_links = [UserEnterprise(enterprise_id=eid) for eid in enterprise_ids]
    writes.write(
        session,
        who=who,
        row=user,
        action="create",
        kind="user",
        enterprise_id=None,
        payload={
            "username": username,
            "role": role,
            "region_id": region_id,
            "enterprise_ids": sorted(enterprise_ids),
        },
        checked=False,
    )
    session.refresh(user)
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
    # Audited on the user it was issued to (the credential's own id is not worth a trail).
    writes.write(
        session,
        who=Principal.of(user),
        row=user,
        action="issue",
        kind=kind,
        enterprise_id=None,
        payload={"name": name, "expires": None if lifetime is None else (now + lifetime)},
        checked=False,
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


def principal_for(session: Session, username: str) -> Principal:
    """The active user `username` as the services see them (the CLI's `--user`)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise NotFound("user", username)
    return Principal.of(user)


def enterprise_id_named(session: Session, name: str) -> int | None:
    """The id of the enterprise called exactly `name`, None when there is none."""
    return session.scalar(select(Enterprise.id).where(Enterprise.name == name))


def region_id_named(session: Session, name: str) -> int | None:
    """The id of the region called exactly `name`, None when there is none."""
    return session.scalar(select(Region.id).where(Region.name == name))
