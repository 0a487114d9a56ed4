"""The Lex Sarah case page's document section and the anmälan's page in Chromium at 1280
and 390 px: locking a version from the page lists it with its downloads; both pages pass
axe (WCAG 2.1 A/AA) and fit a phone without sideways scrolling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

VIEWPORTS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]


def _fits(page: Page, width: int) -> None:
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, (page.url, width, scrolled)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}px")
def test_locking_a_version_and_reading_the_anmalan(
    browser: Browser, live_server: LiveServer, viewport: dict[str, int]
) -> None:
    app = live_server.runtime.app
    today = app.today()
    deviation = app.file_deviation(
        actor="rapportor", unit="hvb-notgarden", category="genomforande", subcategory=None,
        occurred_on=today - timedelta(days=2), description="Knivar låg framme i köket.",
        reported_on=today - timedelta(days=1),
    )
    case = app.escalate_to_lex_sarah(deviation.id, actor="utvecklare",
                                     reason="Allvarlig risk för de unga.", opened_on=today)
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm",
                                  viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, live_server.url, "lexsarah")
    page.goto(live_server(f"/lex-sarah/{case.id}#versioner"))
    page.get_by_label("För IVO").check()
    page.get_by_role("button", name="Skapa version").click()
    page.wait_for_load_state()
    section = page.locator("#versioner")
    assert "Version 1 av utredningen är skapad och låst." in page.inner_text("main")
    assert section.get_by_role("link", name="PDF").count() == 2  # the draft and version 1
    assert_accessible(page)
    _fits(page, viewport["width"])
    page.get_by_role("link", name="Anmälan – lex Sarah").click()
    page.wait_for_load_state()
    assert "Uppgift saknas i trackern" in page.inner_text("main")
    assert_accessible(page)
    _fits(page, viewport["width"])
    context.close()
