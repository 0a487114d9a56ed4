"""Guard against personal identity numbers (personnummer/samordningsnummer) in free text."""

from __future__ import annotations

import re

_PATTERN = re.compile(r"(?<!\d)(\d{2})?(\d{2})(\d{2})(\d{2})([-+ ]?)(\d{4})(?!\d)")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def looks_like_personal_identity_number(text: str) -> bool:
    """True when the text holds something shaped like YYMMDD-NNNN or (YY)YYMMDDNNNN with a
    plausible date (samordningsnummer add 60 to the day). With a separator the date is
    enough; a bare run of digits must also pass the Luhn check, so that diary and phone
    numbers are not refused."""
    for match in _PATTERN.finditer(text or ""):
        _, yy, mm, dd, separator, tail = match.groups()
        month, day = int(mm), int(dd)
        if not 1 <= month <= 12 or not (1 <= day <= 31 or 61 <= day <= 91):
            continue
        if separator in ("-", "+") or _luhn_ok(yy + mm + dd + tail):
            return True
    return False
