"""An operator's entry that protects the record (issue 16 points 1–2), in a real browser: a
decimal comma, the confirmation asked above twice the kiln's rating, then the record corrected
and a double entry voided, each with its reason, and the corrected record's history."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def add_production(page, **typed: str) -> None:  # type: ignore[no-untyped-def]
    """Type a record of 26 Nov, 12 h fired, into the card's add form and send it."""
    add = page.locator("#production > form")
    for name, value in {"day": "2021-11-26", "hours_fired": "12", **typed}.items():
        add.locator(f"input[name={name}]").fill(value)
    add.locator("button[type=submit]").click()


def test_enter_confirm_correct_and_void_a_double_entry(page, login) -> None:  # type: ignore[no-untyped-def]
    login("operator")
    page.click("text=RF-2")  # a 40 t/day periodic kiln
    page.wait_for_selector("h1:has-text('RF-2')")

    add_production(page, shift_no="1", output_t="96,5")  # a decimal comma: 2.4× rating
    asked = page.locator("#production .error[data-field=confirm_reason]")
    asked.wait_for()
    assert "2.4× kiln RF-2's rated 40 t/day" in asked.inner_text()
    add = page.locator("#production > form")
    assert add.locator("input[name=output_t]").input_value() == "96,5"  # kept as typed
    add.locator("input[name=confirm_reason]").fill("two loads fired back to back")
    add.locator("button[type=submit]").click()
    page.locator("#production .ok").wait_for()
    table = page.locator("#production table")
    assert "96.50 t" in table.inner_text() and "confirmed above 2× rating" in table.inner_text()

    add_production(page, shift_no="2", output_t="45,5")  # the night typed again, as shift 2
    page.locator("#production tr", has_text="45.50 t").wait_for()  # the card came back

    first = page.locator("#production tr", has_text="96.50 t")
    first.locator("button:has-text('Correct or void')").click()
    correct = first.locator("form.correct")
    correct.wait_for()
    correct.locator("input[name=output_t]").fill("48,25")
    correct.locator("input[name=reason]").fill("scale misread: two half loads")
    correct.locator("button[type=submit]").click()
    page.locator("#production .ok:has-text('Corrected.')").wait_for()
    assert "48.25 t" in page.locator("#production table").inner_text()

    double = page.locator("#production tr", has_text="45.50 t")
    double.locator("button:has-text('Correct or void')").click()
    void = double.locator("form.void")
    void.wait_for()
    void.locator("input[name=reason]").fill("entered twice: the night's output is shift 1's")
    void.locator("button[type=submit]").click()
    page.locator("#production .ok:has-text('Voided.')").wait_for()
    voided = page.locator("#production tr.voided", has_text="45.50 t")
    assert "entered twice" in voided.inner_text()
    assert voided.locator("button:has-text('Correct or void')").count() == 0

    page.locator("#production tr", has_text="48.25 t").locator("a:has-text('History')").click()
    page.wait_for_url(re.compile(r".*/records/production/\d+/history"))
    history = page.locator("main").inner_text()
    assert "scale misread: two half loads" in history
    assert "96.5" in history and "48.25" in history and "operator" in history
