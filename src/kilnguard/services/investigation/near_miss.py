"""Near misses reported from the kiln itself (issue 16 point 12): each kiln has a printable QR
code whose link carries an unguessable token; whoever scans it may report a near miss on that
kiln without an account.

Why this shape: people report what nearly happened when nobody can find out who they are, and
when reporting takes a minute at the kiln. So the token names the kiln, not a person; the report
goes through `file_anonymous_report` (the incident register's anonymous path: no reporter, no
address, audit actor "anonymous", audit time 00:00 UTC of the day received), where the plant's
safety officer reads it with every other incident. A manager rotates the token when a printed
code must stop working (it was posted somewhere public, or abused): the old link then answers
`NotFound`, like a token that never existed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain.errors import NotFound, ValidationError
from kilnguard.domain.plant import EventType
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.investigation.incidents import file_anonymous_report, plant_tz
from kilnguard.store import models as m
from kilnguard.store.near_miss_models import TOKEN_LEN, NearMissLink

RIGHT = "plant"
"""Who may issue or rotate a kiln's near-miss code: whoever sets up the plant (managers)."""
TOKEN_BYTES = 32
"""Entropy of a token [bytes]: 256 bits, far beyond guessing (43 URL-safe characters)."""
EVENT_TYPES = (EventType.NEAR_MISS.value, EventType.UNSAFE_CONDITION.value)
"""What the anonymous form may report: it is for what nearly happened, not for casualties."""
MAX_DESCRIPTION = 4000
"""Longest description the form takes [characters]."""


@dataclass(frozen=True)
class NearMissKiln:
    """What the anonymous form shows of the kiln its token names (no more than its name)."""

    kiln_id: int
    enterprise_id: int
    kiln: str
    enterprise: str
    timezone: str


@dataclass(frozen=True)
class KilnCode:
    """A kiln's near-miss code as its print page shows it (`token` None: not issued yet)."""

    kiln_id: int
    kiln: str
    enterprise_id: int
    token: str | None
    rotated_by: str
    rotated_at: dt.datetime | None
    may_rotate: bool


def kiln_code(session: Session, who: Principal, kiln_id: int) -> KilnCode:
    """The kiln's code for its print page, and whether `who` may issue or rotate it."""
    kiln = access.get_readable(session, who, m.Kiln, kiln_id)
    link = link_of(session, who, kiln_id)
    return KilnCode(
        kiln.id,
        kiln.name,
        kiln.enterprise_id,
        link.token if link else None,
        link.rotated_by if link else "",
        link.rotated_at if link else None,
        access.may_write(session, who, RIGHT, kiln.enterprise_id),
    )


def link_of(session: Session, who: Principal, kiln_id: int) -> NearMissLink | None:
    """The kiln's current near-miss link, or None before a manager issued one (NotFound for
    a kiln `who` may not read)."""
    access.get_readable(session, who, m.Kiln, kiln_id)
    return session.scalar(select(NearMissLink).where(NearMissLink.kiln_id == kiln_id))


def rotate_token(session: Session, who: Principal, kiln_id: int) -> NearMissLink:
    """Issue the kiln's near-miss token, or replace it (the printed code stops working)."""
    kiln = access.get_readable(session, who, m.Kiln, kiln_id)
    access.require_write(session, who, RIGHT, kiln.enterprise_id)
    link = session.scalar(select(NearMissLink).where(NearMissLink.kiln_id == kiln_id))
    action = "issue" if link is None else "rotate"
    link = link or NearMissLink(enterprise_id=kiln.enterprise_id, kiln_id=kiln_id)
    link.token = secrets.token_urlsafe(TOKEN_BYTES)
    link.rotated_by = who.username
    link.rotated_at = writes.now(session)
    # the token is a capability: the audit log says who rotated it, never the token itself
    return writes.write_own(
        session,
        who=who,
        row=link,
        action=action,
        kind=RIGHT,
        entity="near_miss_link",
        payload={"kiln_id": kiln_id, "rotated_at": link.rotated_at},
        checked=False,  # checked above (require_write)
    )


def kiln_of_token(session: Session, token: str) -> NearMissKiln:
    """The kiln a scanned token names; NotFound for an unknown, rotated or malformed token."""
    if not token or len(token) > TOKEN_LEN:
        raise NotFound("near-miss link", "?")
    link = session.scalar(select(NearMissLink).where(NearMissLink.token == token))
    kiln = session.get(m.Kiln, link.kiln_id) if link is not None else None
    ent = session.get(m.Enterprise, kiln.enterprise_id) if kiln is not None else None
    if link is None or kiln is None or ent is None:
        raise NotFound("near-miss link", "?")
    return NearMissKiln(kiln.id, ent.id, kiln.name, ent.name, plant_tz(session, ent.id).key)


def report_near_miss(
    session: Session, token: str, *, event_type: str, description: str, occurred_on: dt.date
) -> m.Incident:
    """File an anonymous near miss (or unsafe condition) on the token's kiln. Nothing about
    the reporter is taken: no user, no address, and the audit time is the day, not the hour."""
    kiln = kiln_of_token(session, token)
    if event_type not in EVENT_TYPES:
        raise ValidationError("event_type", event_type, f"must be one of {', '.join(EVENT_TYPES)}")
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError(
            "description", f"{len(description)} characters", f"at most {MAX_DESCRIPTION}"
        )
    today = writes.now(session).astimezone(plant_tz(session, kiln.enterprise_id)).date()
    if occurred_on > today:
        raise ValidationError("occurred_on", occurred_on, f"cannot be after today ({today})")
    if occurred_on < today - dt.timedelta(days=366):
        raise ValidationError("occurred_on", occurred_on, "must be within the last year")
    return file_anonymous_report(
        session,
        None,
        enterprise_id=kiln.enterprise_id,
        event_type=event_type,
        description=description.strip(),
        occurred_on=occurred_on,
        received_on=today,
        kiln_id=kiln.kiln_id,
    )
