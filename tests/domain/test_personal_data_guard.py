"""The personnummer guard itself (events/personal_data.py): every written form of a valid
personnummer or samordningsnummer is refused; diary numbers and phone numbers pass."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from personnummer_forms import NOT_PERSONNUMMER, identity_numbers, written_personnummer

from events.personal_data import looks_like_personal_identity_number


@settings(max_examples=3000, deadline=None)
@given(written_personnummer())
def test_every_written_form_of_a_personnummer_is_refused(text: str) -> None:
    assert looks_like_personal_identity_number(text), repr(text)


@pytest.mark.parametrize("text", [
    "900101–1239", "900101−1239", "900101－1239", "900101\u00a01239", "199001011239",
    "900101\u200b-1239", "900101\u00ad1239", "900101\t1239", "900101\n1239", "900101 - 1239",
    "1990 01 01-1239", "1990-01-01-1239", "90-01-01-1239", "90 01 01-1239", "1990 01 01 1239",
    "900101.1239", "900101_1239", "900101:1239", "900101/1239", "900161-1236",
    "199001611236", "９００１０１－１２３９", "900101\u20111239", "900101\u202f1239",
    "900101  1239", "900101\u20101239", "900101\u20121239", "900101\u20141239",
    "900101\u20091239",
])
def test_the_forms_that_got_through_before_are_refused(text: str) -> None:
    assert looks_like_personal_identity_number(text)


@pytest.mark.parametrize("text", NOT_PERSONNUMMER)
def test_diary_and_phone_numbers_are_accepted(text: str) -> None:
    assert not looks_like_personal_identity_number(text)


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 9), st.integers(0, 999), st.integers(0, 99), st.integers(0, 99))
def test_mobile_numbers_written_as_people_do_are_accepted(
    second: int, first: int, middle: int, last: int
) -> None:
    for text in (f"07{second}-{first:03d} {middle:02d} {last:02d}",
                 f"07{second} {first:03d} {middle:02d} {last:02d}",
                 f"+46 7{second} {first:03d} {middle:02d} {last:02d}"):
        assert not looks_like_personal_identity_number(text), text


@settings(max_examples=500, deadline=None)
@given(identity_numbers(), st.integers(1, 9))
def test_the_check_digit_decides_every_form_but_the_classic_one(
    parts: tuple[str, str, str, str, str], wrong_by: int
) -> None:
    """A diary number shaped like a date with a slash passes unless its last digit makes it
    a valid personnummer; the classic YYMMDD-NNNN is refused on the date alone."""
    _, yy, mm, dd, tail = parts
    wrong = tail[:3] + str((int(tail[3]) + wrong_by) % 10)
    assert looks_like_personal_identity_number(f"{yy}{mm}{dd}/{tail}")
    assert not looks_like_personal_identity_number(f"{yy}{mm}{dd}/{wrong}")
    assert not looks_like_personal_identity_number(f"{yy}{mm}{dd}{wrong}")
    assert looks_like_personal_identity_number(f"{yy}{mm}{dd}-{wrong}")
    assert looks_like_personal_identity_number(f"{yy}{mm}{dd}+{wrong}")
