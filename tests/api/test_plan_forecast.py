"""The adopted plan stays in the system, over HTTP on the demo region: its risk forecast
(`GET /api/v1/plans/forecast`, the plan page, the kiln page's panel), planned vs recorded per
week on the kiln page, and the next plan's difference from it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select

from kilnguard.scenarios.demo import DEMO_PASSWORD
from kilnguard.store import db as store_db
from kilnguard.store import models as m

FORECAST = "/api/v1/plans/forecast"


@pytest.fixture(scope="module")
def demo(fresh_database_url: Callable[[], str]) -> Iterator[Engine]:
    from tests.conftest import build_demo_database

    url = fresh_database_url()
    build_demo_database(url)
    eng = store_db.make_engine(url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def api(demo: Engine) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from kilnguard.api.app import create_app

    with TestClient(create_app(demo)) as c:
        yield c


@pytest.fixture(scope="module")
def komusan(demo: Engine) -> tuple[int, int]:
    """Komusan's id and RF-2's."""
    with store_db.unit_of_work(demo) as s:
        ent = s.scalars(select(m.Enterprise.id).where(m.Enterprise.name.like("Komusan%"))).one()
        rf2 = s.scalars(
            select(m.Kiln.id).where(m.Kiln.enterprise_id == ent, m.Kiln.name == "RF-2")
        ).one()
    return ent, rf2


@pytest.fixture(scope="module")
def tokens(api: Any) -> dict[str, dict[str, str]]:
    out = {}
    for n in ("manager", "chongjin-manager"):
        r = api.post("/api/v1/auth/token", json={"username": n, "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        out[n] = {"Authorization": f"Bearer {r.json()['token']}"}
    return out


def test_before_any_adoption_there_is_no_forecast_and_refusals_name_the_field(
    api: Any, tokens: dict[str, dict[str, str]], komusan: tuple[int, int]
) -> None:
    ent, rf2 = komusan
    r = api.get(f"{FORECAST}?enterprise_id={ent}", headers=tokens["manager"])
    assert r.status_code == 204 and r.content == b""
    assert api.get(f"{FORECAST}?enterprise_id={ent}").status_code == 401
    r = api.get(f"{FORECAST}?enterprise_id={ent}", headers=tokens["chongjin-manager"])
    assert r.status_code == 404
    r = api.get(f"{FORECAST}?enterprise_id=Komusan", headers=tokens["manager"])
    assert r.status_code == 422 and "enterprise_id" in r.text
    page = api.get(f"/kilns/{rf2}", headers=tokens["manager"])
    assert page.status_code == 200 and "No plan adopted for this kiln" in page.text


def test_the_adopted_plan_forecasts_rf2_and_shows_on_the_kiln_page(
    api: Any, tokens: dict[str, dict[str, str]], komusan: tuple[int, int]
) -> None:
    ent, rf2 = komusan
    manager = tokens["manager"]
    r = api.post(
        "/api/v1/plans/adopt", json={"enterprise_id": ent, "time_limit_s": 2}, headers=manager
    )
    assert r.status_code == 201, r.text
    adoption = r.json()["adoption_id"]
    # The kiln page answers at once: the forecast is loaded after it (htmx) ...
    page = api.get(f"/kilns/{rf2}", headers=manager)
    assert page.status_code == 200 and "Adopted plan" in page.text
    assert f'hx-get="/plan/forecast?enterprise_id={ent}&amp;kiln_id={rf2}"' in page.text
    assert "Planned vs recorded, per week" in page.text and "Off plan" in page.text
    fragment = api.get(f"/plan/forecast?enterprise_id={ent}&kiln_id={rf2}", headers=manager)
    assert fragment.status_code == 200 and "This plan takes RF-2 to " in fragment.text
    # ... and once computed it is part of the page itself.
    page = api.get(f"/kilns/{rf2}", headers=manager)
    assert "This plan takes RF-2 to " in page.text and 'hx-get="/plan/forecast' not in page.text
    r = api.get(f"{FORECAST}?enterprise_id={ent}", headers=manager)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["adoption_id"] == adoption and data["days"] > 0
    row = next(k for k in data["kilns"] if k["kiln"] == "RF-2")
    assert row["worst_level"] in ("red", "stop") and row["first_at"][row["worst_level"]]
    assert row["sentence"].startswith(f"This plan takes RF-2 to {row['worst_level']} on ")
    plan_page = api.get(f"/plan/forecast?enterprise_id={ent}", headers=manager)
    assert plan_page.status_code == 200 and plan_page.text.count("<tr") > 3  # every kiln


def test_the_next_plan_starts_from_the_adopted_one_and_reports_the_difference(
    api: Any, tokens: dict[str, dict[str, str]], komusan: tuple[int, int]
) -> None:
    ent, _ = komusan
    r = api.get(f"/api/v1/plans?enterprise_id={ent}&time_limit_s=2", headers=tokens["manager"])
    assert r.status_code == 200, r.text
    data = r.json()
    adopted = data["adopted"]
    assert adopted is not None and adopted["kilns"]
    assert {"kiln", "adopted_t", "planned_t", "change_t", "shifts_moved"} <= set(
        adopted["kilns"][0]
    )
    assert any(
        n.startswith(f"previous plan {adopted['adoption_id']}: carried over") for n in data["notes"]
    )


def test_the_forecast_route_documents_every_status_code(api: Any) -> None:
    spec = api.get("/openapi.json").json()
    responses = spec["paths"][FORECAST]["get"]["responses"]
    assert {"200", "204", "401", "404", "422"} <= set(responses)
    assert responses["200"]["content"]["application/json"]["schema"].get("$ref")
