"""The report to the committee's secrecy review and "Ändringar sedan fastställandet" in a real
browser, at a desk's width and a phone's: the flags, the confirmation, finalising, then a
reclassification named on the changes page; each page passes axe (WCAG 2.1 AA) under the
app's CSP. Screenshots go to TRACKER_TEST_SCREENSHOTS when it is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Page
from support import file_deviation

WIDTHS = (1280, 390)
SHOTS = os.environ.get("TRACKER_TEST_SCREENSHOTS")  # a folder to keep the screenshots in


@pytest.mark.parametrize("width", WIDTHS)
def test_review_finalise_and_changes_in_the_browser(
    page: Page, live_server: LiveServer, width: int, tmp_path: Path,
) -> None:
    app = live_server.runtime.app
    today = app.today()
    unit_cases = [("utredning", "Brevet kom fel."), ("utredning", "Journalen låg i fel akt."),
                  ("utredning", "Svar dröjde."),
                  ("hvb-notgarden", "Knivar låg framme medan 15-åringen var i köket.")]
    filed = [file_deviation(live_server.runtime, unit=unit, description=text)
             for unit, text in unit_cases]
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, "utvecklare")
    report = f"/rapporter/namnd/{today.year}/{today.month}"
    page.goto(live_server(report))
    page.get_by_label("Ta med varje avvikelses egen text").check()
    page.get_by_role("button", name="Skapa utkast").click()
    flags = page.locator("div.flags")
    assert "HVB Notgården" in flags.inner_text()
    assert "15-åringen" in flags.inner_text()
    assert_accessible(page)
    page.locator("section.secrecy-review").screenshot(path=str(tmp_path / f"review-{width}.png"))

    page.get_by_label("Vad som maskerats").fill("Inget; texten gäller rutinen.")
    page.get_by_label("Jag har granskat rapportens texter").check()
    page.get_by_role("button", name="Bekräfta granskningen").click()
    assert "Granskningen är bekräftad av utvecklare" in page.inner_text("main")
    page.get_by_label("Diarienummer").fill("SN 2026/117")
    page.get_by_role("button", name="Fastställ rapporten").click()
    assert "Fastställd" in page.inner_text("main")
    assert "Sekretessgranskning bekräftad av utvecklare" in page.inner_text("main")

    app.reclassify_deviation(filed[3].id, actor="utvecklare", category="personal",
                             subcategory=None)
    page.get_by_role("link", name="Ändringar sedan fastställandet").click()
    text = page.inner_text("main")
    assert "En avvikelse omklassificerad" in text
    assert "Brister utifrån sekretess → Personal och kompetens" in text
    assert_accessible(page)
    page.screenshot(path=str(tmp_path / f"changes-{width}.png"), full_page=True)
    if SHOTS:
        for shot in tmp_path.glob("*.png"):
            (Path(SHOTS) / shot.name).write_bytes(shot.read_bytes())
