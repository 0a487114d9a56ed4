"""Sök ärendenummer in Chromium at 1280 and 390 px: the header's search field takes the
enhetschef to their unit's case by its number, answers another unit's number like an
unknown one, lists a case reference's matches; no WCAG 2.1 A/AA violations and no
sideways scrolling on the pages the search shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Browser, Page
from support import file_deviation

pytestmark = pytest.mark.browser

VIEWPORTS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]


def _search(page: Page, text: str) -> None:
    header = page.locator("header")
    header.get_by_label("Sök ärendenummer").fill(text)
    header.get_by_role("button", name="Sök").click()
    page.wait_for_load_state()


def _fits(page: Page, width: int) -> None:
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, (page.url, width, scrolled)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}px")
def test_the_header_search_opens_a_case_by_its_number(
    browser: Browser, live_server: LiveServer, viewport: dict[str, int]
) -> None:
    runtime = live_server.runtime
    own = file_deviation(runtime, case_reference="SN-2026/117")
    other = file_deviation(runtime, unit="hvb-notgarden", actor="chef_hvb",
                           case_reference="SN-2026/118")
    runtime.app.receive_child_report(
        actor="forste", unit="utredning", received_at=datetime.now(UTC) - timedelta(days=1),
        case_reference="SN-2026/119",
    )
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm",
                                  viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    log_in(page, live_server.url, "chef")
    _fits(page, viewport["width"])  # the header with its search field
    assert_accessible(page)

    # Another unit's number: the same answer as a number that does not exist.
    _search(page, other.number)
    assert page.url.startswith(live_server("/sok"))
    seen = page.inner_text("main")
    assert "Inga ärenden hittades" in seen
    _search(page, "AV-2026-9999")
    assert page.inner_text("main") == seen.replace(other.number, "AV-2026-9999")
    assert_accessible(page)
    _fits(page, viewport["width"])

    # A case reference: the matches in the chef's unit, as a table that fits the phone.
    _search(page, "SN-2026/11")
    table = page.locator("main table")
    assert own.number in table.inner_text() and "SN-2026/119" in table.inner_text()
    assert other.number not in table.inner_text()
    assert_accessible(page)
    _fits(page, viewport["width"])

    # A refused search: the error summary, linked to the field (Chromium notes the 422).
    assert console == [], console
    page.goto(live_server("/sok?q=19121212-1212"))
    assert page.locator(".error-summary a[href='#q']").count() == 1
    assert_accessible(page)
    console.clear()

    # The exact number, as typed: straight to the case.
    _search(page, own.number.lower())
    assert page.url == live_server(f"/avvikelser/{own.id}")
    assert own.number in page.locator("h1").inner_text()
    _fits(page, viewport["width"])
    assert console == [], console
    context.close()
