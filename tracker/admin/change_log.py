"""The administrative change log: who changed which user, unit, token or taxonomy entry,
when, from where (the pages, the CLI, a sign-in through the provider), and the values
before and after. Append-only: this module inserts and reads, nothing updates or deletes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from tracker.storage.tables import admin_changes

# Every kind of change, with the Swedish label the change list shows.
ACTIONS: dict[str, str] = {
    "user.added": "Användare skapad",
    "user.changed": "Användare ändrad",
    "user.deactivated": "Användare inaktiverad",
    "user.activated": "Användare aktiverad",
    "user.password_reset": "Engångslösenord satt",
    "user.signed_in_first": "Konto skapat vid första inloggning",
    "user.role_from_provider": "Roll ändrad av inloggningstjänsten",
    "user.provider_linked": "Konto kopplat till inloggningstjänsten",
    "user.password_removed": "Lösenord borttaget (bara inloggningstjänsten)",
    "login.throttled": "Inloggning spärrad en stund efter misslyckade försök",
    "token.created": "API-nyckel skapad",
    "token.revoked": "API-nyckel återkallad",
    "unit.added": "Enhet tillagd",
    "unit.renamed": "Enhet bytt namn",
    "unit.moved": "Enhet flyttad till annan verksamhet",
    "unit.deactivated": "Enhet inaktiverad",
    "unit.activated": "Enhet aktiverad",
    "taxonomy.category_added": "Kvalitetsområde tillagt",
    "taxonomy.subcategory_added": "Underkategori tillagd",
    "taxonomy.renamed": "Kategori bytt namn",
    "taxonomy.deactivated": "Kvalitetsområde inaktiverat",
    "taxonomy.activated": "Kvalitetsområde aktiverat",
    "taxonomy.subcategory_deactivated": "Underkategori inaktiverad",
    "taxonomy.subcategory_activated": "Underkategori aktiverad",
    "ivo_categories.published": "Koppling till IVO:s kategorier ändrad",
    "retention.rule_changed": "Gallringsregel ändrad",
}
SOURCES = {
    "web": "webben", "cli": "kommandoraden", "oidc": "inloggningstjänsten",
    "login": "inloggningssidan",
}


@dataclass(frozen=True)
class Change:
    id: int
    at: datetime
    actor: str
    source: str
    action: str
    subject: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def label(self) -> str:
        return ACTIONS.get(self.action, self.action)


def record(
    connection: sa.Connection,
    *,
    actor: str,
    source: str,
    action: str,
    subject: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add one entry, in the caller's transaction (so the change and its record commit
    together or not at all)."""
    assert action in ACTIONS, action
    connection.execute(
        admin_changes.insert().values(
            at=datetime.now(UTC),
            actor=actor[:64],
            source=source[:16],
            action=action,
            subject=subject[:200],
            before=before,
            after=after,
        )
    )


def changes(
    engine: sa.Engine,
    *,
    subject: str | None = None,
    actor: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Change], int]:
    """Newest first, with the total count for paging."""
    where = []
    if subject:
        where.append(admin_changes.c.subject == subject)
    if actor:
        where.append(admin_changes.c.actor == actor)
    query = sa.select(admin_changes).where(*where)
    with engine.connect() as connection:
        total = connection.execute(
            sa.select(sa.func.count()).select_from(admin_changes).where(*where)
        ).scalar_one()
        rows = connection.execute(
            query.order_by(admin_changes.c.id.desc()).limit(limit).offset(offset)
        ).all()
    return [
        Change(
            row.id,
            row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC),
            row.actor,
            row.source,
            row.action,
            row.subject,
            row.before,
            row.after,
        )
        for row in rows
    ], total
