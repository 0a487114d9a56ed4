"""The conversation with the reporter in Debian's Chromium with the app's CSP: the enhetschef
asks the reporter a question, the reporter answers from their own report page on a 390 px
phone (and attaches a photo), the enhetschef closes the deviation with an outcome the
reporter then reads; the reporter never sees the cause analysis. axe-core on the way."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from PIL import Image
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("TRACKER_TEST_SCREENSHOTS")  # a folder to keep the screenshots in
PHONE = {"width": 390, "height": 844}
ANALYSIS = "Vikarien kände inte till rutinen för knivlådan."
QUESTION = "Vilket kök gällde det, och vilken tid?"
ANSWER = "Köket på avdelning två, vid 21-tiden."
OUTCOME = "Knivlådan har fått lås och rutinen är genomgången med alla."


@pytest.fixture
def console(page: Page) -> Iterator[list[str]]:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    yield messages
    refused = re.compile(r"Failed to load resource: .* status of (409|413|422) ")
    assert [m for m in messages if not refused.search(m)] == []


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _photo(tmp_path: Path) -> Path:
    image = Image.new("RGB", (120, 80), (180, 180, 180))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (59.0, 19.0, 45.0), 3: "E", 4: (18.0, 4.0, 7.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    path = tmp_path / "knivlådan.jpg"
    path.write_bytes(out.getvalue())
    return path


def test_the_reporter_answers_on_a_phone_and_reads_the_outcome(
    page: Page, browser: Browser, live_server: LiveServer, console: list[str],
    tmp_path: Path,
) -> None:
    app = live_server.runtime.app
    day = app.today() - timedelta(days=2)
    deviation = app.file_deviation(
        actor="rapportor", unit="utredning", category="genomforande", subcategory=None,
        occurred_on=day, reported_on=day, description="Knivar låg framme i köket.",
    )
    app.analyse_cause(deviation.id, actor="chef", analysis=ANALYSIS,
                      causes=["rutin_foljs_inte"])
    app.record_no_measures_needed(deviation.id, actor="chef", reason="Lås monterat direkt.")
    app.give_feedback(deviation.id, actor="chef", message="Tack för rapporten.")
    case_page = live_server(f"/avvikelser/{deviation.id}")

    # The enhetschef asks.
    log_in(page, live_server.url, "chef")
    page.goto(case_page)
    page.get_by_label("Fråga till rapportören").fill(QUESTION)
    page.get_by_role("button", name="Skicka frågan").click()
    panel = page.locator("#arendefil-deviation")
    expect(panel).to_contain_text("Väntar på komplettering")
    expect(panel).to_contain_text(QUESTION)
    assert_accessible(page)
    shoot(page, "conversation-1-fraga")

    # The reporter, on a phone: Att göra leads to the question on their own report.
    phone = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm",
                                viewport=PHONE)
    reporter = phone.new_page()
    log_in(reporter, live_server.url, "rapportor")
    expect(reporter.locator("main")).to_contain_text("Frågor som väntar på ditt svar")
    reporter.get_by_role("link", name=deviation.number).first.click()
    expect(reporter.locator("#arendefil-deviation")).to_contain_text(QUESTION)
    assert reporter.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert_accessible(reporter)
    reporter.get_by_label("Ditt svar").fill(ANSWER)
    reporter.get_by_role("button", name="Skicka svaret").click()
    expect(reporter.locator("#arendefil-deviation")).to_contain_text(ANSWER)
    expect(reporter.locator("#arendefil-deviation")).not_to_contain_text(
        "Väntar på komplettering")
    reporter.get_by_label("Bifoga en fil").set_input_files(str(_photo(tmp_path)))
    reporter.get_by_role("button", name="Spara bilagan").click()
    expect(reporter.locator(".attachments")).to_contain_text("knivlådan.jpg")
    assert reporter.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert ANALYSIS not in reporter.content()
    shoot(reporter, "conversation-2-svar-390")

    # The enhetschef reads the answer, writes the outcome and closes.
    page.goto(case_page)
    expect(page.locator("#arendefil-deviation")).to_contain_text(ANSWER)
    page.locator("#arendefil-deviation summary", has_text="utfallet").click()
    page.get_by_label("Utfall till rapportören").fill(OUTCOME)
    page.get_by_role("button", name="Spara utfallet").click()
    expect(page.locator("#arendefil-deviation .outcome")).to_contain_text(OUTCOME)
    page.get_by_label("Sammanfattning").fill("Lås på knivlådan.")
    page.get_by_role("button", name="Avsluta", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Avslutad")
    shoot(page, "conversation-3-avslutad")

    # The reporter reads the outcome; never the analysis.
    reporter.goto(case_page)
    expect(reporter.locator("#arendefil-deviation .outcome")).to_contain_text(OUTCOME)
    assert ANALYSIS not in reporter.content()
    assert reporter.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert_accessible(reporter)
    shoot(reporter, "conversation-4-utfall-390")
    phone.close()
    [photo] = app.case_file("deviation", deviation.id).active_attachments()
    assert photo.added_by == "rapportor" and photo.media_type == "image/jpeg"
