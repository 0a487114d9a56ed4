"""The store's mapper with each case's content sealed under the case's own key.

Before an event of a case aggregate is encoded, each of its content fields
(events/retention.py CONTENT_FIELDS) that holds text is replaced by an envelope: the kind of
content, the id of the case key and the AES-GCM ciphertext, bound to the case and the field.
Reading opens the envelope with the key; when the key has been destroyed (gallring) the
field reads as empty text. Everything else about the event is stored as before, under the
store's own cipher when TRACKER_CIPHER_KEY is set, so the hash chain over the stored bytes
is not touched by gallring. Text stored before sealing existed reads as it is."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable
from functools import cache
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.application import LRUCache, Repository
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from events.retention import CONTENT_FIELDS, ContentKind, content_kind
from tracker.storage.case_keys import CaseKeyRing

# Control characters are refused in every text the tracker takes (events/base.py), so no
# real text begins with this.
PREFIX = "\x1esealed1:"
ERASED_TEXT = ""
_CURRENT_MOST = 200_000  # (case, kind) -> key remembered per process


@cache
def _sealing(topic: str) -> tuple[ContentKind | None, frozenset[str]]:
    qualname = topic.partition(":")[2]
    kind = content_kind(qualname)
    return kind, CONTENT_FIELDS.get(qualname.partition(".")[0], frozenset())


def _aad(originator_id: UUID, field: str) -> bytes:
    return originator_id.bytes + field.encode()


def envelope_key(value: Any) -> tuple[ContentKind, UUID] | None:
    """The kind and key id of a sealed value, or None for anything else."""
    if not isinstance(value, str) or not value.startswith(PREFIX):
        return None
    kind, key_id, _ = value[len(PREFIX):].split(":", 2)
    return ContentKind(kind), UUID(hex=key_id)


class SealingMapper(Mapper[UUID]):
    key_ring: CaseKeyRing

    def __init__(self, *args: Any, key_ring: CaseKeyRing, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_ring = key_ring
        # The key each (case aggregate, kind of content) was last seen sealed with, so its
        # next events use the same one.
        self._current: dict[tuple[UUID, ContentKind], UUID] = {}

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        kind, fields = _sealing(get_topic(type(domain_event)))
        state = vars(domain_event)
        if kind is None or not any(type(state.get(f)) is str and state[f] for f in fields):
            return super().to_stored_event(domain_event)
        originator_id: UUID = state["originator_id"]
        key_id = self._key_for(originator_id, kind)
        key = self.key_ring.key(key_id)
        if key is None:  # the case was gallrad: nothing it says any more is kept readable
            key_id = self._current[originator_id, kind] = self.key_ring.new_key()
            key = self.key_ring.key(key_id)
            assert key is not None
        sealed = dict(state)
        self._seal(sealed, fields, originator_id, kind, key_id, key)
        copy = object.__new__(type(domain_event))
        object.__setattr__(copy, "__dict__", sealed)
        return super().to_stored_event(copy)

    @staticmethod
    def _seal(
        state: dict[str, Any], fields: frozenset[str], originator_id: UUID,
        kind: ContentKind, key_id: UUID, key: AESGCM,
    ) -> bool:
        """Seal the content fields of `state` in place; False when it had none to seal."""
        found = False
        for field in fields:
            value = state.get(field)
            if type(value) is str and value and not value.startswith(PREFIX):
                nonce = os.urandom(12)
                secret = key.encrypt(nonce, value.encode(), _aad(originator_id, field))
                state[field] = (f"{PREFIX}{kind.value}:{key_id.hex}:"
                                + base64.b64encode(nonce + secret).decode("ascii"))
                found = True
        return found

    def reseal(self, originator_id: UUID, topic: str, stored_state: bytes) -> bytes | None:
        """The stored state of an event from before sealing with its content sealed under
        the case's key (None when there is nothing to seal); everything else as it was."""
        kind, fields = _sealing(topic)
        if kind is None:
            return None
        state = stored_state
        if self.cipher:
            state = self.cipher.decrypt(state)
        if self.compressor:
            state = self.compressor.decompress(state)
        decoded: dict[str, Any] = self.transcoder.decode(state)
        if not any(type(decoded.get(f)) is str and decoded[f]
                   and not decoded[f].startswith(PREFIX) for f in fields):
            return None
        key_id = self._key_for(originator_id, kind)
        key = self.key_ring.key(key_id)
        if key is None:
            key_id = self._current[originator_id, kind] = self.key_ring.new_key()
            key = self.key_ring.key(key_id)
            assert key is not None
        self._seal(decoded, fields, originator_id, kind, key_id, key)
        encoded = self.transcoder.encode(decoded)
        if self.compressor:
            encoded = self.compressor.compress(encoded)
        if self.cipher:
            encoded = self.cipher.encrypt(encoded)
        return encoded

    def _key_for(self, originator_id: UUID, kind: ContentKind) -> UUID:
        key_id = self._current.get((originator_id, kind))
        if key_id is None:
            if len(self._current) > _CURRENT_MOST:
                self._current.clear()
            key_id = self._current[originator_id, kind] = self.key_ring.new_key()
        return key_id

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        domain_event = super().to_domain_event(stored_event)
        kind, fields = _sealing(stored_event.topic)
        if kind is None:
            return domain_event
        state = vars(domain_event)
        originator_id: UUID = state["originator_id"]
        for field in fields:
            found = envelope_key(state.get(field))
            if found is None:
                continue
            sealed_kind, key_id = found
            self._current[originator_id, sealed_kind] = key_id
            key = self.key_ring.key(key_id)
            if key is None:
                state[field] = ERASED_TEXT
                continue
            data = base64.b64decode(state[field].rsplit(":", 1)[1])
            state[field] = key.decrypt(data[:12], data[12:], _aad(originator_id, field)).decode()
        return domain_event

    def key_ids(
        self, stored_events: Iterable[StoredEvent], kinds: set[ContentKind]
    ) -> set[UUID]:
        """The case keys that seal content of these kinds in these stored events (read
        without opening them)."""
        found: set[UUID] = set()
        for stored in stored_events:
            _, fields = _sealing(stored.topic)
            if not fields:
                continue
            state = stored.state
            if self.cipher:
                state = self.cipher.decrypt(state)
            if self.compressor:
                state = self.compressor.decompress(state)
            decoded = self.transcoder.decode(state)
            for field in fields:
                envelope = envelope_key(decoded.get(field))
                if envelope and envelope[0] in kinds:
                    found.add(envelope[1])
        for (originator, kind), key_id in list(self._current.items()):
            if key_id in found:
                del self._current[originator, kind]
        return found


class CaseRepository(Repository[UUID]):
    """The library's repository, whose cache of aggregates is emptied when case keys have
    been destroyed: a cached case would otherwise still hold the text its key opened."""

    def __init__(self, *args: Any, key_ring: CaseKeyRing, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_ring = key_ring
        self._epoch = key_ring.epoch()

    def get(self, aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
        epoch = self.key_ring.epoch()
        if epoch != self._epoch:
            self._epoch = epoch
            if isinstance(self.cache, LRUCache):
                # A new one: the library's LRUCache.clear() empties its order, not its items.
                self.cache = LRUCache(maxsize=self.cache.maxsize)
        return super().get(aggregate_id, *args, **kwargs)
