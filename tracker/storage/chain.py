"""The event log's hash chain: each stored event's link hashes its position, its content
(originator, version, topic, the stored bytes as written, encrypted or not) and the link
before it. The store's recorder writes the links in the same transaction as the events,
under the lock it already holds to give out positions (SQLite's write lock, PostgreSQL's
EXCLUSIVE lock on the events table), so the chain follows the log's commit order with no
lock of its own. `verify_chain` walks the log and the chain together and names the first
event altered, inserted or missing; the head (position and hash) written elsewhere now
and then (the scheduler's daily job) lets a rewritten chain be caught as well.

A store that held events before the chain existed gets them chained once, at start
(`ensure_chain`), recorded by the one row of `event_chain_origin` (when, how many)."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from tracker.storage.tables import event_chain, event_chain_origin, event_chain_rebases

GENESIS = "0" * 64
_LABEL = b"tracker/event-chain/v1\x00"
PAGE = 2000


def link_hash(
    previous: str, position: int, originator_id: UUID | str, version: int, topic: str,
    state: bytes,
) -> str:
    """The link of one stored event: SHA-256 over the link before it and the event's
    position and content, each field length-prefixed so no two events hash alike."""
    identity = originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
    topic_bytes = topic.encode()
    digest = hashlib.sha256(_LABEL)
    digest.update(bytes.fromhex(previous))
    digest.update(position.to_bytes(8, "big", signed=True))
    digest.update(identity.bytes)
    digest.update(version.to_bytes(8, "big", signed=True))
    digest.update(len(topic_bytes).to_bytes(4, "big"))
    digest.update(topic_bytes)
    digest.update(len(state).to_bytes(8, "big"))
    digest.update(bytes(state))
    return digest.hexdigest()


def _links(
    previous: str, positions: Sequence[int], stored: Sequence[StoredEvent]
) -> list[tuple[int, str, str]]:
    links = []
    for position, event in zip(positions, stored, strict=True):
        current = link_hash(
            previous, position, event.originator_id, event.originator_version, event.topic,
            event.state,
        )
        links.append((position, previous, current))
        previous = current
    return links


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """eventsourcing's SQLite recorder, linking each event it inserts into the chain. The
    events' INSERT came first in the transaction and holds the database's write lock, so
    the head read here is the latest and nobody else appends until commit."""

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if not positions:
            return positions
        c.execute("SELECT hash FROM event_chain ORDER BY position DESC LIMIT 1")
        row = c.fetchone()
        c.executemany(
            "INSERT INTO event_chain (position, previous, hash) VALUES (?, ?, ?)",
            _links(row[0] if row else GENESIS, positions, stored_events),
        )
        return positions


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL recorder, appending through one function of ours
    (`tracker_append_events`) that takes the library's LOCK TABLE ... IN EXCLUSIVE MODE
    (which orders every append), sends its NOTIFY, inserts the events and links them into
    the chain (the same hash as `link_hash`, by PostgreSQL's sha256). One statement in
    autocommit: one round trip, committed (durably, as the server is configured) before it
    answers. The library's own path holds the table lock across two round trips and the
    client's turn in between (with many threads, the wait for the GIL too), which
    serialised concurrent filings behind the slowest thread."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.datastore.originator_id_type != "uuid":
            raise ValueError("the event chain needs uuid originator ids")
        schema = Identifier(self.datastore.schema)
        self._append = SQL("SELECT * FROM {}.tracker_append_events((%s))").format(schema)
        self.sql_create_statements.append(
            SQL(_APPEND_FUNCTION).format(
                schema=schema,
                table=Identifier(self.events_table_name),
                event=Identifier(self.stored_event_type_name),
                channel=Identifier(self.channel_name),
                lock_timeout=self.datastore.lock_timeout,
                label=SQL(_LABEL.hex()),
            )
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not stored_events:
            return []
        rows = [
            self.construct_pg_stored_event(
                e.originator_id, e.originator_version, e.topic, e.state
            )
            for e in stored_events
        ]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._append, (rows,), prepare=True)
            return [row["tracker_append_events"] for row in curs.fetchall()]


# The link of each appended event as link_hash makes it: SHA-256 over the label, the link
# before, the position (8 bytes), the originator (16), the version (8), the topic's length
# (4) and UTF-8 bytes, the state's length (8) and bytes. Positions are read back in order
# from the rows as stored, under the table lock, so the chain follows the commit order.
_APPEND_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.tracker_append_events(events {schema}.{event}[])
RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$
DECLARE
    positions bigint[];
    previous text;
    link text;
    added record;
BEGIN
    SET LOCAL lock_timeout = '{lock_timeout}s';
    LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;
    NOTIFY {channel};
    WITH inserted AS (
        INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state)
        SELECT originator_id, originator_version, topic, state FROM unnest(events)
        RETURNING notification_id
    )
    SELECT array_agg(notification_id ORDER BY notification_id) INTO positions FROM inserted;
    SELECT c.hash INTO previous FROM {schema}.event_chain c ORDER BY c.position DESC LIMIT 1;
    previous := coalesce(previous, repeat('0', 64));
    FOR added IN
        SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state
        FROM {schema}.{table} e WHERE e.notification_id = ANY (positions)
        ORDER BY e.notification_id
    LOOP
        link := encode(sha256(
            '\\x{label}'::bytea || decode(previous, 'hex')
            || int8send(added.notification_id) || uuid_send(added.originator_id)
            || int8send(added.originator_version)
            || int4send(octet_length(convert_to(added.topic, 'UTF8')))
            || convert_to(added.topic, 'UTF8')
            || int8send(octet_length(added.state)::bigint) || added.state
        ), 'hex');
        INSERT INTO {schema}.event_chain (position, previous, hash)
        VALUES (added.notification_id, previous, link);
        previous := link;
    END LOOP;
    RETURN QUERY SELECT unnest(positions);
END;
$BODY$
"""


