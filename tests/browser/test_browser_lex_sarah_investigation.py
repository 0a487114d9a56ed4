"""The Lex Sarah investigation on one page in Chromium, under the app's own CSP, at 1280 and
390 px: from the case page's link to the form, a refused entry (error summary focused and
linked), the check-answers page, "Ändra" and back, and the save; axe (WCAG 2.1 A/AA) clean,
no console errors, nothing wider than the screen."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Browser, ConsoleMessage, Page

from events.lex_sarah import FindingKind

pytestmark = pytest.mark.browser

VIEWPORTS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
# For looking at the pages as a user would (outside the repository).
SHOTS = Path(tempfile.gettempdir()) / "tracker-screenshots" / "lex_sarah_investigation"


def _check(page: Page, width: int, name: str) -> None:
    assert_accessible(page)
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, (page.url, width, scrolled)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}px")
def test_the_investigation_on_one_page(
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
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # A form refused with 422 is the page working as meant; anything else is not.
        if message.type in {"error", "warning"} and "status of 422" not in message.text:
            errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    width = viewport["width"]
    log_in(page, live_server.url, "lexsarah")
    page.goto(live_server(f"/lex-sarah/{case.id}"))
    page.get_by_role("link", name="Fyll i alla saknade uppgifter på en sida").click()
    page.wait_for_load_state()
    assert page.get_by_label("Skriven av (namn)").input_value() == "lexsarah"
    _check(page, width, "form")

    orsak = page.get_by_role("region", name="4. Orsaker")
    orsak.locator("#orsak_text").fill("Vikarien 19900101-1239 kände inte till rutinen.")
    page.get_by_role("button", name="Granska uppgifterna").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.evaluate("element => element === document.activeElement")
    assert "Befattning eller titel" in summary.inner_text()
    _check(page, width, "form-errors")
    summary.get_by_role("link", name="Befattning eller titel").click()
    assert page.evaluate("document.activeElement.id") == "author_title"

    page.locator("#author_title").fill("Kvalitetsutvecklare")
    page.locator("#source").fill("Samtal med personal")
    orsak.locator("#orsak_text").fill("Vikarien kände inte till rutinen.")
    measures = page.get_by_role("region", name="7. Åtgärder (med datum)")
    measures.get_by_text("Ej tillämpligt i det här ärendet").click()
    measures.get_by_label("Skäl till att slaget inte är tillämpligt").fill(
        "Åtgärderna står under steg 1.")
    page.get_by_role("button", name="Granska uppgifterna").click()
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "Inget är sparat än." in main and "Ej tillämpligt:" in main
    assert "Risk att det händer igen" in main.split("Lämnas tomma")[1]
    _check(page, width, "review")

    page.get_by_role("button", name="Ändra Orsaker").click()
    page.wait_for_load_state()
    assert orsak.locator("#orsak_text").input_value() == "Vikarien kände inte till rutinen."
    page.get_by_role("button", name="Granska uppgifterna").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Spara uppgifterna").click()
    page.wait_for_load_state()
    assert "Utredningens uppgifter är sparade." in page.inner_text("main")
    _check(page, width, "saved")
    saved = app.get_lex_sarah_case(case.id)
    assert {f.kind for f in saved.findings} == {
        FindingKind.HANDELSE, FindingKind.TIDPUNKT, FindingKind.UPPTACKT, FindingKind.ORSAK,
        FindingKind.TIDIGARE}
    assert FindingKind.ATGARD in saved.not_applicable
    assert errors == []
    context.close()
