"""The admin pages in Chromium under the app's own CSP: no WCAG 2.1 A/AA violations, on a
desktop and on a 390 px phone, nor on any admin form in its error state; no console
errors. Screenshots go to TRACKER_TEST_SCREENSHOTS when it is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("TRACKER_TEST_SCREENSHOTS")
PAGES = [
    "/admin/", "/admin/anvandare", "/admin/anvandare/chef", "/admin/nycklar",
    "/admin/enheter", "/admin/enheter/utredning", "/admin/kategorier",
    "/admin/kategorier/handlaggning", "/admin/kategorier/sekretess", "/admin/installningar",
    "/admin/andringar",
]
FORM_PAGES = [
    "/admin/anvandare", "/admin/anvandare/chef", "/admin/enheter",
    "/admin/enheter/utredning", "/admin/kategorier", "/admin/kategorier/personal",
]
EMPTY_FORM = """form => {
  for (const field of form.querySelectorAll('input:not([type=hidden]), textarea')) {
    if (field.type === 'checkbox') { field.checked = false; }
    else { field.value = field.name === 'email' ? 'fel@' : ''; }  // e-mail is optional
  }
  for (const select of form.querySelectorAll('select')) {
    if (select.querySelector('option[value=""]')) { select.value = ''; }
  }
}"""


@pytest.fixture(params=[(1280, 900), (390, 844)], ids=["desktop", "phone"])
def admin_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[tuple[Page, list[str]]]:
    width, height = request.param
    context = browser.new_context(
        locale="sv-SE", timezone_id="Europe/Stockholm",
        viewport={"width": width, "height": height},
    )
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # A form refused with 422 is the page working as meant; anything else is not.
        if message.type in {"error", "warning"} and "status of 422" not in message.text:
            errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    log_in(page, live_server.url, "admin")
    live_server.runtime.accounts.create_token("chef", "Verksamhetssystemet")
    yield page, errors
    context.close()


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_admin_pages_have_no_wcag_violations_nor_console_errors(
    admin_page: tuple[Page, list[str]], live_server: LiveServer
) -> None:
    page, errors = admin_page
    width = page.viewport_size["width"] if page.viewport_size else 0
    for path in PAGES:
        response = page.goto(live_server(path))
        assert response is not None and response.status == 200, path
        _shot(page, f"admin{path.replace('/', '_')}_{width}")
        assert_accessible(page)
        # Nothing wider than the screen except inside the scrolling table boxes.
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, (path, overflow, width)
    assert errors == []


def test_admin_forms_in_their_error_state_have_no_wcag_violations(
    admin_page: tuple[Page, list[str]], live_server: LiveServer
) -> None:
    page, errors = admin_page
    checked = 0
    for path in FORM_PAGES:
        page.goto(live_server(path))
        forms = page.locator("main form[method=post][novalidate]")
        for index in range(forms.count()):
            page.goto(live_server(path))
            form = page.locator("main form[method=post][novalidate]").nth(index)
            form.evaluate(EMPTY_FORM)
            form.locator("button[type=submit]").first.click()
            page.wait_for_load_state()
            assert page.locator(".error-summary").count() == 1, (path, index)
            assert_accessible(page)
            _shot(page, f"admin_error{path.replace('/', '_')}_{index}_{page.viewport_size}")
            checked += 1
    assert checked >= 8
    assert errors == []


def test_mina_installningar_with_a_new_token_and_an_error_has_no_wcag_violations(
    browser: Browser, live_server: LiveServer
) -> None:
    for width, height in ((1280, 900), (390, 844)):
        context = browser.new_context(
            locale="sv-SE", timezone_id="Europe/Stockholm",
            viewport={"width": width, "height": height},
        )
        page = context.new_page()
        log_in(page, live_server.url, "chef")
        page.goto(live_server("/installningar"))
        page.get_by_label("Namn på nyckeln").fill("Rapportskript")
        page.get_by_role("button", name="Skapa API-nyckel").click()
        expect(page.locator("code.secret")).to_contain_text("trk_")
        assert_accessible(page)
        _shot(page, f"installningar_token_{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.goto(live_server("/installningar"))
        page.get_by_role("button", name="Skapa API-nyckel").click()  # no name: an error
        expect(page.locator(".error-summary")).to_contain_text("Namn på nyckeln")
        assert_accessible(page)
        _shot(page, f"installningar_error_{width}")
        context.close()
