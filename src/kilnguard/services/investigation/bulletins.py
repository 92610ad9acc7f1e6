"""Regional lessons bulletins: a regulator sends the lessons of an incident to the region's
other enterprises, each acknowledges saying what it checked, and overdue acknowledgements are
reminded and escalated (`domain.investigation.BULLETIN_ESCALATION`).

Who may do what is `services.access`'s: sending and reminding is the right "bulletin" within
the region one oversees; acknowledging is "bulletin_acknowledgement" in one's own enterprise.
A bulletin is readable by the regulators of its region and by the enterprises it concerns.

A bulletin changed after sending (`revise_bulletin`) keeps the text it had in a
`BulletinRevision`, sets every acknowledgement aside (kept in that revision and the audit log)
and asks every enterprise again, from the time of the change; the views show what changed as a
line diff (`text_diff`), so a plant re-reads the change, not the whole bulletin.
"""

from __future__ import annotations

import datetime as dt
import difflib
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
from kilnguard.store.near_miss_models import BulletinRevision


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
    access.require_right(who, "bulletin")  # a role that never may: 403 before anything
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


def bulletin_escalation_level(
    b: Bulletin, r: BulletinRecipient, as_of: dt.date, *, asked_at: dt.datetime | None = None
) -> int:
    """Escalation level of recipient `r` at `as_of` (0: acknowledged or not late), counted from
    `asked_at` (the last change of a revised bulletin; default: when it was sent)."""
    return dom.bulletin_escalation_level(
        asked_at or b.issued_at, b.acknowledge_within_days, r.acknowledged_at is not None, as_of
    )


def _revisions(session: Session, bulletin_id: int) -> list[BulletinRevision]:
    return list(
        session.scalars(
            select(BulletinRevision)
            .where(BulletinRevision.bulletin_id == bulletin_id)
            .order_by(BulletinRevision.number)
        )
    )


def _asked_at(b: Bulletin, revisions: Sequence[BulletinRevision]) -> dt.datetime:
    """When the enterprises were last asked to acknowledge: sent, or last changed."""
    return revisions[-1].revised_at if revisions else b.issued_at


Text = tuple[str, str, Sequence[str], Sequence[str]]
"""A bulletin's text: title, summary, lessons, required checks."""


def text_lines(text: Text) -> list[str]:
    """The bulletin's text as labelled lines, the unit its diff is shown in."""
    title, summary, lessons, checks = text
    return [
        f"Title: {title}",
        *(f"Summary: {line}" for line in summary.splitlines() if line.strip()),
        *(f"Lesson: {x}" for x in lessons),
        *(f"Check: {x}" for x in checks),
    ]


