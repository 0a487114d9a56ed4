"""Organisation data an admin edits: units (with their operation) and the taxonomy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from events.errors import UnknownCode, ValidationFailed
from events.taxonomy import DEFAULT_TAXONOMY, DEFAULT_UNITS, Category, Operation, Taxonomy
from tracker.tables import taxonomy_versions, units


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    operation: Operation
    active: bool = True


def taxonomy_to_document(taxonomy: Taxonomy) -> dict[str, Any]:
    return {
        "categories": [
            {
                "code": c.code,
                "name": c.name,
                "active": c.active,
                "subcategories": [{"code": k, "name": v} for k, v in c.subcategories.items()],
            }
            for c in taxonomy.categories.values()
        ]
    }


def taxonomy_from_document(version: int, document: dict[str, Any]) -> Taxonomy:
    return Taxonomy(
        version=version,
        categories={
            c["code"]: Category(
                c["code"],
                c["name"],
                {s["code"]: s["name"] for s in c.get("subcategories", [])},
                c.get("active", True),
            )
            for c in document["categories"]
        },
    )


class Organisation:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # --- units -------------------------------------------------------------------------

    def units(self, *, include_inactive: bool = False) -> list[Unit]:
        query = sa.select(units).order_by(units.c.position, units.c.name)
        if not include_inactive:
            query = query.where(units.c.active.is_(True))
        with self.engine.connect() as connection:
            return [
                Unit(row.code, row.name, Operation(row.operation), row.active)
                for row in connection.execute(query)
            ]

    def unit(self, code: str) -> Unit:
        """The active unit with that code; unknown codes are a validation error."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(units).where(units.c.code == code)).first()
        if row is None or not row.active:
            raise UnknownCode("unit", "Unknown unit code: %(code)s", code=code)
        return Unit(row.code, row.name, Operation(row.operation), row.active)

    def add_unit(self, code: str, name: str, operation: Operation) -> Unit:
        code, name = code.strip(), name.strip()
        if not code or not name:
            raise ValidationFailed("code", "Code and name are required.")
        with self.engine.begin() as connection:
            exists = connection.execute(sa.select(units.c.code).where(units.c.code == code)).first()
            if exists:
                raise ValidationFailed("code", "A unit with code %(code)s exists.", code=code)
            position = connection.execute(sa.select(sa.func.count()).select_from(units)).scalar()
            connection.execute(
                units.insert().values(
                    code=code, name=name, operation=operation.value, active=True, position=position
                )
            )
        return Unit(code, name, operation)

    def rename_unit(self, code: str, name: str) -> None:
        self.unit(code)
        with self.engine.begin() as connection:
            connection.execute(units.update().where(units.c.code == code).values(name=name.strip()))

    def set_unit_active(self, code: str, active: bool) -> None:
        with self.engine.begin() as connection:
            result = connection.execute(
                units.update().where(units.c.code == code).values(active=active)
            )
        if result.rowcount == 0:
            raise UnknownCode("unit", "Unknown unit code: %(code)s", code=code)

    # --- taxonomy ----------------------------------------------------------------------

    def taxonomy(self) -> Taxonomy:
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(taxonomy_versions).order_by(taxonomy_versions.c.version.desc()).limit(1)
            ).first()
        if row is None:
            return DEFAULT_TAXONOMY
        return taxonomy_from_document(row.version, row.document)

    def publish_taxonomy(self, taxonomy: Taxonomy, actor: str) -> Taxonomy:
        """Store a new version. Codes already used must stay (deactivate, never delete)."""
        current = self.taxonomy()
        for code, category in current.categories.items():
            new = taxonomy.categories.get(code)
            if new is None or not set(category.subcategories) <= set(new.subcategories):
                raise ValidationFailed(
                    "categories", "Codes cannot be removed, only deactivated: %(code)s", code=code
                )
        version = current.version + 1
        with self.engine.begin() as connection:
            connection.execute(
                taxonomy_versions.insert().values(
                    version=version,
                    document=taxonomy_to_document(taxonomy),
                    created_at=datetime.now(UTC),
                    created_by=actor,
                )
            )
        return taxonomy_from_document(version, taxonomy_to_document(taxonomy))

    # --- seeding -----------------------------------------------------------------------

    def seed_defaults(self) -> None:
        """The default units and taxonomy on an empty installation; no-op afterwards."""
        with self.engine.begin() as connection:
            if connection.execute(sa.select(sa.func.count()).select_from(units)).scalar() == 0:
                connection.execute(
                    units.insert(),
                    [
                        {"code": c, "name": n, "operation": o.value, "active": True, "position": i}
                        for i, (c, n, o) in enumerate(DEFAULT_UNITS)
                    ],
                )
            has_taxonomy = connection.execute(
                sa.select(sa.func.count()).select_from(taxonomy_versions)
            ).scalar()
            if not has_taxonomy:
                connection.execute(
                    taxonomy_versions.insert().values(
                        version=DEFAULT_TAXONOMY.version,
                        document=taxonomy_to_document(DEFAULT_TAXONOMY),
                        created_at=datetime.now(UTC),
                        created_by="system",
                    )
                )
