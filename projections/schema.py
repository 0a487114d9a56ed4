"""Creating the views' tables, and views that migrate themselves after an upgrade.

Each View declares the version of its tables' shape (`View.schema`, raised with any change
to their columns or to what a column holds); `view_schemas` records the version each view's
tables were built in. At start a view whose recorded version is older than its code's (or a
view new to an existing store) is left *pending*: nothing is dropped, its old tables keep
serving (made readable by the new code where that is possible: missing tables created,
missing columns added as NULL), the runners leave it alone, and pages say the lists are
being rebuilt. A background migration (projections/migration.py) builds the new view from
the log with the rebuild (projections/rebuild.py) and switches it in one transaction
(ViewRecorder.replace), which records the new version; then the runners follow it again.
A store from before versions were recorded counts as version 1.
"""

from __future__ import annotations

import sqlalchemy as sa

from projections.tables import metadata, tracking, view_schemas
from projections.views import VIEWS, View

NEW_VIEW = 0  # the version recorded for a view new to an existing store (nothing built yet)


def prepare_views(connection: sa.Connection, schema: str | None = None) -> list[str]:
    """Create the read side's tables and note the views to migrate (run once per start,
    serialised across processes by the caller). Returns the names of the pending views."""
    inspector = sa.inspect(connection)
    existing = set(inspector.get_table_names(schema=schema))
    fresh_store = tracking.name not in existing  # a new store: every view is built as it is
    metadata.create_all(connection, tables=[tracking, view_schemas])
    recorded = dict(
        connection.execute(sa.select(view_schemas.c.projection_name, view_schemas.c.schema)).all()
    )
    pending: list[str] = []
    for name, view in VIEWS.items():
        made_before = any(table.name in existing for table in view.tables)
        was = recorded.get(name, 1 if made_before else None)
        if was is None:
            was = view.schema if fresh_store else NEW_VIEW
        if was < view.schema:
            _make_readable(connection, inspector, view, existing, schema)
            pending.append(name)
        else:
            for table in view.tables:
                table.create(connection, checkfirst=True)
        if name not in recorded:
            connection.execute(view_schemas.insert().values(projection_name=name, schema=was))
    return pending


def _make_readable(
    connection: sa.Connection,
    inspector: sa.Inspector,
    view: type[View],
    existing: set[str],
    schema: str | None,
) -> None:
    """Let the new code read a pending view's old tables until the switch: a table it lacks
    is created (empty), a column it lacks is added (NULL in the old rows). Nothing is
    dropped or changed; columns whose content changed (now encrypted) may still not be
    readable, and the pages say so (web/errors.py) instead of failing."""
    quote = connection.dialect.identifier_preparer
    for table in view.tables:
        if table.name not in existing:
            table.create(connection)
            continue
        present = {column["name"] for column in inspector.get_columns(table.name, schema=schema)}
        for column in table.columns:
            if column.name in present:
                continue
            nullable = sa.Column(column.name, column.type, nullable=True)
            definition = sa.schema.CreateColumn(nullable).compile(dialect=connection.dialect)
            connection.exec_driver_sql(
                f"ALTER TABLE {quote.format_table(table)} ADD COLUMN {definition}"
            )


def pending_views(connection: sa.Connection) -> frozenset[str]:
    """The views whose tables are older than their code's version (being migrated)."""
    recorded = dict(
        connection.execute(sa.select(view_schemas.c.projection_name, view_schemas.c.schema)).all()
    )
    return frozenset(
        name for name, view in VIEWS.items()
        if name in recorded and recorded[name] < view.schema
    )