# --- reading the log beside the chain ------------------------------------------------------


@dataclass(frozen=True)
class StoredRow:
    position: int
    originator_id: str
    version: int
    topic: str
    state: bytes

    def describe(self) -> str:
        return (
            f"event {self.position} (aggregate {self.originator_id}, version {self.version}, "
            f"{self.topic.rsplit(':', 1)[-1]})"
        )


def position_column(dialect: sa.Dialect) -> str:
    return "rowid" if dialect.name == "sqlite" else "notification_id"


def read_events(
    connection: sa.Connection, table: str, *, after: int = 0, page: int = PAGE
) -> Iterator[StoredRow]:
    """The stored events after `after`, in position order, a page at a time."""
    quote = connection.dialect.identifier_preparer.quote
    position = position_column(connection.dialect)
    statement = sa.text(
        f"SELECT {position} AS position, originator_id, originator_version, topic, state "  # noqa: S608
        f"FROM {quote(table)} WHERE {position} > :after ORDER BY {position} LIMIT :limit"
    )
    while True:
        rows = connection.execute(statement, {"after": after, "limit": page}).all()
        for row in rows:
            identity = row.originator_id
            yield StoredRow(
                int(row.position),
                (identity if isinstance(identity, UUID) else UUID(str(identity))).hex,
                int(row.originator_version), row.topic, bytes(row.state),
            )
        if len(rows) < page:
            return
        after = int(rows[-1].position)


def read_links(
    connection: sa.Connection, *, after: int = 0, page: int = PAGE
) -> Iterator[tuple[int, str, str]]:
    while True:
        rows = connection.execute(
            sa.select(event_chain.c.position, event_chain.c.previous, event_chain.c.hash)
            .where(event_chain.c.position > after)
            .order_by(event_chain.c.position)
            .limit(page)
        ).all()
        for row in rows:
            yield int(row.position), row.previous, row.hash
        if len(rows) < page:
            return
        after = int(rows[-1].position)


