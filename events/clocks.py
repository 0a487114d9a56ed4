"""The legal clocks: their names, labels, deadlines and statuses, as pure functions over
dates (calendar days in Europe/Stockholm). Each clock's reading on a day (`ClockReading`:
status, days left, band) is made here and nowhere else: the aggregates, the views, the
scheduler, Bevakning, Att göra, the case pages, the mails and the API all ask these, so
they cannot disagree.

A new kind of clock (another area's own) follows the same pattern: a code and a label, a
function from its dates to a `ClockReading` (through `reading`), and the readers take its
`days_left`, `band` and `status` from the reading, never from their own arithmetic."""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
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
    ATERKOPPLING = "aterkoppling"  # to the anmälare on request (SoL 19 kap. 6 §)

    @property
    def label(self) -> str:
        return CLOCK_LABELS[self]


# The one label table (Swedish: the users' own words).
CLOCK_LABELS: dict[Clock, str] = {
    Clock.SKYDDSBEDOMNING: "Skyddsbedömning",
    Clock.FORHANDSBEDOMNING: "Förhandsbedömning",
    Clock.UTREDNINGSTID: "Utredning",
    Clock.ATERKOPPLING: "Återkoppling till anmälaren",
}

class LexSarahClock(enum.StrEnum):
    """The two Lex Sarah clocks on the board (a case, not a child report, owns them)."""

    AVHJALPANDE = "lex_sarah_avhjalpande"  # the remedy, genast
    IVO = "lex_sarah_ivo"  # a serious case's anmälan, within the local target

    @property
    def label(self) -> str:
        return LEX_SARAH_CLOCK_LABELS[self]


LEX_SARAH_CLOCK_LABELS: dict[LexSarahClock, str] = {
    LexSarahClock.AVHJALPANDE: "Lex Sarah: avhjälpa genast",
    LexSarahClock.IVO: "Lex Sarah: anmälan till IVO",
}
# Every clock's name by its code; another area's clocks add theirs here.
CLOCK_NAMES: dict[str, str] = {
    str(code): label for code, label in (CLOCK_LABELS | LEX_SARAH_CLOCK_LABELS).items()
} | {"lex_sarah_rapportera": "Lex Sarah: rapportera genast"}  # the deviation's (timeline)



def clock_label(code: str) -> str:
    """The Swedish name of any clock by its code (the board's "Tidsfrist" column)."""
    return CLOCK_NAMES.get(code, code)


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
    # A decision to open an investigation recorded before the decision itself started the
    # four months (PreliminaryAssessmentDecided version 1), with no start recorded since:
    # counted from the decision, shown as "utredning ej registrerad som inledd".
    NOT_REGISTERED = "not_registered"
    # Not done, for a recorded reason that the law allows (återkoppling "olämplig").
    WAIVED = "waived"


# What a status adds to the clock's name wherever it is listed.
STATUS_NOTES: dict[ClockStatus, str] = {
    ClockStatus.NOT_REGISTERED: "utredning ej registrerad som inledd",
}

