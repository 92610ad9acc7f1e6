"""A bulletin changed after sending (issue 16 point 12), in the browser: the regulator sends a
bulletin, the manager of an enterprise it went to acknowledges it, the regulator changes a
lesson; the manager sees "changed — acknowledge again" with what changed, and acknowledges
again; everything by htmx forms."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

TITLE = "Burner-end hot spots (changed bulletin, browser test)"


def test_a_manager_is_asked_again_and_sees_what_changed(page, login) -> None:  # type: ignore[no-untyped-def]
    login("regulator")
    page.goto("/bulletins")
    form = page.locator("#send-bulletin form")
    options = form.locator("select[name=incident_id] option")
    labels = options.all_inner_texts()
    pick = next(i for i, text in enumerate(labels) if "Komusan" not in text)
    form.locator("select[name=incident_id]").select_option(index=pick)
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=summary]").fill("Scan the burner end of every kiln shell.")
    form.locator("textarea[name=lessons]").fill("Scan the shell every shift")
    form.locator("textarea[name=required_checks]").fill("Shell scanner calibrated")
    form.locator("button[type=submit]").click()
    card = page.locator("section.bulletin", has_text=TITLE)
    card.wait_for()
    assert "Komusan Cement Factory" in card.inner_text()

    # the manager of a receiving enterprise acknowledges the first text
    page.context.clear_cookies()
    login("manager")
    page.goto("/bulletins")
    card = page.locator("section.bulletin", has_text=TITLE)
    ack = card.locator("form[action$='/acknowledge']")
    ack.locator("textarea[name=checked]").fill("Every shell scanned this shift")
    ack.locator("button", has_text="Acknowledge").click()
    page.locator("section.bulletin", has_text=TITLE).locator(
        "td", has_text="Every shell scanned this shift"
    ).wait_for()

    # the regulator changes the lesson: every enterprise is asked again
    page.context.clear_cookies()
    login("regulator")
    page.goto("/bulletins")
    card = page.locator("section.bulletin", has_text=TITLE)
    card.locator("details summary").click()
    edit = card.locator("details form")
    edit.locator("textarea[name=lessons]").fill("Scan the shell every two hours")
    edit.locator("input[name=note]").fill("interval halved after a second event")
    edit.locator("button[type=submit]").click()
    page.locator("section.bulletin", has_text=TITLE).locator(".changed").wait_for()

    page.context.clear_cookies()
    login("manager")
    page.goto("/bulletins")
    card = page.locator("section.bulletin", has_text=TITLE)
    changed = card.locator(".changed")
    text = changed.inner_text()
    assert "Changed — acknowledge again" in text
    assert "interval halved after a second event" in text
    assert changed.locator("del").inner_text() == "− Lesson: Scan the shell every shift"
    assert changed.locator("ins").inner_text() == "+ Lesson: Scan the shell every two hours"
    assert "acknowledged the earlier text" in card.inner_text()
    ack = card.locator("form[action$='/acknowledge']")
    ack.locator("textarea[name=checked]").fill("Scanning every two hours from today")
    ack.locator("button", has_text="Acknowledge again").click()
    card = page.locator("section.bulletin", has_text=TITLE)
    card.locator("td", has_text="Scanning every two hours from today").wait_for()
    assert "Changed — acknowledge again" not in card.inner_text()
    assert card.locator("form[action$='/acknowledge']").count() == 0
