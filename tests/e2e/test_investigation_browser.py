"""An investigator opens the Komusan investigation in a real browser and reads its timeline;
the regulator sees who has not acknowledged the regional bulletin."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_investigator_opens_the_komusan_investigation_and_sees_its_timeline(page, login) -> None:  # type: ignore[no-untyped-def]
    login("investigator")
    page.click("nav >> text=Incidents")
    page.wait_for_selector("#incident-register")
    row = page.locator("#incident-register tr", has_text="Komusan Cement Factory")
    assert "2 killed, 6 seriously injured" in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_selector("h1:has-text('Incident')")
    page.click("#open-investigation")
    page.wait_for_selector("#timeline-table")
    timeline = page.locator("#timeline-table").inner_text()
    assert "Target entered" in timeline and "ADDITIONAL" in timeline
    assert "deferred by Chief engineer" in timeline
    assert "12.0 h shift" in timeline
    assert "2021-11-24" in timeline
    assert page.locator("#timeline-table .badge.recon").first.is_visible()

    page.fill("#findings textarea[name=text]", "Nobody compared output with rating each day.")
    page.click("#findings button[type=submit]")
    page.wait_for_selector("#findings li:has-text('Nobody compared output')")
    assert "investigator" in page.locator("#findings li", has_text="Nobody compared").inner_text()


def test_regulator_sees_who_has_not_acknowledged_the_bulletin(page, login) -> None:  # type: ignore[no-untyped-def]
    login("regulator")
    page.click("nav >> text=Bulletins")
    card = page.locator(
        ".bulletin", has_text="Kiln explosion at Komusan Cement Factory, 24 Nov 2021"
    )
    card.wait_for()  # the demo's bulletin, whatever other browser tests have sent meanwhile
    text = card.inner_text()
    assert "Not acknowledged: Chongjin Chemical and Textile Factory" in text
    assert "kyongsong-manager" in text
