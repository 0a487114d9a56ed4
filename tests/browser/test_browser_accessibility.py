"""axe-core in Chromium: no WCAG 2.1 A/AA violations on any page, nor on any form in its
error state (every POST form is sent empty, so its error summary and inline errors show)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded(live_server: LiveServer) -> dict[str, UUID]:
    app = live_server.runtime.app
    today = app.today()
    deviation = app.file_deviation(
        actor="rapportor", unit="utredning", category="handlaggning", subcategory="sekretess",
        occurred_on=today, description="Brev med fel boxadress.",
    )
    other = app.file_deviation(
        actor="rapportor", unit="hvb-notgarden", category="genomforande", subcategory=None,
        occurred_on=today, description="Knivar framme.",
    )
    case = app.escalate_to_lex_sarah(other.id, actor="utvecklare", reason="Risk för skada.")
    report = app.receive_child_report(
        actor="forste", unit="utredning", received_at=datetime.now(UTC) - timedelta(days=3),
        case_reference="IFO-1",
    )
    return {"deviation": deviation.id, "case": case.id, "report": report.id}


@pytest.fixture
def as_user(browser: Browser, live_server: LiveServer) -> Iterator[object]:
    contexts = []

    def open_as(username: str) -> Page:
        context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
        contexts.append(context)
        page = context.new_page()
        log_in(page, live_server.url, username)
        return page

    yield open_as
    for context in contexts:
        context.close()


def _pages(ids: dict[str, UUID]) -> dict[str, list[str]]:
    return {
        "rapportor": ["/", "/avvikelser/ny", "/mina-rapporter", "/tillganglighet",
                      f"/avvikelser/{ids['deviation']}/kvitto",
                      f"/avvikelser/{ids['deviation']}",  # as its reporter: no handling
                      "/konto/losenord",
                      "/rapporter/", "/finns-inte"],  # the last two: 403 and 404 pages
        "utvecklare": [
            "/inkorg", f"/avvikelser/{ids['deviation']}", "/lex-sarah/",
            f"/lex-sarah/{ids['case']}", "/anmalningar/", "/anmalningar/ny",
            f"/anmalningar/{ids['report']}", "/bevakning/", "/rapporter/", "/rapporter/manad",
            "/rapporter/ar", "/rapporter/ar-for-ar", "/rapporter/eskaleringar",
            "/rapporter/aterkommande",
            # filter forms in their error state
            "/anmalningar/?status=kanske", "/bevakning/?unit=" + "x" * 70,
            "/rapporter/manad?month=13", "/rapporter/ar?year=1", "/rapporter/ar-for-ar?first=1",
        ],
    }


def test_every_page_has_no_wcag_violations(
    page: Page, live_server: LiveServer, seeded: dict[str, UUID], as_user: object
) -> None:
    for public in ("/login", "/tillganglighet"):  # the sign-in page, the accessibility statement
        page.goto(live_server(public))
        assert_accessible(page)
    for username, paths in _pages(seeded).items():
        user_page = as_user(username)  # type: ignore[operator]
        for path in paths:
            user_page.goto(live_server(path))
            assert_accessible(user_page)


FORM_PAGES = {
    "anonymous": ["/login"],
    "rapportor": ["/avvikelser/ny", "/konto/losenord"],
    "utvecklare": ["/avvikelser/{deviation}", "/lex-sarah/{case}", "/anmalningar/ny",
                   "/anmalningar/{report}"],
}

EMPTY_FORM = """form => {
  for (const field of form.querySelectorAll('input:not([type=hidden]), textarea')) {
    if (field.type === 'checkbox') { field.checked = false; } else { field.value = ''; }
  }
  for (const select of form.querySelectorAll('select')) {
    if (select.querySelector('option[value=""]')) { select.value = ''; }
  }
  const details = form.closest('details');
  if (details) { details.open = true; }
}"""


def test_every_form_in_its_error_state_has_no_wcag_violations(
    page: Page, live_server: LiveServer, seeded: dict[str, UUID], as_user: object
) -> None:
    checked = 0
    for username, paths in FORM_PAGES.items():
        user_page = page if username == "anonymous" else as_user(username)  # type: ignore[operator]
        for template in paths:
            url = live_server(template.format(**seeded))
            user_page.goto(url)
            forms = user_page.locator("main form[method=post]")
            for index in range(forms.count()):
                user_page.goto(url)
                form = user_page.locator("main form[method=post]").nth(index)
                # a form without a field to fill (lock a numbered version) has no error state
                if form.locator("[required]").count() == 0:
                    continue
                form.evaluate(EMPTY_FORM)
                form.locator("button[type=submit]").first.click()
                user_page.wait_for_load_state()
                assert user_page.locator(".error-summary").count() == 1, (template, index)
                assert_accessible(user_page)
                checked += 1
    # every step form of the Lex Sarah case (8) and the child report (7) was covered
    assert checked >= 1 + 2 + 2 + 8 + 7
