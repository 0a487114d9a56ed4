"""The legal clocks as pure functions. Calendar days in Europe/Stockholm."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PRELIMINARY_ASSESSMENT_DAYS = 14
INVESTIGATION_MONTHS = 4
DEFAULT_PROTECTION_CUTOFF = time(16, 0)


def local_date(moment: datetime) -> date:
    """The Stockholm calendar date of an aware moment."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(STOCKHOLM).date()


def preliminary_assessment_deadline(received_at: datetime) -> date:
    """Received on day 0; the decision is due on day 14 (inclusive)."""
    return local_date(received_at) + timedelta(days=PRELIMINARY_ASSESSMENT_DAYS)


def is_past(deadline: date, today: date) -> bool:
    """A deadline is breached from the day after it."""
    return today > deadline


def days_left(deadline: date, today: date) -> int:
    """Negative when overdue, 0 on the due day."""
    return (deadline - today).days


def protection_assessment_due(
    received_at: datetime, cutoff: time = DEFAULT_PROTECTION_CUTOFF
) -> date:
    """Genast: the same day, or the next day when the report came in at or after the cut-off."""
    local = received_at.astimezone(STOCKHOLM)
    return local.date() + timedelta(days=1) if local.time() >= cutoff else local.date()


def add_months(start: date, months: int) -> date:
    """Calendar months, clamped to the month's last day (31 Oct + 4 months = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def investigation_deadline(opened_on: date) -> date:
    return add_months(opened_on, INVESTIGATION_MONTHS)
