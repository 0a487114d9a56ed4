"""`tracker backup` and `tracker restore`: a consistent copy of a serving store, and the
store made again from one.

- SQLite: the online backup API (`sqlite3.Connection.backup`, in one step: a read
  transaction, so writers go on and the copy is the database at one moment), the whole
  file: events, chain, organisation, accounts, logs.
- PostgreSQL: a logical export in one REPEATABLE READ transaction (one moment): every
  table of ours but the views (rebuilt from the events) and the snapshots (a cache), each
  in PostgreSQL's COPY text format, which `restore` copies back in. Chosen over pg_dump:
  no client binaries of the server's version on the tracker's machine, the same manifest,
  encryption and emptiness check as SQLite, and a restore that knows which tables are ours.

A backup is a folder: the data file(s) and `manifest.json` (when, the log's last position,
the chain's head, counts, each file's SHA-256 and size, whether and how it is encrypted).
With encryption (the default when TRACKER_CIPHER_KEY is set) each file is sealed with
AES-256-GCM in 1 MiB chunks under a key derived from TRACKER_CIPHER_KEY, so the accounts
and the plain columns are not readable in the backup either.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from projections import tables as view_tables
from tracker.config import Settings
from tracker.storage import tables
from tracker.storage.chain import Head, snapshot
from tracker.storage.database import make_engine
from tracker.storage.leader import leader_lock

FORMAT = "tracker-backup/1"
MANIFEST = "manifest.json"
SQLITE_FILE = "tracker.sqlite3"
SEALED = ".sealed"
CHUNK = 1 << 20
_MAGIC = b"TRACKER-BACKUP-AESGCM-1\n"
ENCRYPTION = (
    "AES-256-GCM, 1 MiB chunks, key derived from TRACKER_CIPHER_KEY with HKDF-SHA256 "
    "(label tracker/backup/aes-gcm/v1)"
)


class BackupError(RuntimeError):
    """The backup cannot be made or restored; the message says why."""


# --- sealing files --------------------------------------------------------------------------


def _backup_key(cipher_key: str) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"tracker/backup/aes-gcm/v1"
    ).derive(cipher_key.encode())
    return AESGCM(derived)


class _Sealer(io.RawIOBase):
    """A write-only stream that seals what is written, chunk by chunk: each chunk's
    associated data is its number and whether it is the last, so chunks cannot be
    reordered, dropped or the file cut short unnoticed."""

    def __init__(self, target: IO[bytes], cipher_key: str) -> None:
        self.target, self.aead, self.buffer, self.index = target, _backup_key(cipher_key), b"", 0
        target.write(_MAGIC)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer += bytes(data)
        while len(self.buffer) > CHUNK:
            self._seal(self.buffer[:CHUNK], last=False)
            self.buffer = self.buffer[CHUNK:]
        return len(data)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        nonce = os.urandom(12)
        sealed = self.aead.encrypt(nonce, chunk, struct.pack(">Q?", self.index, last))
        self.target.write(struct.pack(">I", len(sealed)) + nonce + sealed)
        self.index += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(self.buffer, last=True)
            self.buffer = b""
        super().close()


def _unseal(source: IO[bytes], cipher_key: str) -> Iterator[bytes]:
    if source.read(len(_MAGIC)) != _MAGIC:
        raise BackupError("not a sealed backup file")
    aead, index = _backup_key(cipher_key), 0
    while True:
        header = source.read(4)
        if len(header) < 4:
            raise BackupError("the sealed file is cut short")
        (size,) = struct.unpack(">I", header)
        nonce, sealed = source.read(12), source.read(size)
        for last in (False, True):
            try:
                chunk = aead.decrypt(nonce, sealed, struct.pack(">Q?", index, last))
            except InvalidTag:
                continue
            yield chunk
            if last:
                return
            break
        else:
            raise BackupError(
                "the backup cannot be decrypted with this TRACKER_CIPHER_KEY (another key, "
                "or the file was changed)"
            )
        index += 1


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


# --- the manifest ---------------------------------------------------------------------------


@dataclass
class Summary:
    path: Path
    manifest: dict[str, Any]

    @property
    def position(self) -> int:
        return int(self.manifest["positions"]["tracker"])

    @property
    def events(self) -> int:
        return int(self.manifest["counts"]["events"])


def _manifest(
    settings: Settings, started: datetime, position: int, head: Head, counts: dict[str, Any],
    files: dict[str, Path], encrypted: bool,
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "store": "sqlite" if settings.is_sqlite else "postgresql",
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "positions": {"tracker": position},  # the last event position per application log
        "chain_head": {"position": head.position, "hash": head.hash, "links": head.count},
        "counts": counts,
        "encrypted": encrypted,
        "encryption": ENCRYPTION if encrypted else None,
        "files": {
            name: {"sha256": _sha256(path), "bytes": path.stat().st_size}
            for name, path in files.items()
        },
    }


def _prepare_folder(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"{path} exists and is not an empty folder")
    path.mkdir(parents=True, exist_ok=True)


# --- backup ---------------------------------------------------------------------------------


def backup(
    settings: Settings, engine: sa.Engine, events_table: str, path: Path, *, encrypt: bool
) -> Summary:
    """Write a consistent copy of the store (serving or not) into the folder `path`."""
    if encrypt and not settings.cipher_key:
        raise BackupError("encrypting a backup needs TRACKER_CIPHER_KEY")
    _prepare_folder(path)
    started = datetime.now(UTC)
    if settings.is_sqlite:
        files, position, head, counts = _backup_sqlite(settings, events_table, path, encrypt)
    else:
        files, position, head, counts = _backup_postgres(
            settings, engine, events_table, path, encrypt
        )
    manifest = _manifest(settings, started, position, head, counts, files, encrypt)
    (path / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return Summary(path, manifest)


def _sqlite_facts(
    connection: sqlite3.Connection, events_table: str
) -> tuple[int, Head, dict[str, Any]]:
    position = connection.execute(
        f'SELECT COALESCE(MAX(rowid), 0) FROM "{events_table}"'  # noqa: S608
    )
    events = connection.execute(f'SELECT COUNT(*) FROM "{events_table}"').fetchone()[0]  # noqa: S608
    last = connection.execute(
        "SELECT position, hash FROM event_chain ORDER BY position DESC LIMIT 1"
    ).fetchone()
    links = connection.execute("SELECT COUNT(*) FROM event_chain").fetchone()[0]
    users = connection.execute("SELECT COUNT(*) FROM users").fetchone()[0]
    head = Head(int(last[0]), str(last[1]), int(links)) if last else Head(0, "0" * 64, 0)
    return int(position.fetchone()[0]), head, {"events": int(events), "users": int(users)}


def _backup_sqlite(
    settings: Settings, events_table: str, path: Path, encrypt: bool
) -> tuple[dict[str, Path], int, Head, dict[str, Any]]:
    source = sqlite3.connect(settings.sqlite_path, timeout=30)
    try:
        if encrypt:
            # Copied into memory and sealed from there: no plain copy touches the disk.
            copy = sqlite3.connect(":memory:")
            source.backup(copy)
            target = path / (SQLITE_FILE + SEALED)
            position, head, counts = _sqlite_facts(copy, events_table)
            with target.open("wb") as handle, _Sealer(handle, str(settings.cipher_key)) as out:
                out.write(copy.serialize())
            copy.close()
        else:
            target = path / SQLITE_FILE
            copy = sqlite3.connect(target)
            source.backup(copy)  # one step: the database as of one moment
            position, head, counts = _sqlite_facts(copy, events_table)
            copy.close()
    finally:
        source.close()
    return {target.name: target}, position, head, counts


def exported_tables(events_table: str) -> list[str]:
    """What a PostgreSQL backup holds, parents before the tables that refer to them: our
    own tables, the followers' positions (the notifier's is kept) and the event log."""
    ours = [table.name for table in tables.metadata.sorted_tables]
    return [*ours, view_tables.tracking.name, events_table]


def _columns(connection: sa.Connection, table: str) -> list[str]:
    rows = connection.execute(
        sa.text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
            "AND table_schema = current_schema() ORDER BY ordinal_position"
        ),
        {"t": table},
    )
    return [row[0] for row in rows]


def _backup_postgres(
    settings: Settings, engine: sa.Engine, events_table: str, path: Path, encrypt: bool
) -> tuple[dict[str, Path], int, Head, dict[str, Any]]:
    files: dict[str, Path] = {}
    counts: dict[str, int] = {}
    columns: dict[str, list[str]] = {}
    with snapshot(engine) as connection:
        quote = connection.dialect.identifier_preparer.quote
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for table in exported_tables(events_table):
            names = _columns(connection, table)
            columns[table] = names
            name = f"{table}.copy" + (SEALED if encrypt else "")
            target = path / name
            rows = 0
            statement = (
                f"COPY (SELECT {', '.join(quote(c) for c in names)} "  # noqa: S608
                f"FROM {quote(table)}) TO STDOUT"
            )
            with target.open("wb") as handle:
                out: IO[bytes] = (
                    _Sealer(handle, str(settings.cipher_key)) if encrypt else handle  # type: ignore[assignment]
                )
                with cursor.copy(statement) as copy:
                    for block in copy:
                        data = bytes(block)
                        rows += data.count(b"\n")
                        out.write(data)
                if encrypt:
                    out.close()
            files[name] = target
            counts[table] = rows
        position = int(connection.execute(
            sa.text(f"SELECT COALESCE(MAX(notification_id), 0) FROM {quote(events_table)}")  # noqa: S608
        ).scalar() or 0)
        last = connection.execute(
            sa.select(tables.event_chain.c.position, tables.event_chain.c.hash)
            .order_by(tables.event_chain.c.position.desc()).limit(1)
        ).first()
    head = Head(int(last.position), last.hash, counts["event_chain"]) if last else \
        Head(0, "0" * 64, 0)
    summary: dict[str, Any] = {
        "events": counts[events_table], "users": counts["users"], "tables": counts,
        "columns": columns,
    }
    return files, position, head, summary


# --- restore --------------------------------------------------------------------------------


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{path} holds no readable {MANIFEST} ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path / MANIFEST} is not a tracker backup ({FORMAT})")
    return manifest


def check_files(path: Path, manifest: dict[str, Any]) -> None:
    """Every file there, with the size and SHA-256 the manifest recorded."""
    for name, facts in manifest["files"].items():
        file = path / name
        if not file.is_file():
            raise BackupError(f"{name} is missing from the backup")
        if file.stat().st_size != facts["bytes"] or _sha256(file) != facts["sha256"]:
            raise BackupError(f"{name} differs from the manifest (changed or damaged)")


def store_contents(settings: Settings) -> tuple[int, int]:
    """(events, accounts) already in the store the settings name; (0, 0) for none."""
    engine = make_engine(settings)
    try:
        names = set(sa.inspect(engine).get_table_names(schema=settings.postgres_schema))
        events_table = "stored_events" if settings.is_sqlite else "tracker_events"
        counted = []
        with engine.connect() as connection:
            for table in (events_table, "users"):
                counted.append(
                    int(connection.execute(
                        sa.text(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
                    ).scalar() or 0) if table in names else 0
                )
        return counted[0], counted[1]
    finally:
        engine.dispose()


def _plain_blocks(
    path: Path, manifest: dict[str, Any], name: str, cipher_key: str | None
) -> Iterator[bytes]:
    """A data file of the backup as plain bytes, block by block (unsealed as it is read
    when it was encrypted: nothing plain is written anywhere on the way)."""
    if manifest["encrypted"] and not cipher_key:
        raise BackupError(
            "the backup is encrypted: set TRACKER_CIPHER_KEY to the key it was made with"
        )
    with (path / name).open("rb") as handle:
        if manifest["encrypted"]:
            yield from _unseal(handle, str(cipher_key))
        else:
            yield from iter(lambda: handle.read(CHUNK), b"")


def load(
    settings: Settings, path: Path, manifest: dict[str, Any], *, force: bool,
    make_tables: Callable[[], None],
) -> None:
    """Put the backup's data into the store the settings name (not yet the views);
    `make_tables` makes every table of this version in an empty store (PostgreSQL)."""
    kind = "sqlite" if settings.is_sqlite else "postgresql"
    if manifest["store"] != kind:
        raise BackupError(
            f"this is a {manifest['store']} backup; it restores into a {manifest['store']} "
            f"store, not {kind}"
        )
    check_files(path, manifest)
    for name in manifest["files"]:  # the key is right: checked before anything is replaced
        next(_plain_blocks(path, manifest, name, settings.cipher_key), None)
    lock = leader_lock(settings)
    if not lock.try_acquire():
        raise BackupError(
            "a tracker process is running on this store (it holds the scheduler's lock): "
            "stop every tracker process on it before restoring"
        )
    try:
        _load(settings, path, manifest, force=force, make_tables=make_tables)
    finally:
        lock.release()


def _load(
    settings: Settings, path: Path, manifest: dict[str, Any], *, force: bool,
    make_tables: Callable[[], None],
) -> None:
    events, accounts = store_contents(settings)
    if (events or accounts) and not force:
        raise BackupError(
            f"the store is not empty ({events} events, {accounts} accounts): restore into "
            "an empty store, or add --force to replace everything in it"
        )
    if settings.is_sqlite:
        _load_sqlite(settings, path, manifest)
    else:
        _load_postgres(settings, path, manifest, make_tables)


def _load_sqlite(settings: Settings, path: Path, manifest: dict[str, Any]) -> None:
    """The copy is a whole database image: it becomes the store's file, with no journal
    of the store it replaces left beside it."""
    (name,) = manifest["files"]
    target = settings.sqlite_path
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with target.open("xb") as out:
        for block in _plain_blocks(path, manifest, name, settings.cipher_key):
            out.write(block)


def _load_postgres(
    settings: Settings, path: Path, manifest: dict[str, Any], make_tables: Callable[[], None]
) -> None:
    columns: dict[str, list[str]] = manifest["counts"]["columns"]
    engine = make_engine(settings)
    try:
        existing = set(sa.inspect(engine).get_table_names(schema=settings.postgres_schema))
        with engine.begin() as connection:
            # Emptied first (a forced restore), so that opening the runtime finds no events.
            for table in reversed([*columns, "tracker_snapshots"]):
                if table in existing:
                    connection.exec_driver_sql(f'DELETE FROM "{table}"')  # noqa: S608
        make_tables()
        with engine.begin() as connection:
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            for table in reversed(list(columns)):
                connection.exec_driver_sql(f'DELETE FROM "{table}"')  # noqa: S608
            for table, names in columns.items():
                name = f"{table}.copy" + (SEALED if manifest["encrypted"] else "")
                listed = ", ".join(f'"{c}"' for c in names)
                with cursor.copy(f'COPY "{table}" ({listed}) FROM STDIN') as copy:
                    for block in _plain_blocks(path, manifest, name, settings.cipher_key):
                        copy.write(block)
                for column in names:
                    sequence = connection.execute(
                        sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                        {"t": f'"{table}"', "c": column},
                    ).scalar()
                    if sequence:
                        connection.execute(
                            sa.text(
                                f'SELECT setval(:s, COALESCE((SELECT MAX("{column}") '  # noqa: S608
                                f'FROM "{table}"), 0) + 1, false)'
                            ),
                            {"s": sequence},
                        )
    finally:
        engine.dispose()


def describe(summary: Summary) -> str:
    manifest = summary.manifest
    sealed = "encrypted" if manifest["encrypted"] else "not encrypted"
    return (
        f"backup {summary.path}: {manifest['store']}, {summary.events} events up to position "
        f"{summary.position}, chain head {manifest['chain_head']['hash']}, {sealed}"
    )
