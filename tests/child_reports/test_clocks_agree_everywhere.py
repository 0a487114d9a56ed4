"""Each legal clock driven through its boundary days: the aggregate, the Bevakning page,
the scheduler and the JSON API must tell the same story on every day (DOMAIN.md: due on the
deadline day, breached from the day after)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
import time_machine

from events.child_report import PreliminaryDecision
from events.clocks import STOCKHOLM, Clock, ClockStatus, add_months
from tracker.application import breach_deviation_id
from tracker.runtime import Runtime
from tracker.scheduler import scan

DAY0 = date(2026, 3, 2)
OPENED_ON = DAY0 + timedelta(days=5)
INVESTIGATION_DUE = add_months(OPENED_ON, 4)  # 2026-07-07

# What the board says for a running clock, by status (days left decides soon/later).
BOARD_BAND = {
    ClockStatus.OVERDUE: "overdue",
    ClockStatus.DUE_TODAY: "due_today",
    ClockStatus.OPEN: "soon",  # every checked day below is within the 3 warning days
}
# API v1's names for the clocks' objects.
API_KEY = {
    Clock.SKYDDSBEDOMNING: "skyddsbedomning",
    Clock.FORHANDSBEDOMNING: "forhandsbedomning",
    Clock.UTREDNINGSTID: "utredning",
}


def at(day: date, clock: time = time(12, 0)) -> datetime:
    return datetime.combine(day, clock, tzinfo=STOCKHOLM)


def _receive(runtime: Runtime, received_at: datetime, *, assess: bool) -> UUID:
    app = runtime.app
    with time_machine.travel(received_at + timedelta(minutes=5), tick=False):
        report = app.receive_child_report(
            actor="forste", unit="utredning", received_at=received_at,
            case_reference="DNR 2026/77",
        )
        if assess:  # keep the skyddsbedömning out of the way of the clock under test
            app.assess_protection(
                report.id, actor="forste", assessed_at=received_at,
                immediate_protection_needed=False,
            )
    return report.id


def preliminary(runtime: Runtime) -> UUID:
    return _receive(runtime, at(DAY0, time(10, 0)), assess=True)


def protection(runtime: Runtime) -> UUID:
    # After the 16:00 cut-off: "genast" means the next day.
    return _receive(runtime, at(DAY0, time(16, 30)), assess=False)


def investigation(runtime: Runtime) -> UUID:
    report_id = _receive(runtime, at(DAY0, time(10, 0)), assess=True)
    app = runtime.app
    with time_machine.travel(at(OPENED_ON), tick=False):
        app.decide_preliminary_assessment(
            report_id, actor="forste", decision=PreliminaryDecision.OPEN_INVESTIGATION,
            decided_on=OPENED_ON,
        )
    return report_id


SCENARIOS: dict[Clock, tuple[Callable[[Runtime], UUID], list[tuple[datetime, ClockStatus]]]] = {
    Clock.FORHANDSBEDOMNING: (preliminary, [
        (at(DAY0 + timedelta(days=13)), ClockStatus.OPEN),
        (at(DAY0 + timedelta(days=14), time(23, 59)), ClockStatus.DUE_TODAY),
        (at(DAY0 + timedelta(days=15), time(0, 1)), ClockStatus.OVERDUE),
        (at(DAY0 + timedelta(days=16)), ClockStatus.OVERDUE),
    ]),
    Clock.SKYDDSBEDOMNING: (protection, [
        (at(DAY0, time(17, 0)), ClockStatus.OPEN),
        (at(DAY0 + timedelta(days=1), time(23, 59)), ClockStatus.DUE_TODAY),
        (at(DAY0 + timedelta(days=2), time(0, 1)), ClockStatus.OVERDUE),
        (at(DAY0 + timedelta(days=3)), ClockStatus.OVERDUE),
    ]),
    Clock.UTREDNINGSTID: (investigation, [
        (at(INVESTIGATION_DUE - timedelta(days=1)), ClockStatus.OPEN),
        (at(INVESTIGATION_DUE, time(23, 59)), ClockStatus.DUE_TODAY),
        (at(INVESTIGATION_DUE + timedelta(days=1), time(0, 1)), ClockStatus.OVERDUE),
        (at(INVESTIGATION_DUE + timedelta(days=2)), ClockStatus.OVERDUE),
    ]),
}


def aggregate_status(runtime: Runtime, report_id: UUID, clock: Clock, today: date) -> Any:
    report = runtime.app.get_child_report(report_id)
    return {
        Clock.SKYDDSBEDOMNING: report.protection_status,
        Clock.FORHANDSBEDOMNING: report.preliminary_status,
        Clock.UTREDNINGSTID: report.investigation_status,
    }[clock](today)


def board_band(html: str, number: str, clock: Clock) -> str | None:
    """The band of the board's row for this report's clock; None when it has none."""
    bands = [
        band
        for band, label, row_number in re.findall(
            r'<tr class="row-(\w+)">.*?<td[^>]*>([^<]+)</td>\s*<td[^>]*><a [^>]*>'
            r'<span class="nowrap">([^<]+)</span></a>', html,
            re.S,
        )
        if label == clock.label and row_number == number
    ]
    assert len(bands) <= 1, bands
    return bands[0] if bands else None


@pytest.mark.parametrize("clock", list(SCENARIOS), ids=[c.value for c in SCENARIOS])
def test_every_view_of_a_clock_agrees_on_each_boundary_day(
    clock: Clock, runtime: Runtime, client_for: Callable[[str], Any], api: Callable[..., Any]
) -> None:
    setup, days = SCENARIOS[clock]
    report_id = setup(runtime)
    number = runtime.app.get_child_report(report_id).number
    # The late skyddsbedömning files a deviation only where the installation asks for it.
    strict = dataclasses.replace(
        runtime, settings=dataclasses.replace(runtime.settings, file_protection_deviations=True)
    )
    flagged_before = False
    for moment, expected in days:
        with time_machine.travel(moment, tick=False):
            today = runtime.app.today()
            seen = (clock.value, today.isoformat())

            assert aggregate_status(runtime, report_id, clock, today) is expected, seen

            body = api("forste", "GET", f"/api/v1/child-reports/{report_id}").get_json()
            assert body["clocks"][API_KEY[clock]]["status"] == expected.value, seen

            html = client_for("forste").get("/bevakning/").get_data(as_text=True)
            assert board_band(html, number, clock) == BOARD_BAND[expected], seen

            flagged = [f.clock for f in scan(strict).flagged if f.report_number == number]
            # Flagged once, on the first day it is breached; never before.
            should_flag = expected is ClockStatus.OVERDUE and not flagged_before
            assert flagged == ([clock] if should_flag else []), seen
            flagged_before = flagged_before or should_flag
    assert flagged_before


def test_breach_deviation_ids_stay_those_already_stored() -> None:
    """The ids were derived from the clocks' older names; renaming the clocks must not
    change them, or a breach flagged before the rename could be filed a second time."""
    report_id = UUID("0b7c5a3e-6a53-4c1e-9f7e-1d2a3b4c5d6e")
    for clock, stored in [
        (Clock.FORHANDSBEDOMNING, "preliminary"),
        (Clock.UTREDNINGSTID, "investigation"),
        (Clock.SKYDDSBEDOMNING, "protection"),
    ]:
        expected = uuid5(NAMESPACE_URL, f"/tracker/child-reports/{report_id}/breach/{stored}")
        assert breach_deviation_id(report_id, clock) == expected
