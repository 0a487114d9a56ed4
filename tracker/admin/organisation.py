"""Organisation data an admin edits: units (with their operation) and the taxonomy."""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from events.base import check_characters
from events.causes import DEFAULT_CAUSES, Cause, CauseList
from events.errors import UnknownCode, ValidationFailed
from events.personal_data import looks_like_personal_identity_number
from events.taxonomy import DEFAULT_TAXONOMY, DEFAULT_UNITS, Category, Operation, Taxonomy
from tracker.admin import ivo_categories, retention_rules
from tracker.admin.ivo_categories import DEFAULT_IVO_CATEGORIES, IvoCategories
from tracker.admin.retention_rules import DEFAULT_RETENTION_RULES, RetentionRules
from tracker.storage.database import transaction
from tracker.storage.generations import ORGANISATION, Cached, Generations
from tracker.storage.tables import (
    cause_list_versions,
    ivo_category_versions,
    retention_rule_versions,
    taxonomy_versions,
    units,
)


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
                "subcategories": [{"code": k, "name": v, "active": k not in c.retired}
                                  for k, v in c.subcategories.items()],
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
                frozenset(s["code"] for s in c.get("subcategories", [])
                          if not s.get("active", True)),
            )
            for c in document["categories"]
        },
    )


CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
NAME_LENGTH = 200


def _check_code(code: str) -> str:
    code = code.strip()
    if not CODE.match(code):
        raise ValidationFailed(
            "code",
            "Codes are 1-64 characters: lower-case letters, digits, '_' or '-'.",
        )
    return code


def _check_name(name: str) -> str:
    """A display name (unit, category, subcategory): one line (line breaks and tabs fold to
    a space), no other control character (a NUL breaks the Word and Excel exports), no
    personnummer (names are shown everywhere and kept in the change log)."""
    name = " ".join(check_characters("name", name).split())
    if not name:
        raise ValidationFailed("name", "A name is required.")
    if len(name) > NAME_LENGTH:
        raise ValidationFailed("name", "At most %(n)d characters are allowed.", n=NAME_LENGTH)
    if looks_like_personal_identity_number(name):
        raise ValidationFailed(
            "name", "This looks like a personal identity number; a name must not contain one."
        )
    return name
def causes_to_document(causes: CauseList) -> dict[str, Any]:
    return {
        "causes": [
            {"code": c.code, "name": c.name, "active": c.active} for c in causes.causes.values()
        ]
    }


def causes_from_document(version: int, document: dict[str, Any]) -> CauseList:
    return CauseList(
        version=version,
        causes={
            c["code"]: Cause(c["code"], c["name"], c.get("active", True))
            for c in document["causes"]
        },
    )


def _latest(connection: sa.Connection, table: sa.Table) -> sa.Row[Any] | None:
    """The newest version of a versioned document (tables.document_versions), if any."""
    return connection.execute(
        sa.select(table).order_by(table.c.version.desc()).limit(1)
    ).first()


def _add_version(
    connection: sa.Connection, table: sa.Table, version: int, document: dict[str, Any],
    actor: str,
) -> None:
    connection.execute(table.insert().values(
        version=version, document=document, created_at=datetime.now(UTC),
        created_by=actor[:64],
    ))


