"""Real-browser journeys (Debian Chromium, headless) against the live app:
a staff member files a deviation with the keyboard alone and sees the receipt; a reviewer
finds it and the monthly count for its category went up by one; a 1:e socialsekreterare
registers a child report and sees it on the board."""

from __future__ import annotations

import re
from datetime import date

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Browser, Page, expect
from support import PASSWORD

pytestmark = pytest.mark.browser


def tab_to(page: Page, element_id: str, limit: int = 60) -> None:
    """Press Tab until the element has focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} never received focus with Tab")


def choose(page: Page, element_id: str, typed: str) -> None:
    """Pick an option of a focused select by typing its start (type-ahead), keyboard only."""
    tab_to(page, element_id)
    page.keyboard.type(typed, delay=30)
    expect(page.locator(f"#{element_id} option:checked")).to_contain_text(typed)


def press_all(page: Page, keys: list[str]) -> None:
    for key in keys:
        if key == "ArrowRight":
            page.keyboard.press(key)
        else:
            page.keyboard.type(key)


def date_keys(page: Page, day: date) -> list[str]:
    """The keystrokes that enter `day` in Chromium's date field, whose segment order follows
    the browser's UI language (en-US without Debian's chromium-l10n, else the locale's):
    tried on a scratch field in the same browser, so the real field gets exactly those."""
    yyyy, mm, dd = f"{day.year}", f"{day.month:02d}", f"{day.day:02d}"
    orders = [[mm, dd, yyyy], [yyyy, "ArrowRight", mm, dd], [dd, mm, yyyy]]
    scratch = page.context.new_page()
    try:
        for keys in orders:
            scratch.set_content('<input type="date" id="d" aria-label="datum">')
            scratch.focus("#d")
            press_all(scratch, keys)
            if scratch.eval_on_selector("#d", "element => element.value") == day.isoformat():
                return keys
    finally:
        scratch.close()
    raise AssertionError("no keyboard order fills Chromium's date field")


def monthly_count(page: Page, server: LiveServer, operation: str, category: str) -> int:
    page.goto(server("/rapporter/manad"))
    cell = page.locator(
        f'#tabell-{operation.lower()} tr[data-category="{category}"][data-subcategory=""] td'
    )
    text = cell.inner_text()
    # before the first deviation ever, the month has no figure at all (not 0)
    return 0 if text == "uppgift saknas" else int(text)


def test_staff_files_with_the_keyboard_and_a_reviewer_sees_it_counted(
    browser: Browser, page: Page, live_server: LiveServer
) -> None:
    reviewer = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm").new_page()
    log_in(reviewer, live_server.url, "utvecklare")
    before = monthly_count(reviewer, live_server, "IFO", "genomforande")

    # --- the staff member, keyboard only -------------------------------------------
    page.goto(live_server("/login"))
    tab_to(page, "username")
    page.keyboard.type("rapportor")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server("/"))
    # the menu link, reached with Tab and followed with Enter
    link = page.get_by_role("link", name="Rapportera avvikelse").first
    for _ in range(30):
        page.keyboard.press("Tab")
        if link.evaluate("element => element === document.activeElement"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/avvikelser/ny$"))
    choose(page, "unit", "Utredningsenheten")
    choose(page, "category", "Genomförande")
    today = live_server.runtime.app.today()
    keys = date_keys(page, today)
    tab_to(page, "occurred_on")
    press_all(page, keys)
    expect(page.locator("#occurred_on")).to_have_value(today.isoformat())
    tab_to(page, "description")
    page.keyboard.type("Knivar låg framme på köksbänken trots rutinen.")
    tab_to(page, "immediate_actions")
    page.keyboard.type("Knivarna låstes in.")
    page.keyboard.press("Tab")  # case reference: left empty
    page.keyboard.press("Tab")  # the submit button
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/kvitto$"))
    receipt = page.get_by_role("status")
    expect(receipt).to_contain_text("Tack, din rapport är mottagen")
    number = page.locator(".panel .number").inner_text().strip()
    assert re.fullmatch(r"AV-\d{4}-\d{4}", number), number
    assert_accessible(page)

    # --- the reviewer finds it and sees it counted -------------------------------
    reviewer.goto(live_server("/inkorg"))
    reviewer.get_by_role("link", name=number).click()
    expect(reviewer.locator("h1")).to_contain_text(number)
    expect(reviewer.locator("main")).to_contain_text("Knivar låg framme på köksbänken")
    assert monthly_count(reviewer, live_server, "IFO", "genomforande") == before + 1
    reviewer.context.close()


def test_first_social_secretary_registers_a_child_report_and_sees_it_on_the_board(
    page: Page, live_server: LiveServer
) -> None:
    log_in(page, live_server.url, "forste")
    page.get_by_role("link", name="Anmälningar").first.click()
    page.get_by_role("link", name="Registrera anmälan").click()
    page.get_by_label("Enhet").select_option("utredning")
    today = live_server.runtime.app.today()
    page.get_by_label("Datum då anmälan kom in").fill(today.isoformat())
    page.get_by_label("Klockslag").fill("00:10")
    page.get_by_label("Ärendereferens").fill("IFO 2026-0815")
    page.get_by_role("button", name="Registrera anmälan").click()
    expect(page.get_by_role("status")).to_contain_text("är registrerad")
    heading = page.locator("h1").inner_text()
    number = heading.removeprefix("Anmälan ").strip()
    assert re.fullmatch(r"[A-ZÅÄÖ]+-\d{4}-\d{4}", number), number

    page.get_by_role("link", name="Bevakning").first.click()
    row = page.locator("table.board tr", has=page.get_by_role("link", name=number))
    expect(row.first).to_be_visible()
    expect(row.filter(has_text="Förhandsbedömning")).to_contain_text("Senare")
    expect(row.filter(has_text="Förhandsbedömning")).to_contain_text("14")
    assert_accessible(page)
    row.first.get_by_role("link", name=number).click()
    expect(page.locator("h1")).to_have_text(f"Anmälan {number}")
