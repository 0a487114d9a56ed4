"""Guard against personal identity numbers (personnummer/samordningsnummer) in free text.

The one definition: free text, case references, import cells and file names, and the names
an admin gives units and categories are all checked with `looks_like_personal_identity_number`.

What counts as one, after the text is NFKC-normalised (full-width digits and dashes, NBSP)
and stripped of invisible format characters (Unicode Cf: zero-width space and joiner, soft
hyphen, word joiner, BOM):

- a date YYMMDD or YYYYMMDD (the month 01-12; the day 01-31, or 61-91 for a
  samordningsnummer) followed by four digits, with no digit right before or after;
- the date's parts may be written apart (1990-01-01, 90 01 01) and the four digits may
  follow a separator: any run of dashes (every Unicode Pd dash, the minus sign), '+',
  whitespace (tab and newline too), '.', '_', ':', '/' or '\\'.

The decision, so that diary and phone numbers still pass:

- the classic way of writing one, YYMMDD-NNNN or YYYYMMDD-NNNN with one dash or '+' (spaces
  around it allowed) and the date written together, is refused on the date alone: a
  mistyped check digit is still someone's number;
- every other form (a bare run of ten or twelve digits, the date written apart, or another
  separator before the last four, such as the slash in 900101/1239) is refused only when
  the Luhn check digit is right as well. A diary number that happens to look like a date
  therefore passes nine times in ten; one that is also a valid personnummer is refused,
  whatever the separator.

Diary numbers such as 2024/1234, AV-2026-0012, IFO 2026-123 and phone numbers such as
070-123 45 67 never have the shape (too few digits, or no four-digit tail after a date)."""

from __future__ import annotations

import re
import unicodedata

# Every dash (Unicode Pd) with the minus signs, and every format character (Cf), read from
# Python's Unicode database once (no Pd or Cf outside these planes).
_PLANES = (*range(0x20000), *range(0xE0000, 0xE1000))
_DASHES = "".join(chr(c) for c in _PLANES if unicodedata.category(chr(c)) == "Pd") + (
    "\u2212\u2796\u02d7"
)
_DASH_CLASS = "[" + re.escape(_DASHES) + "]"
_SEPARATOR_RUN = re.compile(r"(?:[\s._:/\\+]|" + _DASH_CLASS + r")+")
_CLASSIC = re.compile(r"\s*(?:" + _DASH_CLASS + r"|\+)\s*")
_FORMAT = re.compile(
    "[" + re.escape("".join(chr(c) for c in _PLANES if unicodedata.category(chr(c)) == "Cf"))
    + "]"
)
# After every separator run became "-" (classic) or "~" (any other): an optional century,
# the date's three parts each optionally followed by a separator, the four last digits.
# Lookahead groups, so that every starting position is tried (matches may overlap).
_SHAPES = (
    re.compile(r"(?<!\d)(?=(\d\d)([-~]?)(\d\d)([-~]?)(\d\d)([-~]?)(\d\d)([-~]?)(\d{4})(?!\d))"),
    re.compile(r"(?<!\d)(?=()()(\d\d)([-~]?)(\d\d)([-~]?)(\d\d)([-~]?)(\d{4})(?!\d))"),
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def _canonical(text: str) -> str:
    """NFKC without format characters; each separator run "-" (classic) or "~"."""
    text = _FORMAT.sub("", unicodedata.normalize("NFKC", text))
    return _SEPARATOR_RUN.sub(
        lambda run: "-" if _CLASSIC.fullmatch(run.group()) else "~", text
    )


def looks_like_personal_identity_number(text: str) -> bool:
    """True when the text holds a personnummer or samordningsnummer in any written form
    this module's docstring lists (the rule, and why diary numbers pass)."""
    canonical = _canonical(text or "")
    for shape in _SHAPES:
        for match in shape.finditer(canonical):
            _, after_century, yy, after_year, mm, after_month, dd, before_tail, tail = (
                match.groups()
            )
            month, day = int(mm), int(dd)
            if not 1 <= month <= 12 or not (1 <= day <= 31 or 61 <= day <= 91):
                continue
            date_written_together = not (after_century or after_year or after_month)
            if (date_written_together and before_tail == "-") or _luhn_ok(yy + mm + dd + tail):
                return True
    return False