@contextlib.contextmanager
def snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One connection that sees the store as of one moment (a consistent read of the log
    and the other tables while writers go on): a repeatable-read transaction on PostgreSQL,
    an explicit read transaction on SQLite."""
    if engine.dialect.name == "postgresql":
        repeatable = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        with repeatable as conn, conn.begin():
            yield conn
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.rollback()


# --- building the chain over an older store ---------------------------------------------------


def ensure_chain(engine: sa.Engine, table: str, clock: Any = None) -> int | None:
    """Chain the events stored before the chain existed, once (the marker row says it was
    done). Holds the writer's lock meanwhile, so no event is appended half-way. Returns how
    many events were chained now, None when the marker was already there."""
    with engine.connect() as connection:
        if connection.execute(sa.select(event_chain_origin.c.id)).first() is not None:
            return None
    now = (clock or (lambda: datetime.now(UTC)))()
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                quote = connection.dialect.identifier_preparer.quote
                connection.exec_driver_sql(f"LOCK TABLE {quote(table)} IN EXCLUSIVE MODE")
            # On SQLite this INSERT takes the write lock before anything is read.
            connection.execute(
                event_chain_origin.insert().values(id=1, built_at=now, events=0, up_to=0)
            )
            if connection.execute(sa.select(event_chain.c.position).limit(1)).first():
                return 0  # written by a chained recorder already: nothing older to chain
            previous, count, last = GENESIS, 0, 0
            batch: list[dict[str, Any]] = []
            for row in read_events(connection, table):
                current = link_hash(
                    previous, row.position, row.originator_id, row.version, row.topic, row.state
                )
                batch.append({"position": row.position, "previous": previous, "hash": current})
                previous, count, last = current, count + 1, row.position
                if len(batch) >= PAGE:
                    connection.execute(event_chain.insert(), batch)
                    batch = []
            if batch:
                connection.execute(event_chain.insert(), batch)
            connection.execute(event_chain_origin.update().values(events=count, up_to=last))
            return count
    except sa.exc.IntegrityError:
        return None  # another process built it at the same moment


# --- verifying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Head:
    position: int
    hash: str
    count: int


@dataclass(frozen=True)
class Verdict:
    head: Head
    problem: str | None = None  # the first thing wrong, naming the event
    origin: str | None = None  # when the chain was built over older events

    @property
    def intact(self) -> bool:
        return self.problem is None


ANCHOR_LINE = re.compile(r"position=(\d+)\s+events=(\d+)\s+hash=([0-9a-f]{64})")


def anchor_line(head: Head, at: datetime) -> str:
    """How a head is written outside the store (a file, the log), one line each time."""
    return f"{at.isoformat(timespec='seconds')} event chain head position={head.position} " \
        f"events={head.count} hash={head.hash}"


def read_anchors(path: Path) -> dict[int, str]:
    """The heads written earlier, by position; a head re-linked on purpose later (a
    rebase line naming its old link) counts with its new link."""
    anchors: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        found = ANCHOR_LINE.search(line)
        if found:
            anchors[int(found.group(1))] = found.group(3)
        rebased = REBASE_LINE.search(line)
        if rebased and anchors.get(int(rebased.group(1))) == rebased.group(2):
            anchors[int(rebased.group(1))] = rebased.group(3)
    return anchors


def chain_head(engine: sa.Engine) -> Head:
    """The chain's last link as stored (not verified): for the admin page and the anchor."""
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(event_chain.c.position, event_chain.c.hash)
            .order_by(event_chain.c.position.desc()).limit(1)
        ).first()
        count = connection.execute(sa.select(sa.func.count()).select_from(event_chain)).scalar()
    if row is None:
        return Head(0, GENESIS, 0)
    return Head(int(row.position), row.hash, int(count or 0))


def verify_chain(
    engine: sa.Engine, table: str, anchors: Mapping[int, str] | None = None
) -> Verdict:
    """Walk the log and the chain side by side, from the first event, in one consistent
    read; stop at the first event altered (its link does not match it), inserted (no link),
    missing (a link without its event) or cut out with its link (the next link does not
    follow on), or at an anchored head the chain no longer has."""
    anchors = dict(anchors or {})
    running, position, count = GENESIS, 0, 0

    def verdict(problem: str | None = None) -> Verdict:
        return Verdict(Head(position, running, count), problem, origin)

    with snapshot(engine) as connection:
        marker = connection.execute(sa.select(event_chain_origin)).first()
        origin = (
            f"the chain was built over the {marker.events} events stored before it, "
            f"on {marker.built_at:%Y-%m-%d %H:%M}" if marker is not None and marker.events
            else None
        )
        rebases, rewritten = connection.execute(sa.select(
            sa.func.count(), sa.func.coalesce(sa.func.sum(event_chain_rebases.c.events), 0))
        ).one()
        if rebases:
            last = connection.execute(sa.select(event_chain_rebases.c.at).order_by(
                event_chain_rebases.c.id.desc()).limit(1)).scalar_one()
            origin = "; ".join(filter(None, [origin, (
                f"{rewritten} events were rewritten on purpose and the chain re-linked after "
                f"them ({rebases} times, the last on {last:%Y-%m-%d %H:%M}: their text moved "
                "under case keys)")]))
        events, links = read_events(connection, table), read_links(connection)
        event, link = next(events, None), next(links, None)
        while event is not None or link is not None:
            if link is None or (event is not None and event.position < link[0]):
                assert event is not None
                return verdict(f"inserted: {event.describe()} has no link in the chain")
            if event is None or link[0] < event.position:
                return verdict(
                    f"missing: event {link[0]} is in the chain but not in the log (deleted)"
                )
            at, previous, stored = link
            if previous != running:
                return verdict(
                    f"missing: {event.describe()} does not follow the link before it: an "
                    f"event between position {position} and {at} was removed with its link, "
                    "or the chain was rewritten"
                )
            if link_hash(
                previous, at, event.originator_id, event.version, event.topic, event.state
            ) != stored:
                return verdict(f"altered: {event.describe()} differs from what was stored")
            if at in anchors and anchors.pop(at) != stored:
                return verdict(
                    f"rewritten: the link of event {at} differs from the head written out "
                    "earlier"
                )
            running, position, count = stored, at, count + 1
            event, link = next(events, None), next(links, None)
    if anchors:
        first = min(anchors)
        if first <= position:
            return verdict(
                f"rewritten: a head was written out at position {first}, where the chain "
                "has no link now"
            )
        return verdict(
            f"missing: a head was written out at position {first}, beyond the chain's end "
            f"({position}): events at the end were removed"
        )
    return verdict()


