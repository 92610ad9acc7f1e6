"""Alerts in a real browser: Komusan's manager acknowledges an open alert with a comment and
sees it acknowledged; RF-2's kiln page shows its level in words and its indicator plot."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.e2e


def test_the_manager_acknowledges_an_alert_from_the_inbox(page, login) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    page.click("nav >> text=Alerts")
    page.wait_for_selector("h1:has-text('Alerts')")
    # an alert nobody has acknowledged yet (another test may have acknowledged others)
    article = page.locator("#open-alerts article.alert", has=page.locator("form.ack-form")).first
    alert_id = article.get_attribute("data-alert-id")
    assert article.locator(".level").inner_text().strip().lower() in ("amber", "red", "stop")
    comment = f"Browser test {time.time_ns()}: firing stopped, inspection booked."
    article.locator("textarea[name=comment]").fill(comment)
    article.locator("button[type=submit]").click()
    page.wait_for_url(f"**/alerts#alert-{alert_id}")
    status = page.locator(f"#alert-{alert_id} .ack-status")
    status.wait_for()
    text = status.inner_text()
    assert "Acknowledged by manager" in text
    assert comment in text
    assert page.locator(f"#alert-{alert_id} form.ack-form").count() == 0


def test_the_rf2_kiln_page_shows_the_level_in_words_and_the_plot_loads(page, login) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    page.click("a:text-is('RF-2')")
    page.wait_for_selector(".risk-panel")
    level = page.locator(".risk-panel .current-level").inner_text()
    assert "STOP" in level
    assert page.locator(".risk-panel .findings li").count() >= 1
    assert page.locator(".kiln-alerts tbody tr").count() >= 2
    page.locator(".risk-chart").scroll_into_view_if_needed()
    page.wait_for_selector(".risk-chart.is-ready", timeout=30_000)
    assert page.locator(".risk-chart canvas").count() >= 2
    png = page.request.get(page.locator("a.risk-plot-png").get_attribute("href") or "")
    assert png.ok and png.headers["content-type"] == "image/png"
