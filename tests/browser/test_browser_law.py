"""The law's new steps in Chromium under the app's CSP: the Lex Sarah case with "ej
tillämpligt", an anmälan to IVO made on a proposed grade and still to be completed, a
child report whose deadline has passed (the extension refused with its message), and the
board with the Lex Sarah clocks — axe-clean, errors included, screenshots kept."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from browser_support import LiveServer, assert_accessible, log_in
from playwright.sync_api import Browser, Page

from events.lex_sarah import FindingKind, FindingNature, Grade, IvoInvestigation

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded(live_server: LiveServer) -> dict[str, UUID]:
    app = live_server.runtime.app
    today = app.today()
    deviation = app.file_deviation(
        actor="rapportor", unit="hvb-notgarden", category="genomforande", subcategory=None,
        occurred_on=today - timedelta(days=3), description="Knivar låg framme i köket.",
        reported_on=today - timedelta(days=3),
    )
    case = app.escalate_to_lex_sarah(deviation.id, actor="utvecklare", reason="Risk för skada.",
                                     opened_on=today - timedelta(days=2))
    app.document_finding(case.id, actor="lexsarah", kind=FindingKind.HANDELSE,
                         text="Knivar låg framme två kvällar.", dated_on=today,
                         source="Rapport", nature=FindingNature.FACT, author="lexsarah",
                         author_title="Kvalitetsutvecklare")
    app.propose_grade(case.id, actor="lexsarah", grade=Grade.RISK_ALLVARLIGT,
                      reasoning="Risk för allvarlig skada.")
    app.report_to_ivo(case.id, actor="lexsarah", sent_on=today, ivo_reference="IVO 3.1-1/2026",
                      diary_number="SN 2026/1", investigation=IvoInvestigation.TO_FOLLOW)
    late = app.receive_child_report(
        actor="forstesoc", unit="utredning", received_at=datetime.now(UTC) - timedelta(days=20),
        case_reference="IFO-20",
    )
    return {"case": case.id, "late": late.id}


def test_the_law_pages_and_their_errors_are_accessible(
    browser: Browser, live_server: LiveServer, seeded: dict[str, UUID], tmp_path: Path
) -> None:
    # Screenshots to look at: TRACKER_TEST_SCREENSHOTS=folder keeps them.
    shots = Path(os.environ.get("TRACKER_TEST_SCREENSHOTS") or tmp_path)

    def shoot(page: Page, name: str) -> None:
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    errors: list[str] = []
    for width, suffix in ((1280, "desktop"), (390, "phone")):
        context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm",
                                      viewport={"width": width, "height": 900})
        page = context.new_page()
        errors.clear()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        log_in(page, live_server.url, "utvecklare")

        page.goto(live_server(f"/lex-sarah/{seeded['case']}"))
        assert page.get_by_text("Kompletteras – utredningen skickas senare").count() == 1
        assert page.get_by_text("SoL (2025:400) 27 kap. 6 §").count() >= 1
        assert_accessible(page)
        shoot(page, f"lex-sarah-{suffix}")
        # The decision refused: the missing kinds are named in the error summary.
        # The decision is not the next step here (the IVO completion is): its form is folded.
        decision = page.locator("#form-beslut")
        if decision.get_attribute("open") is None:
            decision.locator("summary").click()
        page.locator("#decision_reasoning").fill("Allvarligt.")
        page.locator("#decision_grade").select_option("risk_allvarligt")
        decision.locator("button[type=submit]").click()
        page.wait_for_load_state()
        summary = page.locator(".error-summary")
        assert "när det hände" in summary.inner_text()
        assert_accessible(page)
        shoot(page, f"lex-sarah-decision-refused-{suffix}")

        page.goto(live_server(f"/anmalningar/{seeded['late']}"))
        assert page.get_by_text("Tidsfristen har passerat och kan inte längre förlängas").count()
        assert page.get_by_text("SoL (2025:400) 20 kap. 2 §").count() >= 1
        assert_accessible(page)
        shoot(page, f"anmalan-overdue-{suffix}")

        page.goto(live_server("/bevakning/"))
        assert page.get_by_text("Lex Sarah: avhjälpa genast").count() == 1
        assert page.get_by_text("Lex Sarah: anmälan till IVO").count() == 0  # reported
        assert_accessible(page)
        shoot(page, f"bevakning-{suffix}")
        # The refused decision answers 409 by design; anything else in the console is a bug.
        assert [e for e in errors if "409" not in e] == []
        context.close()
