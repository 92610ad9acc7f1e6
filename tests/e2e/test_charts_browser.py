"""The ranked dashboard and the interactive risk chart in a real browser (issue 16 points 5
and 7): Komusan's manager opens the dashboard, finds the worst kiln first with its own reason,
opens its kiln page, and the chart renders (one canvas per chart, the series the data asks
for); hovering an event marker shows the event's text; a period button zooms."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_the_manager_finds_the_worst_kiln_and_reads_its_chart(page, login) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    page.click("nav >> text=Dashboard")
    page.wait_for_selector("h1:has-text('Dashboard')")
    section = page.locator("section[data-scope=enterprise]").first
    ent_id = section.get_attribute("id").split("-")[-1]
    ranked = page.request.get(f"/api/v1/dashboards/enterprise/{ent_id}").json()
    worst = ranked["kilns"][0]
    first = section.locator("table.ranked.kilns tbody tr").first
    assert first.get_attribute("data-kiln") == worst["kiln"]
    assert first.get_attribute("data-level") == "stop"
    reason = first.locator("td.reason").inner_text()
    assert reason == worst["reason"] and "×" in reason
    # its own cause: not the same sentence as the next kiln's
    second = section.locator("table.ranked.kilns tbody tr").nth(1)
    assert second.locator("td.reason").inner_text() != reason

    first.locator("a").first.click()
    page.wait_for_url(f"**/kilns/{worst['kiln_id']}")
    chart = page.locator(".risk-chart")
    chart.scroll_into_view_if_needed()
    page.wait_for_selector(".risk-chart.is-ready", timeout=30_000)
    data = page.request.get(chart.get_attribute("data-src")).json()
    n_charts = 1 + len(data["indicators"])
    assert chart.get_attribute("data-charts") == str(n_charts)
    assert chart.locator("canvas").count() == n_charts
    assert chart.locator(".chart-risk").get_attribute("data-series") == "1"
    for ind in data["indicators"]:
        box = chart.locator(f".chart-indicator[data-key={ind['key']}]")
        expected = 2 if ind["threshold"] is not None else 1
        assert box.get_attribute("data-series") == str(expected)
    assert chart.get_attribute("data-events") == str(len(data["events"]))

    marker = chart.locator(".chart-risk .chart-marker").last
    marker.hover()
    tip = chart.locator(".chart-tip")
    day = marker.get_attribute("data-day")
    texts = [e["text"] for e in data["events"] if e["day"] == day]
    assert texts and tip.inner_text().startswith(day)
    assert all(t in tip.inner_text() for t in texts)

    shown = chart.locator(".chart-risk .chart-marker:visible").count()
    chart.locator("button.chart-period:has-text('Last 30 days')").click()
    page.wait_for_function(
        "n => document.querySelectorAll('.chart-risk .chart-marker:not([style*=\"none\"])')"
        ".length < n",
        arg=shown,
    )
