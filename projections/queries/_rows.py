"""What every query module shares: turning stored values back into their read form."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from projections.cipher import BlindIndex


def readable(table: sa.Table) -> list[sa.Column[object]]:
    """A table's columns without its lookup keys (HMACs, of no use to a reader)."""
    return [column for column in table.columns if not isinstance(column.type, BlindIndex)]


def sub_out(value: str | None) -> str | None:
    """Counter tables store "" for "no subcategory" (a key column cannot be NULL)."""
    return value or None


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back naive; they were stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
