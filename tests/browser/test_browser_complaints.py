"""The public e-service in Chromium with the app's CSP: a visitor without an account sends
a klagomål anonymously at 390 px with the keyboard only and gets a code; the enhetschef of
the chosen unit answers on the case page; the visitor reads the answer with the code and
adds a message. The console stays clean and axe finds no WCAG 2.1 A/AA violations; the
pages fit the phone and, at 1280 px, the desk."""

from __future__ import annotations

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
TEXT = "Jag bor på Notgården. Ingen vuxen finns i köket på kvällen när jag är rädd."
ANSWER = "Tack för att du skrev. Från i morgon finns en vuxen i köket varje kväll."
MORE = "Tack. Det känns bättre nu."


def _fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _tab_to(page: Page, element_id: str) -> None:
    """Tab (only the keyboard) until the element with this id has the focus."""
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} never got the focus")


def _new_page(browser: Browser, viewport: dict[str, int], console: list[str]) -> Page:
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm",
                                  viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(str(error)))
    return page


def test_a_visitor_sends_reads_the_answer_and_adds_a_message_with_the_keyboard(
    browser: Browser, live_server: LiveServer,
) -> None:
    console: list[str] = []
    visitor = _new_page(browser, PHONE, console)
    visitor.goto(live_server("/synpunkter"))
    assert_accessible(visitor)
    _fits(visitor, PHONE["width"])

    _tab_to(visitor, "kind")  # the first choice: klagomål
    visitor.keyboard.press("Space")
    _tab_to(visitor, "unit")
    visitor.keyboard.type("HVB")  # a select jumps to the option typed
    _tab_to(visitor, "sender")
    visitor.keyboard.press("ArrowDown")  # brukare -> barn eller ungdom
    _tab_to(visitor, "text")
    visitor.keyboard.type(TEXT)
    _tab_to(visitor, "contact_wish")  # the first: read the answer with the code
    visitor.keyboard.press("Space")
    _tab_to(visitor, "email")
    visitor.keyboard.press("Tab")  # past the honeypot (out of the tab order) to Skicka
    assert visitor.evaluate("document.activeElement.textContent") == "Skicka"
    visitor.keyboard.press("Enter")
    visitor.wait_for_load_state()

    code = visitor.inner_text("#receipt-code").strip()
    assert len(code.replace("-", "")) == 20
    assert_accessible(visitor)
    _fits(visitor, PHONE["width"])
    complaint = live_server.runtime.app.complaint_by_receipt(code)
    assert (complaint.unit, complaint.kind.value, complaint.sender.value) == (
        "hvb-notgarden", "klagomal", "barn")
    assert complaint.text == TEXT

    # The verksamhetsutvecklare routes it; the enhetschef of HVB Notgården answers.
    live_server.runtime.app.route_complaint(
        complaint.id, actor="utvecklare", unit="hvb-notgarden", category="genomforande")
    chief = _new_page(browser, DESK, console)
    log_in(chief, live_server.url, "chef_hvb")
    chief.goto(live_server("/klagomal/"))
    assert_accessible(chief)
    chief.get_by_role("link", name=complaint.number).click()
    chief.wait_for_load_state()
    assert TEXT in chief.inner_text("main")
    assert_accessible(chief)
    chief.get_by_label("Svar", exact=True).fill(ANSWER)
    chief.get_by_role("button", name="Spara svaret").click()
    chief.wait_for_load_state()
    assert ANSWER in chief.inner_text(".case-thread")
    _fits(chief, DESK["width"])

    # Back to the visitor: the code reads the answer; a message is added.
    visitor.goto(live_server("/synpunkter/svar"))
    assert_accessible(visitor)
    _tab_to(visitor, "kod")
    visitor.keyboard.type(code.lower())
    visitor.keyboard.press("Enter")
    visitor.wait_for_load_state()
    assert ANSWER in visitor.inner_text(".case-thread")
    assert "Vi har svarat dig" in visitor.inner_text("main")
    assert_accessible(visitor)
    _fits(visitor, PHONE["width"])
    _tab_to(visitor, "text")
    visitor.keyboard.type(MORE)
    visitor.keyboard.press("Tab")
    with visitor.expect_navigation():  # the page that answers the message, not the one before
        visitor.keyboard.press("Enter")
    assert MORE in visitor.inner_text(".case-thread")
    assert_accessible(visitor)
    _fits(visitor, PHONE["width"])
    assert live_server.runtime.app.get_complaint(complaint.id).conversation[-1][2] == MORE
    assert console == [], console
