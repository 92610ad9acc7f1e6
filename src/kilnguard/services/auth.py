"""Users, passwords (argon2id), web sessions and API tokens.

Administering logins (the "user" right: admins) — `create_user`, `edit_user` (display name,
role, enterprises, region), `retire_user` (deactivate: the login stops working, its history
stays), `reactivate_user`, `reset_password`, `list_users`, `role_rights` — writes one audit entry
per act (entity "user"; a password never appears in it). Retiring or resetting revokes the
user's sessions and API tokens. The installation always keeps one active login that may
administer users.

Only SHA-256 digests of session and token secrets are stored; a stolen database does not give
working credentials. Passwords use argon2-cffi's defaults (RFC 9106 argon2id parameters).

Credentials lifecycle (issue 15 point 6): user names are normalised and refused when they mix
look-alike scripts or look like an existing login, passwords are checked against NIST SP
800-63B (`domain.credentials`). Throttled log-in, token listing and revocation and the change
of one's own password are `services.credentials`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, event, exc, select
from sqlalchemy.orm import Session

from kilnguard.domain.credentials import (
    MIN_PASSWORD_CHARS,
    check_password,
    check_username,
    normalise_username,
    username_skeleton,
)
from kilnguard.domain.errors import Conflict, KilnguardError, NotFound, ValidationError
from kilnguard.domain.roles import Role
from kilnguard.domain.validation import parse_choice, require_choice, require_text
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.hashing import BoundedHasher
from kilnguard.store.models import Credential, Enterprise, Region, User, UserEnterprise


def _make_hasher() -> PasswordHasher:
    """RFC 9106 low-memory argon2id by default. `KILNGUARD_PASSWORD_PROFILE=cheapest` exists for
    test suites only (hundreds of throw-away logins); never set it on a plant server."""
    if os.environ.get("KILNGUARD_PASSWORD_PROFILE") == "cheapest":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)


_hasher = BoundedHasher(_make_hasher())
"""At most `KILNGUARD_HASH_SLOTS` hashes at once (64 MiB each): a burst of logins waits its turn
or is refused with `HashingBusy`, instead of taking the server's memory."""
MIN_PASSWORD_LEN = MIN_PASSWORD_CHARS


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
    username = check_username(username)
    require_choice("role", role, [r.value for r in Role])
    check_password(password, username=username)
    _require_distinct_name(session, username)
    access.check_membership(parse_choice(Role, "role", role), region_id, enterprise_ids)
    if region_id is not None and session.get(Region, region_id) is None:
        raise ValidationError("region_id", region_id, "no such region")
    _check_enterprises(session, enterprise_ids)
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
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


def _require_distinct_name(session: Session, username: str) -> None:
    """Refuse a name taken, or one that looks like an existing login's (`username_skeleton`:
    `Admin`, `adm1n` and a Cyrillic `аdmin` all look like `admin`)."""
    skeleton = username_skeleton(username)
    for other in session.scalars(select(User.username)):
        if other == username:
            raise ValidationError("username", username, "is already taken")
        if username_skeleton(other) == skeleton:
            raise ValidationError(
                "username", username, f"looks like the existing login {other!r}: choose another"
            )


def hash_password(password: str) -> str:
    """The argon2id hash of `password`, through the bounded pool."""
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; the same work when there is no such user (no user-name
    oracle by timing)."""
    if password_hash is None:
        _hasher.hash(password)
        return False
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, username: str, password: str) -> User:
    """The active user `username` (normalised) if `password` is theirs. Not throttled: the
    front ends log in through `log_in`."""
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    if not password_matches(user.password_hash if user and user.active else None, password):
        raise AuthenticationFailed("wrong user name or password")
    assert user is not None
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


# ------------------------------------------------------------- who a request's secret names
PRINCIPAL_TTL_S = 5.0
"""How long a process may answer a verified session or token from memory [s]. A change made in
this process (revocation, retirement, role or enterprise change: any INSERT, UPDATE or DELETE
of `users`, `user_enterprises` or `credentials`) forgets every remembered secret at once; a
change made by another process (a second server worker, the CLI) takes effect within this
time. Never past the credential's own expiry."""

