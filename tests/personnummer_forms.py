"""Personnummer and samordningsnummer in every written form the guard must know
(events/personal_data.py), as a hypothesis strategy the guard's own test and the
every-channel test share. Every generated number has a right Luhn check digit."""

from __future__ import annotations

import calendar

from hypothesis import strategies as st

# Between the date and the last four digits.
TAIL_SEPARATORS = [
    "", "-", "+", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212",
    "\uff0d", "\ufe63", " ", "\u00a0", "\u202f", "\u2009", "\u3000", "\t", "\n", "  ",
    " - ", " \u2013 ", "\u00a0-\u00a0", ".", "_", ":", "/", "\\", "\u200b-", "-\u200b",
    "\u00ad", "\u200d", "\u2060", "--", " / ",
]
# Between the parts of the date (century and year, year and month, month and day).
DATE_SEPARATORS = ["", "-", " ", "\u2013", ".", "\u00a0", "/"]
# Invisible format characters that may be slipped between any two digits.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\ufeff"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
AROUND = [("", ""), ("Gäller ", "."), ("PNR ", ""), ("(", ")"), ("Barnet, ", ", bor hemma"),
          ("Ref: ", "\n")]


def luhn_digit(nine: str) -> str:
    total = 0
    for index, char in enumerate(nine):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return str((10 - total % 10) % 10)


@st.composite
def identity_numbers(draw: st.DrawFn) -> tuple[str, str, str, str, str]:
    """(century, yy, mm, dd, tail) of a valid personnummer or samordningsnummer."""
    year = draw(st.integers(1900, 2025))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
    if draw(st.booleans()):
        day += 60  # samordningsnummer
    serial = f"{draw(st.integers(0, 999)):03d}"
    yymmdd = f"{year % 100:02d}{month:02d}{day:02d}"
    return f"{year // 100}", yymmdd[:2], yymmdd[2:4], yymmdd[4:], serial + luhn_digit(
        yymmdd + serial)


@st.composite
def written_personnummer(draw: st.DrawFn) -> str:
    """One number, written in one of the ways people (and copy-paste) write them, inside a
    bit of ordinary text."""
    century, yy, mm, dd, tail = draw(identity_numbers())
    twelve = draw(st.booleans())
    date_sep = draw(st.sampled_from(DATE_SEPARATORS)) if draw(st.booleans()) else ""
    if twelve:  # 1990-01-01, or 19 90 01 01
        parts = [century, yy] if date_sep and draw(st.booleans()) else [century + yy]
    else:
        parts = [yy]
    date = date_sep.join([*parts, mm, dd])
    number = date + draw(st.sampled_from(TAIL_SEPARATORS)) + tail
    if draw(st.booleans()):
        number = number.translate(FULL_WIDTH)
    if draw(st.booleans()):  # an invisible character between two digits
        places = [i for i in range(1, len(number)) if number[i - 1].isdigit()
                  and number[i].isdigit()]
        if places:
            at = draw(st.sampled_from(places))
            number = number[:at] + draw(st.sampled_from(INVISIBLE)) + number[at:]
    before, after = draw(st.sampled_from(AROUND))
    return before + number + after


# Diary numbers, phone numbers and other numbers that must still be accepted.
NOT_PERSONNUMMER = [
    "2024/1234", "AV-2026-0012", "IFO 2026-123", "SN 2026/123", "IFO 2017-123",
    "070-123 45 67", "070-1234567", "08-123 456 78", "+46 70 123 45 67", "031-12 34 56",
    "Dnr 2026-01-15", "Möte 2026-01-15 kl. 14:30", "Kl. 10.30–11.00", "Ring 0701234560",
    "Beslut 2026-03-04, 12 sidor", "Ärende 1234-5678", "Konto 1234-56789",
]