# Still running: the board lists these, and only these have days left.
UNDECIDED = frozenset(
    {ClockStatus.OPEN, ClockStatus.DUE_TODAY, ClockStatus.OVERDUE, ClockStatus.EXTENDED,
     ClockStatus.NOT_REGISTERED}
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
    return protection_clock(due, assessed_at, today).status


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
    return preliminary_clock(deadline, original_deadline, decided_on, today, exempt=exempt).status


def investigation_status(
    deadline: date | None,
    original_deadline: date | None,
    completed_on: date | None,
    today: date,
) -> ClockStatus | None:
    """Utredningstid (None before an investigation is opened)."""
    found = investigation_clock(deadline, original_deadline, completed_on, today)
    return found.status if found is not None else None


def is_breached(status: ClockStatus | None, due: date | None, today: date) -> bool:
    """A clock is breached from the day after its due day: missing then, or done late."""
    return due is not None and is_past(due, today) and status in BREACHED


# --- a clock on a day: the one reading every page, mail and the API shows ----------------

# The bands, most urgent first: overdue, the last day, within the warning days, later.
BAND_ORDER = ("overdue", "due_today", "soon", "later")


def band(days_left: int, warning_days: int) -> str:
    """The band of a running clock by its days left (the one rule of Bevakning, Att göra,
    the case pages and the digest)."""
    if days_left < 0:
        return "overdue"
    if days_left == 0:
        return "due_today"
    return "soon" if days_left <= warning_days else "later"


@dataclass(frozen=True)
class ClockReading:
    """One clock of one case on one day. `days_left` only while it runs (negative when
    overdue); `done_on` the day it was met (or found not needed)."""

    clock: str  # a Clock or LexSarahClock (or another area's clock code; see CLOCK_NAMES)
    status: ClockStatus
    due: date | None
    done_on: date | None = None
    days_left: int | None = None

    @property
    def label(self) -> str:
        """The clock's name, with what its status adds ("ej registrerad som inledd")."""
        note = STATUS_NOTES.get(self.status)
        return f"{clock_label(self.clock)} ({note})" if note else clock_label(self.clock)

    @property
    def running(self) -> bool:
        return self.status in UNDECIDED

    def band(self, warning_days: int) -> str | None:
        return band(self.days_left, warning_days) if self.days_left is not None else None

    @property
    def days_text(self) -> str | None:
        return days_text(self.days_left) if self.days_left is not None else None

    @property
    def breached(self) -> bool:
        return self.status in BREACHED


def reading(
    clock: str,
    due: date | None,
    today: date,
    *,
    done_on: date | None = None,
    original_due: date | None = None,
    exempt: bool = False,
    not_registered: bool = False,
    waived: bool = False,
) -> ClockReading:
    """The reading of a clock due on `due` (None: no clock yet), met on `done_on` (or, when
    `waived`, closed that day without being met, for a recorded reason)."""
    if due is None:
        raise ValueError("a clock without a due day has no reading")
    if waived and done_on is not None:
        status = ClockStatus.WAIVED
    elif not_registered and done_on is None:
        status = ClockStatus.NOT_REGISTERED
    else:
        status = _status(due, today, done_on=done_on, original_due=original_due, exempt=exempt)
    left = days_left(due, today) if status in UNDECIDED else None
    return ClockReading(clock, status, due, done_on, left)


def protection_clock(due: date, assessed_at: datetime | None, today: date) -> ClockReading:
    assessed_on = local_date(assessed_at) if assessed_at is not None else None
    return reading(Clock.SKYDDSBEDOMNING, due, today, done_on=assessed_on)


def preliminary_clock(
    deadline: date, original_deadline: date, decided_on: date | None, today: date,
    *, exempt: bool,
) -> ClockReading:
    return reading(
        Clock.FORHANDSBEDOMNING, deadline, today, done_on=decided_on,
        original_due=original_deadline, exempt=exempt,
    )


def investigation_clock(
    deadline: date | None,
    original_deadline: date | None,
    completed_on: date | None,
    today: date,
    *,
    decided_to_open_on: date | None = None,
) -> ClockReading | None:
    """Utredningstid: None before a decision to open an investigation. A decision whose
    start was never registered (see ClockStatus.NOT_REGISTERED) counts from the decision."""
    if deadline is None:
        if decided_to_open_on is None:
            return None
        return reading(
            Clock.UTREDNINGSTID, add_months(decided_to_open_on, INVESTIGATION_MONTHS),
            today, not_registered=True,
        )
    return reading(
        Clock.UTREDNINGSTID, deadline, today, done_on=completed_on,
        original_due=original_deadline,
    )


def remedy_clock(opened_on: date, remedied_on: date | None, today: date) -> ClockReading:
    """Lex Sarah, avhjälpa genast: met by the first protective action."""
    return reading(
        LexSarahClock.AVHJALPANDE, lex_sarah_remedy_due(opened_on), today,
        done_on=remedied_on,
    )


def ivo_clock(
    opened_on: date,
    target_days: int,
    today: date,
    *,
    serious: bool | None,
    sent_on: date | None,
) -> ClockReading | None:
    """Lex Sarah, anmäla snarast (the local target): runs from the opening while an anmälan
    may still be due, i.e. until it is sent, unless the grade (decided, or until then
    proposed) is one that is not reported (`serious` False). Not yet judged (`serious`
    None) counts: an undecided case past the target is late to be judged."""
    if sent_on is None and serious is False:
        return None
    return reading(
        LexSarahClock.IVO, ivo_report_due(opened_on, target_days), today, done_on=sent_on,
    )


FEEDBACK_DAYS = 7  # "senast en vecka efter beslutet" (SoL 19 kap. 6 §)


def feedback_due(
    requested_on: date, decided_on: date | None, *, investigation_under_way: bool
) -> date | None:
    """Återkoppling to the anmälare: at the latest a week after the decision; genast (the
    day asked) when the request came after the decision or an investigation is already
    under way. None while the decision is still to be made."""
    if investigation_under_way:
        return requested_on
    if decided_on is None:
        return None
    if requested_on > decided_on:
        return requested_on
    return decided_on + timedelta(days=FEEDBACK_DAYS)


def feedback_clock(
    requested_on: date | None,
    decided_on: date | None,
    today: date,
    *,
    investigation_under_way: bool,
    obliged: bool,
    given_on: date | None,
    declined_on: date | None,
) -> ClockReading | None:
    """SoL 19 kap. 6 §: runs from a request by an anmälare the duty covers (`obliged`: not
    "enskild") until the återkoppling is given, or judged olämplig (closed with its reason).
    None without a request, for an enskild anmälare, or while the decision is awaited."""
    if requested_on is None or not obliged:
        return None
    due = feedback_due(requested_on, decided_on, investigation_under_way=investigation_under_way)
    if due is None:
        return None
    if declined_on is not None:
        return reading(Clock.ATERKOPPLING, due, today, done_on=declined_on, waived=True)
    return reading(Clock.ATERKOPPLING, due, today, done_on=given_on)
