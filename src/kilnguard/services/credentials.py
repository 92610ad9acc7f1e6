"""The credentials lifecycle beyond creating logins (issue 15 point 6): throttled log-in with
a temporary lockout, API token listing and revocation, and changing one's own password.

`log_in` records every wrong password (the user name tried and the caller's address) in
`login_failures`; past `LOGIN_LIMITS` the name, or the address, is locked out for a while
(`LoginLocked`, HTTP 429 with Retry-After) without the password even being hashed. The rows
are in the database, so every server process and every restart sees the same lockout. Failed
logins are not audit entries: a flood of wrong passwords must not grow the audit chain.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from kilnguard.clock import Clock
from kilnguard.domain.credentials import (
    LoginLimits,
    check_password,
    locked_until,
    normalise_username,
)
from kilnguard.domain.errors import KilnguardError, NotFound, ValidationError
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.auth import (
    AuthenticationFailed,
    audit_user,
    hash_password,
    issue_credential,
    password_matches,
    revoke_all,
    user_id_named,
)
from kilnguard.store.credential_models import LoginFailure
from kilnguard.store.db import unit_of_work
from kilnguard.store.models import Credential, User

LOGIN_LIMITS = LoginLimits()


class LoginLocked(KilnguardError):
    """Too many wrong passwords for this user name or from this address: wait `retry_after_s`."""

    def __init__(self, until: dt.datetime, now: dt.datetime) -> None:
        self.retry_after_s = max(1, math.ceil((until - now).total_seconds()))
        minutes = -(-self.retry_after_s // 60)
        super().__init__(
            "too many wrong passwords for this user name or from this address: "
            f"try again in {minutes} minute{'s' if minutes != 1 else ''}"
        )


def _failures(session: Session, column: Any, value: str, now: dt.datetime) -> list[dt.datetime]:
    since = now - LOGIN_LIMITS.memory
    return list(
        session.scalars(select(LoginFailure.at).where(column == value, LoginFailure.at > since))
    )


def _lockout(session: Session, account: str, address: str, now: dt.datetime) -> dt.datetime | None:
    """When the later of the account's and the address's lockouts ends (None: not locked)."""
    ends = [
        locked_until(
            _failures(session, LoginFailure.account, account, now),
            limit=LOGIN_LIMITS.account_failures,
            limits=LOGIN_LIMITS,
            now=now,
        )
    ]
    if address:
        ends.append(
            locked_until(
                _failures(session, LoginFailure.address, address, now),
                limit=LOGIN_LIMITS.address_failures,
                limits=LOGIN_LIMITS,
                now=now,
            )
        )
    return max((e for e in ends if e is not None), default=None)


def log_in(
    engine: Engine,
    clock: Clock,
    *,
    username: str,
    password: str,
    address: str,
    kind: str,
    lifetime: dt.timedelta | None,
    name: str = "",
) -> str:
    """Check a user name and password and issue a session or API token (its secret).

    Throttled: a wrong password is recorded (in its own transaction, so a refusal keeps it)
    against the name tried and the caller's `address`; past `LOGIN_LIMITS` the name or the
    address is locked out for a while (`LoginLocked`), without even checking the password.
    A successful login clears its name's failures. The password is hashed outside any
    transaction, so a slow hash holds no database lock."""
    account = normalise_username(username)[:100]
    address = address[:64]
    now = clock.now()
    with unit_of_work(engine, clock=clock) as session:
        until = _lockout(session, account, address, now)
        user = session.scalar(select(User).where(User.username == account))
        stored = user.password_hash if user is not None and user.active else None
        user_id = user.id if user is not None else None
    if until is not None:
        raise LoginLocked(until, now)
    if password_matches(stored, password):
        with unit_of_work(engine, clock=clock, write=True) as session:
            session.execute(delete(LoginFailure).where(LoginFailure.account == account))
            user = session.get(User, user_id)
            assert user is not None
            return issue_credential(session, user, kind=kind, now=now, lifetime=lifetime, name=name)
    with unit_of_work(engine, clock=clock, write=True) as session:
        session.add(LoginFailure(account=account, address=address, at=now))
        session.execute(delete(LoginFailure).where(LoginFailure.at <= now - LOGIN_LIMITS.memory))
        session.flush()
        until = _lockout(session, account, address, now)
    if until is not None:
        raise LoginLocked(until, now)
    raise AuthenticationFailed("wrong user name or password")


# ------------------------------------------------------------------------------ API tokens
def _token_values(cred: Credential, username: str, now: dt.datetime) -> dict[str, Any]:
    """An API token as lists show it: never its secret, which is not stored."""
    return {
        "id": cred.id,
        "username": username,
        "name": cred.name,
        "created_at": cred.created_at,
        "expires_at": cred.expires_at,
        "expired": cred.expires_at is not None and cred.expires_at <= now,
    }


def list_tokens(
    session: Session, who: Principal, *, username: str | None = None, now: dt.datetime
) -> list[dict[str, Any]]:
    """API tokens, newest first: `who`'s own; an administrator's `username` names another
    login's, and `username="*"` lists every login's."""
    stmt = (
        select(Credential, User.username)
        .join(User, User.id == Credential.user_id)
        .where(Credential.kind == "api_token")
        .order_by(Credential.created_at.desc(), Credential.id.desc())
    )
    if username is None or normalise_username(username) == who.username:
        stmt = stmt.where(Credential.user_id == who.user_id)
    else:
        access.require_right(who, "user")
        if username != "*":
            stmt = stmt.where(Credential.user_id == user_id_named(session, who, username))
    return [_token_values(cred, name, now) for cred, name in session.execute(stmt)]


def revoke_token(session: Session, who: Principal, token_id: int) -> dict[str, Any]:
    """Delete an API token (its owner, or an administrator); audited on its user. Another
    login's token is NotFound to anyone but an administrator."""
    cred = session.get(Credential, token_id)
    if cred is None or cred.kind != "api_token":
        raise NotFound("API token", token_id)
    if cred.user_id != who.user_id and not access.may(who, "user"):
        raise NotFound("API token", token_id)
    user = session.get(User, cred.user_id)
    assert user is not None
    gone = _token_values(cred, user.username, writes.now(session))
    session.delete(cred)
    writes.write(
        session,
        who=who,
        row=user,
        action="revoke",
        kind="api_token",
        enterprise_id=None,
        payload={"token_id": token_id, "name": cred.name},
        checked=False,
    )
    return gone


def change_password(session: Session, who: Principal, current: str, new: str) -> int:
    """A user replaces their own password, proving the current one; every session and API
    token of theirs is revoked (log in again with the new one); how many were."""
    user = session.get(User, who.user_id)
    if user is None or not user.active or not password_matches(user.password_hash, current):
        raise AuthenticationFailed("the current password is wrong")
    check_password(new, username=user.username)
    if password_matches(user.password_hash, new):
        raise ValidationError("new_password", "***", "must differ from the current password")
    user.password_hash = hash_password(new)
    revoked = revoke_all(session, user)
    audit_user(
        session, who, user, "update", {"password": "changed", "credentials_revoked": revoked}
    )
    return revoked