def text_diff(before: Text, after: Text) -> list[dict[str, str]]:
    """What changed between two texts of a bulletin, line by line: `op` is "-" (removed),
    "+" (added) or " " (kept), in reading order (removed lines before their replacement)."""
    old, new = text_lines(before), text_lines(after)
    out: list[dict[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            out += [{"op": " ", "text": line} for line in old[i1:i2]]
            continue
        out += [{"op": "-", "text": line} for line in old[i1:i2]]
        out += [{"op": "+", "text": line} for line in new[j1:j2]]
    return out


def _text_of(b: Bulletin | BulletinRevision) -> Text:
    return (b.title, b.summary, list(b.lessons), list(b.required_checks))


def revise_bulletin(
    session: Session,
    who: Principal,
    bulletin_id: int,
    *,
    title: str,
    summary: str,
    lessons: Sequence[str] = (),
    required_checks: Sequence[str] = (),
    note: str = "",
) -> BulletinRevision:
    """Change a sent bulletin's text: the old text is kept as a revision, every enterprise's
    acknowledgement is set aside (kept in the revision) and each is asked again from now."""
    access.require_right(who, "bulletin")
    b = _bulletin(session, who, bulletin_id)
    access.require_region_write(who, "bulletin", b.region_id)
    require_text("title", title)
    require_text("summary", summary)
    new: Text = (
        title.strip(),
        summary.strip(),
        [x.strip() for x in lessons if x.strip()],
        [x.strip() for x in required_checks if x.strip()],
    )
    if text_lines(new) == text_lines(_text_of(b)):
        raise ValidationError("summary", "unchanged", "the text is unchanged: nothing to send")
    now = writes.now(session)
    reopened = []
    for r in _recipients(session, b.id):
        if r.acknowledged_at is not None:
            reopened.append(
                {
                    "enterprise_id": r.enterprise_id,
                    "acknowledged_by": r.acknowledged_by,
                    "acknowledged_at": r.acknowledged_at.isoformat(),
                    "checked": r.checked,
                }
            )
        r.acknowledged_at, r.acknowledged_by, r.checked = None, None, ""
        r.reminders_sent, r.escalation_level, r.last_reminder_on = 0, 0, None
        _record_recipient(session, who, r, action="ask_again")
    rev = BulletinRevision(
        enterprise_id=b.enterprise_id,
        bulletin_id=b.id,
        number=len(_revisions(session, b.id)) + 1,
        title=b.title,
        summary=b.summary,
        lessons=list(b.lessons),
        required_checks=list(b.required_checks),
        reopened=reopened,
        note=note.strip(),
        revised_by=who.username,
        revised_at=now,
    )
    # checked above: the region's bulletin right (require_region_write)
    writes.write_own(
        session,
        who=who,
        row=rev,
        action="create",
        kind="bulletin",
        entity="bulletin_revision",
        checked=False,
    )
    b.title, b.summary, b.lessons, b.required_checks = new[0], new[1], list(new[2]), list(new[3])
    payload = {"revision": rev.number, "diff": text_diff(_text_of(rev), new), "note": rev.note}
    writes.write_own(
        session, who=who, row=b, action="revise", kind="bulletin", payload=payload, checked=False
    )
    return rev


def escalate_bulletins(session: Session, who: Principal, as_of: dt.date) -> list[BulletinRecipient]:
    """Send reminders for overdue acknowledgements of the bulletins of the regions `who`
    oversees: one per day per recipient at most, with the escalation level reached."""
    access.require_right(who, "bulletin")
    changed = []
    for b in session.scalars(select(Bulletin).order_by(Bulletin.id)):
        if not access.oversees_region(who, b.region_id):
            continue
        asked_at = _asked_at(b, _revisions(session, b.id))
        for r in session.scalars(
            select(BulletinRecipient).where(BulletinRecipient.bulletin_id == b.id)
        ):
            level = bulletin_escalation_level(b, r, as_of, asked_at=asked_at)
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
    session: Session,
    b: Bulletin,
    r: BulletinRecipient,
    today: dt.date,
    revisions: Sequence[BulletinRevision],
) -> dict[str, Any]:
    e = session.get(m.Enterprise, r.enterprise_id)
    asked_at = _asked_at(b, revisions)
    level = max(r.escalation_level, bulletin_escalation_level(b, r, today, asked_at=asked_at))
    set_aside = [
        a for rev in revisions for a in rev.reopened if a["enterprise_id"] == r.enterprise_id
    ]
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
        # acknowledged an earlier text, which has changed since: asked to acknowledge again
        "acknowledge_again": r.acknowledged_at is None and bool(set_aside),
        "earlier_acknowledgements": set_aside,
        "source": r.source,
    }


def bulletin_view(
    session: Session, who: Principal, bulletin_id: int, *, as_of: dt.date | None = None
) -> dict[str, Any]:
    """One bulletin with the recipients `who` may see (all of them for its regulators)."""
    b = _bulletin(session, who, bulletin_id)
    today = as_of or writes.today(session)
    regulator_view = access.oversees_region(who, b.region_id)
    revisions = _revisions(session, b.id)
    recipients = [
        _recipient_view(session, b, r, today, revisions)
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
        "acknowledge_by": dom.acknowledge_by(
            _asked_at(b, revisions), b.acknowledge_within_days
        ).isoformat(),
        "revisions": [
            {
                "number": rev.number,
                "revised_by": rev.revised_by,
                "revised_at": rev.revised_at.isoformat(),
                "note": rev.note,
                "reopened": len(rev.reopened),
            }
            for rev in revisions
        ],
        # what the last change changed (empty for a bulletin never changed)
        "changes": text_diff(_text_of(revisions[-1]), _text_of(b)) if revisions else [],
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