class Organisation:
    """Every write takes an optional `connection`, so that a caller can record the change
    in the change log in the same transaction (tracker.admin.changes).

    Reads without a `connection` come from a per-process cache that every write
    invalidates, in every process (tracker/storage/generations.py): a filing checks its unit and
    taxonomy without a query."""

    def __init__(self, engine: sa.Engine, generations: Generations | None = None) -> None:
        self.engine = engine
        self.generations = generations or Generations(engine)
        self._units = Cached(self.generations, ORGANISATION, self._read_units)
        self._taxonomy = Cached(
            self.generations, ORGANISATION, lambda: self._read_taxonomy(None)
        )
        self._causes = Cached(self.generations, ORGANISATION, self._read_causes)
        self._ivo = Cached(self.generations, ORGANISATION, self._read_ivo_categories)
        self._retention = Cached(self.generations, ORGANISATION, self._read_retention_rules)

    def _begin(self, connection: sa.Connection | None) -> contextlib.AbstractContextManager[
        sa.Connection
    ]:
        return transaction(self.engine, connection)

    def _writing(self, connection: sa.Connection | None) -> contextlib.AbstractContextManager[
        sa.Connection
    ]:
        """A write transaction (or the caller's) that invalidates every process's cache."""
        return self.generations.writing(ORGANISATION, connection)

    def _read_units(self) -> dict[str, Unit]:
        query = sa.select(units).order_by(units.c.position, units.c.name)
        with self.engine.connect() as connection:
            return {
                row.code: Unit(row.code, row.name, Operation(row.operation), row.active)
                for row in connection.execute(query)
            }

    # --- units -------------------------------------------------------------------------

    def units(self, *, include_inactive: bool = False) -> list[Unit]:
        return [u for u in self._units.get().values() if include_inactive or u.active]

    def unit(self, code: str) -> Unit:
        """The active unit with that code; unknown codes are a validation error."""
        found = self.any_unit(code)
        if not found.active:
            raise UnknownCode("unit", "Unknown unit code: %(code)s", code=code)
        return found

    def any_unit(self, code: str, *, connection: sa.Connection | None = None) -> Unit:
        """The unit with that code, active or not."""
        if connection is None:
            found = self._units.get().get(code)
            if found is None:
                raise UnknownCode("unit", "Unknown unit code: %(code)s", code=code)
            return found
        row = connection.execute(sa.select(units).where(units.c.code == code)).first()
        if row is None:
            raise UnknownCode("unit", "Unknown unit code: %(code)s", code=code)
        return Unit(row.code, row.name, Operation(row.operation), row.active)

    def add_unit(
        self,
        code: str,
        name: str,
        operation: Operation,
        *,
        connection: sa.Connection | None = None,
    ) -> Unit:
        code, name = _check_code(code), _check_name(name)
        with self._writing(connection) as connection:
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

    def rename_unit(
        self, code: str, name: str, *, connection: sa.Connection | None = None
    ) -> None:
        name = _check_name(name)
        with self._writing(connection) as connection:
            self.any_unit(code, connection=connection)
            connection.execute(units.update().where(units.c.code == code).values(name=name))

    def move_unit(
        self, code: str, operation: Operation, *, connection: sa.Connection | None = None
    ) -> None:
        """Deviations filed from now on count under `operation`; filed ones keep theirs
        (each event records the operation it was filed under)."""
        with self._writing(connection) as connection:
            self.any_unit(code, connection=connection)
            connection.execute(
                units.update().where(units.c.code == code).values(operation=operation.value)
            )

    def set_unit_active(
        self, code: str, active: bool, *, connection: sa.Connection | None = None
    ) -> None:
        with self._writing(connection) as connection:
            result = connection.execute(
                units.update().where(units.c.code == code).values(active=active)
            )
        if result.rowcount == 0:
            raise UnknownCode("unit", "Unknown unit code: %(code)s", code=code)

    # --- taxonomy ----------------------------------------------------------------------

    def taxonomy(self, *, connection: sa.Connection | None = None) -> Taxonomy:
        if connection is None:
            return self._taxonomy.get()
        return self._read_taxonomy(connection)

    def _read_taxonomy(self, connection: sa.Connection | None) -> Taxonomy:
        with self._begin(connection) as connection:
            row = _latest(connection, taxonomy_versions)
        if row is None:
            return DEFAULT_TAXONOMY
        return taxonomy_from_document(row.version, row.document)

    def publish_taxonomy(
        self, taxonomy: Taxonomy, actor: str, *, connection: sa.Connection | None = None
    ) -> Taxonomy:
        """Store a new version. Codes already used must stay (deactivate, never delete)."""
        with self._writing(connection) as connection:
            return self._publish(taxonomy, actor, connection)

    def _publish(self, taxonomy: Taxonomy, actor: str, connection: sa.Connection) -> Taxonomy:
        current = self.taxonomy(connection=connection)
        for code, category in current.categories.items():
            new = taxonomy.categories.get(code)
            if new is None or not set(category.subcategories) <= set(new.subcategories):
                raise ValidationFailed(
                    "categories", "Codes cannot be removed, only deactivated: %(code)s", code=code
                )
        version = current.version + 1
        _add_version(connection, taxonomy_versions, version, taxonomy_to_document(taxonomy),
                     actor)
        return taxonomy_from_document(version, taxonomy_to_document(taxonomy))

    def change_taxonomy(
        self,
        change: Callable[[dict[str, Any]], None],
        actor: str,
        *,
        connection: sa.Connection | None = None,
    ) -> Taxonomy:
        """Apply `change` (one of the TAXONOMY_CHANGES below, or any edit of the document)
        to a copy of the current version and publish the result as the next version."""
        with self._writing(connection) as connection:
            document = copy.deepcopy(taxonomy_to_document(self.taxonomy(connection=connection)))
            change(document)
            return self._publish(taxonomy_from_document(0, document), actor, connection)
    # --- causes (orsaker) ---------------------------------------------------------------

    def causes(self) -> CauseList:
        return self._causes.get()

    def _read_causes(self) -> CauseList:
        with self.engine.connect() as connection:
            row = _latest(connection, cause_list_versions)
        if row is None:
            return DEFAULT_CAUSES
        return causes_from_document(row.version, row.document)

    def publish_causes(self, causes: CauseList, actor: str) -> CauseList:
        """Store a new version. Codes already used must stay (deactivate, never delete)."""
        current = self.causes()
        for code in current.causes:
            if code not in causes.causes:
                raise ValidationFailed(
                    "causes", "Codes cannot be removed, only deactivated: %(code)s", code=code
                )
        version = current.version + 1
        document = causes_to_document(causes)
        with self._writing(None) as connection:
            _add_version(connection, cause_list_versions, version, document, actor)
        return causes_from_document(version, document)

    # --- IVO's categories (tracker/admin/ivo_categories.py) -----------------------------

    def ivo_categories(self) -> IvoCategories:
        return self._ivo.get()

    def _read_ivo_categories(self) -> IvoCategories:
        with self.engine.connect() as connection:
            row = _latest(connection, ivo_category_versions)
        if row is None:
            return DEFAULT_IVO_CATEGORIES
        return ivo_categories.from_document(row.version, row.document)

    def publish_ivo_categories(
        self, mapping: IvoCategories, actor: str, *, connection: sa.Connection | None = None
    ) -> IvoCategories:
        """Store a new version (the old ones stay); checked against the taxonomy."""
        with self._writing(connection) as connection:
            checked = ivo_categories.check(
                mapping, self.taxonomy(connection=connection), _check_code, _check_name
            )
            latest = connection.execute(
                sa.select(sa.func.max(ivo_category_versions.c.version))
            ).scalar()
            version = max(latest or 0, DEFAULT_IVO_CATEGORIES.version) + 1
            document = ivo_categories.to_document(checked)
            _add_version(connection, ivo_category_versions, version, document, actor)
        return ivo_categories.from_document(version, document)

    # --- retention rules (tracker/admin/retention_rules.py) ------------------------------

    def retention_rules(self, *, connection: sa.Connection | None = None) -> RetentionRules:
        if connection is None:
            return self._retention.get()
        return self._read_retention_rules(connection)

    def _read_retention_rules(self, connection: sa.Connection | None = None) -> RetentionRules:
        with self._begin(connection) as connection:
            row = _latest(connection, retention_rule_versions)
        if row is None:
            return DEFAULT_RETENTION_RULES
        return retention_rules.from_document(row.version, row.document)

    def publish_retention_rules(
        self, rules: RetentionRules, actor: str, *, connection: sa.Connection | None = None
    ) -> RetentionRules:
        """Store a new version of the whole set (the old ones stay)."""
        with self._writing(connection) as connection:
            current = self.retention_rules(connection=connection)
            version = max(current.version, DEFAULT_RETENTION_RULES.version) + 1
            document = retention_rules.to_document(rules)
            _add_version(connection, retention_rule_versions, version, document, actor)
        return retention_rules.from_document(version, document)

    # --- seeding -----------------------------------------------------------------------

    def seed_defaults(self) -> None:
        """The default units and taxonomy on an empty installation; no-op afterwards."""
        with self.engine.begin() as connection:
            seeded = False
            if connection.execute(sa.select(sa.func.count()).select_from(units)).scalar() == 0:
                connection.execute(
                    units.insert(),
                    [
                        {"code": c, "name": n, "operation": o.value, "active": True, "position": i}
                        for i, (c, n, o) in enumerate(DEFAULT_UNITS)
                    ],
                )
                seeded = True
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
                seeded = True
            has_causes = connection.execute(
                sa.select(sa.func.count()).select_from(cause_list_versions)
            ).scalar()
            if not has_causes:
                connection.execute(
                    cause_list_versions.insert().values(
                        version=DEFAULT_CAUSES.version,
                        document=causes_to_document(DEFAULT_CAUSES),
                        created_at=datetime.now(UTC),
                        created_by="system",
                    )
                )
                seeded = True
            if seeded:
                self.generations.bump(connection, ORGANISATION)


