"""No stored value, however odd, makes a page fail (issue 16 point 1): records written straight
into the tables (past every entry rule: dates at both ends of the plausible window, huge
numbers, empty and odd Unicode text), then every HTML page of the app fetched by a logged-in
user of that plant and by the region's regulator answers below 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from kilnguard.api.app import create_app
from tests.conftest import PASSWORD, Plant, csrf_aware

ODD = "가마 \u202eRTL\u202c \u200b🔥 <b>&amp;</b> ' \" \\ ％"
SHORT = "\u202e가마🔥"  # for a 16-character column (`source`)
HUGE = 1e300
MAX_INT = 2**31 - 1
FIRST, LAST = "1900-01-01", "2100-12-31"


def store_extremes(plant: Plant) -> dict[str, int]:
    """Odd records on kiln A K-1 (and an odd kiln), through SQL; their ids by table."""
    ent, kiln, worker = plant.ent_a, plant.kilns_a[0], plant.workers_a[0]
    statements = [
        f"INSERT INTO kilns (enterprise_id, name, kind, rated_capacity_t_per_day, "
        f"max_temperature_c, campaign_limit_days, source) VALUES ({ent}, :odd, 'rotary', "
        f"{HUGE}, {HUGE}, {MAX_INT}, 'recorded')",
        f"INSERT INTO production_records (enterprise_id, kiln_id, day, shift_no, output_t, "
        f"hours_fired, note, source) VALUES ({ent}, {kiln}, '{FIRST}', {MAX_INT}, {HUGE}, "
        f"{HUGE}, :odd, 'recorded')",
        f"INSERT INTO production_records (enterprise_id, kiln_id, day, shift_no, output_t, "
        f"hours_fired, note, source) VALUES ({ent}, {kiln}, '{LAST}', 1, 0, 0, '', '')",
        f"INSERT INTO shifts (enterprise_id, worker_id, kiln_id, start_at, end_at, role, "
        f"source) VALUES ({ent}, {worker}, {kiln}, '{FIRST} 00:00:00', '{FIRST} 00:00:01', "
        f"'', :short)",
        f"INSERT INTO shifts (enterprise_id, worker_id, kiln_id, start_at, end_at, role, "
        f"source) VALUES ({ent}, {worker}, {kiln}, '2100-12-30 00:00:00', "
        f"'{LAST} 23:59:59', :odd, 'recorded')",
        f"INSERT INTO work_orders (enterprise_id, kiln_id, task, safety_critical, due_on, "
        f"done_on, findings, number, source) VALUES ({ent}, {kiln}, '', true, '{FIRST}', "
        f"'{LAST}', :odd, :odd2, 'recorded')",
        f"INSERT INTO work_orders (enterprise_id, kiln_id, task, safety_critical, due_on, "
        f"findings, number, source) VALUES ({ent}, {kiln}, :odd, true, '{LAST}', '', "
        f"'WO-odd', 'recorded')",
        f"INSERT INTO maintenance_plans (enterprise_id, kiln_id, task, interval_days, "
        f"interval_t, duration_days, safety_critical, protects, source) VALUES ({ent}, {kiln}, "
        f":odd, {MAX_INT}, {HUGE}, {MAX_INT}, true, 'lining', 'recorded')",
        f"INSERT INTO planned_stops (enterprise_id, kiln_id, start_on, end_on, reason, "
        f"relines_lining, source) VALUES ({ent}, {kiln}, '{FIRST}', '{LAST}', :odd, true, "
        f"'recorded')",
        f"INSERT INTO targets (enterprise_id, kiln_id, description, quantity_t, entered_on, "
        f"deadline, imposed_by, additional, source) VALUES ({ent}, {kiln}, :odd, {HUGE}, "
        f"'{FIRST}', '{LAST}', '', true, 'recorded')",
        f"INSERT INTO incidents (enterprise_id, kiln_id, occurred_at, event_type, killed, "
        f"seriously_injured, minor_injuries, missing, days_lost, description, "
        f"immediate_actions, source) VALUES ({ent}, {kiln}, '{LAST} 23:59:59', :odd2, "
        f"{MAX_INT}, {MAX_INT}, {MAX_INT}, {MAX_INT}, {MAX_INT}, :odd, '', 'recorded')",
    ]
    with plant.engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql), {"odd": ODD, "odd2": ODD, "short": SHORT})
        ids = {
            table: int(conn.execute(text(f"SELECT max(id) FROM {table}")).scalar_one())
            for table in ("kilns", "production_records", "work_orders", "incidents")
        }
    return ids


def filled(path: str, ids: dict[str, int], plant: Plant) -> str:
    """A route's path with its parameters named after records that hold the odd values."""
    values = {
        "kiln_id": plant.kilns_a[0],
        "enterprise_id": plant.ent_a,
        "region_id": plant.region_id,
        "record_id": ids["production_records"],
        "ident": ids["production_records"],
        "kind": "production",
        "incident_id": ids["incidents"],
        "work_order_id": ids["work_orders"],
    }
    return re.sub(r"{(\w+)(:\w+)?}", lambda mt: str(values.get(mt.group(1), 1)), path)


def get_paths(routes: Any, prefix: str = "") -> Iterator[str]:
    """Every GET path of the app, through the routers it includes (lazily, in FastAPI)."""
    for r in routes:
        if hasattr(r, "original_router"):
            inner = prefix + getattr(r.include_context, "prefix", "")
            yield from get_paths(r.original_router.routes, inner)
        elif "GET" in (getattr(r, "methods", None) or ()):
            yield prefix + r.path


FILES = (".png", ".svg", ".xlsx", ".csv", ".pdf")
"""Downloads, not pages (the risk chart over 1900–2100 takes minutes: reported, not tested)."""


def html_routes(client: Any) -> list[str]:
    skip = ("/api/", "/openapi", "/docs", "/redoc", "/static", "/logout", "/health")
    return sorted(
        p
        for p in set(get_paths(client.app.routes))
        if not p.startswith(skip) and not p.endswith(FILES)
    )


@pytest.fixture
def client(plant: Plant) -> Iterator[Any]:
    """The app over the plant, answering 500 for a failing page (not raising in the test),
    so that every failing page is listed."""
    with TestClient(create_app(plant.engine), raise_server_exceptions=False) as c:
        yield csrf_aware(c)  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("username", ["mgr_a", "reg"])
def test_every_page_renders_whatever_is_stored(client: Any, plant: Plant, username: str) -> None:
    ids = store_extremes(plant)
    r = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303
    routes = html_routes(client)
    assert {"/kilns", "/kilns/{kiln_id}", "/records/{kind}/{ident}/history"} <= set(routes)
    failed = []
    urls = [(p, filled(p, ids, plant)) for p in routes] + [("", f"/kilns/{ids['kilns']}")]
    for route, url in urls:
        answer = client.get(url, follow_redirects=False)
        if answer.status_code >= 500:
            failed.append(route or url)
    assert not failed, "pages that fail on odd stored values:\n" + "\n".join(failed)
    kiln_page = client.get(f"/kilns/{plant.kilns_a[0]}").text
    assert FIRST in kiln_page and "RTL" in kiln_page and "<b>&amp;</b>" not in kiln_page
