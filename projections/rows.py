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


class _Shape:
    """What the hot paths need of a table, computed once (SQLAlchemy's column collections
    are slow to iterate per row)."""

    __slots__ = ("columns", "counters", "pk", "single")

    def __init__(self, table: sa.Table) -> None:
        self.pk = tuple(c.name for c in table.primary_key.columns)
        self.single = self.pk[0] if len(self.pk) == 1 else None
        self.columns = tuple(c.name for c in table.columns)
        self.counters = tuple(c.name for c in table.columns if not c.primary_key)


_SHAPES: dict[sa.Table, _Shape] = {}


def _shape(table: sa.Table) -> _Shape:
    try:
        return _SHAPES[table]
    except KeyError:
        shape = _SHAPES[table] = _Shape(table)
        return shape


def _pk(table: sa.Table) -> tuple[str, ...]:
    return _shape(table).pk


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
    """Read-through, write-behind access to a projection's tables within a transaction.

    What it read or wrote stays cached after `flush`: a runner may keep the object for its
    next batch, because a batch that starts from the position the last one ended at proves
    nobody else wrote these tables in between (see runner.py). It is dropped on any error.
    """

    MAX_CACHED = 200_000  # rows; beyond this the cache starts afresh after a flush

    def __init__(self, connection: sa.Connection | None, *, complete: bool = False) -> None:
        self.connection = connection
        # True when the cache holds every row there is (a view at position 0 is empty), so
        # a key it lacks needs no SELECT: a rebuild then never reads its own tables.
        self.complete = complete
        # The cache: each row as it stands now (None: known not to exist).
        self._current: dict[sa.Table, dict[Key, dict[str, Any] | None]] = {}
        # For rows changed since the last flush, how they stand in the database.
        self._stored: dict[sa.Table, dict[Key, dict[str, Any] | None]] = {}
        # The view's rebuild marker when this cache was made (runner.py, recorder.py).
        self.marker = 0

    def _key(self, table: sa.Table, values: Mapping[str, Any]) -> Key:
        shape = _shape(table)
        if shape.single is not None:
            return (values[shape.single],)
        return tuple(values[name] for name in shape.pk)

    def _table(self, table: sa.Table) -> dict[Key, dict[str, Any] | None]:
        current = self._current.get(table)
        if current is None:
            current = self._current[table] = {}
        return current

    def _load(self, table: sa.Table, key: Key) -> dict[str, Any] | None:
        current = self._table(table)
        if key in current:
            return current[key]
        if self.complete or self.connection is None:
            return None
        found = self.connection.execute(
            _select(table), {f"k_{name}": value for name, value in zip(_pk(table), key,
                                                                        strict=True)}
        ).mappings().first()
        row = current[key] = dict(found) if found else None
        return row

    def _write(self, table: sa.Table, key: Key, row: dict[str, Any] | None) -> None:
        current = self._table(table)
        stored = self._stored.get(table)
        if stored is None:
            stored = self._stored[table] = {}
        if key not in stored:
            before = current.get(key)
            stored[key] = dict(before) if before is not None else None
        current[key] = row

    def get(self, table: sa.Table, **pk: Any) -> dict[str, Any] | None:
        """The row as it stands in this transaction (a copy), or None."""
        row = self._load(table, self._key(table, pk))
        return dict(row) if row is not None else None

    def add(self, table: sa.Table, row: Mapping[str, Any]) -> None:
        """A new row (an existing one with that key is a bug: the INSERT fails)."""
        full = dict.fromkeys(_shape(table).columns)
        full.update(row)
        self._write(table, self._key(table, full), full)

    def change(self, table: sa.Table, pk: Mapping[str, Any], **values: Any) -> dict[str, Any]:
        """Set columns of an existing row; returns the changed row ({} when there is none)."""
        key = self._key(table, pk)
        row = self._load(table, key)
        if row is None:
            return {}
        changed = row | values
        self._write(table, key, changed)
        return dict(changed)

    def remove(self, table: sa.Table, **pk: Any) -> None:
        key = self._key(table, pk)
        if self._load(table, key) is not None:
            self._write(table, key, None)

    def bump(
        self, table: sa.Table, key: Mapping[str, Any], column: str = "count", delta: int = 1
    ) -> None:
        """Add `delta` to a counter, creating the row on first use and removing it when all
        its counters are back to zero."""
        pk = self._key(table, key)
        row = self._load(table, pk)
        counters = _shape(table).counters
        if row is None:
            if delta > 0:
                self._write(table, pk, {**key, **dict.fromkeys(counters, 0), column: delta})
            return  # nothing was counted there; nothing to remove
        changed = row | {column: row[column] + delta}
        gone = all(changed[name] <= 0 for name in counters)
        self._write(table, pk, None if gone else changed)

    def size(self) -> int:
        """Rows held in memory."""
        return sum(len(rows) for rows in self._current.values())

    def rows(self, table: sa.Table) -> list[dict[str, Any]]:
        """Every row of `table` as it stands (for a cache that is `complete`)."""
        return [row for row in self._current.get(table, {}).values() if row is not None]

    def flush(self) -> None:
        """Write the final state of every changed row: deletes, updates, inserts, each one
        executemany."""
        assert self.connection is not None, "a cache in memory only is written by replace()"
        for table, stored in self._stored.items():
            current = self._current[table]
            pk_names = _pk(table)
            counters = _shape(table).counters
            deletes, updates, inserts = [], [], []
            for key, before in stored.items():
                row = current[key]
                pk = dict(zip(pk_names, key, strict=True))
                if row is None and before is not None:
                    deletes.append({f"k_{k}": v for k, v in pk.items()})
                elif row is not None and before is None:
                    inserts.append(row)
                elif row is not None and row != before:
                    updates.append(
                        {f"k_{k}": v for k, v in pk.items()}
                        | {f"v_{name}": row[name] for name in counters}
                    )
            if deletes:
                self.connection.execute(_delete(table), deletes)
            if updates:
                self.connection.execute(_update(table), updates)
            if inserts:
                self.connection.execute(table.insert(), inserts)
        self._stored.clear()
        if self.size() > self.MAX_CACHED:
            self._current.clear()
            self.complete = False


class MemoryRows(Rows):
    """A view built in memory from nothing (a rebuild): every row it has is every row
    there is, nothing is read and nothing written until the rebuild replaces the view's
    tables with its rows at once (ViewRecorder.replace)."""

    def __init__(self) -> None:
        super().__init__(None, complete=True)

    # The same operations without the bookkeeping for writing back: nothing is stored
    # until the end, and a key not held is a row that does not exist.

    def _load(self, table: sa.Table, key: Key) -> dict[str, Any] | None:
        current = self._current.get(table)
        return None if current is None else current.get(key)

    def _write(self, table: sa.Table, key: Key, row: dict[str, Any] | None) -> None:
        current = self._current.get(table)
        if current is None:
            current = self._current[table] = {}
        current[key] = row

    def change(self, table: sa.Table, pk: Mapping[str, Any], **values: Any) -> dict[str, Any]:
        key = self._key(table, pk)
        current = self._current.get(table)
        row = None if current is None else current.get(key)
        if row is None:
            return {}
        changed = current[key] = row | values  # type: ignore[index]  # row found: current is set
        return dict(changed)

    def flush(self) -> None:
        pass  # written by ViewRecorder.replace