_WRITES_LOGINS = re.compile(
    r'^\s*(?:UPDATE|DELETE\s+FROM|INSERT\s+INTO)\s+"?(?:users|user_enterprises|credentials)\b',
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Remembered:
    principal: Principal
    expires_at: dt.datetime | None  # the credential's expiry (the app clock's time)
    until: float  # time.monotonic() deadline of this memory


_remembered: dict[str, _Remembered] = {}
_remembered_lock = threading.Lock()
_generation = 0  # bumped by every forgetting: a lookup that overlapped one is not remembered
_LOGINS_WRITTEN = "kilnguard.logins_written"  # connection.info: this transaction wrote logins


def forget_principals() -> None:
    """Forget every remembered secret (on any write to the login tables, and at its commit)."""
    global _generation
    with _remembered_lock:
        _remembered.clear()
        _generation += 1


@event.listens_for(Engine, "before_cursor_execute")
def _forget_on_login_writes(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    if _WRITES_LOGINS.match(statement):
        conn.info[_LOGINS_WRITTEN] = True
        forget_principals()


@event.listens_for(Engine, "commit")
def _forget_when_login_writes_commit(conn: Any) -> None:
    """Again at commit: a lookup between the write and its commit read the old rows."""
    if conn.info.pop(_LOGINS_WRITTEN, False):
        forget_principals()


@event.listens_for(Engine, "rollback")
def _login_writes_rolled_back(conn: Any) -> None:
    """Clear the flag; a connection lost mid-transaction (invalidated) is discarded with its
    info, and asking for its info would raise instead of letting the rollback finish."""
    if conn.invalidated:
        return
    try:
        conn.info.pop(_LOGINS_WRITTEN, None)
    except exc.PendingRollbackError:
        return


def principal_for_secret(
    open_session: Callable[[], AbstractContextManager[Session]], secret: str, *, now: dt.datetime
) -> Principal:
    """Who `secret` (a session cookie or API token) names: from memory when this process
    verified it less than `PRINCIPAL_TTL_S` ago, else looked up in a unit of work of
    `open_session` (two indexed reads, a pool checkout and a commit per request, which was half
    of a read's time under load). Raises `AuthenticationFailed` as `user_for_secret` does."""
    digest = _digest(secret)
    with _remembered_lock:
        hit, generation = _remembered.get(digest), _generation
    fresh = hit is not None and time.monotonic() < hit.until
    if hit is not None and fresh and (hit.expires_at is None or now < hit.expires_at):
        return hit.principal
    with open_session() as session:
        user = user_for_secret(session, secret, now=now)
        principal = Principal.of(user)
        expires_at = session.scalar(
            select(Credential.expires_at).where(Credential.secret_sha256 == digest)
        )
    with _remembered_lock:
        if len(_remembered) > 10_000:  # bounded: many short-lived sessions
            _remembered.clear()
        if generation == _generation:  # no login was changed while this one was looked up
            until = time.monotonic() + PRINCIPAL_TTL_S
            _remembered[digest] = _Remembered(principal, expires_at, until)
    return principal


def revoke(session: Session, secret: str) -> None:
    cred = session.scalar(select(Credential).where(Credential.secret_sha256 == _digest(secret)))
    if cred is not None:
        session.delete(cred)


def principal_for(session: Session, username: str) -> Principal:
    """The active user `username` as the services see them (the CLI's `--user`)."""
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None or not user.active:
        raise NotFound("user", username)
    return Principal.of(user)


def enterprise_id_named(session: Session, name: str) -> int | None:
    """The id of the enterprise called exactly `name`, None when there is none."""
    return session.scalar(select(Enterprise.id).where(Enterprise.name == name))


def region_id_named(session: Session, name: str) -> int | None:
    """The id of the region called exactly `name`, None when there is none."""
    return session.scalar(select(Region.id).where(Region.name == name))


# ------------------------------------------------------------------------ administering logins
USER_FIELDS = ("display_name", "role", "enterprise_ids", "region_id")
"""What `edit_user` may change."""
ACTIVE_CHOICES = ("active", "inactive", "all")


def _user_for_admin(session: Session, who: Principal, user_id: int) -> User:
    access.require_right(who, "user")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def _links(user: User) -> list[int]:
    return sorted(link.enterprise_id for link in user.enterprise_links)


def _check_enterprises(session: Session, enterprise_ids: Sequence[int]) -> None:
    for eid in enterprise_ids:
        if session.get(Enterprise, eid) is None:
            raise ValidationError("enterprise_ids", eid, "no such enterprise")


def _keeps_an_administrator(session: Session, leaving: User) -> None:
    """Refuse an act that takes `leaving` away from administering users when no other active
    login could (the installation would have nobody left to manage logins)."""
    if not (leaving.active and access.may(Principal.of(leaving), "user")):
        return
    others = session.scalars(select(User).where(User.active, User.id != leaving.id))
    if not any(access.may(Principal.of(u), "user") for u in others):
        raise Conflict(
            f"{leaving.username} is the last active login that may administer users: "
            "create or reactivate another administrator first"
        )


def audit_user(
    session: Session, who: Principal, user: User, action: str, payload: dict[str, Any]
) -> None:
    writes.write(
        session,
        who=who,
        row=user,
        action=action,
        kind="user",
        enterprise_id=None,
        payload={"username": user.username, **payload},
        checked=False,
    )


def revoke_all(session: Session, user: User) -> int:
    """Delete every session and API token of `user`; how many there were."""
    ids = list(session.scalars(select(Credential.id).where(Credential.user_id == user.id)))
    if ids:
        session.execute(delete(Credential).where(Credential.id.in_(ids)))
    return len(ids)


def edit_user(session: Session, who: Principal, user_id: int, changes: Mapping[str, Any]) -> User:
    """Change a login's `display_name`, `role`, `enterprise_ids` (a sequence of ids) or
    `region_id` (None: no region). The result must still fit the role (a regulator oversees a
    region; a plant user belongs to an enterprise). Nothing changed writes nothing."""
    user = _user_for_admin(session, who, user_id)
    for field, value in changes.items():
        if field not in USER_FIELDS:
            raise ValidationError(
                field, value, f"cannot be changed on a user; editable: {', '.join(USER_FIELDS)}"
            )
    old: dict[str, Any] = {
        "display_name": user.display_name,
        "role": user.role,
        "enterprise_ids": _links(user),
        "region_id": user.region_id,
    }
    new = {**old, **changes}
    new["enterprise_ids"] = sorted({int(e) for e in new["enterprise_ids"]})
    changed = sorted(f for f in USER_FIELDS if new[f] != old[f])
    if not changed:
        return user
    require_text("display_name", new["display_name"])
    require_choice("role", new["role"], [r.value for r in Role])
    access.check_membership(
        parse_choice(Role, "role", new["role"]), new["region_id"], new["enterprise_ids"]
    )
    region_id = new["region_id"]
    if "region_id" in changed and region_id is not None and session.get(Region, region_id) is None:
        raise ValidationError("region_id", new["region_id"], "no such region")
    _check_enterprises(session, new["enterprise_ids"])
    if "role" in changed:
        would_be = Principal(user.id, user.username, Role(new["role"]), None, frozenset())
        if not access.may(would_be, "user"):
            _keeps_an_administrator(session, user)
    user.display_name = new["display_name"]
    user.role = new["role"]
    user.region_id = new["region_id"]
    if "enterprise_ids" in changed:
        keep = set(new["enterprise_ids"])
        for link in list(user.enterprise_links):
            if link.enterprise_id not in keep:
                user.enterprise_links.remove(link)
                session.delete(link)
        have = set(_links(user))
        user.enterprise_links.extend(
            UserEnterprise(user_id=user.id, enterprise_id=e) for e in sorted(keep - have)
        )
    audit_user(
        session,
        who,
        user,
        "update",
        {"changes": {f: {"from": old[f], "to": new[f]} for f in changed}},
    )
    return user


def retire_user(session: Session, who: Principal, user_id: int) -> User:
    """Deactivate a login (its history and audit entries stay): it can no longer log in, and
    its sessions and API tokens are revoked. Nobody retires their own login."""
    user = _user_for_admin(session, who, user_id)
    if not user.active:
        raise Conflict(f"user {user.username} is already retired")
    if user.id == who.user_id:
        raise Conflict("you cannot retire your own login: ask another administrator")
    _keeps_an_administrator(session, user)
    user.active = False
    revoked = revoke_all(session, user)
    audit_user(session, who, user, "retire", {"active": False, "credentials_revoked": revoked})
    return user


def reactivate_user(session: Session, who: Principal, user_id: int) -> User:
    """Let a retired login log in again (with its old password, unless reset)."""
    user = _user_for_admin(session, who, user_id)
    if user.active:
        raise Conflict(f"user {user.username} is active")
    user.active = True
    audit_user(session, who, user, "reactivate", {"active": True})
    return user


def reset_password(session: Session, who: Principal, user_id: int, password: str) -> User:
    """Set a new password (NIST SP 800-63B, `domain.credentials`) and revoke the user's
    sessions and API tokens."""
    user = _user_for_admin(session, who, user_id)
    check_password(password, username=user.username)
    user.password_hash = hash_password(password)
    revoked = revoke_all(session, user)
    audit_user(session, who, user, "update", {"password": "reset", "credentials_revoked": revoked})
    return user


def user_values(session: Session, user: User) -> dict[str, Any]:
    """A login as lists show it: no password hash."""
    ids = _links(user)
    stmt = select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))
    names = {ident: name for ident, name in session.execute(stmt).all()}
    region = session.get(Region, user.region_id) if user.region_id is not None else None
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "region_id": user.region_id,
        "region": region.name if region else None,
        "enterprise_ids": ids,
        "enterprises": [names[i] for i in ids if i in names],
        "active": user.active,
    }