# --- rewriting on purpose -------------------------------------------------------------------

REBASE_LINE = re.compile(r"rebased position=(\d+) old=([0-9a-f]{64}) new=([0-9a-f]{64})")


def rebase_line(position: int, old: str, new: str, at: datetime, reason: str) -> str:
    """How a re-linked anchored head is written beside the heads: the old link it replaces
    and the new one, so that verifying against the heads still holds (read_anchors)."""
    return f"{at.isoformat(timespec='seconds')} event chain rebased position={position} " \
        f"old={old} new={new} ({reason})"


def rewrite_events(
    engine: sa.Engine, table: str, rewrite: Callable[[StoredRow], bytes | None], *,
    after: int, limit: int, reason: str, clock: Callable[[], datetime] | None = None,
) -> tuple[int | None, int, dict[int, tuple[str, str]]]:
    """Give `rewrite` the next `limit` stored events after position `after`; store the new
    state of each it returns one for and re-link the chain from the first of them to the
    head, all in one transaction under the writers' lock (appends wait, then chain onto the
    new head). Returns the last position looked at (None: the end of the log), how many
    were rewritten, and {position: (old link, new link)} of every link that changed."""
    now = (clock or (lambda: datetime.now(UTC)))()
    with engine.begin() as connection:
        quote = connection.dialect.identifier_preparer.quote
        position_name = position_column(connection.dialect)
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"LOCK TABLE {quote(table)} IN EXCLUSIVE MODE")
        # On SQLite this INSERT takes the write lock before anything is read.
        inserted = connection.execute(event_chain_rebases.insert().values(
            at=now, reason=reason, first_position=0, events=0)).inserted_primary_key
        assert inserted is not None
        rebase = inserted[0]
        rows = list(itertools.islice(read_events(connection, table, after=after), limit))
        update = sa.text(
            f"UPDATE {quote(table)} SET state = :state WHERE {position_name} = :position"  # noqa: S608
        )
        rewritten = [(row.position, state) for row in rows
                     if (state := rewrite(row)) is not None]
        for position, state in rewritten:
            connection.execute(update, {"state": state, "position": position})
        last = rows[-1].position if len(rows) == limit else None
        if not rewritten:
            connection.execute(event_chain_rebases.delete().where(
                event_chain_rebases.c.id == rebase))
            return last, 0, {}
        first = rewritten[0][0]
        changed = _relink(connection, table, first)
        connection.execute(event_chain_rebases.update().where(
            event_chain_rebases.c.id == rebase).values(first_position=first,
                                                       events=len(rewritten)))
        return last, len(rewritten), changed


def _relink(connection: sa.Connection, table: str, first: int) -> dict[int, tuple[str, str]]:
    """New links from position `first` to the head (each covers the one before it, so all
    of them change)."""
    previous = connection.execute(
        sa.select(event_chain.c.previous).where(event_chain.c.position == first)
    ).scalar_one()
    changed: dict[int, tuple[str, str]] = {}
    rows: list[dict[str, Any]] = []
    links = read_links(connection, after=first - 1)
    for row in read_events(connection, table, after=first - 1):
        at, _, old = next(links)
        assert at == row.position, "the chain was not whole before re-linking"
        new = link_hash(previous, at, row.originator_id, row.version, row.topic, row.state)
        rows.append({"p": at, "previous": previous, "hash": new})
        changed[at] = (old, new)
        previous = new
    connection.execute(
        event_chain.update().where(event_chain.c.position == sa.bindparam("p"))
        .values(previous=sa.bindparam("previous"), hash=sa.bindparam("hash")), rows)
    return changed
