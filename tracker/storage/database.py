"""SQLAlchemy engine and schema creation for our own tables (one code path for SQLite
and PostgreSQL). Events live in the eventsourcing library's tables in the same database."""

from __future__ import annotations

import contextlib
import os
import zlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from filelock import FileLock

from projections.cipher import attach
from tracker.config import Settings


@contextlib.contextmanager
def transaction(
    engine: sa.Engine, connection: sa.Connection | None = None
) -> Iterator[sa.Connection]:
    """The caller's transaction when one is given (it commits with the caller's work), else a
    new one on `engine`, committed when the block ends."""
    if connection is not None:
        yield connection
    else:
        with engine.begin() as own:
            yield own


def make_engine(settings: Settings) -> sa.Engine:
    """The engine, with the column cipher of TRACKER_CIPHER_KEY on its dialect (none when
    the key is not set): the encrypted columns of every table go through it."""
    engine = _engine(settings)
    attach(engine, settings.cipher_key)
    return engine


def _engine(settings: Settings) -> sa.Engine:
    if settings.is_sqlite:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        # No pre-ping: a file has no server that could have dropped the connection, and the
        # ping was one more query on every checkout (several per request).
        engine = sa.create_engine(settings.sqlalchemy_url(), connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Deleted and replaced content (a view's rows, gallring's erased keys and files)
            # is overwritten, not left in free pages.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    schema = settings.postgres_schema
    options = session_options(f"-csearch_path={schema}" if schema else "")
    connect_args = {"options": options} if options else {}
    return sa.create_engine(
        settings.sqlalchemy_url(),
        pool_size=5,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


def session_options(ours: str) -> str:
    """libpq's `options` for a connection: PGOPTIONS (session settings the environment asks
    for every connection, as libpq gives them to connections that pass none) and ours;
    an `options` argument alone would silently replace PGOPTIONS."""
    return " ".join(part for part in (os.environ.get("PGOPTIONS", "").strip(), ours) if part)


@contextlib.contextmanager
def exclusive(settings: Settings, engine: sa.Engine, name: str) -> Iterator[None]:
    """Serialise a one-off task (schema creation, seeding) across processes."""
    if settings.is_sqlite:
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        lock_path = settings.sqlite_path.with_name(settings.sqlite_path.name + f".{name}.lock")
        with FileLock(str(lock_path), timeout=120):
            yield
        return
    key = zlib.crc32(f"tracker:{name}".encode())
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()
