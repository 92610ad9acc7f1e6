"""Alerts and dashboards over HTTP: the inbox, acknowledgement, 404 for another enterprise's
alert on every route, and the tenancy of enterprise and region roll-ups."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from kilnguard.services import alerts as al
from kilnguard.services.access import SYSTEM
from kilnguard.store.alert_models import AlertRow
from kilnguard.store.db import unit_of_work
from tests.conftest import Plant, token_for
from tests.services.test_alerts import A, G, S, scripted

LAST = dt.date(2021, 9, 14)


@pytest.fixture
def alert_ids(plant: Plant, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Enterprise A's first kiln: amber on 2 Sep, stop on 4 Sep (open); the amber superseded."""
    scripted(monkeypatch, plant, plant.kilns_a[0], [G, A, A, S])
    with unit_of_work(plant.engine) as s:
        al.evaluate(s, SYSTEM, LAST)
    with unit_of_work(plant.engine) as s:
        found = {a.level: a.id for a in s.scalars(select(AlertRow))}
    return found


def test_the_inbox_lists_open_alerts_worst_first_with_the_explanation(
    plant: Plant, client, alert_ids: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "mgr_a")
    r = client.get("/api/v1/alerts", headers=h)
    assert r.status_code == 200
    [stop] = r.json()
    assert (stop["id"], stop["level"], stop["kiln"], stop["state"]) == (
        alert_ids["stop"],
        "stop",
        "K-1",
        "open",
    )
    assert stop["explanation"].startswith("STOP: K-1 on 2021-09-04")
    every = client.get("/api/v1/alerts?state=all", headers=h).json()
    assert [a["level"] for a in every] == ["stop", "amber"]
    assert every[1]["closed_reason"].startswith("superseded")
    by_kiln = client.get(f"/api/v1/alerts?state=all&kiln_id={plant.kilns_a[1]}", headers=h)
    assert by_kiln.json() == []
    assert client.get("/api/v1/alerts?state=maybe", headers=h).status_code == 422
    page = client.get("/alerts", headers=h)
    assert page.status_code == 200
    assert 'class="level stop"' in page.text and "STOP" in page.text
    assert "Not acknowledged" in page.text


def test_acknowledge_with_a_comment_as_a_named_user(
    plant: Plant, client, alert_ids: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "mgr_a")
    url = f"/api/v1/alerts/{alert_ids['stop']}/acknowledge"
    r = client.post(url, headers=h, json={"comment": "  "})
    assert r.status_code == 422 and r.json()["field"] == "comment"
    regulator = client.post(url, headers=token_for(client, "reg"), json={"comment": "seen"})
    assert regulator.status_code == 403
    r = client.post(url, headers=h, json={"comment": "Firing stopped; inspection booked."})
    assert r.status_code == 200
    body = r.json()
    assert body["acknowledged_by"] == "mgr_a"
    assert body["ack_comment"] == "Firing stopped; inspection booked."
    again = client.post(url, headers=h, json={"comment": "twice"})
    assert again.status_code == 409
    one = client.get(f"/api/v1/alerts/{alert_ids['stop']}", headers=token_for(client, "reg"))
    assert one.status_code == 200 and one.json()["acknowledged_by"] == "mgr_a"


def test_the_web_form_acknowledges_and_shows_a_missing_comment(
    plant: Plant, client, alert_ids: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "mgr_a")
    url = f"/alerts/{alert_ids['stop']}/acknowledge"
    bad = client.post(url, headers=h, data={"comment": ""})
    assert bad.status_code == 422 and "a comment is required" in bad.text
    ok = client.post(url, headers=h, data={"comment": "seen on shift"}, follow_redirects=False)
    assert ok.status_code == 303
    assert "Acknowledged by mgr_a" in client.get("/alerts", headers=h).text