# --- taxonomy changes, shared by the CLI and the admin pages -----------------------------
# Each returns a function that edits a taxonomy document (see taxonomy_to_document).


def _find_category(document: dict[str, Any], code: str) -> dict[str, Any]:
    for category in document["categories"]:
        if category["code"] == code:
            return category
    raise UnknownCode("category", "Unknown category code: %(code)s", code=code)


def _all_codes(document: dict[str, Any]) -> set[str]:
    codes = set()
    for category in document["categories"]:
        codes.add(category["code"])
        codes.update(sub["code"] for sub in category["subcategories"])
    return codes


def add_category(code: str, name: str) -> Callable[[dict[str, Any]], None]:
    code, name = _check_code(code), _check_name(name)

    def change(document: dict[str, Any]) -> None:
        if code in _all_codes(document):
            raise ValidationFailed("code", "The code %(code)s is taken.", code=code)
        document["categories"].append(
            {"code": code, "name": name, "active": True, "subcategories": []}
        )

    return change


def add_subcategory(category: str, code: str, name: str) -> Callable[[dict[str, Any]], None]:
    code, name = _check_code(code), _check_name(name)

    def change(document: dict[str, Any]) -> None:
        found = _find_category(document, category)
        if not found["subcategories"]:
            # Deviations already filed under it have no subcategory and never will.
            raise ValidationFailed(
                "category",
                "The category %(code)s takes no subcategories; filed deviations would lack one.",
                code=category,
            )
        if code in _all_codes(document):
            raise ValidationFailed("code", "The code %(code)s is taken.", code=code)
        found["subcategories"].append({"code": code, "name": name})

    return change


