"""Operations and the quality taxonomy as versioned data (legal references: events.legal)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from events.errors import UnknownCode, ValidationFailed
from events.legal import LEGAL_REFERENCES as LEGAL_REFERENCES  # kept importable from here
from events.legal import LegalReference as LegalReference


class Operation(enum.Enum):
    """Verksamhet. A unit belongs to exactly one."""

    IFO = "IFO"
    HVB = "HVB"

    @property
    def label(self) -> str:
        """The operation's name in Swedish, as documents and pages write it."""
        return OPERATION_NAMES[self]


OPERATION_NAMES: dict[Operation, str] = {
    Operation.IFO: "Individ- och familjeomsorg",
    Operation.HVB: "HVB och stödboende",
}


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    subcategories: Mapping[str, str] = field(default_factory=dict)
    active: bool = True
    # Subcategory codes no longer offered for new deviations (filed ones keep them).
    retired: frozenset[str] = frozenset()

    @property
    def requires_subcategory(self) -> bool:
        return bool(self.subcategories)

    @property
    def offered(self) -> dict[str, str]:
        """The subcategories a new deviation may take."""
        return {k: v for k, v in self.subcategories.items() if k not in self.retired}


@dataclass(frozen=True)
class Taxonomy:
    """Kvalitetsområden and underkategorier. Events store only the stable codes, so
    renaming a category (a new version of this data) never rewrites history."""

    version: int
    categories: Mapping[str, Category]

    def check(self, category: str, subcategory: str | None) -> None:
        found = self.categories.get(category)
        if found is None or not found.active:
            raise UnknownCode("category", "Unknown category code: %(code)s", code=category)
        if found.requires_subcategory:
            if not subcategory:
                raise ValidationFailed(
                    "subcategory",
                    "The category %(category)s requires a subcategory.",
                    category=category,
                )
            if subcategory not in found.offered:
                raise UnknownCode(
                    "subcategory", "Unknown subcategory code: %(code)s", code=subcategory
                )
        elif subcategory:
            raise ValidationFailed(
                "subcategory",
                "The category %(category)s takes no subcategory.",
                category=category,
            )

    def rows(self) -> Iterable[tuple[str, str | None]]:
        """(category, subcategory) pairs in display order, the annual table's rows."""
        for category in self.categories.values():
            yield category.code, None
            for sub in category.subcategories:
                yield category.code, sub

    def counted_leaves(
        self, found: Iterable[tuple[str, str | None]] = ()
    ) -> list[tuple[str, str | None]]:
        """Every (category, subcategory) a deviation is counted in, in display order (the
        active categories' subcategories, or the category itself without any), then the
        pairs in `found` the taxonomy no longer lists, so old counts are never dropped."""
        leaves: list[tuple[str, str | None]] = []
        for code, category in self.categories.items():
            if not category.active:
                continue
            if category.subcategories:
                leaves.extend((code, sub) for sub in category.offered)
            else:
                leaves.append((code, None))
        for key in found:
            if key not in leaves:
                leaves.append(key)
        return leaves


DEFAULT_TAXONOMY = Taxonomy(
    version=1,
    categories={
        "handlaggning": Category(
            "handlaggning",
            "Handläggning och dokumentation",
            {
                "utredningstid": "Utredningstiden överskrids",
                "forhandsbedomning": "Förhandsbedömning överskridit 14 dagar",
                "ekonomi": "Ekonomi och utbetalning",
                "registrering": "Registrering och arkiv",
                "sekretess": "Brister utifrån sekretess",
                "annat": "Annat inom handläggning och dokumentation",
            },
        ),
        "genomforande": Category("genomforande", "Genomförande av insats"),
        "personal": Category("personal", "Personal och kompetens"),
        "samverkan": Category("samverkan", "Samverkan"),
    },
)

DEFAULT_UNITS: tuple[tuple[str, str, Operation], ...] = (
    ("stod-forsorjning", "Stöd- och försörjningsenheten", Operation.IFO),
    ("utredning", "Utredningsenheten", Operation.IFO),
    ("familjehem-familjeratt", "Familjehem- och familjerättsenheten", Operation.IFO),
    ("nyanlanda", "Enheten för nyanlända", Operation.IFO),
    ("oppenvard", "Öppenvårdsenheten", Operation.IFO),
    ("hvb-notgarden", "HVB Notgården", Operation.HVB),
    ("stodboendet", "Stödboendet", Operation.HVB),
)
