"""What the input validators enforce, as JSON Schema for the OpenAPI document: patterns for
text (no control characters; not blank where required), the exact date range of each date
field, the RFC 3339 form of a moment, and the organisation's code lists as enums. Built
from the same constants the validators use, each time the document is served (the date
ranges end today; units and taxonomy are data)."""

from __future__ import annotations

import calendar
import datetime as dt
import unicodedata
from typing import Any

from marshmallow import fields, validate

from events.base import EARLIEST_DATE
from events.taxonomy import Taxonomy
from web.schemas import TIME, Code, Day, Moment, Text, day_bounds

# --- characters ---------------------------------------------------------------------------

_ALLOWED_CONTROLS = {"\n", "\t", "\r"}  # \r is allowed in: it becomes \n (events.base)


def _char_class(chars: list[str]) -> str:
    """A regex character-class body naming `chars`, runs of code points as ranges."""
    points = sorted(ord(c) for c in chars)
    parts: list[str] = []
    start = prev = points[0]
    for point in [*points[1:], -2]:
        if point == prev + 1:
            prev = point
            continue
        parts.append(f"\\u{start:04x}" if start == prev else f"\\u{start:04x}-\\u{prev:04x}")
        start = prev = point
    return "".join(parts)


# events.base.check_characters refuses Unicode category Cc but newline and tab (lone
# surrogates, Cs, cannot be sent in UTF-8 JSON at all).
CONTROLS = _char_class(
    [chr(c) for c in range(0x100) if unicodedata.category(chr(c)) == "Cc"
     and chr(c) not in _ALLOWED_CONTROLS]
)
# What str.strip() removes: a required text of only these is blank.
WHITESPACE = _char_class([chr(c) for c in range(0x3001) if chr(c).isspace()])
TEXT_PATTERN = f"^[^{CONTROLS}]*$"
REQUIRED_TEXT_PATTERN = f"^[^{CONTROLS}]*[^{CONTROLS}{WHITESPACE}][^{CONTROLS}]*$"


# --- dates --------------------------------------------------------------------------------


def _alternatives(items: list[str]) -> str:
    return "(?:" + "|".join(items) + ")"


def _days(last: int) -> str:
    """Two-digit days 01..last, a character range per tens digit (0[1-9]|1[0-9]|2[0-8])."""
    parts = []
    for tens in range(4):
        low, high = max(1, tens * 10), min(last, tens * 10 + 9)
        if low <= high:
            units = str(low % 10) if low == high else f"[{low % 10}-{high % 10}]"
            parts.append(f"{tens}{units}")
    return _alternatives(parts)


def _year_dates(years: list[int]) -> str | None:
    """Every valid date of these years (all leap years or all common ones)."""
    if not years:
        return None
    leap = calendar.isleap(years[0])
    months = [
        f"{month:02d}-{_days(calendar.monthrange(2000 if leap else 2001, month)[1])}"
        for month in range(1, 13)
    ]
    return f"{_alternatives([str(y) for y in years])}-{_alternatives(months)}"


def date_regex(earliest: dt.date, latest: dt.date) -> str:
    """A regex (no anchors) matching exactly the YYYY-MM-DD dates from `earliest` (a 1
    January) to `latest`, leap days included."""
    assert (earliest.month, earliest.day) == (1, 1)
    whole = list(range(earliest.year, latest.year))
    branches = [
        branch
        for branch in (
            _year_dates([y for y in whole if calendar.isleap(y)]),
            _year_dates([y for y in whole if not calendar.isleap(y)]),
        )
        if branch
    ]
    last_year = [
        f"{month:02d}-{_days(calendar.monthrange(latest.year, month)[1])}"
        for month in range(1, latest.month)
    ]
    last_year.append(f"{latest.month:02d}-{_days(latest.day)}")
    branches.append(f"{latest.year}-{_alternatives(last_year)}")
    return _alternatives(branches)


# A moment's date as written may lie this far back from today at most in the document:
# with any offset (up to 14 hours either way) such a moment is already past, so the
# domain's "not ahead of the clock" rule cannot refuse what the document allows.
MOMENT_MARGIN = dt.timedelta(days=2)


def date_property(earliest: dt.date, latest: dt.date, what: str) -> dict[str, Any]:
    return {
        "pattern": f"^{date_regex(earliest, latest)}$",
        "description": f"{what}A date from {earliest.isoformat()} to {latest.isoformat()} "
        "(YYYY-MM-DD).",
    }


def moment_property(today: dt.date, what: str) -> dict[str, Any]:
    latest = today - MOMENT_MARGIN
    return {
        "pattern": f"^{date_regex(EARLIEST_DATE, latest)}{TIME}$",
        "description": f"{what}An RFC 3339 moment with its UTC offset, dated from "
        f"{EARLIEST_DATE.isoformat()} (as written), not ahead of the server's clock by more "
        "than 5 minutes. The pattern admits dates up to two days back, so that no offset "
        "takes it ahead of the clock; a later moment up to now is accepted too.",
    }


# --- codes --------------------------------------------------------------------------------


def classification_branches(taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """anyOf branches for a body with `category` and `subcategory`: a category with
    subcategories takes one of its own; the others take none (absent, null or "")."""
    active = [c for c in taxonomy.categories.values() if c.active]
    branches: list[dict[str, Any]] = [
        {
            "properties": {
                "category": {"enum": [c.code]},
                "subcategory": {"type": "string", "enum": list(c.offered)},
            },
            "required": ["category", "subcategory"],
        }
        for c in active
        if c.requires_subcategory
    ]
    plain = [c.code for c in active if not c.requires_subcategory]
    if plain:
        branches.append({
            "properties": {"category": {"enum": plain}, "subcategory": {"maxLength": 0}},
        })
    return branches


def field_rules(
    field: fields.Field, *, today: dt.date, codes: dict[str, list[str]]
) -> dict[str, Any]:
    """Extra JSON Schema for one input field (web.schemas' Text, Code, Day, Moment)."""
    description = field.metadata.get("description", "")
    what = f"{description}. " if description and not description.endswith(".") else (
        f"{description} " if description else "")
    if isinstance(field, Text):
        rules: dict[str, Any] = {"pattern": TEXT_PATTERN if field.blank else REQUIRED_TEXT_PATTERN}
        if not field.blank:
            rules["minLength"] = 1
        rules["description"] = (
            f"{what}Text without control characters (newline and tab are kept), normalised to "
            "NFC" + ("" if field.blank else ", not blank") + "; text that looks like a "
            "personnummer is refused (422)."
        )
        return rules
    if isinstance(field, Code):
        rules = {"pattern": TEXT_PATTERN}
        if field.codes and field.codes in codes:
            rules["enum"] = codes[field.codes] + ([None] if field.allow_none else [])
        return rules
    if isinstance(field, fields.Enum):
        # An Enum field narrowed by OneOf (a subset of its members) lists only those.
        only = [v for v in field.validators if isinstance(v, validate.OneOf)]
        if only:
            allowed = set.intersection(*(set(v.choices) for v in only))
            return {"enum": [m.value for m in field.enum if m in allowed]}
        return {}
    if isinstance(field, Day):
        earliest, latest = day_bounds(field, today)
        return date_property(earliest, latest, what)
    if isinstance(field, Moment):
        return moment_property(today, what)
    return {}
