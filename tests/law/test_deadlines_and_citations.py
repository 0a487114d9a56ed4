"""The scheduler and the clocks under the law: each breach cites the numbering in force on
its deadline date (page, API and the filed deviation agree), the optional Sunday rule, and
a scan just after midnight on the day after a DST change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

import time_machine

from events.clocks import STOCKHOLM, Clock
from projections.runner import catch_up
from tracker.runtime import Runtime
from tracker.scheduler import ScanResult, scan

OLD = "SoL (2001:453) 11 kap. 1 a §"
NEW = "SoL (2025:400) 20 kap. 2 §"


def local(day: date, at: time = time(12, 0)) -> datetime:
    return datetime.combine(day, at, tzinfo=STOCKHOLM)


def scan_at(runtime: Runtime, moment: datetime) -> ScanResult:
    with time_machine.travel(moment, tick=False):
        return scan(runtime)


def test_a_june_deadline_cites_the_old_sol_and_a_july_deadline_the_new(
    runtime: Runtime, receive: Callable[..., Any], client_for: Callable[[str], Any],
    api: Callable[..., Any],
) -> None:
    june = receive(local(date(2025, 6, 1), time(9)), case_reference="DNR 2025/61")
    july = receive(local(date(2025, 7, 1), time(9)), case_reference="DNR 2025/71")
    assert (june.deadline, july.deadline) == (date(2025, 6, 15), date(2025, 7, 15))
    result = scan_at(runtime, local(date(2025, 7, 20)))
    assert {f.report_number for f in result.flagged} == {june.number, july.number}

    app = runtime.app
    for report, cited, other in ((june, OLD, NEW), (july, NEW, OLD)):
        deviation_id = app.get_child_report(report.id).breach_deviation_id
        description = app.get_deviation(deviation_id).description
        assert f"({cited})" in description and other not in description
        with time_machine.travel(local(date(2025, 7, 20)), tick=False):
            page = client_for("forste").get(f"/anmalningar/{report.id}").get_data(as_text=True)
            body = api("forste", "GET", f"/api/v1/child-reports/{report.id}").get_json()
        assert cited in page and other not in page
        assert body["legal_reference"]["forhandsbedomning"] == cited
        assert body["clocks"]["forhandsbedomning"]["legal_reference"] == cited
    # The skyddsbedömning is 20 kap. 1 § in the new numbering.
    assert body["legal_reference"]["skyddsbedomning"] == "SoL (2025:400) 20 kap. 1 §"
    assert body["legal_reference"]["utredningstid"] == "SoL (2025:400) 20 kap. 3 §"


def test_with_the_sunday_rule_a_saturday_report_is_due_monday_and_breached_tuesday(
    sunday_runtime: Runtime, receive_into: Callable[[Runtime], Any]
) -> None:
    report = receive_into(sunday_runtime)(local(date(2026, 3, 7), time(11)))
    assert report.deadline == date(2026, 3, 23)
    assert scan_at(sunday_runtime, local(date(2026, 3, 22), time(23, 59))).flagged == []
    assert scan_at(sunday_runtime, local(date(2026, 3, 23), time(23, 59))).flagged == []
    flagged = scan_at(sunday_runtime, local(date(2026, 3, 24), time(0, 1))).flagged
    assert [(f.report_number, f.clock) for f in flagged] == [
        (report.number, Clock.FORHANDSBEDOMNING)
    ]
    deviation = sunday_runtime.app.get_deviation(
        sunday_runtime.app.get_child_report(report.id).breach_deviation_id
    )
    assert "Tidsfristen löpte ut 2026-03-23" in deviation.description


def test_without_the_rule_the_same_report_is_breached_on_sunday(
    runtime: Runtime, receive: Callable[..., Any]
) -> None:
    assert runtime.settings.sunday_rule is False  # the default
    report = receive(local(date(2026, 3, 7), time(11)))
    assert report.deadline == date(2026, 3, 21)
    assert scan_at(runtime, local(date(2026, 3, 21), time(23, 59))).flagged == []
    flagged = scan_at(runtime, local(date(2026, 3, 22), time(0, 1))).flagged
    assert [f.report_number for f in flagged] == [report.number]


def test_midsommar_easter_and_christmas_deadlines_with_the_rule(
    sunday_runtime: Runtime, receive_into: Callable[[Runtime], Any]
) -> None:
    receive = receive_into(sunday_runtime)
    cases = {
        date(2026, 6, 5): date(2026, 6, 22),  # day 14 = midsommarafton
        date(2026, 3, 20): date(2026, 4, 7),  # day 14 = långfredagen
        date(2026, 12, 10): date(2026, 12, 28),  # day 14 = julafton
    }
    reports = {receive(local(day, time(9))).number: due for day, due in cases.items()}
    catch_up(sunday_runtime, timeout=30)
    for number, due in reports.items():
        from projections.queries import child_reports

        [row] = [r for r in child_reports(sunday_runtime.engine, due) if r["number"] == number]
        assert (row["deadline"], row["status"]) == (due, "due_today")


def test_a_scan_at_0030_the_day_after_summer_time_starts_flags_once(
    runtime: Runtime, receive: Callable[..., Any]
) -> None:
    # Deadline Sunday 29 March 2026, the 23-hour day; 00:30 on the 30th is 22:30 UTC on the 29th.
    report = receive(local(date(2026, 3, 15), time(10)))
    assert report.deadline == date(2026, 3, 29)
    at = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)
    assert at.astimezone(STOCKHOLM).replace(tzinfo=None) == datetime(2026, 3, 30, 0, 30)
    assert scan_at(runtime, datetime(2026, 3, 29, 21, 59, tzinfo=UTC)).flagged == []  # 23:59
    assert [f.report_number for f in scan_at(runtime, at).flagged] == [report.number]
    assert scan_at(runtime, datetime(2026, 3, 29, 22, 45, tzinfo=UTC)).flagged == []
    assert scan_at(runtime, local(date(2026, 3, 30), time(9))).flagged == []


def test_a_scan_at_0030_the_day_after_winter_time_starts_flags_once(
    runtime: Runtime, receive: Callable[..., Any]
) -> None:
    # Deadline Sunday 25 October 2026, the 25-hour day; 00:30 on the 26th is 23:30 UTC.
    report = receive(local(date(2026, 10, 11), time(10)))
    assert report.deadline == date(2026, 10, 25)
    at = datetime(2026, 10, 25, 23, 30, tzinfo=UTC)
    assert at.astimezone(STOCKHOLM).replace(tzinfo=None) == datetime(2026, 10, 26, 0, 30)
    assert scan_at(runtime, datetime(2026, 10, 25, 22, 59, tzinfo=UTC)).flagged == []  # 23:59
    assert [f.report_number for f in scan_at(runtime, at).flagged] == [report.number]
    assert scan_at(runtime, datetime(2026, 10, 25, 23, 45, tzinfo=UTC)).flagged == []
