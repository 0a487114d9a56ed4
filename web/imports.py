"""What the import page and the import API share: who may import, how large a file may be."""

from __future__ import annotations

from tracker.accounts import Role

IMPORT_ROLES = frozenset({Role.ADMIN, Role.VERKSAMHETSUTVECKLARE})
MAX_IMPORT_BYTES = 16 * 1024 * 1024
