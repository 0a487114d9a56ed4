"""The scan with a frozen clock at the legal boundaries (Europe/Stockholm calendar days).

A report received on 2 March 2026 (day 0) has its förhandsbedömning due on 16 March
(day 14) and is breached from 17 March (day 15)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import time_machine

from events.child_report import PreliminaryDecision
from events.clocks import STOCKHOLM, Clock, add_months
from events.deviation import DeviationStatus, Source
from events.taxonomy import Operation
from projections.queries import child_reports, deadline_board, list_deviations
from tracker.application import breach_deviation_id
from tracker.runtime import Runtime
from tracker.scheduler import ScanResult, scan

DAY0 = date(2026, 3, 2)
RECEIVED = datetime.combine(DAY0, time(10, 0), tzinfo=STOCKHOLM)


def day(n: int, at: time = time(12, 0)) -> datetime:
    return datetime.combine(DAY0 + timedelta(days=n), at, tzinfo=STOCKHOLM)


def scan_at(runtime: Runtime, moment: datetime) -> ScanResult:
    # The scan reads the default clock (the application's), frozen here.
    with time_machine.travel(moment, tick=False):
        return scan(runtime)


def board_row(runtime: Runtime, today: date, report_id: object) -> dict:
    rows = [r for r in child_reports(runtime.engine, today) if r["id"] == report_id]
    assert len(rows) == 1
    return rows[0]


def test_day_14_is_not_flagged_and_day_15_is_flagged_once(
    runtime: Runtime, receive: Callable, count_deviations: Callable[[], int]
) -> None:
    app = runtime.app
    report = receive(RECEIVED, case_reference="DNR 2026/314")

    assert scan_at(runtime, day(14, time(23, 59, 59))).flagged == []
    assert count_deviations() == 0

    result = scan_at(runtime, day(15, time(0, 0, 30)))
    assert [(f.report_number, f.clock) for f in result.flagged] == [
        (report.number, Clock.FORHANDSBEDOMNING)
    ]
    deviation_id = app.get_child_report(report.id).breach_deviation_id
    assert deviation_id == breach_deviation_id(report.id, Clock.FORHANDSBEDOMNING)
    deviation = app.get_deviation(deviation_id)
    assert result.flagged[0].deviation_number == deviation.number
    assert deviation.source is Source.SCHEDULER
    assert (deviation.unit, deviation.operation) == ("utredning", Operation.IFO)
    assert (deviation.category, deviation.subcategory) == ("handlaggning", "forhandsbedomning")
    assert deviation.occurred_on == date(2026, 3, 17)
    assert deviation.reported_on == date(2026, 3, 17)
    assert "DNR 2026/314" in deviation.description
    assert "1 dagar över tiden" in deviation.description

    # Again the same day, and on later days: nothing new.
    assert scan_at(runtime, day(15, time(0, 15))).flagged == []
    assert scan_at(runtime, day(30)).flagged == []
    assert count_deviations() == 1
    assert board_row(runtime, DAY0 + timedelta(days=15), report.id)["status"] == "overdue"


def test_an_extended_deadline_moves_the_breach(
    runtime: Runtime, receive: Callable, count_deviations: Callable[[], int]
) -> None:
    app = runtime.app
    report = receive(RECEIVED)
    with time_machine.travel(day(10), tick=False):
        app.extend_preliminary_deadline(
            report.id, actor="forste", reason="Synnerliga skäl: tolk saknas",
            new_deadline=DAY0 + timedelta(days=20), decided_by="nämnden",
        )
    assert scan_at(runtime, day(15)).flagged == []
    assert board_row(runtime, DAY0 + timedelta(days=15), report.id)["status"] == "extended"
    assert scan_at(runtime, day(20, time(23, 59))).flagged == []
    assert count_deviations() == 0

    result = scan_at(runtime, day(21, time(0, 1)))
    assert [f.report_number for f in result.flagged] == [report.number]
    deviation = app.get_deviation(breach_deviation_id(report.id, Clock.FORHANDSBEDOMNING))
    assert deviation.occurred_on == DAY0 + timedelta(days=21)


def test_no_breach_when_an_investigation_is_already_ongoing(
    runtime: Runtime, receive: Callable, count_deviations: Callable[[], int]
) -> None:
    report = receive(RECEIVED, ongoing_investigation=True)
    assert scan_at(runtime, day(15)).flagged == []
    assert scan_at(runtime, day(60)).flagged == []
    assert count_deviations() == 0
    assert board_row(runtime, DAY0 + timedelta(days=60), report.id)["status"] == "exempt"


def test_a_decision_on_day_14_is_in_time(
    runtime: Runtime, receive: Callable, count_deviations: Callable[[], int]
) -> None:
    app = runtime.app
    report = receive(RECEIVED)
    with time_machine.travel(day(14, time(16, 30)), tick=False):
        app.decide_preliminary_assessment(
            report.id, actor="forste", decision=PreliminaryDecision.NO_INVESTIGATION
        )
    assert scan_at(runtime, day(15)).flagged == []
    assert count_deviations() == 0
    assert board_row(runtime, DAY0 + timedelta(days=15), report.id)["status"] == "decided"


def test_a_decision_after_the_breach_keeps_its_deviation(
    runtime: Runtime, receive: Callable, count_deviations: Callable[[], int]
) -> None:
    app = runtime.app
    report = receive(RECEIVED)
    assert len(scan_at(runtime, day(15)).flagged) == 1
    with time_machine.travel(day(16), tick=False):
        app.decide_preliminary_assessment(
            report.id, actor="forste", decision=PreliminaryDecision.OPEN_INVESTIGATION
        )
    assert scan_at(runtime, day(17)).flagged == []

    deviation_id = breach_deviation_id(report.id, Clock.FORHANDSBEDOMNING)
    assert app.get_deviation(deviation_id).status is DeviationStatus.OPEN  # it happened
    assert count_deviations() == 1
    row = board_row(runtime, DAY0 + timedelta(days=17), report.id)
    assert row["status"] == "decided_late"
    assert row["breach_deviation_id"] == deviation_id
    listed = list_deviations(runtime.engine, category="handlaggning")
    assert [item["id"] for item in listed.items] == [deviation_id]


def test_a_scheduler_down_for_days_still_flags_dated_from_the_deadline(
    runtime: Runtime, receive: Callable, count_deviations: Callable[[], int]
) -> None:
    app = runtime.app
    report = receive(RECEIVED, unit="stodboendet")
    result = scan_at(runtime, day(20, time(9, 0)))  # the first scan since day 13
    assert [f.report_number for f in result.flagged] == [report.number]
    deviation = app.get_deviation(breach_deviation_id(report.id, Clock.FORHANDSBEDOMNING))
    assert deviation.occurred_on == DAY0 + timedelta(days=15)  # deadline + 1
    assert deviation.reported_on == DAY0 + timedelta(days=20)  # the day it was flagged
    assert (deviation.unit, deviation.operation) == ("stodboendet", Operation.HVB)
    assert "6 dagar över tiden" in deviation.description
    assert count_deviations() == 1


def test_a_late_decision_made_while_the_scheduler_was_down_is_still_flagged(
    runtime: Runtime, receive: Callable, count_deviations: Callable[[], int]
) -> None:
    app = runtime.app
    report = receive(RECEIVED)
    with time_machine.travel(day(17), tick=False):
        app.decide_preliminary_assessment(
            report.id, actor="forste", decision=PreliminaryDecision.NO_INVESTIGATION
        )
    result = scan_at(runtime, day(18))
    assert [f.report_number for f in result.flagged] == [report.number]
    assert count_deviations() == 1
    assert app.get_deviation(
        breach_deviation_id(report.id, Clock.FORHANDSBEDOMNING)
    ).occurred_on == DAY0 + timedelta(days=15)


def test_an_investigation_past_four_months_files_an_utredningstid_deviation(
    runtime: Runtime, receive: Callable, count_deviations: Callable[[], int]
) -> None:
    app = runtime.app
    report = receive(RECEIVED)
    with time_machine.travel(day(5), tick=False):
        app.decide_preliminary_assessment(
            report.id, actor="forste", decision=PreliminaryDecision.OPEN_INVESTIGATION
        )
    deadline = add_months(DAY0 + timedelta(days=5), 4)  # 7 July 2026
    last_day = datetime.combine(deadline, time(23, 59), tzinfo=STOCKHOLM)

    assert scan_at(runtime, last_day).flagged == []
    result = scan_at(runtime, last_day + timedelta(minutes=2))
    assert [(f.report_number, f.clock) for f in result.flagged] == [
        (report.number, Clock.UTREDNINGSTID)
    ]
    deviation = app.get_deviation(breach_deviation_id(report.id, Clock.UTREDNINGSTID))
    assert (deviation.category, deviation.subcategory) == ("handlaggning", "utredningstid")
    assert deviation.occurred_on == deadline + timedelta(days=1)
    assert app.get_child_report(report.id).investigation_breach_deviation_id == deviation.id
    assert scan_at(runtime, last_day + timedelta(days=3)).flagged == []
    assert count_deviations() == 1


def test_an_extended_investigation_is_not_breached_until_its_new_deadline(
    runtime: Runtime, receive: Callable, count_deviations: Callable[[], int]
) -> None:
    app = runtime.app
    report = receive(RECEIVED)
    with time_machine.travel(day(5), tick=False):
        app.decide_preliminary_assessment(
            report.id, actor="forste", decision=PreliminaryDecision.OPEN_INVESTIGATION
        )
    deadline = add_months(DAY0 + timedelta(days=5), 4)
    extended = deadline + timedelta(days=30)
    with time_machine.travel(datetime.combine(deadline, time(9), tzinfo=STOCKHOLM), tick=False):
        app.extend_investigation(
            report.id, actor="forste", reason="Särskilda skäl: väntar på BUP",
            new_deadline=extended, decided_by="Enhetschef Eva",
        )
    assert scan_at(runtime, datetime.combine(extended, time(12), tzinfo=STOCKHOLM)).flagged == []
    assert count_deviations() == 0
    after = datetime.combine(extended + timedelta(days=1), time(12), tzinfo=STOCKHOLM)
    assert [f.clock for f in scan_at(runtime, after).flagged] == [Clock.UTREDNINGSTID]


def test_a_late_skyddsbedomning_is_on_the_board_and_files_nothing_by_default(
    runtime: Runtime, receive: Callable, count_deviations: Callable[[], int]
) -> None:
    report = receive(RECEIVED)  # 10:00, before the cut-off: due the same day
    assert scan_at(runtime, day(1)).flagged == []
    assert count_deviations() == 0
    rows = deadline_board(runtime.engine, DAY0 + timedelta(days=1))
    late = [r for r in rows if r["report_id"] == report.id and r["clock"] == "skyddsbedomning"]
    assert [(r["band"], r["days_left"]) for r in late] == [("overdue", -1)]


def test_the_setting_files_one_deviation_for_a_late_skyddsbedomning(
    runtime: Runtime, receive: Callable, count_deviations: Callable[[], int]
) -> None:
    app = runtime.app
    strict = dataclasses.replace(
        runtime, settings=dataclasses.replace(runtime.settings, file_protection_deviations=True)
    )
    late = receive(RECEIVED)
    in_time = receive(RECEIVED, case_reference="DNR 2026/102")
    with time_machine.travel(RECEIVED + timedelta(hours=2), tick=False):
        app.assess_protection(
            in_time.id, actor="forste", assessed_at=RECEIVED + timedelta(hours=1),
            immediate_protection_needed=False,
        )
    assert scan_at(strict, day(0, time(23, 59))).flagged == []
    result = scan_at(strict, day(1, time(8, 0)))
    assert [(f.report_number, f.clock) for f in result.flagged] == [
        (late.number, Clock.SKYDDSBEDOMNING)
    ]
    deviation = app.get_deviation(breach_deviation_id(late.id, Clock.SKYDDSBEDOMNING))
    assert (deviation.category, deviation.subcategory) == ("handlaggning", "annat")
    assert deviation.occurred_on == DAY0 + timedelta(days=1)
    assert "Skyddsbedömningen" in deviation.description
    assert scan_at(strict, day(2)).flagged == []
    assert count_deviations() == 1


def test_a_breach_that_cannot_be_filed_is_reported_and_retried_next_scan(
    runtime: Runtime, receive: Callable, count_deviations: Callable[[], int]
) -> None:
    first = receive(RECEIVED)
    second = receive(RECEIVED + timedelta(hours=1))
    taxonomy = runtime.organisation.taxonomy()
    handling = taxonomy.categories["handlaggning"]
    closed = dataclasses.replace(
        taxonomy,
        categories={**taxonomy.categories,
                    "handlaggning": dataclasses.replace(handling, active=False)},
    )
    runtime.organisation.publish_taxonomy(closed, actor="admin")

    result = scan_at(runtime, day(15))
    assert result.flagged == []
    assert sorted(r for r, _, _ in result.failed) == sorted([first.id, second.id])
    assert count_deviations() == 0

    runtime.organisation.publish_taxonomy(
        dataclasses.replace(closed, categories=taxonomy.categories), actor="admin"
    )
    retried = scan_at(runtime, day(16))
    assert sorted(f.report_number for f in retried.flagged) == sorted(
        [first.number, second.number]
    )
    assert count_deviations() == 2