def _entry(document: dict[str, Any], code: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The taxonomy document's category with that code (and None), or the subcategory's
    category and the subcategory."""
    for category in document["categories"]:
        if category["code"] == code:
            return category, None
        for sub in category["subcategories"]:
            if sub["code"] == code:
                return category, sub
    raise UnknownCode("code", "Unknown code: %(code)s", code=code)


def rename_code(code: str, name: str) -> Callable[[dict[str, Any]], None]:
    """A category or subcategory gets a new display name; the code stays."""
    name = _check_name(name)

    def change(document: dict[str, Any]) -> None:
        category, sub = _entry(document, code)
        (sub or category)["name"] = name

    return change


def set_category_active(code: str, active: bool) -> Callable[[dict[str, Any]], None]:
    """Deactivated: no longer offered for new deviations; history and reports keep it.
    A category or one subcategory; a category keeps at least one active subcategory
    (deactivate the category itself instead)."""

    def change(document: dict[str, Any]) -> None:
        category, sub = _entry(document, code)
        if sub is None:
            category["active"] = active
            return
        others = [s for s in category["subcategories"] if s is not sub and s.get("active", True)]
        if not active and not others:
            raise ValidationFailed(
                "code",
                "%(code)s is the last active subcategory of %(category)s; "
                "deactivate the category instead.",
                code=code, category=category["code"],
            )
        sub["active"] = active

    return change