def list_users(session: Session, who: Principal, *, active: str = "active") -> list[dict[str, Any]]:
    """Logins by user name (admins): `active` = "active" (default), "inactive" or "all"."""
    access.require_right(who, "user")
    require_choice("active", active, ACTIVE_CHOICES)
    stmt = select(User).order_by(User.username)
    if active != "all":
        stmt = stmt.where(User.active.is_(active == "active"))
    return [user_values(session, u) for u in session.scalars(stmt)]


def get_user(session: Session, who: Principal, user_id: int) -> dict[str, Any]:
    """One login as `list_users` shows it (admins)."""
    return user_values(session, _user_for_admin(session, who, user_id))


def memberships_named(
    session: Session, *, enterprises: Sequence[str] | None = None, region: str | None = None
) -> dict[str, Any]:
    """`edit_user` changes from names: `enterprise_ids` when `enterprises` is given, `region_id`
    when `region` is ("" = none). An unknown name is a ValidationError naming it."""
    changes: dict[str, Any] = {}
    if enterprises is not None:
        ids = []
        for name in enterprises:
            eid = enterprise_id_named(session, name)
            if eid is None:
                raise ValidationError("enterprise", name, "no enterprise has this name")
            ids.append(eid)
        changes["enterprise_ids"] = ids
    if region is not None:
        region_id = region_id_named(session, region) if region else None
        if region and region_id is None:
            raise ValidationError("region", region, "no region has this name")
        changes["region_id"] = region_id
    return changes


def user_id_named(session: Session, who: Principal, username: str) -> int:
    """The id of the login `username`, active or not (admins; NotFound when there is none)."""
    access.require_right(who, "user")
    ident = session.scalar(select(User.id).where(User.username == normalise_username(username)))
    if ident is None:
        raise NotFound("user", repr(username))
    return ident


def role_rights() -> list[dict[str, Any]]:
    """Every role with the record kinds it may create or change (`access.RIGHTS`)."""
    out = []
    for role in Role:
        holder = Principal(0, role.value, role, None, frozenset())
        out.append(
            {"role": role.value, "may_change": [k for k in access.RIGHTS if access.may(holder, k)]}
        )
    return out
