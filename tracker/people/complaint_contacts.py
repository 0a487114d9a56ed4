"""A complaint sender's e-mail address for the notice that an answer is ready (never the
answer itself): an SQL row apart from the events, encrypted, removable."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa

from tracker.storage.tables import complaint_contacts


def save_email(engine: sa.Engine, complaint_id: UUID, email: str) -> None:
    with engine.begin() as connection:
        connection.execute(complaint_contacts.insert().values(
            complaint_id=complaint_id, email=email, created_at=datetime.now(UTC)))


def email_for(engine: sa.Engine, complaint_id: UUID) -> str | None:
    with engine.connect() as connection:
        found: str | None = connection.execute(
            sa.select(complaint_contacts.c.email)
            .where(complaint_contacts.c.complaint_id == complaint_id)
        ).scalar()
    return found
