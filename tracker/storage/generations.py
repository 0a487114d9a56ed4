"""Per-process caches of the SQL data that changes seldom and is read on every request
(units, taxonomy, causes; accounts and API tokens), kept exact across processes.

Each kind of data has a generation number in `cache_generations`, which every write of
that kind bumps in its own transaction. A cache entry remembers the generation it was read
at and is good while that is still the current one. Reading the numbers is one small
query: a web request reads them once at its start (`pin`) and every lookup in the request
trusts them; code outside a request reads them at each lookup. A thread that writes stops
trusting its pinned numbers, so it reads its own writes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from tracker.storage.database import transaction
from tracker.storage.tables import cache_generations

T = TypeVar("T")

ORGANISATION = "organisation"
ACCOUNTS = "accounts"
CASE_KEYS = "case_keys"  # bumped when gallring deletes case keys (tracker/storage/case_keys.py)
KINDS = (ORGANISATION, ACCOUNTS, CASE_KEYS)

# As a plain statement: it runs on every request, and SQLAlchemy's statement handling
# was most of its cost.
_SELECT = f"SELECT name, value FROM {cache_generations.name}"  # noqa: S608 - our table


class Generations:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._local = threading.local()
        # Each thread reads on a driver connection of its own, outside the pool: the pool's
        # checkout, ping and reset were most of the cost of this one-row-per-kind query,
        # which runs on every request. All of them, to be closed with the runtime.
        self._connections: list[Any] = []
        self._connections_lock = threading.Lock()

    def read(self) -> dict[str, int]:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            try:
                return self._read_on(connection)
            except Exception:  # e.g. a server that dropped it: read on a new one below
                self._forget(connection)
        connection = self._connect()
        return self._read_on(connection)

    @staticmethod
    def _read_on(connection: Any) -> dict[str, int]:
        cursor = connection.cursor()
        try:
            cursor.execute(_SELECT)
            return {name: int(value) for name, value in cursor.fetchall()}
        finally:
            cursor.close()

    def _connect(self) -> Any:
        pooled = self.engine.raw_connection()
        connection: Any = pooled.driver_connection
        pooled.detach()  # ours for the thread's life, not the pool's
        if self.engine.dialect.name == "postgresql":
            # Each read sees the latest commit and holds nothing open between requests.
            connection.rollback()
            connection.autocommit = True
        with self._connections_lock:
            self._connections.append(connection)
        self._local.connection = connection
        return connection

    def _forget(self, connection: Any) -> None:
        self._local.connection = None
        with self._connections_lock:
            if connection in self._connections:
                self._connections.remove(connection)
        with contextlib.suppress(Exception):
            connection.close()

    def close(self) -> None:
        """Close every thread's connection (the runtime is closing)."""
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            with contextlib.suppress(Exception):
                connection.close()

    def current(self, kind: str) -> int:
        pinned: dict[str, int] | None = getattr(self._local, "pinned", None)
        values = pinned if pinned is not None else self.read()
        return values.get(kind, 0)

    def pin(self) -> None:
        """Trust the generations as they are now in this thread until `unpin` (a request)."""
        self._local.pinned = self.read()

    def unpin(self) -> None:
        self._local.pinned = None

    @contextlib.contextmanager
    def pinned(self) -> Iterator[None]:
        """`pin` for the length of a with-block (a worker's batch, as a request)."""
        self.pin()
        try:
            yield
        finally:
            self.unpin()

    @contextlib.contextmanager
    def writing(
        self, kind: str, connection: sa.Connection | None = None
    ) -> Iterator[sa.Connection]:
        """A write transaction (or the caller's) that invalidates every process's cache of
        `kind` when it commits."""
        with transaction(self.engine, connection) as writer:
            self.bump(writer, kind)
            yield writer

    def bump(self, connection: sa.Connection, kind: str) -> None:
        """In the writer's transaction: the data of `kind` changed."""
        self.unpin()  # this thread reads its own write from now on
        updated = connection.execute(
            cache_generations.update()
            .where(cache_generations.c.name == kind)
            .values(value=cache_generations.c.value + 1)
        )
        if updated.rowcount == 0:
            connection.execute(cache_generations.insert().values(name=kind, value=1))


class Cached(Generic[T]):
    """One cached value of one kind, loaded by `load` when missing or out of date."""

    def __init__(self, generations: Generations, kind: str, load: Callable[[], T]) -> None:
        self.generations = generations
        self.kind = kind
        self.load = load
        self._entry: tuple[int, T] | None = None

    def get(self) -> T:
        generation = self.generations.current(self.kind)  # before the load: never too new
        entry = self._entry
        if entry is not None and entry[0] == generation:
            return entry[1]
        value = self.load()
        self._entry = (generation, value)
        return value


class CachedMap(Generic[T]):
    """Values by key of one kind (e.g. accounts by token), dropped as a whole when the
    generation moves; at most `limit` keys."""

    def __init__(self, generations: Generations, kind: str, limit: int = 10_000) -> None:
        self.generations = generations
        self.kind = kind
        self.limit = limit
        self._generation = -1
        self._values: dict[object, T] = {}
        self._lock = threading.Lock()

    def get(self, key: object, load: Callable[[], T]) -> T:
        generation = self.generations.current(self.kind)
        with self._lock:
            if generation != self._generation:
                self._values, self._generation = {}, generation
            elif key in self._values:
                return self._values[key]
        value = load()
        with self._lock:
            if generation == self._generation and len(self._values) < self.limit:
                self._values[key] = value
        return value

    def put(self, key: object, value: T) -> None:
        """Replace a cached value (a change that no other process needs to know about)."""
        with self._lock:
            if key in self._values:
                self._values[key] = value
