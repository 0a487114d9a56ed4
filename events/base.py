"""Rules the aggregates share: free text and dates."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from events.errors import Inconsistent, ValidationFailed
from events.personal_data import looks_like_personal_identity_number

SHORT_TEXT = 200
LONG_TEXT = 5000

# Plausibility: nothing the tracker records happened before this (a year 0145 is a typo).
EARLIEST_DATE = date(1990, 1, 1)
# How far a "received at" moment may lie ahead of the server's clock (the sender's clock).
CLOCK_SKEW = timedelta(minutes=5)
# Newline and tab are text; every other control character (NUL, ESC, \u0004, ...) and lone
# surrogates (unstorable) are refused. Carriage returns (browsers send CRLF) become \n.
# These are Unicode's categories Cc (U+0000-U+001F, U+007F-U+009F) and Cs (the
# surrogates) but newline and tab: one regular expression, not a lookup per character.
_REFUSED_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

if TYPE_CHECKING:

    class EventFields:
        """For the type checker only: an aggregate's @event decorators make its event
        classes at run time, with the fields of the methods they decorate. The aggregate
        declares each class (under TYPE_CHECKING) with this base, its fields typed Any."""

        def __getattr__(self, name: str) -> Any: ...


def check_text(
    field: str, value: str | None, *, required: bool = True, max_length: int = LONG_TEXT
) -> str:
    """Stripped NFC text with \n line ends; refuses missing, oversize, control-character
    and personnummer-like text."""
    text = check_characters(field, value or "").strip()
    if required and not text:
        raise ValidationFailed(field, "This field is required.")
    if len(text) > max_length:
        raise ValidationFailed(field, "At most %(max)d characters are allowed.", max=max_length)
    if looks_like_personal_identity_number(text):
        raise ValidationFailed(
            field,
            "This looks like a personal identity number. Write the case reference (diary "
            "number) instead. A diary number that looks like a date (such as 260112-0042) is "
            "accepted with a slash instead of the hyphen (260112/0042), unless it is also a "
            "valid personal identity number.",
        )
    return text


def check_characters(field: str, value: str) -> str:
    """NFC text with \n line ends; refuses control characters other than \n and \t."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if _REFUSED_CHARACTERS.search(text):
        raise ValidationFailed(
            field, "The text contains a control character; only line breaks and tabs are allowed."
        )
    return unicodedata.normalize("NFC", text)


def check_not_future(field: str, day: date, today: date) -> None:
    """The date of something that happened or was reported: not after today, and not
    before EARLIEST_DATE."""
    check_not_too_early(field, day)
    if day > today:
        raise ValidationFailed(field, "The date cannot be in the future.")


def check_not_too_early(field: str, day: date) -> None:
    if day < EARLIEST_DATE:
        raise ValidationFailed(
            field, "The date cannot be before %(earliest)s.", earliest=EARLIEST_DATE.isoformat()
        )


def check_received(field: str, moment: datetime, now: datetime) -> None:
    """A moment something arrived: not before EARLIEST_DATE, not ahead of `now` by more
    than CLOCK_SKEW."""
    check_not_too_early(field, moment.date())
    if moment > now + CLOCK_SKEW:
        raise ValidationFailed(field, "The time cannot be in the future.")


def check_not_before(field: str, day: date, earliest: date, what: str) -> None:
    if day < earliest:
        raise Inconsistent(
            field,
            "The date cannot be before %(what)s (%(earliest)s).",
            what=what,
            earliest=earliest.isoformat(),
        )
