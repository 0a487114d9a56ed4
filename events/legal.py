"""Legal references as dated data. Socialtjänstlagen (2025:400) replaced SoL (2001:453) on
2025-07-01; a clock, page or report cites the numbering in force on the date it is about
(a deadline, a case's opening), never a string typed into logic or a template."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

NEW_SOL_IN_FORCE = date(2025, 7, 1)
OLD_SOL_LAST_DAY = date(2025, 6, 30)
OLD_SOL_IN_FORCE = date(2002, 1, 1)
# An internal to-do for the jurist: kept with the data, never part of a citation (pages,
# documents and the API show citations only).
VERIFY = "att verifiera mot den tryckta föreskriften"


@dataclass(frozen=True)
class Numbering:
    """One numbering of a provision and the days it was in force (both inclusive)."""

    text: str
    valid_from: date
    valid_until: date | None = None
    wording: str | None = None  # how the duty reads under this numbering, when it changed
    note: str | None = None
    to_verify: str | None = None  # internal, see VERIFY

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    @property
    def citation(self) -> str:
        return f"{self.text} ({self.note})" if self.note else self.text


@dataclass(frozen=True)
class LegalReference:
    """A provision under its current and its former numbering."""

    key: str
    summary: str
    current: Numbering
    former: Numbering | None

    @property
    def numberings(self) -> tuple[Numbering, ...]:
        return (self.current,) if self.former is None else (self.former, self.current)

    def numbering_on(self, day: date) -> Numbering:
        """The numbering in force on `day`; before the oldest one we know, the oldest."""
        for numbering in self.numberings:
            if numbering.in_force_on(day):
                return numbering
        return self.numberings[0] if day < self.numberings[0].valid_from else self.current

    def in_force_on(self, day: date) -> str:
        """The citation to use for something that happens (is due, is decided) on `day`."""
        return self.numbering_on(day).citation

    def wording_on(self, day: date) -> str | None:
        return self.numbering_on(day).wording

    def cite(self) -> str:
        """Current numbering, with the former one for readers who know the old law."""
        if self.former is None or self.former.text == self.current.text:
            return self.current.citation
        return f"{self.current.citation} (tidigare {self.former.text})"


def _sol(
    key: str,
    summary: str,
    current: str,
    former: str | None,
    *,
    wording: str | None = None,
    former_wording: str | None = None,
) -> LegalReference:
    return LegalReference(
        key,
        summary,
        Numbering(f"SoL (2025:400) {current}", NEW_SOL_IN_FORCE, None, wording),
        None
        if former is None
        else Numbering(
            f"SoL (2001:453) {former}", OLD_SOL_IN_FORCE, OLD_SOL_LAST_DAY, former_wording
        ),
    )


def _sosfs(key: str, summary: str, number: str, in_force: date, amended: str) -> LegalReference:
    """A föreskrift still in force under the same number, amended for the new SoL."""
    return LegalReference(
        key,
        summary,
        Numbering(number, NEW_SOL_IN_FORCE, None, note=f"ändrad t.o.m. {amended}",
                  to_verify=VERIFY),
        Numbering(number, in_force, OLD_SOL_LAST_DAY),
    )


REFERENCES: tuple[LegalReference, ...] = (
    _sol(
        "forhandsbedomning",
        "Förhandsbedömning av en anmälan om barn inom 14 dagar",
        "20 kap. 2 §",
        "11 kap. 1 a §",
    ),
    _sol(
        "skyddsbedomning",
        "Skyddsbedömning genast när en anmälan om barn kommer in",
        "20 kap. 1 §",
        "11 kap. 1 a §",
    ),
    _sol(
        "utredningstid",
        "En utredning om barn ska vara slutförd inom fyra månader",
        "20 kap. 3 §",
        "11 kap. 2 §",
    ),
    _sol(
        "utredning_inledd",
        "Information om att en utredning om barn har inletts",
        "20 kap. 4 §",
        None,  # no former numbering given in the reading of the law this data comes from
    ),
    LegalReference(
        "aterkoppling_anmalare",
        "Återkoppling på begäran till den som anmält oro för ett barn: om en utredning "
        "inleds, inte inleds eller redan pågår",
        Numbering(
            "SoL (2025:400) 19 kap. 6 §", NEW_SOL_IN_FORCE, None,
            wording="senast en vecka efter beslutet, genast om begäran kommer senare eller "
            "en utredning redan pågår, om det inte är olämpligt",
        ),
        Numbering("SoL (2001:453) 14 kap. 1 f §", date(2013, 1, 1), OLD_SOL_LAST_DAY,
                  to_verify=VERIFY),
    ),
    _sol(
        "lex_sarah_rapportera",
        "Lex Sarah: personalen rapporterar missförhållanden genast",
        "27 kap. 2 §",
        "14 kap. 3 §",
        wording="genast",
        former_wording="genast",
    ),
    _sol(
        "lex_sarah_utreda",
        "Lex Sarah: missförhållandet dokumenteras, utreds och avhjälps eller undanröjs",
        "27 kap. 5 §",
        "14 kap. 6 §",
        wording="genast",
        former_wording="utan dröjsmål",
    ),
    _sol(
        "lex_sarah_anmala",
        "Lex Sarah: allvarliga missförhållanden anmäls till IVO med utredningen så långt den "
        "kommit",
        "27 kap. 6 §",
        "14 kap. 7 §",
        wording="snarast",
        former_wording="snarast",
    ),
    _sol(
        "kvalitet",
        "Kvaliteten i socialtjänsten ska systematiskt och fortlöpande utvecklas och säkras",
        "5 kap. 1–2 §§",
        "3 kap. 3 §",
    ),
    _sosfs(
        "sosfs_2011_5",
        "Socialstyrelsens föreskrifter och allmänna råd om lex Sarah",
        "SOSFS 2011:5",
        date(2011, 7, 1),
        "HSLF-FS 2025:20",
    ),
    _sosfs(
        "sosfs_2011_9",
        "Socialstyrelsens föreskrifter och allmänna råd om ledningssystem för systematiskt "
        "kvalitetsarbete",
        "SOSFS 2011:9",
        date(2012, 1, 1),
        "HSLF-FS 2025:21",
    ),
)

LEGAL_REFERENCES: Mapping[str, LegalReference] = {ref.key: ref for ref in REFERENCES}

# Keys of the first version of this data, which may still be named in old exports: the one
# Lex Sarah key covered what are now three duties.
FORMER_KEYS: Mapping[str, tuple[str, ...]] = {
    "lex_sarah": ("lex_sarah_rapportera", "lex_sarah_utreda", "lex_sarah_anmala"),
    "lex_sarah_foreskrift": ("sosfs_2011_5",),
}

LEX_SARAH_KEYS = (
    "lex_sarah_rapportera",
    "lex_sarah_utreda",
    "lex_sarah_anmala",
    "sosfs_2011_5",
)
# Why deviations are collected at all: quality follow-up and the management system.
DEVIATION_KEYS = ("kvalitet", "sosfs_2011_9")
CHILD_REPORT_KEYS = (
    "skyddsbedomning", "forhandsbedomning", "utredningstid", "utredning_inledd",
    "aterkoppling_anmalare",
)


def reference(key: str) -> LegalReference:
    return LEGAL_REFERENCES[key]


def cite_on(key: str, day: date) -> str:
    """The citation of `key` in the numbering in force on `day`."""
    return LEGAL_REFERENCES[key].in_force_on(day)


def resolve(key: str) -> tuple[LegalReference, ...]:
    """A key of today's data or of the first version (see FORMER_KEYS)."""
    if key in LEGAL_REFERENCES:
        return (LEGAL_REFERENCES[key],)
    return tuple(LEGAL_REFERENCES[k] for k in FORMER_KEYS[key])
