"""One answer to "is this late?": for every kind of legal clock, on each day where its band
changes (later -> N dagar eller mindre -> sista dag i dag -> försenad), Bevakning, Att göra,
the case page, the API and the mails give the same status, the same due day and the same
days left in the same words (events/clocks.py makes the one reading every reader shows)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import unescape
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
import time_machine

from events.child_report import PreliminaryDecision
from events.clocks import STOCKHOLM, Clock, LexSarahClock, add_months, days_text
from projections.runner import catch_up
from tracker.notifications.digest import build_digests
from tracker.notifications.follower import Notifier
from tracker.runtime import Runtime
from tracker.storage.tables import notification_outbox

DAY0 = date(2026, 3, 2)  # a Monday
WARNING = 3  # TRACKER_WARNING_DAYS in the tests' settings
BAND_WORDS = {"overdue": "Försenad", "due_today": "Sista dag i dag",
              "soon": f"{WARNING} dagar eller mindre", "later": "Senare"}
STATUS_FOR_BAND = {"overdue": "overdue", "due_today": "due_today", "soon": "open",
                   "later": "open"}


def at(day: date, clock: time = time(12, 0)) -> datetime:
    return datetime.combine(day, clock, tzinfo=STOCKHOLM)


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@dataclass
class Case:
    id: UUID
    number: str
    due: date
    kind: str  # "child" | "lex_sarah"


def _received(runtime: Runtime, received_at: datetime, *, assess: bool) -> UUID:
    app = runtime.app
    with time_machine.travel(received_at + timedelta(minutes=5), tick=False):
        report = app.receive_child_report(
            actor="forste", unit="utredning", received_at=received_at,
            case_reference="DNR 2026/88",
        )
        if assess:
            app.assess_protection(report.id, actor="forste", assessed_at=received_at,
                                  immediate_protection_needed=False)
        app.assign_handler(report.id, actor="forste", handler="forste")
    return report.id


def protection(runtime: Runtime) -> Case:
    report_id = _received(runtime, at(DAY0, time(16, 30)), assess=False)  # due the next day
    report = runtime.app.get_child_report(report_id)
    return Case(report_id, report.number, DAY0 + timedelta(days=1), "child")


def preliminary(runtime: Runtime) -> Case:
    report_id = _received(runtime, at(DAY0, time(10, 0)), assess=True)
    report = runtime.app.get_child_report(report_id)
    return Case(report_id, report.number, report.deadline, "child")


def investigation(runtime: Runtime) -> Case:
    report_id = _received(runtime, at(DAY0, time(10, 0)), assess=True)
    decided = DAY0 + timedelta(days=5)
    with time_machine.travel(at(decided), tick=False):
        runtime.app.decide_preliminary_assessment(
            report_id, actor="forste", decision=PreliminaryDecision.OPEN_INVESTIGATION,
            decided_on=decided,
        )
    report = runtime.app.get_child_report(report_id)
    return Case(report_id, report.number, add_months(decided, 4), "child")


def reporter_feedback(runtime: Runtime) -> Case:
    """Requested before the decision: due a week after it (SoL 19 kap. 6 §)."""
    report_id = _received(runtime, at(DAY0, time(10, 0)), assess=True)
    decided = DAY0 + timedelta(days=5)
    app = runtime.app
    with time_machine.travel(at(decided), tick=False):
        app.request_reporter_feedback(report_id, actor="forste",
                                      requested_on=DAY0 + timedelta(days=1))
        app.decide_preliminary_assessment(
            report_id, actor="forste", decision=PreliminaryDecision.NO_INVESTIGATION,
            decided_on=decided,
        )
    report = app.get_child_report(report_id)
    return Case(report_id, report.number, decided + timedelta(days=7), "child")


def _lex_sarah(runtime: Runtime, *, remedied: bool) -> Case:
    app = runtime.app
    with time_machine.travel(at(DAY0), tick=False):
        deviation = app.file_deviation(
            actor="rapportor", unit="utredning", category="genomforande", subcategory=None,
            occurred_on=DAY0, description="Knivar låg framme i köket.",
        )
        case = app.escalate_to_lex_sarah(deviation.id, actor="utvecklare", reason="Risk.",
                                         opened_on=DAY0)
        app.assign_investigator(case.id, actor="lexsarah", investigator="lexsarah")
        if remedied:
            app.record_protective_action(case.id, actor="lexsarah",
                                         description="Knivarna låstes in.", taken_on=DAY0)
    due = DAY0 if not remedied else DAY0 + timedelta(days=runtime.settings.ivo_target_days)
    return Case(case.id, case.number, due, "lex_sarah")


def remedy(runtime: Runtime) -> Case:
    return _lex_sarah(runtime, remedied=False)


def ivo(runtime: Runtime) -> Case:
    return _lex_sarah(runtime, remedied=True)


# Each clock with the bands it can reach, by days left: a clock due the day it starts has
# no "later".
CLOCKS: dict[str, tuple[Callable[[Runtime], Case], str, list[int]]] = {
    Clock.SKYDDSBEDOMNING: (protection, "Skyddsbedömning", [1, 0, -1]),
    Clock.FORHANDSBEDOMNING: (preliminary, "Förhandsbedömning", [WARNING + 1, WARNING, 0, -1]),
    Clock.UTREDNINGSTID: (investigation, "Utredning", [WARNING + 1, WARNING, 0, -1]),
    Clock.ATERKOPPLING: (reporter_feedback, "Återkoppling till anmälaren",
                         [WARNING + 1, WARNING, 0, -1]),
    LexSarahClock.AVHJALPANDE: (remedy, "Lex Sarah: avhjälpa genast", [0, -1]),
    LexSarahClock.IVO: (ivo, "Lex Sarah: anmälan till IVO", [WARNING + 1, WARNING, 0, -1]),
}
API_KEYS = {Clock.SKYDDSBEDOMNING: "skyddsbedomning",
            Clock.FORHANDSBEDOMNING: "forhandsbedomning", Clock.UTREDNINGSTID: "utredning"}


def band_of(left: int) -> str:
    return "overdue" if left < 0 else "due_today" if left == 0 else (
        "soon" if left <= WARNING else "later")


def board_row(html: str, number: str, label: str) -> str | None:
    rows = [text(row) for row in re.findall(r"<tr class=\"row-\w+\">(.*?)</tr>", html, re.S)]
    found = [row for row in rows if number in row and f" {label} " in f" {row} "]
    assert len(found) <= 1, found
    return found[0] if found else None


def mails(runtime: Runtime, number: str) -> list[str]:
    with runtime.engine.connect() as connection:
        rows = connection.execute(sa.select(notification_outbox)).mappings().all()
    return [row["body"] for row in rows if number in row["subject"]]


@pytest.mark.parametrize("clock", list(CLOCKS), ids=[str(c) for c in CLOCKS])
def test_every_reader_gives_the_same_reading_at_each_band_boundary(
    clock: str, runtime: Runtime, client_for: Callable[[str], Any], api: Callable[..., Any],
    users: Any,
) -> None:
    setup, label, lefts = CLOCKS[clock]
    case = setup(runtime)
    reader = "forste" if case.kind == "child" else "lexsarah"
    page_path = (f"/anmalningar/{case.id}" if case.kind == "child"
                 else f"/lex-sarah/{case.id}")
    notifier = Notifier(runtime)
    for left in lefts:
        today = case.due - timedelta(days=left)
        band = band_of(left)
        words = days_text(left)
        seen = (str(clock), left)
        with time_machine.travel(at(today), tick=False):
            assert catch_up(runtime, timeout=30)
            assert runtime.app.today() == today
            client = client_for(reader)

            # Bevakning: the band in words, the days in words, the due day.
            row = board_row(client.get("/bevakning/").get_data(as_text=True), case.number,
                            label)
            assert row == (f"{BAND_WORDS[band]} {words} {case.due.isoformat()} {label} "
                           f"{case.number} Utredningsenheten {reader}"), seen

            # Att göra: the same band and words under the same due day.
            todo = text(client.get("/").get_data(as_text=True))
            assert f"{BAND_WORDS[band]} senast {case.due.isoformat()}, {words}" in todo or (
                f"{BAND_WORDS[band]} avhjälpa genast, senast {case.due.isoformat()}, {words}"
                in todo) or (
                f"{BAND_WORDS[band]} tidsmål för IVO senast {case.due.isoformat()}, {words}"
                in todo), (seen, todo)

            # The case page: the due day with the same words.
            page = text(client.get(page_path).get_data(as_text=True))
            assert f"{case.due.isoformat()} ({words})" in page, (seen, page)

            # The API: status, days left and band.
            body = api(reader, "GET", "/api/v1" + page_path.replace(
                "/anmalningar/", "/child-reports/")).get_json()
            if clock == Clock.ATERKOPPLING:
                found = body["reporter_feedback"]
            elif case.kind == "child":
                found = body["clocks"][API_KEYS[Clock(clock)]]
            else:
                (found,) = [c for c in body["clocks"] if c["clock"] == str(clock)]
                assert found["days_text"] == words, seen
            assert (found["status"], found["days_left"], found["band"]) == (
                STATUS_FOR_BAND[band], left, band), seen

            # The mails: the daily digest (child reports' clocks) and the IVO reminder.
            if case.kind == "child":
                lines = [line for d in build_digests(runtime, today) if d.unit == "utredning"
                         for line in d.body(WARNING).splitlines()
                         if case.number in line and label.lower() in line]
                if band == "later":
                    assert lines == [], seen  # not news yet
                else:
                    assert len(lines) == 1, (seen, lines)
                    assert f"senast {case.due.isoformat()} ({words})" in lines[0], seen
            elif clock == LexSarahClock.IVO:
                # One reminder per threshold (soon, overdue), in the day's words.
                before = set(mails(runtime, case.number))
                notifier.scan_reminders(today)
                new = [m for m in set(mails(runtime, case.number)) - before
                       if "Tidsmål för anmälan till IVO" in m]
                if left in (WARNING, -1):
                    assert len(new) == 1, seen
                    assert f"Tidsmål för anmälan till IVO: {case.due.isoformat()} ({words})" in (
                        new[0]), seen
                else:
                    assert new == [], seen
