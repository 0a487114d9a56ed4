"""The case keys: one random AES-256 key per case and kind of content (events/retention.py
`content_kind`), kept in `case_keys` wrapped under a key derived from TRACKER_CIPHER_KEY.

Filing costs no extra write: a process makes its keys ahead, a batch at a time in one
transaction (`POOL`), and gives a new case the next one. A case's later events find its key
from the case's own events, which the application has just read to change it. Keys are
cached per process; gallring deletes rows and bumps the `case_keys` generation, and every
process drops its cache when it sees that (at most `RECHECK_SECONDS` later), so a key once
destroyed opens nothing anywhere."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from uuid import UUID, uuid4

import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tracker.storage.generations import CASE_KEYS, Generations
from tracker.storage.tables import case_keys

POOL = 64
RECHECK_SECONDS = 1.0
_WRAP_LABEL = b"tracker/case-keys/v1"


class CaseKeyRing:
    def __init__(
        self, engine: sa.Engine, generations: Generations, cipher_key: str | None
    ) -> None:
        self.engine = engine
        self.generations = generations
        self._wrapper = AESGCM(HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=_WRAP_LABEL,
        ).derive(cipher_key.encode())) if cipher_key else None
        self._lock = threading.Lock()
        self._keys: dict[UUID, AESGCM] = {}
        self._pool: list[UUID] = []
        self._seen_seq = 0
        self._generation: int | None = None
        self._checked_at = 0.0
        self._epoch = 0  # how many times this process learnt that keys were destroyed

    # --- making keys -----------------------------------------------------------------------

    def new_key(self) -> UUID:
        """A key of its own for a new case (or a new kind of content of a case)."""
        with self._lock:
            if not self._pool:
                self._fill_pool()
            return self._pool.pop()

    def reserve(self, count: int) -> None:
        """Make sure `count` new keys are at hand, so that sealing that many cases needs no
        write of its own (inside another transaction, on SQLite, it would wait for itself)."""
        with self._lock:
            while len(self._pool) < count:
                self._fill_pool(max(POOL, count - len(self._pool)))

    def _fill_pool(self, count: int = POOL) -> None:
        made = {uuid4(): AESGCM.generate_key(bit_length=256) for _ in range(count)}
        with self.engine.begin() as connection:
            connection.execute(case_keys.insert(), [
                {"key_id": key_id, "wrapped": self._wrap(key_id, key)}
                for key_id, key in made.items()
            ])
        for key_id, key in made.items():
            self._keys[key_id] = AESGCM(key)
        self._pool.extend(made)

    def _wrap(self, key_id: UUID, key: bytes) -> bytes:
        if self._wrapper is None:
            return key
        nonce = os.urandom(12)
        return nonce + self._wrapper.encrypt(nonce, key, key_id.bytes)

    def _unwrap(self, key_id: UUID, wrapped: bytes) -> AESGCM:
        if self._wrapper is None:
            return AESGCM(bytes(wrapped))
        return AESGCM(self._wrapper.decrypt(wrapped[:12], wrapped[12:], key_id.bytes))

    # --- finding keys ----------------------------------------------------------------------

    def key(self, key_id: UUID) -> AESGCM | None:
        """The key, or None when it was destroyed (gallrad)."""
        with self._lock:
            self._recheck()
            found = self._keys.get(key_id)
            if found is not None:
                return found
            self._load_new()
            found = self._keys.get(key_id)
            if found is None:  # made by a transaction that committed after a later seq
                found = self._load_one(key_id)
            return found

    def epoch(self) -> int:
        """Changes whenever keys were destroyed (here, or, within RECHECK_SECONDS, in any
        process): whatever was read with them before is to be read again."""
        with self._lock:
            self._recheck()
            return self._epoch

    def _recheck(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < RECHECK_SECONDS:
            return
        self._checked_at = now
        generation = self.generations.read().get(CASE_KEYS, 0)
        if self._generation is not None and generation != self._generation:
            # Keys were destroyed somewhere: forget every key, keep only the unused pool.
            pool = {key_id: self._keys[key_id] for key_id in self._pool}
            self._keys, self._seen_seq = pool, 0
            self._epoch += 1
        self._generation = generation

    def _load_new(self) -> None:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(case_keys.c.seq, case_keys.c.key_id, case_keys.c.wrapped)
                .where(case_keys.c.seq > self._seen_seq).order_by(case_keys.c.seq)
            ).all()
        for seq, key_id, wrapped in rows:
            self._keys.setdefault(key_id, self._unwrap(key_id, wrapped))
            self._seen_seq = max(self._seen_seq, seq)

    def _load_one(self, key_id: UUID) -> AESGCM | None:
        with self.engine.connect() as connection:
            wrapped = connection.execute(
                sa.select(case_keys.c.wrapped).where(case_keys.c.key_id == key_id)
            ).scalar_one_or_none()
        if wrapped is None:
            return None
        found = self._keys[key_id] = self._unwrap(key_id, wrapped)
        return found

    # --- destroying keys -------------------------------------------------------------------

    def destroy(self, key_ids: Iterable[UUID]) -> int:
        """Delete the keys (and tell every process): the content sealed with them is gone.
        Returns how many existed."""
        doomed = sorted(set(key_ids))
        if not doomed:
            return 0
        with self.engine.begin() as connection:
            deleted = connection.execute(
                case_keys.delete().where(case_keys.c.key_id.in_(doomed))
            ).rowcount
            self.generations.bump(connection, CASE_KEYS)
        with self._lock:
            for key_id in doomed:
                self._keys.pop(key_id, None)
            self._epoch += 1
        return int(deleted or 0)
