"""IVO's categories as organisation data: which of IVO's händelsekategorier each row of the
taxonomy (a kvalitetsområde, or one of its underkategorier) counts under, and which of IVO's
verksamhetsområden each operation is. Versioned like the taxonomy: each change is a new
version (table ivo_category_versions); the newest is in force. The defaults below are the
tracker's starting point: align the names with IVO's current list before relying on them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from events.errors import ValidationFailed
from events.taxonomy import Operation, Taxonomy


@dataclass(frozen=True)
class IvoCategories:
    version: int
    event_categories: dict[str, str]  # code -> IVO's händelsekategori
    areas: dict[str, str]  # code -> IVO's verksamhetsområde
    # "category" or "category/subcategory" -> event category code; a subcategory's own
    # entry wins over its category's.
    rows: dict[str, str]
    operations: dict[str, str]  # operation code -> area code
    fallback: str  # the event category of a row nobody mapped

    def event_category(self, category: str, subcategory: str | None) -> str:
        if subcategory and f"{category}/{subcategory}" in self.rows:
            return self.rows[f"{category}/{subcategory}"]
        return self.rows.get(category, self.fallback)

    def area(self, operation: str) -> str:
        return self.operations[operation]


DEFAULT_IVO_CATEGORIES = IvoCategories(
    version=1,
    event_categories={
        "utforande": "Brister i utförande av insats",
        "handlaggning": "Brister i handläggning och dokumentation",
        "sekretess": "Brister i sekretess och informationshantering",
        "bemanning": "Brister i bemanning och kompetens",
        "samverkan": "Brister i samverkan",
        "ovrigt": "Övrigt",
    },
    areas={
        "ifo": "Individ- och familjeomsorg",
        "hvb": "HVB och stödboende",
    },
    rows={
        "handlaggning": "handlaggning",
        "handlaggning/sekretess": "sekretess",
        "genomforande": "utforande",
        "personal": "bemanning",
        "samverkan": "samverkan",
    },
    operations={Operation.IFO.value: "ifo", Operation.HVB.value: "hvb"},
    fallback="ovrigt",
)


def to_document(mapping: IvoCategories) -> dict[str, Any]:
    return {
        "event_categories": [{"code": c, "name": n} for c, n in mapping.event_categories.items()],
        "areas": [{"code": c, "name": n} for c, n in mapping.areas.items()],
        "rows": dict(mapping.rows),
        "operations": dict(mapping.operations),
        "fallback": mapping.fallback,
    }


def from_document(version: int, document: dict[str, Any]) -> IvoCategories:
    return IvoCategories(
        version=version,
        event_categories={c["code"]: c["name"] for c in document["event_categories"]},
        areas={a["code"]: a["name"] for a in document["areas"]},
        rows=dict(document["rows"]),
        operations=dict(document["operations"]),
        fallback=document["fallback"],
    )


def check(
    mapping: IvoCategories, taxonomy: Taxonomy, check_code: Any, check_name: Any
) -> IvoCategories:
    """Codes and names as the taxonomy's; every target known; every row a row of the
    taxonomy; every operation mapped."""
    events = {check_code(c): check_name(n) for c, n in mapping.event_categories.items()}
    areas = {check_code(c): check_name(n) for c, n in mapping.areas.items()}
    if not events or not areas:
        raise ValidationFailed("ivo_categories", "Give at least one category and one area.")
    known_rows = {c for c in taxonomy.categories} | {
        f"{c.code}/{s}" for c in taxonomy.categories.values() for s in c.subcategories
    }
    for row, target in mapping.rows.items():
        if row not in known_rows:
            raise ValidationFailed("ivo_categories", "Unknown code: %(code)s", code=row)
        if target not in events:
            raise ValidationFailed("ivo_categories", "Unknown code: %(code)s", code=target)
    if mapping.fallback not in events:
        raise ValidationFailed("ivo_categories", "Unknown code: %(code)s", code=mapping.fallback)
    for operation in Operation:
        if mapping.operations.get(operation.value) not in areas:
            raise ValidationFailed(
                "ivo_categories", "Map every operation to an area: %(code)s",
                code=operation.value,
            )
    return IvoCategories(mapping.version, events, areas, dict(mapping.rows),
                         dict(mapping.operations), mapping.fallback)
