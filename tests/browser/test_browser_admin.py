"""The admin pages in Chromium under the app's own CSP: no WCAG 2.1 A/AA violations, on a
desktop and on a 390 px phone, nor on any admin form in its error state; no console
errors. The change list and the access log with entries in them, the log's search in its
error state, and "Vem har läst ärendet" on each kind of case page too. Screenshots go to
TRACKER_TEST_SCREENSHOTS when it is set."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tracker.admin.changes import Administration
from tracker.people import access_log
from tracker.runtime import Runtime

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("TRACKER_TEST_SCREENSHOTS")
PAGES = [
    "/admin/", "/admin/anvandare", "/admin/anvandare/chef", "/admin/nycklar",
    "/admin/enheter", "/admin/enheter/utredning", "/admin/kategorier",
    "/admin/kategorier/handlaggning", "/admin/kategorier/sekretess", "/admin/installningar",
    "/admin/andringar", "/admin/gallring/", "/admin/gallring/regler/deviation",
    "/admin/logg",
    "/admin/logg?user=chef&since=2026-01-01",
    "/admin/logg?since=2026-12-05&until=2026-12-01",  # its error state (422)
    "/admin/logg?case=AV-1999-9999",  # no such case (422)
]
FORM_PAGES = [
    "/admin/anvandare", "/admin/anvandare/chef", "/admin/enheter",
    "/admin/enheter/utredning", "/admin/kategorier", "/admin/kategorier/personal",
    "/admin/gallring/regler/deviation", "/admin/gallring/",
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
    _some_changes_and_reads(live_server.runtime)
    yield page, errors
    context.close()


def _some_changes_and_reads(runtime: Runtime) -> None:
    """Rows for the change list and the access log (a long address and parameters too)."""
    admin = Administration.of(runtime, actor="admin", source="web")
    admin.change_user("chef", email="ny.chef@kommun.example", units=["utredning", "oppenvard"])
    admin.rename_unit("oppenvard", "Öppenvården")
    deviation = runtime.app.file_deviation(
        actor="rapportor", unit="utredning", category="personal", subcategory=None,
        occurred_on=runtime.app.today(), description="Ingen vikarie.",
    )
    for username, kind, case_id, what, parameters in (
        ("chef", "deviation", str(deviation.id), f"/avvikelser/{deviation.id}", None),
        ("utvecklare", "export", None, "/rapporter/kvalitetsberattelse/2026.xlsx",
         {"year": "2026", "kind": "xlsx"}),
        ("chef", "list", None, "/inkorg", {"units": ["oppenvard", "utredning"]}),
    ):
        access_log.record(runtime.engine, username=username, kind=kind, case_id=case_id,
                          what=what, parameters=parameters,
                          remote_addr="2001:db8:ffff:ffff:ffff:ffff:ffff:fffe", channel="page")


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
        assert response is not None, path
        assert response.status == (422 if "until=" in path or "case=" in path else 200), path
        _shot(page, f"admin{re.sub(r'[/?&=]', '_', path)}_{width}")
        assert_accessible(page)
        # Nothing wider than the screen except inside the scrolling table boxes.
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, (path, overflow, width)
    assert errors == []
    # The browser fetched the stylesheets and scripts of every page: none is a "download".
    logged = access_log.search(live_server.runtime.engine, limit=1000)[0]
    assert [e.what for e in logged if not e.what.startswith(("/avvikelser", "/rapporter",
                                                             "/inkorg"))] == []


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
    # One fewer than before: the admin makes no API token for anyone, that form is gone.
    assert checked >= 7
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


@pytest.mark.parametrize("width", [1280, 390])
def test_vem_har_last_arendet_on_each_case_page_has_no_wcag_violations(
    browser: Browser, live_server: LiveServer, width: int,
) -> None:
    rt = live_server.runtime
    today = rt.app.today()
    deviation = rt.app.file_deviation(
        actor="rapportor", unit="utredning", category="handlaggning", subcategory="sekretess",
        occurred_on=today, description="Ett brev gick till fel adress.",
    )
    other = rt.app.file_deviation(
        actor="rapportor", unit="hvb-notgarden", category="genomforande", subcategory=None,
        occurred_on=today, description="Knivar låg framme.",
    )
    case = rt.app.escalate_to_lex_sarah(other.id, actor="utvecklare", reason="Risk för skada.")
    report = rt.app.receive_child_report(
        actor="forste", unit="utredning", received_at=datetime.now(UTC) - timedelta(days=3),
        case_reference="IFO-1",
    )
    context = browser.new_context(
        locale="sv-SE", timezone_id="Europe/Stockholm", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in {"error", "warning"} else None)
    log_in(page, live_server.url, "utvecklare")
    for name, path in (("avvikelse", f"/avvikelser/{deviation.id}"),
                       ("lex_sarah", f"/lex-sarah/{case.id}"),
                       ("anmalan", f"/anmalningar/{report.id}")):
        page.goto(live_server(path))
        page.goto(live_server(path))  # the first view is listed on the second
        section = page.get_by_role("region", name="Vem har läst ärendet")
        expect(section).to_contain_text("1 läsning, nyaste först")
        expect(section.locator("tbody tr")).to_have_count(1)
        assert_accessible(page)
        section.scroll_into_view_if_needed()
        _shot(page, f"lasare_{name}_{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    context.close()
    assert errors == []
