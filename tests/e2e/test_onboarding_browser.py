"""An administrator onboards a region in a real browser: region, enterprise and kiln through the
set-up forms, then a workbook uploaded, previewed and committed, the kilns then on the kilns
page; a workbook with errors shows every error and stores nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

pytestmark = pytest.mark.e2e

KILN_HEADER = [
    "enterprise",
    "name",
    "section",
    "kind",
    "rated_capacity_t_per_day",
    "max_temperature_c",
    "campaign_limit_days",
    "lining_installed_on",
    "lining_design_life_days",
    "lining_used_t_at_onboarding",
]


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def choose(page, form, name: str, label: str) -> None:  # type: ignore[no-untyped-def]
    form.locator(f"select[name={name}]").select_option(label=label)


def test_a_region_is_set_up_in_the_browser_and_loaded_from_a_workbook(
    page, login, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    page.click("header nav >> text=Set-up")
    page.click(".setup-kinds >> text=Regions")
    form = page.locator("#new form")
    form.locator("input[name=name]").fill("Ryanggang")
    form.locator("input[name=timezone]").fill("Asia/Pyongyang")
    form.locator("button[type=submit]").click()
    page.locator(".ok").wait_for()
    assert "Asia/Pyongyang" in page.locator("#list").inner_text()

    page.click(".setup-kinds >> text=Enterprises")
    form = page.locator("#new form")
    form.locator("input[name=name]").fill("Hyesan Lime Works")
    choose(page, form, "region_id", "Ryanggang")
    form.locator("input[name=tier]").fill("2")
    form.locator("input[name=sector]").fill("lime")
    form.locator("button[type=submit]").click()
    page.locator(".ok").wait_for()

    page.click(".setup-kinds >> text=Kilns")
    form = page.locator("#new form")
    choose(page, form, "enterprise_id", "Hyesan Lime Works")
    form.locator("input[name=name]").fill("HL-1")
    choose(page, form, "kind", "shaft")
    form.locator("input[name=rated_capacity_t_per_day]").fill("eighty")
    form.locator("input[name=max_temperature_c]").fill("1100")
    form.locator("input[name=campaign_limit_days]").fill("180")
    form.locator("input[name=lining_installed_on]").fill("2020-03-01")
    form.locator("input[name=lining_design_life_days]").fill("900")
    form.locator("input[name=lining_used_fraction_at_onboarding]").fill("0.35")
    form.locator("button[type=submit]").click()
    error = page.locator("#new [data-field=rated_capacity_t_per_day]")
    error.wait_for()
    assert "must be a number" in error.inner_text()
    form = page.locator("#new form")
    assert form.locator("input[name=name]").input_value() == "HL-1"  # kept as typed
    assert form.locator("input[name=lining_used_fraction_at_onboarding]").input_value() == "0.35"
    form.locator("input[name=rated_capacity_t_per_day]").fill("80")
    form.locator("button[type=submit]").click()
    page.locator(".ok").wait_for()
    assert "80 t/day" in page.locator("#list").inner_text()

    # the rest of the plant from a workbook: a section, two kilns (one in the section)
    book = workbook(
        tmp_path / "hyesan.xlsx",
        {
            "sections": [["enterprise", "name"], ["Hyesan Lime Works", "Burning"]],
            "kilns": [
                KILN_HEADER,
                [
                    "Hyesan Lime Works",
                    "HL-2",
                    "Burning",
                    "shaft",
                    75.5,
                    1100,
                    180,
                    "2021-01-10",
                    900,
                    12000,
                ],
                ["Hyesan Lime Works", "HL-3", "", "shaft", 60, 1050, 150, "", "", ""],
            ],
        },
    )
    page.click("header nav >> text=Import / export")
    page.set_input_files("#upload-form input[name=file]", str(book))
    page.click("#upload-form button[type=submit]")
    page.locator("#summary").wait_for(timeout=60_000)
    summary = page.locator("#summary").inner_text()
    assert "nothing is stored yet" in summary
    assert "sections" in summary and "kilns" in summary
    page.goto("/kilns")
    assert "HL-2" not in page.content()  # the preview stored nothing
    page.go_back()
    page.locator("#commit").click()
    page.locator("#summary .ok").wait_for(timeout=60_000)
    assert "Imported" in page.locator("#summary").inner_text()
    page.click("text=Go to the kilns")
    kilns = page.locator("main").inner_text()
    assert "HL-1" in kilns and "HL-2" in kilns and "HL-3" in kilns and "Burning" in kilns


def test_a_workbook_with_errors_shows_them_all_and_stores_nothing(
    page, login, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    login("admin")
    book = workbook(
        tmp_path / "bad.xlsx",
        {
            "kilns": [
                KILN_HEADER,
                ["Nowhere Cement", "NC-1", "", "rotary", 600, 1450, 90, "", "", ""],
                [
                    "Komusan Cement Factory",
                    "KC-9",
                    "",
                    "rotary",
                    "600 t/d",
                    1450,
                    90,
                    "1.3.2020",
                    "",
                    "",
                ],
            ]
        },
    )
    page.goto("/bundle")
    page.set_input_files("#upload-form input[name=file]", str(book))
    page.click("#upload-form button[type=submit]")
    page.locator("#errors").wait_for(timeout=60_000)
    table = page.locator("table.bundle-errors").inner_text()
    assert "Nowhere Cement" in table and "600 t/d" in table and "1.3.2020" in table
    assert page.locator("table.bundle-errors tbody tr").count() >= 3
    assert page.locator("#commit").count() == 0
    page.goto("/kilns")
    assert "NC-1" not in page.content() and "KC-9" not in page.content()


def test_a_file_over_the_limit_is_refused_before_it_is_sent(
    page, login, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from kilnguard.api.features.bundle import jobs

    monkeypatch.setattr(jobs, "MAX_UPLOAD_BYTES", 2_000)  # the live server is this process
    big = tmp_path / "year.xlsx"
    big.write_bytes(b"x" * 5_000)
    login("manager")
    page.goto("/bundle")
    page.set_input_files("#upload-form input[name=file]", str(big))
    page.click("#upload-form button[type=submit]")
    error = page.locator("#upload-error")
    error.wait_for()
    assert "too large" in error.inner_text() and page.url.endswith("/bundle")
    assert "Your recent uploads" not in page.content()  # nothing was uploaded
