"""Swedish public holidays are computed, and the Sunday rule (Lag (1930:173)) moves a
period's last day to the next working day only when the installation turns it on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.calendar import easter_sunday, is_working_day, next_working_day, public_holidays
from events.clocks import STOCKHOLM, investigation_deadline, preliminary_assessment_deadline


@pytest.mark.parametrize(("year", "easter"), [
    (2019, date(2019, 4, 21)), (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
    (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25)),
])
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_the_holidays_of_2026() -> None:
    assert public_holidays(2026) == {
        date(2026, 1, 1): "Nyårsdagen",
        date(2026, 1, 6): "Trettondedag jul",
        date(2026, 4, 3): "Långfredagen",
        date(2026, 4, 5): "Påskdagen",
        date(2026, 4, 6): "Annandag påsk",
        date(2026, 5, 1): "Första maj",
        date(2026, 5, 14): "Kristi himmelsfärdsdag",
        date(2026, 5, 24): "Pingstdagen",
        date(2026, 6, 6): "Sveriges nationaldag",
        date(2026, 6, 20): "Midsommardagen",
        date(2026, 10, 31): "Alla helgons dag",
        date(2026, 12, 25): "Juldagen",
        date(2026, 12, 26): "Annandag jul",
    }


def received(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=STOCKHOLM)


def test_saturday_receipt_with_the_rule_is_due_monday_and_without_it_saturday() -> None:
    saturday = received(date(2026, 3, 7))
    assert preliminary_assessment_deadline(saturday, sunday_rule=True) == date(2026, 3, 23)
    assert preliminary_assessment_deadline(saturday) == date(2026, 3, 21)


@pytest.mark.parametrize(("received_on", "with_rule", "why"), [
    (date(2026, 6, 5), date(2026, 6, 22), "day 14 is midsommarafton (Friday 19 June)"),
    (date(2025, 6, 6), date(2025, 6, 23), "midsommarafton 2025 is Friday 20 June"),
    (date(2026, 3, 20), date(2026, 4, 7), "långfredagen, påskafton, påskdagen, annandag påsk"),
    (date(2026, 3, 23), date(2026, 4, 7), "day 14 is annandag påsk"),
    (date(2026, 12, 10), date(2026, 12, 28), "julafton, juldagen, annandag jul, Sunday"),
    (date(2026, 12, 17), date(2027, 1, 4), "nyårsafton, nyårsdagen, the weekend"),
    (date(2026, 12, 23), date(2027, 1, 7), "trettondedag jul on a Wednesday"),
    (date(2026, 4, 30), date(2026, 5, 15), "Kristi himmelsfärdsdag"),
    (date(2026, 3, 2), date(2026, 3, 16), "a Monday: nothing moves"),
])
def test_holiday_adjacent_deadlines(received_on: date, with_rule: date, why: str) -> None:
    moment = received(received_on)
    assert preliminary_assessment_deadline(moment, sunday_rule=True) == with_rule, why
    assert preliminary_assessment_deadline(moment) == received_on + timedelta(days=14), why


def test_the_investigation_deadline_moves_too_with_the_rule() -> None:
    # Opened 2026-08-24: four months end on Tuesday 2026-12-24 (julafton).
    assert investigation_deadline(date(2026, 8, 24)) == date(2026, 12, 24)
    assert investigation_deadline(date(2026, 8, 24), sunday_rule=True) == date(2026, 12, 28)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # shared CI machines
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_next_working_day_is_a_weekday_within_five_days(day: date) -> None:
    result = next_working_day(day)
    assert result.weekday() < 5 and is_working_day(result)
    assert timedelta(0) <= result - day <= timedelta(days=5)
    assert all(not is_working_day(day + timedelta(days=n)) for n in range((result - day).days))


def test_dst_does_not_shift_the_local_day() -> None:
    # 00:30 local on the day after summer time starts (2026-03-30) is 22:30 UTC the day before.
    moment = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)
    assert preliminary_assessment_deadline(moment, sunday_rule=True) == date(2026, 4, 13)
