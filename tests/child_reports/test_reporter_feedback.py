"""Återkoppling to the anmälare (SoL (2025:400) 19 kap. 6 §): on request, told whether an
investigation is opened, not opened or already under way, at the latest a week after the
decision, or the same day when the request comes after the decision or an investigation is
already under way, unless it is olämpligt (recorded with its reason). The clock at its
boundaries, and on Bevakning, Att göra, the page and the API; the information that an
investigation started (20 kap. 4 §) recorded with its date."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any
from uuid import UUID

import pytest

from events.child_report import ChildReport, PreliminaryDecision, ReporterCategory
from events.clocks import STOCKHOLM, ClockStatus
from events.errors import AlreadyRecorded, StepOutOfOrder
from events.taxonomy import Operation
from tracker.runtime import Runtime

DAY0 = date(2026, 3, 2)
FAR = DAY0 + timedelta(days=300)  # "today" for the aggregate's own date checks


def report(*, ongoing: bool = False) -> ChildReport:
    return ChildReport.receive(
        number="AN-2026-0001", unit="utredning", operation=Operation.IFO,
        received_at=datetime(2026, 3, 2, 10, 0, tzinfo=STOCKHOLM), case_reference="IFO-1",
        ongoing_investigation=ongoing, now=datetime(2026, 3, 2, 11, 0, tzinfo=STOCKHOLM),
        actor="forste",
    )


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def decided(r: ChildReport, on: date) -> None:
    r.decide(decision=PreliminaryDecision.NO_INVESTIGATION, decided_on=on, today=FAR,
             actor="forste")


def test_a_request_before_the_decision_is_due_a_week_after_the_decision() -> None:
    r = report()
    r.request_feedback(requested_on=day(2), today=FAR, actor="forste")
    assert r.feedback_clock(day(3)) is None  # the decision is still to be made
    decided(r, day(5))
    clock = r.feedback_clock(day(12))
    assert clock is not None
    assert (clock.due, clock.status, clock.days_left) == (day(12), ClockStatus.DUE_TODAY, 0)
    later = r.feedback_clock(day(13))
    assert later is not None
    assert (later.status, later.days_left) == (ClockStatus.OVERDUE, -1)

    on_time = report()
    on_time.request_feedback(requested_on=day(2), today=FAR, actor="forste")
    decided(on_time, day(5))
    on_time.give_feedback(given_on=day(12), how="Telefon", today=FAR, actor="forste")  # day 7
    met = on_time.feedback_clock(day(20))
    assert met is not None
    assert met.status is ClockStatus.DECIDED

    late = report()
    late.request_feedback(requested_on=day(2), today=FAR, actor="forste")
    decided(late, day(5))
    late.give_feedback(given_on=day(13), how="Brev", today=FAR, actor="forste")  # day 8
    missed = late.feedback_clock(day(20))
    assert missed is not None
    assert missed.status is ClockStatus.DECIDED_LATE


def test_a_request_after_the_decision_or_with_an_investigation_under_way_is_due_that_day(
) -> None:
    r = report()
    decided(r, day(5))
    r.request_feedback(requested_on=day(8), today=FAR, actor="forste")
    clock = r.feedback_clock(day(8))
    assert clock is not None
    assert (clock.due, clock.status) == (day(8), ClockStatus.DUE_TODAY)
    overdue = r.feedback_clock(day(9))
    assert overdue is not None
    assert overdue.status is ClockStatus.OVERDUE

    same_day = report()
    decided(same_day, day(5))
    same_day.request_feedback(requested_on=day(5), today=FAR, actor="forste")
    clock = same_day.feedback_clock(day(5))
    assert clock is not None
    assert clock.due == day(12)  # asked on the day of the decision: not "later"

    ongoing = report(ongoing=True)
    ongoing.request_feedback(requested_on=day(1), today=FAR, actor="forste")
    clock = ongoing.feedback_clock(day(1))
    assert clock is not None
    assert (clock.due, clock.status) == (day(1), ClockStatus.DUE_TODAY)
    ongoing.give_feedback(given_on=day(1), how="Telefon", today=FAR, actor="forste")


def test_olampligt_closes_the_clock_with_its_reason() -> None:
    r = report()
    r.request_feedback(requested_on=day(2), today=FAR, actor="forste")
    decided(r, day(5))
    r.decline_feedback(declined_on=day(6), reason="Anmälan gäller anmälarens eget barn.",
                       today=FAR, actor="forste")
    clock = r.feedback_clock(day(30))
    assert clock is not None
    assert (clock.status, clock.done_on, clock.days_left, clock.running) == (
        ClockStatus.WAIVED, day(6), None, False)
    assert r.feedback_declined_reason == "Anmälan gäller anmälarens eget barn."
    with pytest.raises(AlreadyRecorded):
        r.give_feedback(given_on=day(7), how="Telefon", today=FAR, actor="forste")


def test_the_rules_of_the_steps() -> None:
    r = report()
    with pytest.raises(StepOutOfOrder):
        r.give_feedback(given_on=day(3), how="Telefon", today=FAR, actor="forste")
    r.request_feedback(requested_on=day(2), today=FAR, actor="forste")
    with pytest.raises(StepOutOfOrder):  # nothing to tell before the decision
        r.give_feedback(given_on=day(3), how="Telefon", today=FAR, actor="forste")
    with pytest.raises(AlreadyRecorded):
        r.request_feedback(requested_on=day(3), today=FAR, actor="forste")
    r.record_reporter_category(category=ReporterCategory.ENSKILD, actor="forste")
    assert r.feedback_clock(day(10)) is None  # an enskild anmälare: no duty, no clock
    with pytest.raises(StepOutOfOrder):
        r.record_investigation_information(informed_on=day(3), today=FAR, actor="forste")


def _text(html: str) -> str:
    html = re.sub(r"</?(?:time|span)\b[^>]*>", "", html)  # a date or number is in its sentence
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_clock_on_bevakning_att_gora_the_page_and_the_api(
    runtime: Runtime, client_for: Callable[[str], Any], api: Callable[..., Any],
    child_report: Callable[..., UUID],
) -> None:
    report_id = child_report("utredning", days_ago=4)
    app = runtime.app
    app.assign_handler(report_id, actor="forste", handler="forste")
    today = app.today()
    base = f"/api/v1/child-reports/{report_id}"
    assert api("forste", "POST", f"{base}/reporter-category",
               json={"category": "myndighet"}).status_code == 200
    assert api("forste", "POST", f"{base}/feedback-request",
               json={"requested_on": (today - timedelta(days=2)).isoformat()}).status_code == 200
    body = api("forste", "POST", f"{base}/decision", json={
        "decision": "open_investigation", "decided_on": today.isoformat()}).get_json()
    feedback = body["reporter_feedback"]
    due = today + timedelta(days=7)
    assert (feedback["reporter_category"], feedback["due"], feedback["status"],
            feedback["days_left"], feedback["band"]) == (
        "myndighet", due.isoformat(), "open", 7, "later")
    assert feedback["legal_reference"] == "SoL (2025:400) 19 kap. 6 §"
    assert feedback["legal_reference_former"] == (
        "SoL (2025:400) 19 kap. 6 § (tidigare SoL (2001:453) 14 kap. 1 f §)")

    forste = client_for("forste")
    number = app.get_child_report(report_id).number
    board = _text(forste.get("/bevakning/").get_data(as_text=True))
    assert f"Senare 7 dagar kvar {due.isoformat()} Återkoppling till anmälaren {number}" in board
    todo = _text(forste.get("/").get_data(as_text=True))
    assert f"{number} Återkoppling till anmälaren i Utredningsenheten Senare senast " \
        f"{due.isoformat()}, 7 dagar kvar" in todo
    page = _text(forste.get(f"/anmalningar/{report_id}").get_data(as_text=True))
    assert f"Återkoppling senast {due.isoformat()} (7 dagar kvar)" in page
    assert "14 kap. 1 f §" in page and "19 kap. 6 §" in page

    # Olämpligt, from the page: the clock closes with its reason and leaves the board.
    response = forste.post(f"/anmalningar/{report_id}/aterkoppling-olamplig", data={
        "fb_declined_on": today.isoformat(), "fb_reason": "Anmälaren är part i ärendet."})
    assert response.status_code == 302
    page = _text(forste.get(f"/anmalningar/{report_id}").get_data(as_text=True))
    assert f"Olämpligt {today.isoformat()}: Anmälaren är part i ärendet." in page
    board = _text(forste.get("/bevakning/").get_data(as_text=True))
    assert "Återkoppling till anmälaren" not in board
    feedback = api("forste", "GET", base).get_json()["reporter_feedback"]
    assert (feedback["status"], feedback["declined_reason"]) == (
        "waived", "Anmälaren är part i ärendet.")

    # 20 kap. 4 §: the information that the investigation started, with its date.
    body = api("forste", "POST", f"{base}/investigation-information",
               json={"informed_on": today.isoformat()}).get_json()
    assert body["investigation_informed_on"] == today.isoformat()
    page = _text(forste.get(f"/anmalningar/{report_id}").get_data(as_text=True))
    assert f"Information om att utredningen inletts lämnades {today.isoformat()}" in page


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("reporter-category", {"category": "granne"}, "category"),
        ("reporter-category", {"category": 7}, "category"),
        ("feedback-request", {"requested_on": "igår"}, "requested_on"),
        ("feedback-request", {"requested_on": "2999-01-01"}, "requested_on"),
        ("feedback-declined", {"declined_on": "2026-03-10", "reason": "x" * 20001},
         "reason"),
        ("feedback-declined", {"declined_on": "2026-03-10",
                               "reason": "Gäller 19900101-1239 som anmält."}, "reason"),
        ("feedback", {"given_on": "2026-03-10", "how": "Ringde 900101 1239"}, "how"),
    ],
)
def test_bad_input_is_refused_by_its_field_and_nothing_is_stored(
    runtime: Runtime, api: Callable[..., Any], child_report: Callable[..., UUID],
    path: str, body: dict[str, Any], field: str,
) -> None:
    report_id = child_report("utredning", days_ago=4)
    head = runtime.app.recorder.max_notification_id()
    response = api("forste", "POST", f"/api/v1/child-reports/{report_id}/{path}", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert runtime.app.recorder.max_notification_id() == head


def test_another_units_report_is_refused(
    api: Callable[..., Any], child_report: Callable[..., UUID],
) -> None:
    other = child_report("hvb-notgarden", days_ago=4)
    response = api("chef", "POST", f"/api/v1/child-reports/{other}/feedback-request",
                   json={"requested_on": date.today().isoformat()})
    assert response.status_code == 403
