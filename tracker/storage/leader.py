"""One leader across processes: only the holder of the lock runs the scheduler's jobs.

PostgreSQL: a session-level advisory lock held by a dedicated connection. SQLite: an OS
file lock (flock) next to the database file. Both are released by the operating system or
the server when the holding process dies, so a follower's next attempt takes over. The jobs
are idempotent anyway; the lock only keeps several processes from doing the same work.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import sqlalchemy as sa
from filelock import FileLock, Timeout

from tracker.config import Settings

log = logging.getLogger(__name__)


class LeaderLock(Protocol):
    def try_acquire(self) -> bool:
        """Become (or stay) the leader without waiting; True when this holder leads."""
        ...

    @property
    def is_held(self) -> bool: ...

    def release(self) -> None: ...


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_lock(bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _libpq_url(url: str) -> str:
    """The database URL as libpq takes it: without our own `schema` parameter (advisory
    locks are per database), keeping any others such as sslmode."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "schema"]
    return urlunsplit(parts._replace(query=urlencode(query)))


class PostgresLeaderLock:
    """pg_try_advisory_lock on a connection of its own, outside any pool, so the lock
    lives exactly as long as that session. The key includes the schema, so separate
    installations (or test schemas) in one database do not contend."""

    def __init__(self, settings: Settings, name: str = "scheduler") -> None:
        self._conninfo = _libpq_url(settings.database_url)
        self.key = advisory_key(f"tracker:{name}:{settings.postgres_schema or 'public'}")
        self._connection: psycopg.Connection | None = None
        self._mutex = threading.Lock()

    @property
    def is_held(self) -> bool:
        return self._connection is not None

    def try_acquire(self) -> bool:
        with self._mutex:
            if self._connection is not None:
                if self._alive(self._connection):
                    return True
                log.warning("Lost the leader connection; trying to lead again.")
                self._close()
            try:
                connection = psycopg.connect(
                    self._conninfo,
                    autocommit=True,
                    connect_timeout=10,
                    application_name="tracker-leader",
                )
            except psycopg.Error as error:
                log.warning("Cannot reach PostgreSQL for the leader lock: %s", error)
                return False
            try:
                row = connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
            except psycopg.Error:
                connection.close()
                return False
            if row is not None and row[0]:
                self._connection = connection
                return True
            connection.close()
            return False

    @staticmethod
    def _alive(connection: psycopg.Connection) -> bool:
        # A session-level advisory lock is only given up by unlock or by the session
        # ending, so a live session still holds it.
        try:
            connection.execute("SELECT 1")
        except psycopg.Error:
            return False
        return not connection.closed

    def _close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                self._connection.close()
            self._connection = None

    def release(self) -> None:
        with self._mutex:
            if self._connection is not None and not self._connection.closed:
                # Closing the session below releases it too, should this fail.
                with contextlib.suppress(psycopg.Error):
                    self._connection.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            self._close()


class FileLeaderLock:
    """An flock on a file next to the SQLite database: every process that uses the same
    database file sees the same lock, and the kernel drops it when the holder dies."""

    def __init__(self, settings: Settings, name: str = "scheduler") -> None:
        db = settings.sqlite_path
        db.parent.mkdir(parents=True, exist_ok=True)
        self.path = db.with_name(f"{db.name}.{name}.leader.lock")
        # Not thread-local: jobs acquire and release from different pool threads. No soft
        # fallback: a soft lock file would outlive a crashed leader and block takeover.
        self._lock = FileLock(str(self.path), thread_local=False, fallback_to_soft=False)
        self._mutex = threading.Lock()

    @property
    def is_held(self) -> bool:
        return self._lock.is_locked

    def try_acquire(self) -> bool:
        with self._mutex:
            if self._lock.is_locked:
                return True
            try:
                self._lock.acquire(timeout=0)
            except Timeout:
                return False
            return True

    def release(self) -> None:
        with self._mutex:
            if self._lock.is_locked:
                self._lock.release(force=True)


def leader_lock(settings: Settings, name: str = "scheduler") -> LeaderLock:
    if settings.is_sqlite:
        return FileLeaderLock(settings, name)
    return PostgresLeaderLock(settings, name)


def leader_present(settings: Settings, engine: sa.Engine, name: str = "scheduler") -> bool:
    """Whether some process leads now (for /readyz). PostgreSQL: the advisory lock is in
    pg_locks (a bigint key is shown as its high and low 32 bits). SQLite: the file lock
    cannot be taken without waiting (taken for a moment and given back when nobody holds
    it; a scheduler trying just then tries again at its next retry)."""
    if settings.is_sqlite:
        probe = FileLeaderLock(settings, name)
        if probe.try_acquire():
            probe.release()
            return False
        return True
    key = advisory_key(f"tracker:{name}:{settings.postgres_schema or 'public'}") & (2**64 - 1)
    with engine.connect() as connection:
        return bool(connection.execute(
            sa.text(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = :high AND objid = :low AND objsubid = 1 AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database()))"
            ),
            {"high": key >> 32, "low": key & 0xFFFFFFFF},
        ).scalar())
