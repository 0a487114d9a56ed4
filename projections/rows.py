"""The rows a transaction changes, kept in memory and written at its end in a few
executemany statements.

A batch of 2000 events touches the same rows again and again (a deviation reported and
then reclassified, a counter bumped hundreds of times). Reading each row once and writing
its final state once turns tens of thousands of round trips into a handful, which is what
makes a rebuild on PostgreSQL fast. Rows are addressed by primary key; every projection's
tables have one, and a projection's tables are written only by it, inside the transaction
that holds its tracking row (recorder.py), so the cache cannot go stale.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

Key = tuple[Any, ...]


@functools.cache
def _pk(table: sa.Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.primary_key.columns)


@functools.cache
def _select(table: sa.Table) -> sa.Select[Any]:
    return sa.select(table).where(*(c == sa.bindparam(f"k_{c.name}") for c in table.primary_key))


@functools.cache
def _update(table: sa.Table) -> sa.Update:
    return (
        table.update()
        .where(*(c == sa.bindparam(f"k_{c.name}") for c in table.primary_key))
        .values({c.name: sa.bindparam(f"v_{c.name}") for c in table.columns
                 if not c.primary_key})
    )


@functools.cache
def _delete(table: sa.Table) -> sa.Delete:
    return table.delete().where(*(c == sa.bindparam(f"k_{c.name}") for c in table.primary_key))


class Rows:
    """Read-through, write-behind access to a projection's tables within one transaction."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self._current: dict[sa.Table, dict[Key, dict[str, Any] | None]] = {}
        self._stored: dict[sa.Table, dict[Key, dict[str, Any] | None]] = {}

    def _key(self, table: sa.Table, values: Mapping[str, Any]) -> Key:
        return tuple(values[name] for name in _pk(table))

    def get(self, table: sa.Table, **pk: Any) -> dict[str, Any] | None:
        """The row as it stands in this transaction (a copy), or None."""
        key = self._key(table, pk)
        current = self._current.setdefault(table, {})
        if key not in current:
            found = self.connection.execute(
                _select(table), {f"k_{name}": value for name, value in pk.items()}
            ).mappings().first()
            row = dict(found) if found else None
            current[key] = row
            self._stored.setdefault(table, {})[key] = dict(row) if row else None
        row = current[key]
        return dict(row) if row is not None else None

    def add(self, table: sa.Table, row: Mapping[str, Any]) -> None:
        """A new row (an existing one with that key is a bug: the INSERT fails)."""
        full = {c.name: row.get(c.name) for c in table.columns}
        key = self._key(table, full)
        self._stored.setdefault(table, {}).setdefault(key, None)
        self._current.setdefault(table, {})[key] = full

    def change(self, table: sa.Table, pk: Mapping[str, Any], **values: Any) -> dict[str, Any]:
        """Set columns of an existing row; returns the changed row ({} when there is none)."""
        row = self.get(table, **pk)
        if row is None:
            return {}
        row.update(values)
        self._current[table][self._key(table, pk)] = row
        return row

    def remove(self, table: sa.Table, **pk: Any) -> None:
        if self.get(table, **pk) is not None:
            self._current[table][self._key(table, pk)] = None

    def bump(
        self, table: sa.Table, key: Mapping[str, Any], column: str = "count", delta: int = 1
    ) -> None:
        """Add `delta` to a counter, creating the row on first use and removing it when all
        its counters are back to zero."""
        row = self.get(table, **key)
        counters = [c.name for c in table.columns if not c.primary_key]
        if row is None:
            if delta <= 0:
                return  # nothing was counted there; nothing to remove
            self.add(table, {**key, **dict.fromkeys(counters, 0), column: delta})
            return
        row[column] += delta
        if all(row[name] <= 0 for name in counters):
            self.remove(table, **key)
        else:
            self._current[table][self._key(table, key)] = row

    def flush(self) -> None:
        """Write every row's final state: deletes, updates, inserts, each one executemany."""
        for table, current in self._current.items():
            stored = self._stored.get(table, {})
            deletes, updates, inserts = [], [], []
            for key, row in current.items():
                before = stored.get(key)
                pk = dict(zip(_pk(table), key, strict=True))
                if row is None and before is not None:
                    deletes.append({f"k_{k}": v for k, v in pk.items()})
                elif row is not None and before is None:
                    inserts.append(row)
                elif row is not None and row != before:
                    updates.append(
                        {f"k_{k}": v for k, v in pk.items()}
                        | {f"v_{c.name}": row[c.name] for c in table.columns if not c.primary_key}
                    )
            if deletes:
                self.connection.execute(_delete(table), deletes)
            if updates:
                self.connection.execute(_update(table), updates)
            if inserts:
                self.connection.execute(table.insert(), inserts)
        self._current.clear()
        self._stored.clear()
