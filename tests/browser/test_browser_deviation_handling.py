"""Hantera och avsluta in Chromium, under the app's own CSP, at 1280 and 390 px: the form
standing open on the deviation's page for the enhetschef (the rapportör sees the page
without it), a refused entry (error summary focused and linked), the check-answers page
with the drafted closing summary, and the save; axe (WCAG 2.1 A/AA) clean, no console
errors, nothing wider than the screen."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

pytestmark = pytest.mark.browser

VIEWPORTS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
# For looking at the pages as a user would (outside the repository).
SHOTS = Path(tempfile.gettempdir()) / "tracker-screenshots" / "deviation_handling"


def _check(page: Page, width: int, name: str) -> None:
    assert_accessible(page)
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    assert scrolled <= width, (page.url, width, scrolled)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}px")
def test_a_deviation_handled_and_closed_on_one_page(
    browser: Browser, live_server: LiveServer, viewport: dict[str, int]
) -> None:
    app = live_server.runtime.app
    deviation = app.file_deviation(
        actor="rapportor", unit="utredning", category="genomforande", subcategory=None,
        occurred_on=app.today(), description="Journalen sparades inte.",
    )
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
    log_in(page, live_server.url, "rapportor")
    page.goto(live_server(f"/avvikelser/{deviation.id}"))
    expect(page.get_by_role("button", name="Granska och avsluta")).to_have_count(0)
    _check(page, width, "reporter")
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_load_state()

    log_in(page, live_server.url, "chef")
    page.goto(live_server(f"/avvikelser/{deviation.id}"))
    form = page.locator("#hantera")
    expect(form.get_by_role("heading", name="Hantera och avsluta")).to_be_visible()
    assert form.get_by_label("Ansvarig").input_value() == "chef"
    expect(page.locator("#action-analyse")).not_to_have_attribute("open", "")
    _check(page, width, "form")

    form.get_by_label("Varför hände det?").fill("Systemet loggade ut utan varning.")
    form.get_by_role("button", name="Granska och avsluta").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.evaluate("element => element === document.activeElement")
    assert "Orsaker" in summary.inner_text() and "Åtgärd" in summary.inner_text()
    assert "Återkoppling" not in summary.inner_text()  # its draft is kept
    _check(page, width, "form-errors")
    summary.get_by_role("link", name=re.compile("^Orsaker")).click()
    expect(page.locator("#causes")).to_be_focused()

    page.get_by_label("Mänsklig faktor").check()
    page.locator("#description").fill("Ny rutin för att spara.")
    page.get_by_role("button", name="Granska och avsluta").click()
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "Inget är sparat än." in main and "Ny rutin för att spara." in main
    _check(page, width, "review")
    page.get_by_role("button", name="Spara och avsluta").click()
    page.wait_for_load_state()
    assert "Avvikelsen är hanterad och avslutad." in page.inner_text("main")
    _check(page, width, "saved")
    assert app.get_deviation(deviation.id).status.value == "closed"
    assert errors == []
    context.close()
