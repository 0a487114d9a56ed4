"""The legal clocks of a child report: their names, labels, deadlines and statuses, as
pure functions over dates (calendar days in Europe/Stockholm). The aggregate, the views,
the scheduler, the board, the pages and the API all ask these, so they cannot disagree."""

from __future__ import annotations

import calendar
import enum
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from events.calendar import period_end

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PRELIMINARY_ASSESSMENT_DAYS = 14
INVESTIGATION_MONTHS = 4
DEFAULT_PROTECTION_CUTOFF = time(16, 0)


class Clock(enum.StrEnum):
    """The three clocks, by their DOMAIN.md codes (also the taxonomy's subcategory codes
    for the deviations a breach files, where one exists)."""

    SKYDDSBEDOMNING = "skyddsbedomning"
    FORHANDSBEDOMNING = "forhandsbedomning"
    UTREDNINGSTID = "utredningstid"

    @property
    def label(self) -> str:
        return CLOCK_LABELS[self]


# The one label table (Swedish: the users' own words).
CLOCK_LABELS: dict[Clock, str] = {
    Clock.SKYDDSBEDOMNING: "Skyddsbedömning",
    Clock.FORHANDSBEDOMNING: "Förhandsbedömning",
    Clock.UTREDNINGSTID: "Utredning",
}

class LexSarahClock(enum.StrEnum):
    """The two Lex Sarah clocks on the board (a case, not a child report, owns them)."""

    AVHJALPANDE = "lex_sarah_avhjalpande"  # the remedy, genast
    IVO = "lex_sarah_ivo"  # a serious case's anmälan, within the local target


LEX_SARAH_CLOCK_LABELS: dict[LexSarahClock, str] = {
    LexSarahClock.AVHJALPANDE: "Lex Sarah: avhjälpa genast",
    LexSarahClock.IVO: "Lex Sarah: anmälan till IVO",
}

# Stored under older names, mapped here once: a breach deviation's id is derived from these
# strings (tracker.application.child_reports.breach_deviation_id), so they never change.
BREACH_ID_KEYS: dict[Clock, str] = {
    Clock.SKYDDSBEDOMNING: "protection",
    Clock.FORHANDSBEDOMNING: "preliminary",
    Clock.UTREDNINGSTID: "investigation",
}


class ClockStatus(enum.Enum):
    OPEN = "open"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    DECIDED = "decided"
    DECIDED_LATE = "decided_late"
    EXEMPT = "exempt"
    EXTENDED = "extended"


# Still running: the board lists these, and only these have days left.
UNDECIDED = frozenset(
    {ClockStatus.OPEN, ClockStatus.DUE_TODAY, ClockStatus.OVERDUE, ClockStatus.EXTENDED}
)
# A breach: still missing after its due day, or done after it.
BREACHED = frozenset({ClockStatus.OVERDUE, ClockStatus.DECIDED_LATE})
# Done in time, or not needed: such a clock cannot be breached on any day.
SETTLED = frozenset({ClockStatus.DECIDED, ClockStatus.EXEMPT})


def local_date(moment: datetime) -> date:
    """The Stockholm calendar date of an aware moment."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(STOCKHOLM).date()


def preliminary_assessment_deadline(received_at: datetime, *, sunday_rule: bool = False) -> date:
    """Received on day 0; the decision is due on day 14 (inclusive), or on the next working
    day when that is a weekend or holiday and the Sunday rule (Lag (1930:173)) is on."""
    day_14 = local_date(received_at) + timedelta(days=PRELIMINARY_ASSESSMENT_DAYS)
    return period_end(day_14, sunday_rule=sunday_rule)


def is_past(deadline: date, today: date) -> bool:
    """A deadline is breached from the day after it."""
    return today > deadline


def days_left(deadline: date, today: date) -> int:
    """Negative when overdue, 0 on the due day."""
    return (deadline - today).days


def days_text(days_left: int) -> str:
    """Days left in words, as every page and mail says them: "3 dagar kvar", "1 dag kvar",
    "sista dag i dag", "2 dagar försenad"."""
    if days_left < 0:
        late = -days_left
        return f"{late} {'dag' if late == 1 else 'dagar'} försenad"
    if days_left == 0:
        return "sista dag i dag"
    return f"{days_left} {'dag' if days_left == 1 else 'dagar'} kvar"


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


def investigation_deadline(opened_on: date, *, sunday_rule: bool = False) -> date:
    return period_end(add_months(opened_on, INVESTIGATION_MONTHS), sunday_rule=sunday_rule)


def lex_sarah_remedy_due(opened_on: date) -> date:
    """Genast (SoL 27 kap. 5 §): the remedy is recorded the day the case is opened."""
    return opened_on


def ivo_report_due(opened_on: date, target_days: int) -> date:
    """Snarast (SoL 27 kap. 6 §) has no day count; the installation sets a local target."""
    return opened_on + timedelta(days=target_days)


def _status(
    due: date,
    today: date,
    *,
    done_on: date | None,
    original_due: date | None = None,
    exempt: bool = False,
) -> ClockStatus:
    if exempt:
        return ClockStatus.EXEMPT
    if done_on is not None:
        return ClockStatus.DECIDED_LATE if is_past(due, done_on) else ClockStatus.DECIDED
    if is_past(due, today):
        return ClockStatus.OVERDUE
    if today == due:
        return ClockStatus.DUE_TODAY
    if original_due is not None and due != original_due:
        return ClockStatus.EXTENDED
    return ClockStatus.OPEN


def protection_status(due: date, assessed_at: datetime | None, today: date) -> ClockStatus:
    """Skyddsbedömning: done in time, done late, or open against its due day."""
    assessed_on = local_date(assessed_at) if assessed_at is not None else None
    return _status(due, today, done_on=assessed_on)


def preliminary_status(
    deadline: date,
    original_deadline: date,
    decided_on: date | None,
    today: date,
    *,
    exempt: bool,
) -> ClockStatus:
    """Förhandsbedömning: exempt while an investigation is ongoing; else decided (in time
    or late), or open / due today / overdue / extended against its deadline."""
    return _status(
        deadline, today, done_on=decided_on, original_due=original_deadline, exempt=exempt
    )


def investigation_status(
    deadline: date | None,
    original_deadline: date | None,
    completed_on: date | None,
    today: date,
) -> ClockStatus | None:
    """Utredningstid (None before an investigation is opened)."""
    if deadline is None:
        return None
    return _status(deadline, today, done_on=completed_on, original_due=original_deadline)


def is_breached(status: ClockStatus | None, due: date | None, today: date) -> bool:
    """A clock is breached from the day after its due day: missing then, or done late."""
    return due is not None and is_past(due, today) and status in BREACHED
