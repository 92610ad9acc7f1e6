"""Change control in a real browser: a technician objects on the Chongjin change's page; the
manager then tries to authorise firing and the refusal is shown on screen, in plain words."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

REASON = "Browser test: the relief valve proof test is still not done; do not fire."


def test_a_technicians_objection_blocks_authorisation_on_screen(
    page, login, browser, live_server
) -> None:  # type: ignore[no-untyped-def]
    login("technician")
    page.click("nav >> text=Changes")
    page.wait_for_selector("h1:has-text('Change requests')")
    page.click("#changes >> text=test kiln TK-1")
    page.wait_for_selector("#objections")
    assert page.locator(".overrule").count() == 2  # the permanent overrules, highlighted
    assert page.locator("#zone").inner_text().count("refused") >= 5
    page.fill("#object-form textarea[name=reason]", REASON)
    page.click("#object-form button[type=submit]")
    row = page.locator("tr.objection", has_text=REASON)
    row.wait_for()
    assert "open" in row.inner_text()
    change_url = page.url

    manager = browser.new_context(base_url=live_server)
    mp = manager.new_page()
    mp.set_default_timeout(15_000)
    mp.goto("/login")
    mp.fill("input[name=username]", "chongjin-manager")
    mp.fill("input[name=password]", "kilnguard-demo")
    mp.click("button[type=submit]")
    mp.wait_for_url("**/kilns")
    mp.goto(change_url)
    mp.click("button[data-action=authorise_firing]")
    refusal = mp.locator("#refusal")
    refusal.wait_for()
    text = refusal.inner_text()
    assert "Refused" in text
    assert "open objection by a technician" in text
    assert REASON in text
    assert "pre-startup review not complete" in text
    assert "pre startup review" in mp.locator("#state").inner_text()
    manager.close()
