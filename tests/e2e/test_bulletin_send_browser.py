"""The regulator sends a regional bulletin from the web and sees who has not acknowledged."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_regulator_sends_a_bulletin_to_tier_2_enterprises(page, login) -> None:  # type: ignore[no-untyped-def]
    login("regulator")
    page.goto("/bulletins")
    form = page.locator("#send-bulletin form")
    form.locator("select[name=incident_id]").select_option(index=0)
    form.locator("input[name=title]").fill(
        "Shell scanner checks after the RF-2 explosion (browser test)"
    )
    form.locator("textarea[name=summary]").fill("Check every kiln shell for hot spots this week.")
    form.locator("textarea[name=lessons]").fill(
        "Overload shortens lining life\nDeferred inspections hide wear"
    )
    form.locator("textarea[name=required_checks]").fill(
        "Shell scan of every kiln\nInspection backlog list"
    )
    form.locator("input[name=tiers][value='2']").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/bulletins")
    card = page.locator("section.bulletin", has_text="(browser test)")
    card.wait_for()
    text = card.inner_text()
    assert "Kyongsong Refractory Works" in text  # the region's tier-2 enterprise
    assert "Chongjin Chemical and Textile Factory" not in text  # tier 1: not chosen
    assert "Deferred inspections hide wear" in text
    assert "not acknowledged" in text


def test_a_bulletin_without_a_title_is_refused_on_screen(page, login) -> None:  # type: ignore[no-untyped-def]
    login("regulator")
    page.goto("/bulletins")
    form = page.locator("#send-bulletin form")
    form.locator("input[name=title]").evaluate("el => el.removeAttribute('required')")
    form.locator("textarea[name=summary]").fill("x")
    form.locator("button[type=submit]").click()
    assert "title" in page.locator(".error[role=alert]").inner_text()


def test_a_plant_manager_has_no_send_form(page, login) -> None:  # type: ignore[no-untyped-def]
    login("manager")
    page.goto("/bulletins")
    assert page.locator("#send-bulletin").count() == 0
