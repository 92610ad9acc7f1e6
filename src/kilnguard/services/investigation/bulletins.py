"""Regional lessons bulletins: a regulator sends the lessons of an incident to the region's
other enterprises, each acknowledges saying what it checked, and overdue acknowledgements are
reminded and escalated (`domain.investigation.BULLETIN_ESCALATION`).

Who may do what is `services.access`'s: sending and reminding is the right "bulletin" within
the region one oversees; acknowledging is "bulletin_acknowledgement" in one's own enterprise.
A bulletin is readable by the regulators of its region and by the enterprises it concerns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kilnguard.domain import investigation as dom
from kilnguard.domain.errors import Conflict, NotFound, ValidationError
from kilnguard.domain.validation import require_text
from kilnguard.services import access, writes
from kilnguard.services.access import Principal
from kilnguard.services.investigation._common import at_or_now
from kilnguard.services.investigation.incidents import incident_summary
from kilnguard.store import models as m
from kilnguard.store.investigation_models import Bulletin, BulletinRecipient


def send_bulletin(
    session: Session,
    who: Principal,
    *,
    incident_id: int,
    title: str,
    summary: str,
    lessons: Sequence[str] = (),
    required_checks: Sequence[str] = (),
    tiers: Sequence[int] = (),
    sectors: Sequence[str] = (),
    acknowledge_within_days: int = 7,
    at: dt.datetime | None = None,
    source: str = "recorded",
) -> Bulletin:
    """A regulator sends a lessons bulletin on an incident to the region's other enterprises
    of the chosen tiers or sectors (neither given: all of them)."""
    incident = access.get_readable(session, who, m.Incident, incident_id)
    ent = session.get(m.Enterprise, incident.enterprise_id)
    assert ent is not None
    region_id = ent.region_id
    access.require_region_write(who, "bulletin", region_id)
    require_text("title", title)
    require_text("summary", summary)
    if acknowledge_within_days < 1:
        raise ValidationError("acknowledge_within_days", acknowledge_within_days, "must be ≥ 1")
    b = Bulletin(
        enterprise_id=incident.enterprise_id,
        region_id=region_id,
        incident_id=incident_id,
        title=title,
        summary=summary,
        lessons=[x for x in lessons if x.strip()],
        required_checks=[x for x in required_checks if x.strip()],
        target_tiers=list(tiers),
        target_sectors=list(sectors),
        issued_by=who.username,
        issued_at=at_or_now(session, at),
        acknowledge_within_days=acknowledge_within_days,
        source=source,
    )
    # checked above: the region's bulletin right (require_region_write)
    writes.write_own(session, who=who, row=b, action="send", kind="bulletin", checked=False)
    targets = session.scalars(
        select(m.Enterprise)
        .where(m.Enterprise.region_id == region_id, m.Enterprise.id != incident.enterprise_id)
        .order_by(m.Enterprise.name)
    ).all()
    chosen = [
        e for e in targets if (not tiers and not sectors) or e.tier in tiers or e.sector in sectors
    ]
    if not chosen:
        raise ValidationError("tiers", list(tiers), "no enterprise of the region matches")
    for e in chosen:
        r = BulletinRecipient(
            bulletin_id=b.id,
            enterprise_id=e.id,
            reminders_sent=0,
            escalation_level=0,
            checked="",
            source=source,
        )
        _record_recipient(session, who, r, action="address")
    return b


def _record_recipient(
    session: Session, who: Principal, r: BulletinRecipient, *, action: str
) -> None:
    """Write a recipient row as part of sending or reminding, whose right ("bulletin" in a
    region `who` oversees) the caller has checked."""
    writes.write_own(
        session,
        who=who,
        row=r,
        action=action,
        entity="bulletin_recipient",
        kind="bulletin",
        checked=False,
    )


def _recipients(session: Session, bulletin_id: int) -> list[BulletinRecipient]:
    return list(
        session.scalars(
            select(BulletinRecipient)
            .where(BulletinRecipient.bulletin_id == bulletin_id)
            .order_by(BulletinRecipient.enterprise_id)
        )
    )


def _bulletin(session: Session, who: Principal, bulletin_id: int) -> Bulletin:
    """The bulletin if `who` oversees its region or may read the incident's enterprise or one
    of its recipients; NotFound otherwise."""
    b = session.get(Bulletin, bulletin_id)
    if b is None:
        raise NotFound("bulletin", bulletin_id)
    if access.oversees_region(who, b.region_id):
        return b
    concerned = [b.enterprise_id, *(r.enterprise_id for r in _recipients(session, b.id))]
    if any(access.may_read_enterprise(session, who, e) for e in concerned):
        return b
    raise NotFound("bulletin", bulletin_id)


def acknowledge_bulletin(
    session: Session,
    who: Principal,
    bulletin_id: int,
    *,
    checked: str,
    enterprise_id: int | None = None,
    at: dt.datetime | None = None,
    by: str | None = None,
) -> BulletinRecipient:
    """An enterprise's manager or safety officer acknowledges, saying what they checked
    (`by` names the person when an admin or import records it for them)."""
    b = _bulletin(session, who, bulletin_id)
    require_text("checked", checked)
    access.require_right(who, "bulletin_acknowledgement")
    # Past the right, the enterprises one may read are one's own (all of them for an admin).
    mine = [
        r
        for r in _recipients(session, b.id)
        if (enterprise_id is None or r.enterprise_id == enterprise_id)
        and access.may_read_enterprise(session, who, r.enterprise_id)
    ]
    if not mine:
        raise NotFound("bulletin", bulletin_id)
    r = mine[0]
    if r.acknowledged_at is not None:
        raise Conflict(
            f"already acknowledged by {r.acknowledged_by} on {r.acknowledged_at:%Y-%m-%d}"
        )
    writes.change(
        session,
        r,
        expect={"acknowledged_at": None},
        values={
            "acknowledged_at": at_or_now(session, at),
            "acknowledged_by": by or who.username,
            "checked": checked,
        },
        conflict=f"bulletin {b.id} was acknowledged meanwhile by another request",
    )
    return writes.write_own(
        session,
        who=who,
        row=r,
        action="acknowledge",
        entity="bulletin_recipient",
        kind="bulletin_acknowledgement",
    )


def bulletin_escalation_level(b: Bulletin, r: BulletinRecipient, as_of: dt.date) -> int:
    """Escalation level of recipient `r` at `as_of` (0: acknowledged or not late)."""
    return dom.bulletin_escalation_level(
        b.issued_at, b.acknowledge_within_days, r.acknowledged_at is not None, as_of
    )


def escalate_bulletins(session: Session, who: Principal, as_of: dt.date) -> list[BulletinRecipient]:
    """Send reminders for overdue acknowledgements of the bulletins of the regions `who`
    oversees: one per day per recipient at most, with the escalation level reached."""
    access.require_right(who, "bulletin")
    changed = []
    for b in session.scalars(select(Bulletin).order_by(Bulletin.id)):
        if not access.oversees_region(who, b.region_id):
            continue
        for r in session.scalars(
            select(BulletinRecipient).where(BulletinRecipient.bulletin_id == b.id)
        ):
            level = bulletin_escalation_level(b, r, as_of)
            if level == 0 or r.last_reminder_on == as_of:
                continue
            r.reminders_sent += 1
            r.escalation_level = max(r.escalation_level, level)
            r.last_reminder_on = as_of
            # checked above: the bulletin right, within a region `who` oversees
            _record_recipient(session, who, r, action="remind")
            changed.append(r)
    return changed


def _recipient_view(
    session: Session, b: Bulletin, r: BulletinRecipient, today: dt.date
) -> dict[str, Any]:
    e = session.get(m.Enterprise, r.enterprise_id)
    level = max(r.escalation_level, bulletin_escalation_level(b, r, today))
    return {
        "id": r.id,
        "enterprise_id": r.enterprise_id,
        "enterprise": e.name if e else "",
        "tier": e.tier if e else None,
        "sector": e.sector if e else "",
        "acknowledged": r.acknowledged_at is not None,
        "acknowledged_at": r.acknowledged_at.isoformat() if r.acknowledged_at else None,
        "acknowledged_by": r.acknowledged_by,
        "checked": r.checked,
        "reminders_sent": r.reminders_sent,
        "escalation_level": level,
        "escalation": dom.BULLETIN_ESCALATION[level - 1][1] if level else "",
        "source": r.source,
    }


def bulletin_view(
    session: Session, who: Principal, bulletin_id: int, *, as_of: dt.date | None = None
) -> dict[str, Any]:
    """One bulletin with the recipients `who` may see (all of them for its regulators)."""
    b = _bulletin(session, who, bulletin_id)
    today = as_of or writes.today(session)
    regulator_view = access.oversees_region(who, b.region_id)
    recipients = [
        _recipient_view(session, b, r, today)
        for r in _recipients(session, b.id)
        if regulator_view or access.may_read_enterprise(session, who, r.enterprise_id)
    ]
    incident = session.get(m.Incident, b.incident_id)
    assert incident is not None
    return {
        "id": b.id,
        "title": b.title,
        "summary": b.summary,
        "lessons": b.lessons,
        "required_checks": b.required_checks,
        "target_tiers": b.target_tiers,
        "target_sectors": b.target_sectors,
        "issued_by": b.issued_by,
        "issued_at": b.issued_at.isoformat(),
        "acknowledge_by": dom.acknowledge_by(b.issued_at, b.acknowledge_within_days).isoformat(),
        "incident_id": b.incident_id,
        "incident": incident_summary(session, incident)
        if access.may_read_enterprise(session, who, incident.enterprise_id)
        else {"id": b.incident_id},
        "recipients": recipients,
        "not_acknowledged": [r["enterprise"] for r in recipients if not r["acknowledged"]],
        "source": b.source,
    }


def list_bulletins(
    session: Session, who: Principal, *, as_of: dt.date | None = None
) -> list[dict[str, Any]]:
    out = []
    for b in session.scalars(select(Bulletin).order_by(Bulletin.issued_at.desc(), Bulletin.id)):
        try:
            out.append(bulletin_view(session, who, b.id, as_of=as_of))
        except NotFound:
            continue
    return out
