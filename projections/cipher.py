"""Encryption at rest of the free text and identifiers kept in SQL tables (the views, the
access log, the admin change log, the outbox), next to the events eventsourcing encrypts.

Each column type here encrypts when a value is bound and decrypts when a row is read, with
the cipher found on the engine's dialect (every Engine has its own Dialect instance):
`attach(engine, key)` puts it there when the runtime opens the engine. No key: the values
are stored as given, as before. One code path for SQLite and PostgreSQL.

- AES-256-GCM with a random 96-bit nonce, stored as text: MARKER + base64(nonce + sealed).
  A value without the marker is read back as it is, so rows written before the key was
  used for these columns (the access and admin logs, which cannot be rebuilt) stay readable.
- The keys are derived from TRACKER_CIPHER_KEY with HKDF-SHA256 under their own labels, so
  the column key and the lookup key differ from the key of the events.
- A column looked up by equality in SQL gets a companion `BlindIndex` column: a keyed
  HMAC of the exact value, so `column_key == value` finds the rows without the value in
  the file. Comparisons stay exact, as they were on the plain column (no folding).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MARKER = "enc1:"
BYTES_MARKER = b"enc1:"
_NONCE = 12
_ATTRIBUTE = "tracker_cipher"


class ColumnCipherError(RuntimeError):
    """A stored value cannot be decrypted: no key, or another key than it was written with."""


def _derive(secret: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret)


class ColumnCipher:
    """The keys for one store, derived once from TRACKER_CIPHER_KEY."""

    def __init__(self, cipher_key: str) -> None:
        secret = cipher_key.encode()
        self._aead = AESGCM(_derive(secret, b"tracker/columns/aes-gcm/v1"))
        self._index_key = _derive(secret, b"tracker/columns/blind-index/v1")

    def encrypt(self, plain: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, plain.encode(), None)
        return MARKER + base64.b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, stored: str) -> str:
        raw = base64.b64decode(stored[len(MARKER):])
        try:
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], None).decode()
        except InvalidTag as error:
            raise ColumnCipherError(
                "A stored value cannot be decrypted with this TRACKER_CIPHER_KEY."
            ) from error

    def seal(self, plain: bytes) -> bytes:
        """Bytes (an attachment): BYTES_MARKER + nonce + sealed, kept binary."""
        nonce = os.urandom(_NONCE)
        return BYTES_MARKER + nonce + self._aead.encrypt(nonce, plain, None)

    def unseal(self, stored: bytes) -> bytes:
        raw = stored[len(BYTES_MARKER):]
        try:
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], None)
        except InvalidTag as error:
            raise ColumnCipherError(
                "A stored value cannot be decrypted with this TRACKER_CIPHER_KEY."
            ) from error

    def index(self, plain: str) -> str:
        digest = hmac.new(self._index_key, plain.encode(), hashlib.sha256).digest()
        return "idx1:" + base64.b64encode(digest).decode("ascii")


def attach(engine: sa.Engine, cipher_key: str | None) -> None:
    """Give the engine's columns of the types below their cipher (None: store plain)."""
    setattr(engine.dialect, _ATTRIBUTE, ColumnCipher(cipher_key) if cipher_key else None)


def cipher_of(dialect: sa.Dialect) -> ColumnCipher | None:
    cipher: ColumnCipher | None = getattr(dialect, _ATTRIBUTE, None)
    return cipher


def _open(value: str, dialect: sa.Dialect) -> str:
    if not value.startswith(MARKER):
        return value  # written in plain (no key, or before these columns were encrypted)
    cipher = cipher_of(dialect)
    if cipher is None:
        raise ColumnCipherError("A stored value is encrypted and TRACKER_CIPHER_KEY is not set.")
    return cipher.decrypt(value)


class EncryptedText(sa.types.TypeDecorator[str]):
    """Free text or an identifier: ciphertext in the database when a key is set."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        cipher = cipher_of(dialect)
        if value is None or cipher is None:
            return value
        return cipher.encrypt(value)

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else _open(value, dialect)


class EncryptedJSON(sa.types.TypeDecorator[Any]):
    """A JSON document stored, when a key is set, as one encrypted JSON string. The column
    stays a JSON column (no change to an existing table), and a document written in plain
    before (an object, not a marked string) is read as it is."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        cipher = cipher_of(dialect)
        if value is None or cipher is None:
            return value
        return cipher.encrypt(json.dumps(value, ensure_ascii=False))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if isinstance(value, str) and value.startswith(MARKER):
            return json.loads(_open(value, dialect))
        return value


class BlindIndex(sa.types.TypeDecorator[str]):
    """The lookup key of an encrypted column: compare it with the plain value
    (`table.c.x_key == value`) and the value is turned into the same HMAC when bound.
    Without a key it holds the value itself, as the plain column would."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        cipher = cipher_of(dialect)
        if value is None or cipher is None:
            return value
        return cipher.index(value)


class EncryptedBytes(sa.types.TypeDecorator[bytes]):
    """A file's bytes: sealed in the database when a key is set. Bytes written without a
    key stay readable (they carry no marker); a file that happens to begin with the marker
    is stored sealed-looking only when a key is set, so without one it is kept as given."""

    impl = sa.LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: sa.Dialect) -> bytes | None:
        cipher = cipher_of(dialect)
        if value is None or cipher is None:
            return value
        return cipher.seal(value)

    def process_result_value(self, value: bytes | None, dialect: sa.Dialect) -> bytes | None:
        if value is None:
            return None
        value = bytes(value)
        cipher = cipher_of(dialect)
        if cipher is None or not value.startswith(BYTES_MARKER):
            return value
        return cipher.unseal(value)
