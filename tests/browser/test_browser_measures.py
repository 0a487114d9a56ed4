"""The measure's own page and the risk matrix in Chromium with the app's CSP, at 1280 and
390 px: an enhetschef from another unit opens the measure named for them, follows it up
without JavaScript-only controls, and reads the evidence; the deviation page's risk matrix
and move form; no WCAG 2.1 A/AA violations, no console errors, no sideways scrolling."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Browser
from support import file_deviation

pytestmark = pytest.mark.browser
# Where the screenshots go to be looked at (default: the test's own temporary folder).
SCREENSHOTS = "TRACKER_TEST_SCREENSHOTS"


def test_owner_follows_up_a_measure_and_the_risk_matrix_reads_on_a_phone(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    shots = Path(os.environ.get(SCREENSHOTS) or tmp_path)
    runtime = live_server.runtime
    app = runtime.app
    today = app.today()
    day = today - timedelta(days=40)
    case = file_deviation(runtime, unit="hvb-notgarden", category="genomforande",
                          subcategory=None, actor="utvecklare", occurred_on=day,
                          reported_on=day).id
    for days in (35, 20, 5):
        file_deviation(runtime, unit="hvb-notgarden", category="genomforande", subcategory=None,
                       actor="utvecklare", occurred_on=today - timedelta(days=days),
                       reported_on=today - timedelta(days=days))
    app.assess_risk(case, actor="chef_hvb", probability=4, consequence=4)
    app.add_measure(case, actor="chef_hvb", description="Knivskåp med kodlås i köket.",
                    goal="Inga knivar framme.", responsible="chef",
                    due_on=today - timedelta(days=30), follow_up_on=today)
    app.complete_measure(case, actor="chef_hvb", measure=1, completed_on=today - timedelta(days=30))
    shots.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm",
                                      viewport={"width": width, "height": 900})
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message, seen=console: seen.append(message.text))
        log_in(page, live_server.url, "chef")
        page.get_by_role("link", name="Åtgärder att följa upp").click()
        page.locator("section[aria-labelledby=uppfoljningar] a").first.click()
        page.wait_for_load_state()
        text = page.inner_text("main")
        assert "Knivskåp med kodlås i köket." in text
        assert page.locator('#effekt-underlag tr[data-period="before"] td').inner_text() == "1"
        assert page.locator('#effekt-underlag tr[data-period="after"] td').inner_text() == "2"
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(shots / f"measure-{width}.png"), full_page=True)
        context.close()
        assert console == [], console

        context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm",
                                      viewport={"width": width, "height": 900})
        page = context.new_page()
        log_in(page, live_server.url, "utvecklare")
        page.goto(live_server(f"/avvikelser/{case}#steg-risk"))
        page.wait_for_load_state()
        assert "Överväg Lex Sarah-utredning" in page.inner_text("#risk-lex-sarah")
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.locator("#steg-risk").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"risk-{width}.png"), full_page=True)
        context.close()

    # The owner judges the effect with the page's own form (no script needed).
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm",
                                  viewport={"width": 390, "height": 900},
                                  java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "chef")
    page.goto(live_server(f"/avvikelser/{case}/atgarder/1"))
    page.get_by_label("Resultat").fill("Skåpet används.")
    page.get_by_label("Hade åtgärden effekt?").select_option("no")
    page.get_by_label("Bedömning").fill("Två nya avvikelser efter åtgärden.")
    page.get_by_role("button", name="Spara uppföljningen").click()
    page.wait_for_load_state()
    assert "Uppföljningen är sparad." in page.inner_text("main")
    assert "Hade åtgärden effekt? Nej." in page.inner_text("main")
    context.close()
