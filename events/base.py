"""Rules the aggregates share: free text and dates."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from events.errors import ValidationFailed
from events.personal_data import looks_like_personal_identity_number

SHORT_TEXT = 200
LONG_TEXT = 5000

if TYPE_CHECKING:

    class EventFields:
        """For the type checker only: an aggregate's @event decorators make its event
        classes at run time, with the fields of the methods they decorate. The aggregate
        declares each class (under TYPE_CHECKING) with this base, its fields typed Any."""

        def __getattr__(self, name: str) -> Any: ...


def check_text(
    field: str, value: str | None, *, required: bool = True, max_length: int = LONG_TEXT
) -> str:
    """Stripped text; refuses missing, oversize and personnummer-like text."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(field, "This field is required.")
    if len(text) > max_length:
        raise ValidationFailed(field, "At most %(max)d characters are allowed.", max=max_length)
    if looks_like_personal_identity_number(text):
        raise ValidationFailed(
            field,
            "This looks like a personal identity number. Write the case reference (diary "
            "number) instead. A diary number that looks like a date (such as 260112-0042) is "
            "accepted with a slash instead of the hyphen: 260112/0042.",
        )
    return text


def check_not_future(field: str, day: date, today: date) -> None:
    if day > today:
        raise ValidationFailed(field, "The date cannot be in the future.")


def check_not_before(field: str, day: date, earliest: date, what: str) -> None:
    if day < earliest:
        raise ValidationFailed(
            field,
            "The date cannot be before %(what)s (%(earliest)s).",
            what=what,
            earliest=earliest.isoformat(),
        )
