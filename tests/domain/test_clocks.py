"""The legal clocks at their boundaries (DOMAIN.md: calendar days, Europe/Stockholm)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.child_report import ChildReport, ClockStatus, PreliminaryDecision
from events.clocks import (
    STOCKHOLM,
    add_months,
    investigation_deadline,
    is_past,
    preliminary_assessment_deadline,
    protection_assessment_due,
)
from events.errors import StepOutOfOrder, ValidationFailed
from events.taxonomy import Operation


def received(at: datetime, *, ongoing: bool = False) -> ChildReport:
    return ChildReport.receive(
        number="AN-2026-0001",
        unit="utredning",
        operation=Operation.IFO,
        received_at=at,
        case_reference="IFO-2026-17",
        ongoing_investigation=ongoing,
        now=at + timedelta(days=400),
        actor="forste",
    )


def test_day_14_is_the_deadline_and_day_15_is_a_breach() -> None:
    report = received(datetime(2026, 3, 2, 10, 0, tzinfo=STOCKHOLM))
    assert report.deadline == date(2026, 3, 16)
    assert not report.is_preliminary_breached(date(2026, 3, 16))
    assert report.preliminary_status(date(2026, 3, 16)) is ClockStatus.DUE_TODAY
    assert report.is_preliminary_breached(date(2026, 3, 17))
    assert report.preliminary_status(date(2026, 3, 17)) is ClockStatus.OVERDUE


def test_received_2330_on_the_last_day_of_a_month_counts_from_that_local_day() -> None:
    # 23:30 in Stockholm on 31 January is 22:30 UTC the same day.
    report = received(datetime(2026, 1, 31, 23, 30, tzinfo=STOCKHOLM))
    assert report.deadline == date(2026, 2, 14)
    # Given in UTC, 2026-01-31 23:30Z is already 1 February in Stockholm.
    assert preliminary_assessment_deadline(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == date(
        2026, 2, 15
    )


def test_across_a_daylight_saving_change_the_deadline_stays_14_calendar_days() -> None:
    # Sweden moved to summer time on 29 March 2026 (a 23-hour day).
    at = datetime(2026, 3, 20, 23, 30, tzinfo=STOCKHOLM)
    assert preliminary_assessment_deadline(at) == date(2026, 4, 3)
    # And back on 25 October 2026 (a 25-hour day); 00:30 local, just after midnight.
    at = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)  # 00:30 local on 25 Oct (CEST, +2)
    assert at.astimezone(STOCKHOLM).date() == date(2026, 10, 25)
    assert preliminary_assessment_deadline(at) == date(2026, 11, 8)


def test_skyddsbedomning_is_due_the_same_day_or_the_next_after_the_cutoff() -> None:
    assert protection_assessment_due(datetime(2026, 5, 4, 15, 59, tzinfo=STOCKHOLM)) == date(
        2026, 5, 4
    )
    assert protection_assessment_due(datetime(2026, 5, 4, 16, 0, tzinfo=STOCKHOLM)) == date(
        2026, 5, 5
    )
    late = datetime(2026, 5, 4, 14, 30, tzinfo=STOCKHOLM)
    assert protection_assessment_due(late, cutoff=time(14, 0)) == date(2026, 5, 5)


def test_an_ongoing_investigation_exempts_the_report() -> None:
    report = received(datetime(2026, 3, 2, 10, 0, tzinfo=STOCKHOLM), ongoing=True)
    assert report.preliminary_status(date(2026, 6, 1)) is ClockStatus.EXEMPT
    assert not report.is_preliminary_breached(date(2026, 6, 1))
    with pytest.raises(StepOutOfOrder):
        report.extend_deadline(
            reason="Synnerliga skäl", new_deadline=date(2026, 4, 1), decided_by="nämnden",
            decided_on=date(2026, 3, 5), today=date(2026, 3, 5), actor="x",
        )


DECIDED = {"decided_by": "nämnden", "decided_on": date(2026, 3, 10), "today": date(2026, 3, 10),
           "actor": "forste"}


def test_an_extension_moves_the_breach_and_needs_a_reason() -> None:
    report = received(datetime(2026, 3, 2, 10, 0, tzinfo=STOCKHOLM))
    with pytest.raises(ValidationFailed) as missing:
        report.extend_deadline(reason="  ", new_deadline=date(2026, 3, 30), **DECIDED)
    assert missing.value.field == "reason"
    with pytest.raises(ValidationFailed):
        report.extend_deadline(reason="Tolk saknas", new_deadline=date(2026, 3, 16), **DECIDED)
    report.extend_deadline(
        reason="Vårdnadshavaren vistas utomlands", new_deadline=date(2026, 3, 30), **DECIDED
    )
    assert not report.is_preliminary_breached(date(2026, 3, 30))
    assert report.preliminary_status(date(2026, 3, 20)) is ClockStatus.EXTENDED
    assert report.is_preliminary_breached(date(2026, 3, 31))


def test_a_decision_on_day_14_is_in_time_and_on_day_15_is_late() -> None:
    on_time = received(datetime(2026, 3, 2, 10, 0, tzinfo=STOCKHOLM))
    on_time.decide(
        decision=PreliminaryDecision.NO_INVESTIGATION,
        decided_on=date(2026, 3, 16),
        today=date(2026, 3, 16),
        actor="f",
    )
    assert not on_time.is_preliminary_breached(date(2026, 4, 1))
    assert on_time.preliminary_status(date(2026, 4, 1)) is ClockStatus.DECIDED

    late = received(datetime(2026, 3, 2, 10, 0, tzinfo=STOCKHOLM))
    late.decide(
        decision=PreliminaryDecision.OPEN_INVESTIGATION,
        decided_on=date(2026, 3, 17),
        today=date(2026, 3, 17),
        actor="f",
    )
    assert late.is_preliminary_breached(date(2026, 3, 20))
    assert late.preliminary_status(date(2026, 3, 20)) is ClockStatus.DECIDED_LATE


def test_utredning_is_due_four_calendar_months_after_opening() -> None:
    assert investigation_deadline(date(2026, 1, 15)) == date(2026, 5, 15)
    assert investigation_deadline(date(2026, 10, 31)) == date(2027, 2, 28)
    assert investigation_deadline(date(2027, 10, 31)) == date(2028, 2, 29)
    assert not is_past(date(2026, 5, 15), date(2026, 5, 15))
    assert is_past(date(2026, 5, 15), date(2026, 5, 16))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.integers(0, 48))
def test_add_months_lands_in_the_right_month_and_never_overshoots(start: date, months: int) -> None:
    result = add_months(start, months)
    assert (result.year - start.year) * 12 + result.month - start.month == months
    assert result.day <= start.day


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)))
def test_deadline_is_always_14_local_days_after_the_local_receipt_day(moment: datetime) -> None:
    aware = moment.replace(tzinfo=STOCKHOLM)
    assert preliminary_assessment_deadline(aware) - aware.date() == timedelta(days=14)
