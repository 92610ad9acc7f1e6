"""A shift supervisor's path through the web UI, in a real browser."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_log_in_open_the_exploded_kiln_and_record_production(page, login) -> None:  # type: ignore[no-untyped-def]
    login("operator")
    page.click("text=RF-2")
    page.wait_for_selector("h1:has-text('RF-2')")
    assert page.locator(".badge.recon").first.is_visible()

    form = page.locator("#production form")
    form.locator("input[name=day]").fill("2021-11-25")
    form.locator("input[name=output_t]").fill("-12")
    form.locator("input[name=hours_fired]").fill("8")
    form.locator("button[type=submit]").click()
    error = page.locator("#production .error[data-field=output_t]")
    error.wait_for()
    assert "cannot be negative" in error.inner_text()

    form = page.locator("#production form")
    form.locator("input[name=output_t]").fill("17.25")
    form.locator("button[type=submit]").click()
    page.locator("#production .ok").wait_for()
    assert page.locator("#production table").inner_text().count("17.25 t") == 1
    assert page.locator("#production .error").count() == 0


def test_wrong_password_is_refused_on_screen(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert "wrong user name or password" in page.locator(".error").inner_text()


def test_a_user_cannot_open_another_enterprises_kiln(page, login, live_server) -> None:  # type: ignore[no-untyped-def]
    login("technician")  # Chongjin
    assert "RF-2" not in page.content()
    response = page.goto("/kilns/2")
    assert response is not None and response.status == 404
