"""A bulletin changed after sending (issue 16 point 12): the old text is kept, every enterprise
is asked to acknowledge again and shown what changed; the send, change and acknowledge forms of
/bulletins answer with their fragment, keep what was typed when refused, and refuse (403) the
roles that may not."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from kilnguard.services import investigation as inv
from kilnguard.services import uow as store_db
from kilnguard.services.access import SYSTEM, Principal
from kilnguard.services.auth import create_user
from kilnguard.store.investigation_models import Bulletin, BulletinRecipient
from kilnguard.store.near_miss_models import BulletinRevision
from tests.api.test_setup_pages import field_error, login
from tests.conftest import PASSWORD, Plant

HTMX = {"HX-Request": "true"}


@pytest.fixture
def mgr_b(plant: Plant) -> str:
    """B Refractory's manager (B is the enterprise a bulletin on A's incident goes to)."""
    with store_db.unit_of_work(plant.engine) as s:
        create_user(
            s,
            SYSTEM,
            username="mgr_b",
            password=PASSWORD,
            role="manager",
            enterprise_ids=[plant.ent_b],
        )
    return "mgr_b"


def incident_of_a(plant: Plant) -> int:
    from kilnguard.store import models as m

    with store_db.unit_of_work(plant.engine) as s:
        found = s.scalar(select(m.Incident.id).where(m.Incident.enterprise_id == plant.ent_a))
    assert found is not None
    return found


def send_form(plant: Plant, **over: str) -> dict[str, str]:
    return {
        "incident_id": str(incident_of_a(plant)),
        "title": "Shell hot spot before the lining failed",
        "summary": "A hot spot on K-1's shell went unreported for two shifts.",
        "lessons": "Report hot spots at once\nScan the shell every shift",
        "required_checks": "Shell scanner calibrated",
        "acknowledge_within_days": "7",
    } | over


def bulletin_id(plant: Plant) -> int:
    with store_db.unit_of_work(plant.engine) as s:
        found = s.scalar(select(Bulletin.id).order_by(Bulletin.id.desc()))
    assert found is not None
    return found


def test_the_regulator_sends_by_the_form_and_a_refusal_keeps_the_text(client, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    login(client, "reg")
    page = client.get("/bulletins")
    assert 'id="send-bulletin"' in page.text
    r = client.post("/bulletins", data=send_form(plant, title=" "), headers=HTMX)
    assert r.status_code == 200 and field_error(r.text, "title")
    assert "went unreported for two shifts.</textarea>" in r.text  # the summary kept
    r = client.post("/bulletins", data=send_form(plant, acknowledge_within_days="soon"))
    assert r.status_code == 422 and field_error(r.text, "acknowledge_within_days")
    r = client.post("/bulletins", data=send_form(plant), headers=HTMX)
    assert r.status_code == 200 and "Bulletin sent." in r.text
    assert 'id="bulletins"' in r.text and "Shell hot spot before the lining failed" in r.text


def test_roles_that_may_not_send_or_change_see_no_form_and_get_403(
    client,  # type: ignore[no-untyped-def]
    plant: Plant,
    mgr_b: str,
) -> None:
    login(client, "reg")
    client.post("/bulletins", data=send_form(plant))
    bid = bulletin_id(plant)
    login(client, mgr_b)
    page = client.get("/bulletins")
    assert 'id="send-bulletin"' not in page.text and f"/bulletins/{bid}/revise" not in page.text
    assert client.post("/bulletins", data=send_form(plant), headers=HTMX).status_code == 403
    revise = {"title": "x", "summary": "y"}
    assert client.post(f"/bulletins/{bid}/revise", data=revise).status_code == 403
    login(client, "op_b")  # reads the bulletin but may not acknowledge it
    page = client.get("/bulletins")
    assert f"/bulletins/{bid}/acknowledge" not in page.text
    r = client.post(f"/bulletins/{bid}/acknowledge", data={"checked": "looked"})
    assert r.status_code == 403


def test_a_changed_bulletin_asks_every_enterprise_again_and_shows_what_changed(
    client,  # type: ignore[no-untyped-def]
    plant: Plant,
    mgr_b: str,
) -> None:
    login(client, "reg")
    client.post("/bulletins", data=send_form(plant))
    bid = bulletin_id(plant)
    login(client, mgr_b)
    r = client.post(
        f"/bulletins/{bid}/acknowledge", data={"checked": "All shells scanned"}, headers=HTMX
    )
    assert r.status_code == 200 and "Acknowledged." in r.text
    # the regulator changes a lesson and adds a check
    login(client, "reg")
    unchanged = send_form(plant)
    r = client.post(
        f"/bulletins/{bid}/revise",
        data={k: unchanged[k] for k in ("title", "summary", "lessons", "required_checks")},
        headers=HTMX,
    )
    assert "the text is unchanged" in field_error(r.text, "summary")
    r = client.post(
        f"/bulletins/{bid}/revise",
        data={
            "title": unchanged["title"],
            "summary": unchanged["summary"],
            "lessons": "Report hot spots at once\nScan the shell every two hours",
            "required_checks": "Shell scanner calibrated\nInfrared camera at the burner end",
            "note": "scan interval halved after a second event",
        },
        headers=HTMX,
    )
    assert r.status_code == 200 and "asked to acknowledge again" in r.text
    # B's manager sees the change, what changed, and is asked again
    login(client, mgr_b)
    page = client.get("/bulletins").text
    section = page[page.index(f'id="bulletin-{bid}"') :]
    assert "Changed — acknowledge again" in section
    assert "<del>− Lesson: Scan the shell every shift</del>" in section
    assert "<ins>+ Lesson: Scan the shell every two hours</ins>" in section
    assert "<ins>+ Check: Infrared camera at the burner end</ins>" in section
    assert "Report hot spots at once</del>" not in section  # unchanged lines are not flagged
    assert "scan interval halved" in section
    assert re.search(r"changed — acknowledge again</span> \(acknowledged the earlier text", section)
    assert "Acknowledge again</button>" in section
    r = client.post(
        f"/bulletins/{bid}/acknowledge",
        data={"checked": "Scanning every two hours from today"},
        headers=HTMX,
    )
    assert r.status_code == 200 and "Changed — acknowledge again" not in r.text
    # both versions and both acknowledgements stay on record
    with store_db.unit_of_work(plant.engine) as s:
        rev = s.scalars(select(BulletinRevision).where(BulletinRevision.bulletin_id == bid)).one()
        assert rev.lessons == ["Report hot spots at once", "Scan the shell every shift"]
        assert [a["checked"] for a in rev.reopened] == ["All shells scanned"]
        r_b = s.scalars(select(BulletinRecipient).where(BulletinRecipient.bulletin_id == bid)).one()
        assert r_b.checked == "Scanning every two hours from today"
        from kilnguard.store import models as m

        actions = s.scalars(
            select(m.AuditEntry.action).where(
                m.AuditEntry.entity.in_(("bulletin", "bulletin_revision", "bulletin_recipient"))
            )
        ).all()
    assert actions.count("acknowledge") == 2 and "revise" in actions and "ask_again" in actions


def test_the_acknowledgement_deadline_runs_again_from_the_change(plant: Plant) -> None:
    reg = plant.users["reg"]
    sent = dt.datetime(2021, 10, 1, 9, tzinfo=dt.UTC)
    with store_db.unit_of_work(plant.engine) as s:
        b = inv.send_bulletin(
            s,
            reg,
            incident_id=incident_of_a(plant),
            title="Hot spots",
            summary="Scan shells",
            acknowledge_within_days=7,
            at=sent,
        )
        bid = b.id
    with store_db.unit_of_work(plant.engine, clock=_fixed(sent + dt.timedelta(days=6))) as s:
        inv.revise_bulletin(s, reg, bid, title="Hot spots", summary="Scan shells hourly")
    with store_db.unit_of_work(plant.engine) as s:
        view = inv.bulletin_view(s, reg, bid, as_of=dt.date(2021, 10, 10))
    # 7 days from the change (7 Oct), not from sending (1 Oct): not yet late on 10 Oct
    assert view["acknowledge_by"] == "2021-10-14"
    assert all(r["escalation_level"] == 0 for r in view["recipients"])
    assert [c for c in view["changes"] if c["op"] != " "] == [
        {"op": "-", "text": "Summary: Scan shells"},
        {"op": "+", "text": "Summary: Scan shells hourly"},
    ]


def _fixed(at: dt.datetime):  # type: ignore[no-untyped-def]
    from kilnguard.clock import FixedClock

    return FixedClock(at)


def test_a_regulator_of_another_region_may_not_change_it(plant: Plant) -> None:
    with store_db.unit_of_work(plant.engine) as s:
        b = inv.send_bulletin(
            s, plant.users["reg"], incident_id=incident_of_a(plant), title="T", summary="S"
        )
        bid = b.id
    from kilnguard.domain.errors import NotFound, PermissionDenied

    other: Principal = plant.users["reg_other"]
    with pytest.raises((NotFound, PermissionDenied)), store_db.unit_of_work(plant.engine) as s:
        inv.revise_bulletin(s, other, bid, title="T", summary="changed")
