"""Creating the views' tables, and refilling a view whose tables changed shape.

A view's tables hold nothing the log does not: when their columns change (a new column,
a column now encrypted), the View's `schema` number goes up, and at start the view's
tables are dropped and made anew and its position set back to 0, so the workers fill it
from the log, with no manual `tracker projections rebuild`. A store from before schema
numbers were recorded counts as schema 1.
"""

from __future__ import annotations

import sqlalchemy as sa

from projections.recorder import marker_name
from projections.tables import metadata, tracking, view_schemas
from projections.views import VIEWS


def prepare_views(connection: sa.Connection, schema: str | None = None) -> list[str]:
    """Create the read side's tables; reset the views whose recorded schema is older than
    their code's (run once per start, serialised across processes by the caller). Returns
    the names of the views reset."""
    existing = set(sa.inspect(connection).get_table_names(schema=schema))
    metadata.create_all(connection, tables=[tracking, view_schemas])
    recorded = dict(
        connection.execute(sa.select(view_schemas.c.projection_name, view_schemas.c.schema)).all()
    )
    reset: list[str] = []
    for name, view in VIEWS.items():
        made_before = any(table.name in existing for table in view.tables)
        was = recorded.get(name, 1 if made_before else None)
        if was is not None and was < view.schema:
            # The position first: it holds off any runner of the view until commit, and a
            # runner's cached rows are dropped with the new rebuild marker.
            connection.execute(
                tracking.update().where(tracking.c.projection_name == name)
                .values(notification_id=0)
            )
            connection.execute(
                tracking.update().where(tracking.c.projection_name == marker_name(name))
                .values(notification_id=tracking.c.notification_id + 1)
            )
            for table in reversed(view.tables):
                table.drop(connection, checkfirst=True)
            reset.append(name)
        for table in view.tables:
            table.create(connection, checkfirst=True)
        if name not in recorded:
            connection.execute(
                view_schemas.insert().values(projection_name=name, schema=view.schema)
            )
        elif recorded[name] != view.schema:
            connection.execute(
                view_schemas.update().where(view_schemas.c.projection_name == name)
                .values(schema=view.schema)
            )
    return reset
