"""Att göra, Mina inställningar and Utskick in Chromium with the app's own CSP, on the demo
data, for every demo role: what each role must do is shown, on a desktop and a 390 px
phone, with no WCAG 2.1 A/AA violations and nothing in the console."""

from __future__ import annotations

import pytest
from browser_support import LiveServer, assert_accessible
from playwright.sync_api import Browser

from tracker.demo import DEMO_USERS, seed_demo
from tracker.notifications.follower import Notifier
from tracker.notifications.messages import Kind, Mail
from tracker.runtime import Runtime
from tracker.storage.tables import notification_outbox

pytestmark = pytest.mark.browser

PASSWORDS = {username: password for username, _, _, password in DEMO_USERS}
# What the demo data gives each role to do (the start page's section headings).
EXPECTED = {
    "medarbetare": ["Ny återkoppling på dina rapporter"],
    "enhetschef": ["Åtgärder du ansvarar för", "Åtgärder att följa upp",
                   "Avvikelser som väntar på handläggning"],
    "forste": ["Anmälningar du handlägger", "Åtgärder att följa upp",
               "Anmälningar utan handläggare"],
    "utvecklare": ["Åtgärder att följa upp", "Avvikelser som väntar på handläggning"],
    "lexsarah": ["Lex Sarah-utredningar du utreder"],
    "admin": [],
}


def failed_mail(runtime: Runtime) -> None:
    """One mail the server refused, as Utskick lists it."""
    Notifier(runtime).queue_once([Mail(
        "deviation_filed:1:enhetschef", Kind.DEVIATION_FILED, "enhetschef",
        "enhetschef@kommun.example", "[Avvikelser] Ny avvikelse AV-2026-0001 i Utredningsenheten",
        "Text.\n",
    )])
    with runtime.engine.begin() as connection:
        connection.execute(notification_outbox.update().values(
            status="failed", attempts=1, last_error="550 5.1.1 Mailbox unavailable",
        ))


def test_each_role_sees_its_work_and_every_page_is_accessible_on_desktop_and_phone(
    browser: Browser, live_server: LiveServer
) -> None:
    seed_demo(live_server.runtime, lambda _: None)
    for username, headings in EXPECTED.items():
        for viewport in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
            context = browser.new_context(
                locale="sv-SE", timezone_id="Europe/Stockholm", viewport=viewport
            )
            page = context.new_page()
            console: list[str] = []
            page.on("console", lambda message, seen=console: seen.append(message.text))
            page.goto(live_server("/login"))
            page.get_by_label("Användarnamn").fill(username)
            page.get_by_label("Lösenord").fill(PASSWORDS[username])
            page.get_by_role("button", name="Logga in").click()
            page.wait_for_load_state()
            assert page.get_by_role("heading", level=1).inner_text() == "Att göra"
            found = [h.split(" (")[0] for h in page.locator("main h2").all_inner_texts()]
            assert set(headings) <= set(found), (username, found)
            if not headings:
                assert "Du har inget som väntar på dig just nu." in page.inner_text("main")
            else:
                first = page.locator("main .todo-list a").first
                assert first.get_attribute("href")  # each line links to its case
            assert_accessible(page)
            for path in ("/installningar", *(["/admin/utskick/"] if username == "admin" else [])):
                page.goto(live_server(path))
                assert_accessible(page)
            # The phone gets no sideways scrolling on these pages.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (username, viewport, width)
            assert console == [], console
            context.close()


def test_the_admin_reads_a_failed_mail_on_a_phone(
    browser: Browser, live_server: LiveServer
) -> None:
    seed_demo(live_server.runtime, lambda _: None)
    failed_mail(live_server.runtime)
    context = browser.new_context(
        locale="sv-SE", timezone_id="Europe/Stockholm", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.goto(live_server("/login"))
    page.get_by_label("Användarnamn").fill("admin")
    page.get_by_label("Lösenord").fill(PASSWORDS["admin"])
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="1 meddelande").click()
    page.wait_for_load_state()
    assert "550 5.1.1 Mailbox unavailable" in page.inner_text("main")
    # Each mail is a stacked row a line wide, not columns of one letter per line.
    widths = page.locator("table.stack td").evaluate_all(
        "cells => cells.map(cell => cell.getBoundingClientRect().width)"
    )
    assert widths and min(widths) > 300, widths
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
