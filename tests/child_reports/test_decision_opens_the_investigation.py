"""Deciding "inleda utredning" opens the investigation: the four months (SoL 20 kap. 3 §)
run from the day of the decision, on Att göra, Bevakning and the API at once. A store
written when the start was a step of its own keeps its meaning: a decision without a
recorded start stays on the board as "utredning ej registrerad som inledd" until the start
is registered."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from events.child_report import ChildReport, PreliminaryDecision
from events.clocks import add_months, days_text
from projections.runner import catch_up
from tracker.runtime import Runtime


def _text(html: str) -> str:
    html = re.sub(r"</?(?:time|span)\b[^>]*>", "", html)  # a date or number is in its sentence
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _board_rows(html: str, number: str) -> list[str]:
    rows = re.findall(r'<tr class="row-\w+">(.*?)</tr>', html, re.S)
    return [_text(row) for row in rows if number in row]


def test_deciding_to_investigate_starts_the_four_months_everywhere_the_same_day(
    runtime: Runtime, client_for: Callable[[str], Any], api: Callable[..., Any],
    child_report: Callable[..., UUID],
) -> None:
    report_id = child_report("utredning", days_ago=3)
    app = runtime.app
    report = app.get_child_report(report_id)
    app.assess_protection(report_id, actor="forste", assessed_at=report.received_at,
                          immediate_protection_needed=False)
    app.assign_handler(report_id, actor="forste", handler="forste")
    today = app.today()
    deadline = add_months(today, 4)
    number = app.get_child_report(report_id).number
    forste = client_for("forste")

    # One step: the decision, dated today.
    response = forste.post(f"/anmalningar/{report_id}/beslut", data={
        "decision": "open_investigation", "decided_on": today.isoformat()})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#steg-utredning")

    left = days_text((deadline - today).days)
    board = _board_rows(forste.get("/bevakning/").get_data(as_text=True), number)
    assert [row for row in board if "Utredning" in row] == [
        f"Senare {left} {deadline.isoformat()} Utredning {number} Utredningsenheten forste"
    ]
    todo = _text(forste.get("/").get_data(as_text=True))
    assert f"{number} Utredning i Utredningsenheten Senare senast {deadline.isoformat()}, " \
        f"{left}" in todo
    clock = api("forste", "GET", f"/api/v1/child-reports/{report_id}").get_json()[
        "clocks"]["utredning"]
    assert (clock["opened_on"], clock["deadline"], clock["status"], clock["days_left"],
            clock["band"]) == (today.isoformat(), deadline.isoformat(), "open",
                               (deadline - today).days, "later")
    page = _text(forste.get(f"/anmalningar/{report_id}").get_data(as_text=True))
    assert f"Inledd {today.isoformat()}, ska vara klar senast {deadline.isoformat()} ({left})" in (
        page)
    assert "Registrera när utredningen inleddes" not in page  # no second step to forget


def test_a_decision_not_to_investigate_starts_no_clock(
    runtime: Runtime, api: Callable[..., Any], child_report: Callable[..., UUID], users: Any,
) -> None:
    report_id = child_report("utredning", days_ago=3)
    response = api("forste", "POST", f"/api/v1/child-reports/{report_id}/decision",
                   json={"decision": "no_investigation",
                         "decided_on": runtime.app.today().isoformat()})
    assert response.status_code == 200
    clock = response.get_json()["clocks"]["utredning"]
    assert (clock["opened_on"], clock["status"], clock["days_left"]) == (None, None, None)


def _as_version_1(runtime: Runtime, event: ChildReport.Event) -> StoredEvent:
    """The decision as the tracker stored it before the decision opened the investigation
    (class version 1: no investigation deadline)."""
    mapper = runtime.app.mapper
    stored = mapper.to_stored_event(event)
    state = mapper.transcoder.decode(
        mapper.cipher.decrypt(stored.state) if mapper.cipher else stored.state
    )
    del state["investigation_deadline"]
    state["class_version"] = 1
    encoded = mapper.transcoder.encode(state)
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                       mapper.cipher.encrypt(encoded) if mapper.cipher else encoded)


def test_an_old_decision_without_a_start_stays_on_the_board_until_the_start_is_registered(
    runtime: Runtime, client_for: Callable[[str], Any], api: Callable[..., Any],
    child_report: Callable[..., UUID],
) -> None:
    report_id = child_report("utredning", days_ago=20)
    app = runtime.app
    app.assign_handler(report_id, actor="forste", handler="forste")
    today = app.today()
    decided_on = today - timedelta(days=10)
    report = app.get_child_report(report_id)
    report.decide(decision=PreliminaryDecision.OPEN_INVESTIGATION, decided_on=decided_on,
                  today=today, actor="forste")
    (decision,) = report.collect_events()
    app.recorder.insert_events([_as_version_1(runtime, decision)])
    assert catch_up(runtime, timeout=30)

    loaded = app.get_child_report(report_id)
    assert loaded.decision is PreliminaryDecision.OPEN_INVESTIGATION
    assert loaded.investigation_opened_on is None and loaded.investigation_not_registered
    # Counted from the decision, as the law counts it; never silently gone.
    due = add_months(decided_on, 4)
    left = days_text((due - today).days)
    forste = client_for("forste")
    board = _board_rows(forste.get("/bevakning/").get_data(as_text=True), loaded.number)
    assert f"Senare {left} {due.isoformat()} Utredning (utredning ej registrerad som inledd) " \
        f"{loaded.number} Utredningsenheten forste" in board
    todo = _text(forste.get("/").get_data(as_text=True))
    assert f"Utredning (utredning ej registrerad som inledd) i Utredningsenheten Senare " \
        f"senast {due.isoformat()}, {left}" in todo
    clock = api("forste", "GET", f"/api/v1/child-reports/{report_id}").get_json()[
        "clocks"]["utredning"]
    assert (clock["status"], clock["deadline"], clock["opened_on"]) == (
        "not_registered", due.isoformat(), None)
    page = forste.get(f"/anmalningar/{report_id}").get_data(as_text=True)
    assert "Registrera när utredningen inleddes" in page

    # Registering when it was in fact opened makes it an ordinary clock from that day.
    opened_on = decided_on + timedelta(days=2)
    response = forste.post(f"/anmalningar/{report_id}/inled-utredning",
                           data={"inv_open_on": opened_on.isoformat()})
    assert response.status_code == 302
    clock = api("forste", "GET", f"/api/v1/child-reports/{report_id}").get_json()[
        "clocks"]["utredning"]
    assert (clock["status"], clock["opened_on"], clock["deadline"]) == (
        "open", opened_on.isoformat(), add_months(opened_on, 4).isoformat())
    board = _board_rows(forste.get("/bevakning/").get_data(as_text=True), loaded.number)
    assert not any("ej registrerad" in row for row in board)
