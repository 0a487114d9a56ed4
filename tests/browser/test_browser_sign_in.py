"""Signing in with the municipality's account in Chromium, end to end against a real
OpenID Connect provider on loopback (oidc-provider, tests/accounts/oidc_provider): the
login page, the provider's login and consent, back in the tracker as that person, who
files a deviation; logging out ends the provider's session too; an answer that belongs
to no sign-in of this browser is refused. The tracker's pages are checked with axe, under
its own CSP, on a phone too."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from accounts.oidc_provider.harness import Provider, running_provider
from browser_support import LiveServer, assert_accessible
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tracker.people.accounts import Role

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("TRACKER_TEST_SCREENSHOTS")


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def environ(
    environ: dict[str, str], provider: Provider, request: pytest.FixtureRequest
) -> dict[str, str]:
    """With the provider's settings (and a test's own, parametrized indirectly)."""
    provider.mode("none")
    return environ | provider.environ | getattr(request, "param", {})


@pytest.fixture
def person(browser: Browser, live_server: LiveServer) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(
        locale="sv-SE", timezone_id="Europe/Stockholm", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(15_000)
    # The provider's dev pages load a web font; there is no internet here.
    context.route(re.compile(r"https://fonts\.googleapis\.com/.*"), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # The tracker's pages only (the provider's dev pages want a web font from outside).
        tracker = page.url.startswith(live_server.url)
        if tracker and message.type == "error" and "status of 4" not in message.text:
            errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    yield page, errors
    context.close()


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in_at_provider(page: Page, provider: Provider, login: str) -> None:
    page.wait_for_url(re.compile(re.escape(provider.issuer) + r"/interaction/.*"))
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("vilket-som-helst")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_sign_in_with_the_municipalitys_account_file_and_sign_out(
    person: tuple[Page, list[str]], live_server: LiveServer, provider: Provider,
) -> None:
    page, errors = person
    page.goto(live_server("/login"))
    expect(page.get_by_label("Lösenord")).to_be_visible()
    assert_accessible(page)
    _shot(page, "login_with_oidc_390")
    page.get_by_role("link", name="Logga in med kommunens konto").click()
    sign_in_at_provider(page, provider, "anna.andersson")
    page.wait_for_url(live_server("/"))
    expect(page.locator(".account")).to_contain_text("anna.andersson (medarbetare)")
    account = live_server.runtime.accounts.get("anna.andersson")
    assert account.role is Role.RAPPORTOR and account.units == frozenset()

    page.get_by_role("link", name="Rapportera avvikelse").first.click()
    page.get_by_label("Enhet").select_option("utredning")
    page.get_by_label("Kvalitetsområde").select_option("personal")
    page.get_by_label("När hände det?").fill(date.today().isoformat())
    page.get_by_label("Vad hände?").fill("Ingen vikarie kom när två var sjuka.")
    page.get_by_role("button", name="Skicka rapporten").click()
    page.wait_for_url(re.compile(r".*/kvitto$"))
    expect(page.get_by_role("status")).to_contain_text("Tack, din rapport är mottagen")
    number = page.locator(".panel .number").inner_text().strip()
    deviation = next(
        d for d in [live_server.runtime.app.get_deviation(i["id"]) for i in _mine(live_server)]
        if d.number == number
    )
    assert deviation.reporter == "anna.andersson"

    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(re.compile(re.escape(provider.issuer) + r"/session/end.*"))
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(re.compile(re.escape(live_server("/login")) + r".*"))
    page.goto(live_server("/"))
    assert page.url.startswith(live_server("/login"))  # the local session is gone
    assert errors == []


def _mine(live_server: LiveServer) -> list[dict[str, object]]:
    from projections.queries import list_deviations
    from projections.runner import catch_up

    catch_up(live_server.runtime)
    return list(list_deviations(live_server.runtime.engine, reporter="anna.andersson").items)


def test_an_answer_for_another_browsers_sign_in_is_refused(
    person: tuple[Page, list[str]], live_server: LiveServer, provider: Provider,
) -> None:
    """The provider's answer arrives with a state this browser's session never asked for
    (here: the tracker's session cookie is gone before the answer comes, as when a link to
    someone else's callback is opened)."""
    page, errors = person
    page.goto(live_server("/login"))
    page.get_by_role("link", name="Logga in med kommunens konto").click()
    page.wait_for_url(re.compile(re.escape(provider.issuer) + r"/interaction/.*"))
    page.context.clear_cookies(name="tracker_session")  # the provider's own cookies stay
    sign_in_at_provider(page, provider, "anna.andersson")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("hör inte till någon inloggning som påbörjades här")
    expect(summary).to_contain_text("Du är inte inloggad.")
    assert_accessible(page)
    _shot(page, "login_refused_390")
    page.goto(live_server("/"))
    assert page.url.startswith(live_server("/login"))
    assert live_server.runtime.accounts.find("anna.andersson") is None
    assert errors == []


@pytest.mark.parametrize("environ", [{"TRACKER_LOCAL_LOGIN": "false"}], indirect=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_without_local_login_the_page_offers_only_the_municipalitys_account(
    browser: Browser, live_server: LiveServer, provider: Provider, width: int,
) -> None:
    context = browser.new_context(
        locale="sv-SE", timezone_id="Europe/Stockholm", viewport={"width": width, "height": 844}
    )
    context.route(re.compile(r"https://fonts\.googleapis\.com/.*"), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}")
            if m.type == "error" and page.url.startswith(live_server.url) else None)
    page.goto(live_server("/login"))
    expect(page.get_by_role("link", name="Logga in med kommunens konto")).to_be_visible()
    assert page.locator("input[name=password], input[name=username]").count() == 0
    assert_accessible(page)
    _shot(page, f"login_oidc_only_{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("link", name="Logga in med kommunens konto").click()
    sign_in_at_provider(page, provider, "karin.karlsson")
    page.wait_for_url(live_server("/"))
    expect(page.locator(".account")).to_contain_text("karin.karlsson (medarbetare)")
    expect(page.get_by_role("link", name="Byt lösenord")).to_have_count(0)
    _shot(page, f"signed_in_oidc_{width}")
    context.close()
    assert errors == []
