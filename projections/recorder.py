"""A tracking recorder on SQLAlchemy Core: view rows and the tracking position are written
in one transaction, for SQLite and PostgreSQL alike.

Exactly-once works like this: a writer first moves the projection's tracking row from the
position it read (`old`) to the position it is about to reach (`new`) with
``UPDATE tracking ... WHERE notification_id = old``. That statement is the first in the
transaction, so it also takes the row lock (PostgreSQL) or the database write lock (SQLite):
a concurrent writer waits, then finds the position moved, updates nothing, and rolls back.
Only then are the view rows changed, in the same transaction, which commits or rolls back
as a whole.
"""

from __future__ import annotations

import contextlib
import itertools
import operator
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder

from projections.rows import MemoryRows, Rows
from projections.tables import tracking, view_schemas

INSERT_CHUNK = 10_000  # rows converted at a time when a rebuilt view is written
# Rows per INSERT statement (measured: 100 rows a statement wrote 2.7x the rows a second of
# one-row statements on PostgreSQL, 500 fewer again; SQLite the same or better), within the
# bound parameters both stores take in one statement
# (SQLite since 3.32: 32,766; PostgreSQL: 65,535).
ROWS_PER_STATEMENT = 100
MAX_PARAMETERS = 32_000


def bulk_insert(
    connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """INSERT many rows as multi-row INSERT ... VALUES (...), (...) statements run by the
    driver's executemany, each column through its type's own bind processing (the values
    SQLAlchemy would send). Per row that is one tuple instead of SQLAlchemy's parameter
    construction, and per statement hundreds of rows: psycopg's executemany sends each
    statement as one message with its own parse and bind on the server, which for
    one-row statements cost the PostgreSQL rebuild more than building the rows did. Rows
    carry every column (Rows writes them so)."""
    if not rows:
        return
    dialect = connection.dialect
    quote = dialect.identifier_preparer
    names = [column.name for column in table.columns]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    one = f"({', '.join([marker] * len(names))})"

    def statement(count: int) -> str:
        return (
            f"INSERT INTO {quote.format_table(table)} "  # noqa: S608 - names from our metadata
            f"({', '.join(quote.quote(name) for name in names)}) "
            f"VALUES {', '.join([one] * count)}"
        )

    processed = [
        (index, process)
        for index, column in enumerate(table.columns)
        if (process := column.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    values = operator.itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    per = max(1, min(ROWS_PER_STATEMENT, MAX_PARAMETERS // len(names)))
    chunk_size = INSERT_CHUNK // per * per or per
    full = statement(per)
    for start in range(0, len(rows), chunk_size):
        chunk = [values(row) for row in rows[start : start + chunk_size]]
        if processed:
            for position, row in enumerate(chunk):
                converted = list(row)
                for index, process in processed:
                    if converted[index] is not None:
                        converted[index] = process(converted[index])
                chunk[position] = tuple(converted)
        whole = len(chunk) // per * per
        groups = [
            tuple(itertools.chain.from_iterable(chunk[at : at + per]))
            for at in range(0, whole, per)
        ]
        if groups:
            connection.exec_driver_sql(full, groups)
        if whole < len(chunk):
            rest = chunk[whole:]
            connection.exec_driver_sql(
                statement(len(rest)), tuple(itertools.chain.from_iterable(rest))
            )


def record_version(connection: sa.Connection, projection_name: str, version: int) -> None:
    """Record the version a view's tables are now built in (projections/schema.py), inside
    the caller's transaction (the switch to the rebuilt tables)."""
    updated = connection.execute(
        view_schemas.update().where(view_schemas.c.projection_name == projection_name)
        .values(schema=version)
    )
    if updated.rowcount == 0:
        connection.execute(
            view_schemas.insert().values(projection_name=projection_name, schema=version)
        )


def marker_name(projection_name: str) -> str:
    """The tracking row that counts a view's rebuilds: a runner's cached rows are good only
    under the marker they were read under (a rebuild replaces the tables)."""
    return f"{projection_name}:rebuilt"


def _wait_at_most(connection: sa.Connection, seconds: float | None) -> int | None:
    """Bound how long the claim may wait for another writer (a request's catch_up must not
    hang behind a long batch). The only dialect-specific lines of the read side: PostgreSQL
    takes a transaction-local lock timeout; SQLite's busy timeout is per connection, so its
    old value is returned to be put back."""
    if seconds is None:
        return None
    milliseconds = max(1, int(seconds * 1000))
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{milliseconds}ms'")
        return None
    if connection.dialect.name == "sqlite":
        previous = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {milliseconds}")
        return int(previous or 0)
    return None


class TrackingConflict(IntegrityError):
    """Another runner moved the position first: this transaction was rolled back."""


class _Joined:
    """`transaction(tracking)` inside a batch: the batch's rows, nothing to open or close."""

    __slots__ = ("rows",)

    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def __enter__(self) -> Rows:
        return self.rows

    def __exit__(self, *_: object) -> None:
        return None


@dataclass
class _Batch:
    rows: Rows
    application_name: str
    old: int
    new: int

    def __post_init__(self) -> None:
        self.joined = _Joined(self.rows)


class ViewRecorder(TrackingRecorder):
    """The materialised view of one projection: an engine plus that projection's row in
    the `tracking` table. Projections write through `transaction(tracking)`."""

    def __init__(self, engine: sa.Engine, projection_name: str) -> None:
        self.engine = engine
        self.projection_name = projection_name
        self._local = threading.local()
        # Applications whose tracking row this recorder has seen (a claim that finds no row
        # forgets it again), and the batch's statements built once: per batch, building and
        # coercing them cost more than running them.
        self._has_row: set[str] = set()
        name, app = tracking.c.projection_name, tracking.c.application_name
        self._claim = (
            tracking.update()
            .where(
                name == projection_name,
                app == sa.bindparam("app"),
                tracking.c.notification_id == sa.bindparam("old"),
            )
            .values(notification_id=sa.bindparam("new"))
        )
        self._read_marker = sa.select(tracking.c.notification_id).where(
            name == marker_name(projection_name), app == sa.bindparam("app")
        )

    # --- positions ---------------------------------------------------------------------

    def _where(self, application_name: str) -> sa.ColumnElement[bool]:
        return sa.and_(
            tracking.c.projection_name == self.projection_name,
            tracking.c.application_name == application_name,
        )

    def ensure_row(self, application_name: str, projection_name: str | None = None) -> None:
        """Create the tracking row at position 0 unless it exists (racing creators are fine)."""
        name = projection_name or self.projection_name
        if name == self.projection_name and application_name in self._has_row:
            return
        where = sa.and_(
            tracking.c.projection_name == name, tracking.c.application_name == application_name
        )
        with self.engine.connect() as connection:
            if connection.execute(sa.select(tracking.c.notification_id).where(where)).first():
                if name == self.projection_name:
                    self._has_row.add(application_name)
                return
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    tracking.insert().values(
                        projection_name=name,
                        application_name=application_name,
                        notification_id=0,
                    )
                )
        except sa.exc.IntegrityError:
            pass  # someone else created it

    def _marker(self, connection: sa.Connection, application_name: str) -> int:
        return int(connection.execute(self._read_marker, {"app": application_name}).scalar() or 0)

    def position(self, application_name: str) -> int | None:
        """The stored position, 0 before anything was processed, None without a row."""
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(tracking.c.notification_id).where(self._where(application_name))
            ).scalar()

    def max_tracking_id(self, application_name: str) -> int | None:
        found = self.position(application_name)
        return found or None

    # --- writing -----------------------------------------------------------------------

    @contextlib.contextmanager
    def batch(
        self,
        application_name: str,
        *,
        old: int,
        new: int,
        rows: Rows | None = None,
        lock_timeout: float | None = None,
    ) -> Iterator[Rows]:
        """One transaction that moves the position from `old` to `new`; every
        `transaction(tracking)` inside it (same thread) joins it. View rows changed through
        the yielded Rows are written just before the commit. Raises TrackingConflict, with
        nothing written, when the position is no longer `old`. A `rows` cache from the
        batch that ended at `old` may be passed in to be used again. With `lock_timeout`
        (seconds), waiting for another writer's claim gives up as a TrackingConflict after
        that long on PostgreSQL (SQLite waits up to its busy timeout)."""
        if new <= old:
            raise ValueError(f"position must advance ({old} -> {new})")
        if getattr(self._local, "batch", None) is not None:
            raise RuntimeError("a batch is already open in this thread")
        self.ensure_row(application_name)
        with self.engine.begin() as connection:
            restore = _wait_at_most(connection, lock_timeout)
            try:
                claimed = connection.execute(
                    self._claim, {"app": application_name, "old": old, "new": new}
                )
            except sa.exc.OperationalError as error:
                if lock_timeout is None:
                    raise
                raise TrackingConflict(f"{self.projection_name}: busy ({error.orig})") from None
            finally:
                if restore is not None:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(restore)}")
            if claimed.rowcount != 1:
                self._has_row.discard(application_name)  # moved, or gone: look again next time
                raise TrackingConflict(
                    f"{self.projection_name}: position moved from {old} by another runner"
                )
            # Read after the claim: a rebuild that replaced the tables before it shows here.
            marker = self._marker(connection, application_name)
            if rows is None or rows.marker != marker:
                rows = Rows(connection, complete=old == 0)  # position 0: the view is empty
                rows.marker = marker
            else:
                rows.connection = connection
            self._local.batch = _Batch(rows, application_name, old, new)
            try:
                yield rows
                rows.flush()
            finally:
                self._local.batch = None

    def transaction(self, tracking_: Tracking) -> contextlib.AbstractContextManager[Rows]:
        """Where to write a view change for one event. Inside a batch it is the batch's
        transaction; alone, it is a transaction of its own that records the event's
        position (and refuses an event at or before the stored position)."""
        current: _Batch | None = getattr(self._local, "batch", None)
        if current is not None:
            if (
                tracking_.application_name != current.application_name
                or not current.old < tracking_.notification_id <= current.new
            ):
                raise ValueError(f"{tracking_} is outside the open batch")
            return current.joined
        return self._own_transaction(tracking_)

    @contextlib.contextmanager
    def _own_transaction(self, tracking_: Tracking) -> Iterator[Rows]:
        old = self.position(tracking_.application_name) or 0
        if tracking_.notification_id <= old:
            raise TrackingConflict(f"{self.projection_name}: {tracking_} already processed")
        with self.batch(tracking_.application_name, old=old, new=tracking_.notification_id) as c:
            yield c

    @contextlib.contextmanager
    def in_memory(self, application_name: str, rows: MemoryRows, new: int) -> Iterator[None]:
        """Handlers in this thread write to `rows` (a view being rebuilt in memory) for
        events up to `new`; nothing touches the database."""
        if getattr(self._local, "batch", None) is not None:
            raise RuntimeError("a batch is already open in this thread")
        self._local.batch = _Batch(rows, application_name, 0, new)
        try:
            yield
        finally:
            self._local.batch = None

    def replace(
        self,
        application_name: str,
        position: int,
        rows: MemoryRows,
        tables: tuple[sa.Table, ...],
        version: int | None = None,
    ) -> None:
        """Switch the view to `rows`, built from the log up to `position`, in one
        transaction: the position (its first write, which holds off every runner of the
        view until commit), the rebuild marker, the tables dropped, created and filled,
        and the `version` of their shape recorded (a pending view is migrated so).
        Whatever another runner wrote before is gone with the old tables, and it cannot
        write after: its claim no longer finds the position it started from, or finds
        the new marker (so it drops its cached rows)."""
        self.ensure_row(application_name)
        self.ensure_row(application_name, marker_name(self.projection_name))
        with self.engine.begin() as connection:
            connection.execute(
                tracking.update().where(self._where(application_name))
                .values(notification_id=position)
            )
            connection.execute(
                tracking.update()
                .where(
                    tracking.c.projection_name == marker_name(self.projection_name),
                    tracking.c.application_name == application_name,
                )
                .values(notification_id=tracking.c.notification_id + 1)
            )
            for table in reversed(tables):
                table.drop(connection, checkfirst=True)
            for table in tables:
                # The rows first, the indexes after: building an index once is cheaper than
                # keeping it up to date through every insert.
                connection.execute(sa.schema.CreateTable(table))
                bulk_insert(connection, table, rows.rows(table))
                for index in table.indexes:
                    index.create(connection)
            if version is not None:
                record_version(connection, self.projection_name, version)

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.transaction(tracking):
            pass

    def reset(self, connection: sa.Connection, application_name: str) -> None:
        """Back to position 0 (for a rebuild), inside the caller's transaction. Being the
        first write, it also holds off every runner of this projection until commit."""
        connection.execute(
            tracking.update().where(self._where(application_name)).values(notification_id=0)
        )
