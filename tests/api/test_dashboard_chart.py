"""The kiln page's interactive risk chart (issue 16 point 7): its JSON route (documented in
OpenAPI) gives R and the level of each stored day with the level bands, every indicator with
the engine's threshold, and the events with their text; the page carries only the panel
element and the static scripts (no inline script, no CDN)."""

from __future__ import annotations

import datetime as dt
import re

from kilnguard.domain import risk as rk
from kilnguard.services.access import SYSTEM
from kilnguard.services.risk import levels as stored
from kilnguard.store import models as m
from kilnguard.store.db import unit_of_work
from tests.conftest import Plant, token_for


def test_the_chart_data_follows_the_stored_levels_with_bands_thresholds_and_events(
    plant: Plant, client
) -> None:  # type: ignore[no-untyped-def]
    kiln = plant.kilns_a[0]
    c = client.get(f"/api/v1/kilns/{kiln}/risk-chart", headers=token_for(client, "op_a")).json()
    assert c["timezone"] == "Asia/Pyongyang"
    assert c["days"][0] == "2021-09-01" and c["days"][-1] == "2021-09-14"
    with unit_of_work(plant.engine) as s:
        k = s.get(m.Kiln, kiln)
        assert k is not None
        rows = stored.rows_from(s, {kiln: dt.date(2021, 9, 1)}, dt.date(2021, 9, 14))[kiln]
    assert c["risk_ratio"] == [round(x.risk_ratio, 4) for x in rows]
    assert c["levels"] == [x.name for x in rows]
    cfg = rk.RiskConfig()
    assert c["bands"] == {"amber": cfg.amber_at, "red": cfg.red_at, "stop": cfg.stop_at}
    keys = [i["key"] for i in c["indicators"]]
    assert keys == [
        "load_ratio_7d", "target_pressure", "wear_damage", "maint_overdue_days",
        "continuous_days", "kss_worst",
    ]  # fmt: skip
    by_key = {i["key"]: i for i in c["indicators"]}
    assert by_key["load_ratio_7d"]["threshold"] == 1.0
    assert by_key["kss_worst"]["threshold"] == cfg.kss_reference
    assert by_key["maint_overdue_days"]["threshold"] is None
    assert all(len(i["values"]) == len(c["days"]) for i in c["indicators"])
    # 12 t per 8-h shift, three shifts on a 40 t/day kiln: a 7-day mean load of 0.9× rating
    assert by_key["load_ratio_7d"]["values"][-1] is not None
    kinds = {e["kind"] for e in c["events"]}
    assert {"target", "incident"} <= kinds
    [incident] = [e for e in c["events"] if e["kind"] == "incident"]
    assert incident["day"] == "2021-09-05"
    assert "12:00 KST" in incident["text"] and "hot spot on shell" in incident["text"]
    [target] = [e for e in c["events"] if e["kind"] == "target"]
    assert "3,000 t by 2021-12-31" in target["text"] and "Annual plan" in target["text"]


def test_another_enterprises_kiln_chart_is_404_and_the_route_is_documented(
    plant: Plant, client
) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/kilns/{plant.kilns_a[0]}/risk-chart"
    assert client.get(url, headers=token_for(client, "op_b")).status_code == 404
    assert client.get(url, headers=token_for(client, "reg")).status_code == 200
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/v1/kilns/{kiln_id}/risk-chart"]["get"]
    assert "dashboards" in op["tags"]
    assert op["responses"]["200"]["content"]["application/json"]["schema"]


def test_the_kiln_page_carries_the_chart_panel_with_static_scripts_only(
    plant: Plant, client
) -> None:  # type: ignore[no-untyped-def]
    kiln = plant.kilns_a[0]
    html = client.get(f"/kilns/{kiln}", headers=token_for(client, "mgr_a")).text
    assert f'data-src="/api/v1/kilns/{kiln}/risk-chart"' in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all(
        body.strip() == "" and 'src="/static/' in attrs for attrs, body in scripts
    )
    assert '<script src="/static/vendor/uplot/uPlot.iife.min.js" defer>' in html
    assert client.get("/static/vendor/uplot/uPlot.iife.min.js").status_code == 200
    assert "MIT" in client.get("/static/vendor/uplot/LICENSE").text
    assert "/static/risk-chart.js" in html and "risk.png" in html  # the PNG stays, for reports
    assert "cdn" not in html.lower()


def test_a_kiln_without_records_gives_an_empty_chart(plant: Plant, client) -> None:  # type: ignore[no-untyped-def]
    from kilnguard.services import records as svc

    with unit_of_work(plant.engine, write=True) as s:
        section = s.get(m.Kiln, plant.kilns_a[0])
        assert section is not None
        new = svc.create_kiln(
            s,
            SYSTEM,
            svc.KilnIn(
                enterprise_id=plant.ent_a, section_id=section.section_id, name="K-new",
                kind="rotary", rated_capacity_t_per_day=40.0, max_temperature_c=1450.0,
                campaign_limit_days=90,
            ),
        )  # fmt: skip
        new_id = new.id
    c = client.get(f"/api/v1/kilns/{new_id}/risk-chart", headers=token_for(client, "mgr_a"))
    assert c.status_code == 200
    assert c.json()["days"] == [] and c.json()["indicators"] == []