def test_an_operator_sees_no_acknowledge_button_on_a_stop_alert_and_comments_instead(
    plant: Plant, client, alert_ids: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    aid = alert_ids["stop"]
    op, mgr = token_for(client, "op_a"), token_for(client, "mgr_a")
    page = client.get("/alerts", headers=op).text
    article = page[page.index(f'id="alert-{aid}"') :]
    article = article[: article.index("</article>")]
    assert "ack-form" not in article and "comment-form" in article
    assert "ack-form" in client.get("/alerts", headers=mgr).text
    refused = client.post(f"/api/v1/alerts/{aid}/acknowledge", headers=op, json={"comment": "ok"})
    assert refused.status_code == 403
    assert "manager or safety officer" in refused.json()["detail"]
    web = client.post(
        f"/alerts/{aid}/comments", headers=op, data={"comment": "Hot spot ring 4"},
        follow_redirects=False,
    )  # fmt: skip
    assert web.status_code == 303
    r = client.post(f"/api/v1/alerts/{aid}/comments", headers=op, json={"comment": "Worse now"})
    assert r.status_code == 200
    body = r.json()
    assert [c["text"] for c in body["comments"]] == ["Hot spot ring 4", "Worse now"]
    assert body["acknowledged_at"] is None and not body["may_acknowledge"]
    assert client.post(
        f"/api/v1/alerts/{aid}/comments", headers=op, json={"comment": " "}
    ).status_code == 422  # fmt: skip
    assert "Hot spot ring 4" in client.get("/alerts", headers=mgr).text


def test_an_alert_shows_the_figure_that_raised_it_next_to_the_kilns_figure_now(
    plant: Plant, client, alert_ids: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    h = token_for(client, "mgr_a")
    every = {a["level"]: a for a in client.get("/api/v1/alerts?state=all", headers=h).json()}
    amber, stop = every["amber"], every["stop"]
    assert amber["raised_figure"]["day"] == "2021-09-02"
    assert amber["raised_figure"]["level"] == "amber"
    assert stop["raised_figure"]["level"] == "stop"
    # the kiln is at stop now (its last record day), whatever it was when the amber was raised
    assert amber["current_figure"] == stop["current_figure"]
    assert amber["current_figure"]["day"] == "2021-09-14"
    assert amber["current_figure"]["level"] == "stop"
    assert amber["current_figure"]["reason"]
    page = client.get("/alerts", headers=h).text
    assert "Raised at" in page and "Now" in page
    # plant time with its zone: raised at the end of plant day 4 Sep (00:00 KST on 5 Sep)
    assert "raised 2021-09-05 00:00 KST" in page


def test_another_enterprises_alert_is_404_on_every_route(
    plant: Plant, client, alert_ids: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    aid = alert_ids["stop"]
    for user in ("op_b", "reg_other"):
        h = token_for(client, user)
        assert client.get("/api/v1/alerts?state=all", headers=h).json() == []
        assert client.get(f"/api/v1/alerts/{aid}", headers=h).status_code == 404
        ack = client.post(f"/api/v1/alerts/{aid}/acknowledge", headers=h, json={"comment": "x"})
        assert ack.status_code == 404
        assert (
            client.get(f"/api/v1/alerts?kiln_id={plant.kilns_a[0]}", headers=h).status_code == 404
        )
        web = client.post(f"/alerts/{aid}/acknowledge", headers=h, data={"comment": "x"})
        assert web.status_code == 404
        assert client.get(f"/kilns/{plant.kilns_a[0]}/risk.png", headers=h).status_code == 404
        assert f'id="alert-{aid}"' not in client.get("/alerts", headers=h).text
    assert (
        client.get("/api/v1/alerts/999999", headers=token_for(client, "mgr_a")).status_code == 404
    )


def test_dashboards_respect_tenancy(plant: Plant, client, alert_ids: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    op_b, mgr_a, reg = (token_for(client, u) for u in ("op_b", "mgr_a", "reg"))
    ent_a = client.get(f"/api/v1/dashboards/enterprise/{plant.ent_a}", headers=mgr_a)
    assert ent_a.status_code == 200
    body = ent_a.json()
    assert body["name"] == "A Cement" and sum(body["counts"].values()) == 3
    assert len(body["trend"]) == 14 and {"day", "green", "stop"} <= set(body["trend"][0])
    assert (
        client.get(f"/api/v1/dashboards/enterprise/{plant.ent_a}", headers=op_b).status_code == 404
    )
    region_b = client.get(f"/api/v1/dashboards/region/{plant.region_id}", headers=op_b).json()
    assert region_b["enterprises"] == ["B Refractory"] and len(region_b["kilns"]) == 3
    region_reg = client.get(f"/api/v1/dashboards/region/{plant.region_id}", headers=reg).json()
    assert region_reg["enterprises"] == ["A Cement", "B Refractory"]
    assert len(region_reg["kilns"]) == 6
    assert (
        client.get(f"/api/v1/dashboards/region/{plant.other_region_id}", headers=reg).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/dashboards/region/{plant.region_id}", headers=token_for(client, "reg_other")
        ).status_code
        == 404
    )
    page = client.get("/dashboard", headers=reg)
    assert page.status_code == 200 and "<svg" in page.text and "kilns green" in page.text
