"""The legal references are dated data: every provision under both numberings, and the
numbering in force on a given day."""

from __future__ import annotations

from datetime import date

import pytest

from events.legal import FORMER_KEYS, LEGAL_REFERENCES, cite_on, resolve

EXPECTED = {
    "forhandsbedomning": ("SoL (2025:400) 20 kap. 2 §", "SoL (2001:453) 11 kap. 1 a §"),
    "skyddsbedomning": ("SoL (2025:400) 20 kap. 1 §", "SoL (2001:453) 11 kap. 1 a §"),
    "utredningstid": ("SoL (2025:400) 20 kap. 3 §", "SoL (2001:453) 11 kap. 2 §"),
    "utredning_inledd": ("SoL (2025:400) 20 kap. 4 §", None),
    "aterkoppling_anmalare": ("SoL (2025:400) 19 kap. 6 §", "SoL (2001:453) 14 kap. 1 f §"),
    "lex_sarah_rapportera": ("SoL (2025:400) 27 kap. 2 §", "SoL (2001:453) 14 kap. 3 §"),
    "lex_sarah_utreda": ("SoL (2025:400) 27 kap. 5 §", "SoL (2001:453) 14 kap. 6 §"),
    "lex_sarah_anmala": ("SoL (2025:400) 27 kap. 6 §", "SoL (2001:453) 14 kap. 7 §"),
    "kvalitet": ("SoL (2025:400) 5 kap. 1–2 §§", "SoL (2001:453) 3 kap. 3 §"),
    "sosfs_2011_5": ("SOSFS 2011:5", "SOSFS 2011:5"),
    "sosfs_2011_9": ("SOSFS 2011:9", "SOSFS 2011:9"),
}


def test_every_reference_has_its_current_and_former_text() -> None:
    found = {
        key: (ref.current.text, ref.former.text if ref.former else None)
        for key, ref in LEGAL_REFERENCES.items()
    }
    assert found == EXPECTED
    for ref in LEGAL_REFERENCES.values():
        assert ref.current.text and ref.summary
        assert ref.current.valid_until is None  # nothing cited is repealed


@pytest.mark.parametrize(("key", "amendment"), [
    ("sosfs_2011_5", "HSLF-FS 2025:20"), ("sosfs_2011_9", "HSLF-FS 2025:21"),
])
def test_the_foreskrifter_cite_their_amendment_and_keep_the_jurists_note_out_of_it(
    key: str, amendment: str
) -> None:
    citation = cite_on(key, date(2026, 1, 1))
    assert citation == (
        f"{key.upper().replace('_', ' ', 1).replace('_', ':')} (ändrad t.o.m. {amendment})"
    )
    # The note to check against the printed föreskrift stays with the data, for the jurist.
    assert LEGAL_REFERENCES[key].current.to_verify == "att verifiera mot den tryckta föreskriften"


def test_old_numbering_until_2025_06_30_and_the_new_from_2025_07_01() -> None:
    assert cite_on("forhandsbedomning", date(2025, 6, 15)) == "SoL (2001:453) 11 kap. 1 a §"
    assert cite_on("forhandsbedomning", date(2025, 6, 30)) == "SoL (2001:453) 11 kap. 1 a §"
    assert cite_on("forhandsbedomning", date(2025, 7, 1)) == "SoL (2025:400) 20 kap. 2 §"
    assert cite_on("forhandsbedomning", date(2025, 7, 15)) == "SoL (2025:400) 20 kap. 2 §"
    # A provision new in SoL (2025:400) is cited as it is, whatever the date.
    assert cite_on("utredning_inledd", date(2025, 6, 15)) == "SoL (2025:400) 20 kap. 4 §"


def test_the_remedy_was_due_utan_drojsmal_and_is_now_due_genast() -> None:
    remedy = LEGAL_REFERENCES["lex_sarah_utreda"]
    assert remedy.wording_on(date(2025, 6, 30)) == "utan dröjsmål"
    assert remedy.wording_on(date(2025, 7, 1)) == "genast"


def test_cite_names_both_numberings() -> None:
    assert LEGAL_REFERENCES["utredningstid"].cite() == (
        "SoL (2025:400) 20 kap. 3 § (tidigare SoL (2001:453) 11 kap. 2 §)"
    )


def test_the_one_old_lex_sarah_key_resolves_to_the_three_duties() -> None:
    assert [ref.key for ref in resolve("lex_sarah")] == list(FORMER_KEYS["lex_sarah"])
    assert [ref.key for ref in resolve("lex_sarah_foreskrift")] == ["sosfs_2011_5"]
