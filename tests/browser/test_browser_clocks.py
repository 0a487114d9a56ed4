"""The clocks as a user meets them, in Chromium at 1280 and 390 px: the Lex Sarah case's
"Tidsfrister", a child report's återkoppling step and both timelines read without sideways
scrolling and pass axe (WCAG 2.1 AA)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Browser

from projections.runner import catch_up


def test_clock_pages_read_on_a_desktop_and_a_phone(
    live_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    app = live_server.runtime.app
    today = app.today()
    deviation = app.file_deviation(
        actor="rapportor", unit="utredning", category="genomforande", subcategory=None,
        occurred_on=today - timedelta(days=3), description="Knivar låg framme i köket.",
        reported_on=today - timedelta(days=2),
    )
    case = app.escalate_to_lex_sarah(deviation.id, actor="utvecklare", reason="Risk.",
                                     opened_on=today - timedelta(days=1))
    report = app.receive_child_report(
        actor="forste", unit="utredning", received_at=datetime.now(UTC) - timedelta(days=3),
        case_reference="IFO-2026-55",
    )
    app.request_reporter_feedback(report.id, actor="forste", requested_on=today)
    assert catch_up(live_server.runtime, timeout=30)
    shots = Path(os.environ.get("TRACKER_TEST_SHOTS", tmp_path))
    pages = {
        "lexsarah": [f"/lex-sarah/{case.id}", f"/lex-sarah/{case.id}/tidslinje", "/bevakning/"],
        "forste": [f"/anmalningar/{report.id}", f"/anmalningar/{report.id}/tidslinje"],
    }
    for width, height in ((1280, 900), (390, 844)):
        for user, paths in pages.items():
            context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm",
                                          viewport={"width": width, "height": height})
            page = context.new_page()
            log_in(page, live_server.url, user)
            for path in paths:
                page.goto(live_server(path))
                assert page.locator("h1").count() == 1, path
                assert page.evaluate("document.documentElement.scrollWidth") <= width, path
                assert_accessible(page)
                name = path.strip("/").replace("/", "_")[:60]
                page.screenshot(path=str(shots / f"{width}-{name}.png"), full_page=True)
            context.close()
