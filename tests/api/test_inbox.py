"""The inbox over HTTP: each user's own entries under /api/v1/inbox (another's entry is 404),
the unread count for the navigation badge, marking read by the API and by the /inbox page."""

from __future__ import annotations

import datetime as dt

import pytest

from kilnguard.services import alerts as al
from kilnguard.services import notifications as nt
from kilnguard.services.access import SYSTEM
from kilnguard.store.db import unit_of_work
from tests.conftest import Plant, token_for
from tests.services.test_alerts import A, G, S, scripted

LAST = dt.date(2021, 9, 14)


@pytest.fixture
def alerts_raised(plant: Plant, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Enterprise A's first kiln: amber on 2 Sep, then stop on 4 Sep: two notices each for
    A's manager and safety officer; one notice of B's for B's operator."""
    scripted(monkeypatch, plant, plant.kilns_a[0], [G, A, A, S])
    with unit_of_work(plant.engine) as s:
        ids = [a.id for a in al.evaluate(s, SYSTEM, LAST).raised]
        nt.notify(
            s,
            enterprise_id=plant.ent_b,
            subject="B notice",
            body="for op_b only",
            users=["op_b"],
            kind="test.notice",
            ref="b:1",
            channels=(),
        )
    return ids


def test_each_user_reads_their_own_inbox(plant: Plant, client, alerts_raised: list[int]) -> None:  # type: ignore[no-untyped-def]
    amber, stop = alerts_raised
    h = token_for(client, "mgr_a")
    r = client.get("/api/v1/inbox", headers=h)
    assert r.status_code == 200
    entries = r.json()
    assert [(e["kind"], e["ref"]) for e in entries] == [
        ("alert.raised", f"alert:{stop}"),
        ("alert.raised", f"alert:{amber}"),
    ]
    assert entries[0]["subject"] == "STOP risk alert: K-1, A Cement"
    assert entries[0]["link"] == f"/alerts#alert-{stop}" and entries[0]["read_at"] is None
    assert client.get("/api/v1/inbox/unread", headers=h).json() == {"unread": 2}
    op_b = token_for(client, "op_b")
    assert [e["ref"] for e in client.get("/api/v1/inbox", headers=op_b).json()] == ["b:1"]
    assert client.get("/api/v1/inbox", headers=token_for(client, "op_a")).json() == []
    assert client.get("/api/v1/inbox").status_code == 401


def test_marking_read_one_and_all_and_never_anothers(
    plant: Plant, client, alerts_raised: list[int]
) -> None:  # type: ignore[no-untyped-def]
    h, op_b, safety = (token_for(client, n) for n in ("mgr_a", "op_b", "safety_a"))
    mine = client.get("/api/v1/inbox", headers=h).json()
    theirs = client.get("/api/v1/inbox", headers=op_b).json()[0]["id"]
    r = client.post(f"/api/v1/inbox/{theirs}/read", headers=h)
    assert r.status_code == 404 and r.json()["error"] == "NotFound"
    assert client.post("/api/v1/inbox/999999/read", headers=h).status_code == 404
    r = client.post(f"/api/v1/inbox/{mine[0]['id']}/read", headers=h)
    assert r.status_code == 200 and r.json() == {"marked": 1, "unread": 1}
    assert client.post(f"/api/v1/inbox/{mine[0]['id']}/read", headers=h).json()["marked"] == 0
    unread = client.get("/api/v1/inbox?unread_only=true", headers=h).json()
    assert [e["id"] for e in unread] == [mine[1]["id"]]
    assert client.post("/api/v1/inbox/read", headers=h).json() == {"marked": 1, "unread": 0}
    assert client.get("/api/v1/inbox/unread", headers=op_b).json() == {"unread": 1}
    assert client.get("/api/v1/inbox/unread", headers=safety).json() == {"unread": 2}


def test_the_inbox_page_lists_entries_with_a_mark_read_button(
    plant: Plant, client, alerts_raised: list[int]
) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "safety_a")
    page = client.get("/inbox", headers=h)
    assert page.status_code == 200
    assert "STOP risk alert: K-1, A Cement" in page.text and "2 unread" in page.text
    assert page.text.count('class="mark-read"') == 2 and "Mark all read" in page.text
    assert client.get("/inbox/badge", headers=h).text.strip().endswith(">2</span>")
    first = client.get("/api/v1/inbox", headers=h).json()[0]["id"]
    r = client.post(f"/inbox/{first}/read", headers=h, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/inbox#entry-{first}"
    page = client.get("/inbox", headers=h)
    assert "1 unread" in page.text and page.text.count('class="mark-read"') == 1
    assert "Show unread only" in page.text
    only = client.get("/inbox?unread=true", headers=h)
    assert only.text.count('data-entry-id="') == 1
    r = client.post("/inbox/read", headers=h, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/inbox/badge", headers=h).text.strip() == ""
    assert "Nothing unread." in client.get("/inbox?unread=true", headers=h).text
    other = client.get("/api/v1/inbox", headers=token_for(client, "op_b")).json()[0]["id"]
    assert client.post(f"/inbox/{other}/read", headers=h).status_code == 404


def test_the_inbox_page_needs_a_login(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/inbox", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
