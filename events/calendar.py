"""Swedish public holidays, computed (Lag (1989:253) om allmänna helgdagar), and the rule of
Lag (1930:173) om beräkning av lagstadgad tid: a period that ends on a Saturday, Sunday,
public holiday, midsommarafton, julafton or nyårsafton ends on the next working day instead.

Whether that rule applies to the förhandsbedömning's 14 days is the municipality's lawyer's
call; the tracker applies it only when the installation turns it on (TRACKER_SUNDAY_RULE)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

MONTH_NAMES = (
    "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
    "oktober", "november", "december",
)


def easter_sunday(year: int) -> date:
    """Påskdagen in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _saturday_between(start: date) -> date:
    """The Saturday in the seven days from `start` (midsommardagen, alla helgons dag)."""
    return start + timedelta(days=(5 - start.weekday()) % 7)


@cache
def public_holidays(year: int) -> dict[date, str]:
    """Allmänna helgdagar of `year` (Sundays are holidays too but are not listed)."""
    easter = easter_sunday(year)
    midsommardagen = _saturday_between(date(year, 6, 20))
    return {
        date(year, 1, 1): "Nyårsdagen",
        date(year, 1, 6): "Trettondedag jul",
        easter - timedelta(days=2): "Långfredagen",
        easter: "Påskdagen",
        easter + timedelta(days=1): "Annandag påsk",
        date(year, 5, 1): "Första maj",
        easter + timedelta(days=39): "Kristi himmelsfärdsdag",
        easter + timedelta(days=49): "Pingstdagen",
        date(year, 6, 6): "Sveriges nationaldag",
        midsommardagen: "Midsommardagen",
        _saturday_between(date(year, 10, 31)): "Alla helgons dag",
        date(year, 12, 25): "Juldagen",
        date(year, 12, 26): "Annandag jul",
    }


@cache
def treated_as_holidays(year: int) -> dict[date, str]:
    """The eves Lag (1930:173) 2 § treats like holidays."""
    midsommarafton = _saturday_between(date(year, 6, 20)) - timedelta(days=1)
    return {
        midsommarafton: "Midsommarafton",
        date(year, 12, 24): "Julafton",
        date(year, 12, 31): "Nyårsafton",
    }


def non_working_reason(day: date) -> str | None:
    """Why a period may not end on `day`, or None for a working day."""
    named = public_holidays(day.year).get(day) or treated_as_holidays(day.year).get(day)
    if named:
        return named
    if day.weekday() == 5:
        return "Lördag"
    if day.weekday() == 6:
        return "Söndag"
    return None


def is_working_day(day: date) -> bool:
    return non_working_reason(day) is None


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, otherwise the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def period_end(day: date, *, sunday_rule: bool) -> date:
    """The last day of a statutory period that would end on `day`."""
    return next_working_day(day) if sunday_rule else day


def add_working_days(day: date, count: int) -> date:
    """The working day `count` working days after `day` (a target "within 2 working days"
    of something received on a Friday falls on Tuesday)."""
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day
