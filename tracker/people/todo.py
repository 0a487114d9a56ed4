"""Read markers for the "Att göra" page: feedback on a person's own report is new until the
reporter next opens that deviation. Small SQL rows (not events): reading is not a fact about
the case."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa

from tracker.storage.tables import feedback_seen


def mark_seen(engine: sa.Engine, username: str, deviation_id: UUID, at: datetime) -> None:
    with engine.begin() as connection:
        updated = connection.execute(
            feedback_seen.update()
            .where(feedback_seen.c.username == username,
                   feedback_seen.c.deviation_id == deviation_id)
            .values(seen_at=at)
        ).rowcount
        if not updated:
            try:
                with connection.begin_nested():
                    connection.execute(
                        feedback_seen.insert().values(
                            username=username, deviation_id=deviation_id, seen_at=at
                        )
                    )
            except sa.exc.IntegrityError:
                pass  # the same person in two tabs: either moment will do


def seen(engine: sa.Engine, username: str) -> dict[UUID, datetime]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(feedback_seen.c.deviation_id, feedback_seen.c.seen_at)
            .where(feedback_seen.c.username == username)
        ).all()
    return {
        row[0]: row[1] if row[1].tzinfo is not None else row[1].replace(tzinfo=UTC)
        for row in rows
    }
