"""Casework in Debian's Chromium with the app's own CSP: the enhetschef closes a deviation
step by step along its task list (the one-page form it opens on left aside); a refused Lex
Sarah step leaves its error summary in view with focus on it; no page scrolls sideways on a
390 px phone; an ISO date typed into a date field is that date. axe-core on every page and
error state seen on the way."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Browser, Page, expect

from events.complaint import Channel, ComplaintKind, ContactWish, SenderCategory
from events.history_import import ImportKind
from tracker.runtime import Runtime
from web import create_app

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("TRACKER_TEST_SCREENSHOTS")  # a folder to keep the screenshots in
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def console(page: Page) -> Iterator[list[str]]:
    """Console errors and warnings (a CSP violation is one), checked empty at the end."""
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    yield messages
    # A refused form answers 409/422 on purpose; Chromium logs that status. Nothing else.
    refused = re.compile(r"Failed to load resource: .* status of (409|422) ")
    assert [m for m in messages if not refused.search(m)] == []


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def state_of(page: Page, step: str) -> str:
    return page.locator(f"#steg-{step}-status").inner_text()


def file(runtime: Runtime, days_ago: int = 3) -> Any:
    app = runtime.app
    day = app.today() - timedelta(days=days_ago)
    return app.file_deviation(
        actor="rapportor", unit="utredning", category="handlaggning", subcategory="sekretess",
        occurred_on=day, reported_on=day,
        description="Ett brev om begäran av handlingar hamnade hos ekonomienheten.",
    )


def test_the_enhetschef_closes_a_deviation_guided_by_the_task_list(
    page: Page, live_server: LiveServer, console: list[str]
) -> None:
    deviation = file(live_server.runtime)
    log_in(page, live_server.url, "chef")
    page.goto(live_server("/inkorg"))
    row = page.locator("tr", has_text=deviation.number)
    expect(row).to_contain_text("Behöver åtgärd, 3 dagar: orsaksanalys")
    assert_accessible(page)
    row.get_by_role("link", name=deviation.number).click()

    # Nothing handled yet: the page opens on "Hantera och avsluta"; the steps stand below
    # it, folded, for whoever takes them one at a time, as this enhetschef does.
    assert page.url.endswith("#hantera")
    expect(page.locator("#hantera")).to_be_in_viewport()
    assert state_of(page, "orsaksanalys") == "Ej påbörjad"
    assert state_of(page, "avsluta") == "Ej påbörjad"
    expect(page.locator("#action-analyse")).not_to_have_attribute("open", "")
    page.locator("#action-analyse summary").click()
    assert_accessible(page)
    shoot(page, "casework-1-analys")

    # A refused step: the page comes back at that step with its summary focused.
    page.locator("#action-analyse").get_by_role("button", name="Spara analysen").click()
    assert page.title().startswith("Fel: ")
    assert page.url.endswith("#fel-analyse")
    summary = page.locator("#steg-orsaksanalys .error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Välj minst en orsak.")
    assert_accessible(page)

    analyse = page.locator("#action-analyse")  # the one-page form above has the same fields
    analyse.get_by_label("Rutin följs inte").check()
    analyse.get_by_label("Information saknades").check()
    analyse.get_by_label("Varför hände det?").fill("Fel fack valdes; adressboken var gammal.")
    analyse.get_by_role("button", name="Spara analysen").click()
    assert page.url.endswith("#steg-atgarder")
    assert state_of(page, "orsaksanalys") == "Klar"
    # "saved" is said where the page opens, at the next step, and read out (focused)
    saved = page.locator("#steg-atgarder .notice-success")
    expect(saved).to_have_text("Orsaksanalysen är sparad.")
    expect(saved).to_be_focused()
    expect(saved).to_be_in_viewport()
    assert page.locator("main > .notice-success").count() == 0
    expect(page.locator("#action-add_measure")).to_have_attribute("open", "")

    page.get_by_label("Åtgärd", exact=True).fill("Adressboken rättas och granskas varje kvartal.")
    page.get_by_label("Ansvarig").fill("Enhetschef")
    page.get_by_label("Klar senast").focus()
    page.keyboard.type(live_server.runtime.app.today().isoformat(), delay=20)
    page.get_by_role("button", name="Lägg till åtgärden").click()
    assert page.url.endswith("#steg-aterkoppling")
    assert state_of(page, "atgarder") == "Pågår"
    expect(page.locator("#action-feedback")).to_have_attribute("open", "")

    page.get_by_label("Meddelande till rapportor").fill("Tack! Adressboken är rättad.")
    page.get_by_role("button", name="Skicka återkopplingen").click()
    assert page.url.endswith("#steg-avsluta")
    assert state_of(page, "aterkoppling") == "Klar"
    expect(page.locator("#action-close")).to_have_attribute("open", "")
    assert_accessible(page)

    page.get_by_label("Sammanfattning").fill("Rutinen för adressering är ändrad.")
    page.get_by_role("button", name="Avsluta", exact=True).click()
    assert state_of(page, "avsluta") == "Klar"
    expect(page.locator("h1")).to_contain_text("Avslutad")
    # The open measure stays and can still be completed.
    assert page.url.endswith("#steg-atgarder")
    expect(page.locator("#action-complete_measure")).to_have_attribute("open", "")
    page.get_by_role("button", name="Markera som genomförd").click()
    page.wait_for_load_state()
    assert state_of(page, "atgarder") == "Klar", page.locator("#steg-atgarder").inner_text()
    assert_accessible(page)
    shoot(page, "casework-2-avslutad")
    found = live_server.runtime.app.get_deviation(deviation.id)
    assert found.status.value == "closed" and found.measures[0].completed_on is not None


def test_a_refused_lex_sarah_step_shows_its_errors_in_view_with_focus(
    page: Page, live_server: LiveServer, console: list[str]
) -> None:
    app = live_server.runtime.app
    deviation = file(live_server.runtime)
    case = app.escalate_to_lex_sarah(deviation.id, actor="utvecklare", reason="Sekretessbrott.")
    log_in(page, live_server.url, "lexsarah")
    page.goto(live_server(f"/lex-sarah/{case.id}"))
    # Deciding before anything is documented is refused; the step is far down the page.
    decision = page.locator("#form-beslut")
    if decision.get_attribute("open") is None:
        decision.locator("summary").click()
    decision.get_by_label("Bedömning").select_option("allvarligt")
    decision.get_by_label("Motivering").fill("Allvarligt.")
    decision.get_by_role("button", name="Besluta").click()
    page.wait_for_load_state()
    assert page.title().startswith("Fel: ")
    summary = page.locator("#steg-beslut .error-summary")
    expect(summary).to_be_focused()
    box = summary.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert box["y"] >= 0 and box["y"] + min(box["height"], 200) <= viewport["height"], box
    assert_accessible(page)
    shoot(page, "lex-sarah-refused-step")


def test_a_typed_iso_date_is_that_date(
    page: Page, live_server: LiveServer, console: list[str]
) -> None:
    log_in(page, live_server.url, "rapportor")
    page.goto(live_server("/avvikelser/ny"))
    field = page.locator("#occurred_on")
    assert field.get_attribute("min") == "1990-01-01"
    assert field.get_attribute("max") == live_server.runtime.app.today().isoformat()
    field.focus()
    page.keyboard.type("2026-11-20", delay=30)
    assert field.input_value() == "2026-11-20"


def test_a_half_typed_date_is_named_as_such(
    page: Page, live_server: LiveServer, console: list[str]
) -> None:
    log_in(page, live_server.url, "rapportor")
    page.goto(live_server("/avvikelser/ny"))
    page.locator("#occurred_on").focus()
    page.keyboard.type("11", delay=30)  # one segment only
    page.get_by_role("button", name="Skicka").click()
    assert page.title().startswith("Fel: ")
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#occurred_on-error")).to_contain_text(
        "Ange ett fullständigt datum, t.ex. 2026-11-20")
    assert_accessible(page)


# --- phones: every page, with data in it ------------------------------------------------


def _seed(runtime: Runtime) -> dict[str, UUID]:
    """A deviation with every step taken, an open one, a Lex Sarah case and a child report,
    so lists have rows and case pages have content."""
    app = runtime.app
    today = app.today()
    busy = file(runtime, days_ago=20)
    app.analyse_cause(busy.id, actor="chef", analysis="Gammal adressbok.",
                      causes=["rutin_saknas", "teknik"])
    app.add_measure(busy.id, actor="chef", description="Ny adressbok med granskning varje "
                    "kvartal av enhetschefen och registrator.", responsible="Enhetschef",
                    due_on=today - timedelta(days=2))
    app.give_feedback(busy.id, actor="chef", message="Tack, vi har rättat adressboken.")
    fresh = file(runtime, days_ago=1)
    case = app.escalate_to_lex_sarah(fresh.id, actor="utvecklare", reason="Sekretessbrott.")
    report = app.receive_child_report(
        actor="forste", unit="utredning", received_at=app.now() - timedelta(days=3),
        case_reference="IFO 2026/0512-12",
    )
    imported = app.store_import(ImportKind.ROWS, (
        "rapporterad,inträffad,enhet,kvalitetsområde,underkategori,beskrivning,status,"
        "lex_sarah,diarienummer\n2016-03-04,2016-03-02,utredning,samverkan,,"
        "Ett brev gick fel.,avslutad,nej,\n").encode(), "avvikelser-2016.csv", actor="utvecklare")
    complaint, _ = app.receive_complaint(
        actor="avsandare", kind=ComplaintKind.COMPLAINT, unit="utredning",
        sender=SenderCategory.RELATIVE, channel=Channel.E_SERVICE,
        text="Ingen ringde tillbaka fast det var lovat flera gånger.",
        contact_wish=ContactWish.CODE)
    return {"deviation_id": busy.id, "case_id": case.id, "report_id": report.id,
            "import_id": imported.id, "complaint_id": complaint.id}


SKIP = re.compile(
    r"\.(csv|xlsx|pdf|docx|json|svg|png|ico|js|css)$|\.<|^/(api|static|logout)|/bilagor/"
)
USERS_IN_ORDER = ["utvecklare", "chef", "forste", "lexsarah", "admin", "rapportor"]


def _pages(runtime: Runtime, ids: dict[str, UUID]) -> list[str]:
    app = create_app(runtime=runtime)
    today = runtime.app.today()
    values: dict[str, Any] = {**ids, "username": "chef", "year": today.year,
                              "month": today.month, "number": 1,  # the busy one's measure
                              "kind": "deviation"}  # a retention rule
    paths = []
    unknown = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or SKIP.search(rule.rule):
            continue
        # Organisation codes: a category on the taxonomy pages, else a unit.
        values["code"] = "handlaggning" if "kategori" in rule.rule else "utredning"
        if set(rule.arguments) - set(values):
            unknown.append(rule.rule)
            continue
        arguments = {name: values[name] for name in rule.arguments}
        paths.append(app.url_map.bind("").build(rule.endpoint, arguments) if rule.arguments
                     else rule.rule)
    assert not unknown, f"give these pages data in _seed: {unknown}"
    return sorted(set(paths))


# Where a text in a table cell or a button is broken across lines in a way no reader
# wants: `letters` finds a word of four or more letters split between two letters
# ("Jo|urnal"); `numbers` finds a case number or a date split anywhere ("LS-2026-|0005").
BROKEN_TEXT = r"""() => {
  const found = [];
  const lineOf = (node, i) => {
    const range = document.createRange();
    range.setStart(node, i); range.setEnd(node, i + 1);
    const rects = range.getClientRects();
    return rects.length ? Math.round(rects[0].top) : null;
  };
  const check = (node, pattern, letterPairsOnly) => {
    for (const match of node.data.matchAll(pattern)) {
      if (letterPairsOnly && match[0].includes("/")) continue;  // a path or address
      for (let i = match.index; i < match.index + match[0].length - 1; i++) {
        if (letterPairsOnly && !/\p{L}\p{L}/u.test(node.data.slice(i, i + 2))) continue;
        const here = lineOf(node, i), next = lineOf(node, i + 1);
        if (here !== null && next !== null && next > here + 2) {
          found.push(match[0]); break;
        }
      }
    }
  };
  // shown: not display:none, not clipped away for screen readers only (a stacked
  // table's header row)
  const shown = element => {
    if (!element.getClientRects().length) return false;
    for (let e = element; e && e !== document.body; e = e.parentElement)
      if (getComputedStyle(e).clip !== "auto") return false;
    return true;
  };
  for (const element of document.querySelectorAll("main td, main th, main button")) {
    if (!shown(element)) continue;
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest("code")) continue;  // a path or key, not a word
      if (MODE === "letters") check(node, /[^\s]*\p{L}{4,}[^\s]*/gu, true);
      else if (element.tagName !== "BUTTON")
        check(node, /\b(?:[A-ZÅÄÖ]{2}-\d{4}-\d{3,}|\d{4}-\d{2}-\d{2})\b/g, false);
    }
  }
  return found;
}"""


def broken_text(page: Page, mode: str) -> list[str]:
    found: list[str] = page.evaluate(BROKEN_TEXT.replace("MODE", f"'{mode}'"))
    return found


SHOWN_PAGES = ("/inkorg", "/atgarder", "/lex-sarah/", "/anmalningar/", "/rapporter/ar",
               "/rapporter/aterkommande", "/rapporter/eskaleringar", "/admin/anvandare")


def _walk(browser: Browser, live_server: LiveServer, viewport: dict[str, int],
          look: Callable[[str, Page], None]) -> int:
    """Every GET page there is with data in it, each as the first role that may see it."""
    ids = _seed(live_server.runtime)
    paths = _pages(live_server.runtime, ids)
    pages: dict[str, Page] = {}
    for user in USERS_IN_ORDER:
        context = browser.new_context(locale="sv-SE", viewport=viewport)
        pages[user] = context.new_page()
        log_in(pages[user], live_server.url, user)
    seen = 0
    for path in paths:
        for user in USERS_IN_ORDER:
            response = pages[user].goto(live_server(path))
            if response is not None and response.status == 200:
                break
        else:
            continue  # a page nobody of these may see (e.g. a 404 for a missing id)
        look(path, pages[user])
        seen += 1
    return seen


def test_no_page_scrolls_sideways_or_breaks_a_word_on_a_phone(
    browser: Browser, live_server: LiveServer
) -> None:
    wide: dict[str, int] = {}
    broken: dict[str, list[str]] = {}

    def look(path: str, page: Page) -> None:
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > PHONE["width"]:
            wide[path] = width
        if words := broken_text(page, "letters"):
            broken[path] = words
        if path in SHOWN_PAGES or re.fullmatch(r"/lex-sarah/[0-9a-f-]{36}", path):
            shoot(page, "phone-" + path.strip("/").replace("/", "-"))

    assert _walk(browser, live_server, PHONE, look) > 15
    assert wide == {}, f"pages wider than {PHONE['width']} px: {wide}"
    assert broken == {}, f"words broken between letters in tables or buttons: {broken}"


def test_no_case_number_or_date_wraps_in_a_table_on_a_desktop(
    browser: Browser, live_server: LiveServer
) -> None:
    wrapped: dict[str, list[str]] = {}

    def look(path: str, page: Page) -> None:
        if found := broken_text(page, "numbers"):
            wrapped[path] = found

    assert _walk(browser, live_server, {"width": 1280, "height": 900}, look) > 15
    assert wrapped == {}, f"case numbers or dates wrapped in a table: {wrapped}"


def test_the_changed_pages_are_accessible_on_desktop_and_phone(
    browser: Browser, live_server: LiveServer
) -> None:
    ids = _seed(live_server.runtime)
    today = live_server.runtime.app.today()
    pages = {
        "chef": ["/inkorg", "/atgarder", "/atgarder?forfallo=overdue", "/mina-rapporter",
                 f"/avvikelser/{ids['deviation_id']}", "/bevakning/"],
        "utvecklare": ["/lex-sarah/", f"/lex-sarah/{ids['case_id']}",
                       f"/rapporter/manad?year={today.year}&month={today.month}",
                       f"/rapporter/ar?year={today.year}", "/rapporter/aterkommande",
                       "/atgarder?lage=alla"],
        "forste": ["/anmalningar/", f"/anmalningar/{ids['report_id']}"],
    }
    for viewport in ({"width": 1280, "height": 900}, PHONE):
        for user, paths in pages.items():
            context = browser.new_context(locale="sv-SE", viewport=viewport)
            page = context.new_page()
            log_in(page, live_server.url, user)
            for path in paths:
                response = page.goto(live_server(path))
                assert response is not None and response.status == 200, path
                assert_accessible(page)
            context.close()
    # An error state of the child-report page: a decision on a date out of bounds.
    context = browser.new_context(locale="sv-SE", viewport=PHONE)
    page = context.new_page()
    log_in(page, live_server.url, "forste")
    page.goto(live_server(f"/anmalningar/{ids['report_id']}"))
    decision = page.locator("#form-beslut")
    if decision.get_attribute("open") is None:  # not the next step: open it from its summary
        decision.locator("summary").click()
    page.locator("#decided_on").fill("1989-12-31")
    page.locator("#decision").select_option(index=1)
    decision.get_by_role("button", name="Registrera beslut").click()
    assert page.title().startswith("Fel: ")
    expect(page.locator("#fel-beslut")).to_be_focused()
    expect(page.locator("#fel-beslut")).to_contain_text("Ange ett datum mellan 1990-01-01")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    context.close()
