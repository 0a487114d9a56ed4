"""The access log (läslogg): who read which case, which unit's lists and which downloads,
when, from which address, through the pages or the API. Everything is under secrecy (OSL)
and the organisation must be able to show who has read a case.

Append-only: this module inserts and reads. The one delete is the retention prune
(TRACKER_ACCESS_LOG_DAYS, `tracker access-log prune`), which removes whole days past the
retention period and nothing else; no code path updates an entry."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tracker.storage.tables import access_log

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# What was read, with the label the log pages show.
KINDS: dict[str, str] = {
    "deviation": "Avvikelse",
    "lex_sarah": "Lex Sarah-ärende",
    "child_report": "Anmälan om barn",
    "complaint": "Klagomål eller synpunkt",
    "list": "Lista för enhet",
    "export": "Export eller nedladdning",
    "report": "Rapport med ärenden",
}
CHANNELS = {"page": "webbsida", "api": "API"}


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    username: str
    kind: str
    case_id: str | None
    what: str
    parameters: dict[str, Any] | None
    remote_addr: str
    channel: str

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)


def record(
    engine: sa.Engine,
    *,
    username: str,
    kind: str,
    what: str,
    remote_addr: str,
    channel: str,
    case_id: str | None = None,
    parameters: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    assert kind in KINDS, kind
    assert channel in CHANNELS, channel
    with engine.begin() as connection:
        connection.execute(
            access_log.insert().values(
                at=at or datetime.now(UTC),
                username=username[:64],
                kind=kind,
                case_id=case_id,
                what=what[:200],
                parameters=parameters or None,
                remote_addr=(remote_addr or "-")[:64],
                channel=channel,
            )
        )


def _day_start(day: date) -> datetime:
    """Midnight in Stockholm: people search by their own calendar days."""
    return datetime.combine(day, time(0), STOCKHOLM).astimezone(UTC)


def _where(
    username: str | None, case_id: str | None, since: date | None, until: date | None,
    kind: str | None,
) -> list[Any]:
    where: list[Any] = []
    if username:
        where.append(access_log.c.username == username)
    if case_id:
        where.append(access_log.c.case_id == case_id)
    if kind:
        where.append(access_log.c.kind == kind)
    if since:
        where.append(access_log.c.at >= _day_start(since))
    if until:
        where.append(access_log.c.at < _day_start(until + timedelta(days=1)))
    return where


def _entry(row: sa.Row[Any]) -> Entry:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    return Entry(
        row.id, at, row.username, row.kind, row.case_id, row.what, row.parameters,
        row.remote_addr, row.channel,
    )


def search(
    engine: sa.Engine,
    *,
    username: str | None = None,
    case_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Entry], int]:
    """Newest first, with the number of matching entries for paging."""
    where = _where(username, case_id, since, until, kind)
    with engine.connect() as connection:
        total = connection.execute(
            sa.select(sa.func.count()).select_from(access_log).where(*where)
        ).scalar_one()
        rows = connection.execute(
            sa.select(access_log).where(*where)
            .order_by(access_log.c.id.desc()).limit(limit).offset(offset)
        ).all()
    return [_entry(row) for row in rows], total


def every(
    engine: sa.Engine,
    *,
    username: str | None = None,
    case_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
    kind: str | None = None,
    batch: int = 1000,
) -> Iterator[Entry]:
    """Every matching entry, oldest first, read in batches (for the CSV export)."""
    where = _where(username, case_id, since, until, kind)
    last = 0
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(access_log).where(*where, access_log.c.id > last)
                .order_by(access_log.c.id).limit(batch)
            ).all()
        if not rows:
            return
        for row in rows:
            yield _entry(row)
        last = rows[-1].id


def readers(engine: sa.Engine, case_id: str, *, limit: int = 200) -> tuple[list[Entry], int]:
    """Who has read this case (newest first)."""
    return search(engine, case_id=case_id, limit=limit)


def prune(engine: sa.Engine, days: int, *, now: datetime | None = None) -> int:
    """Remove entries older than `days` (the retention period); returns how many."""
    if days < 1:
        raise ValueError("the retention period is at least one day")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    with engine.begin() as connection:
        return connection.execute(access_log.delete().where(access_log.c.at < cutoff)).rowcount


# --- case numbers (the log stores ids; people know cases by their numbers) ---------------


def _case_tables() -> dict[str, sa.Table]:
    from projections import tables as views  # the read side's tables

    return {
        "deviation": views.deviations,
        "lex_sarah": views.escalations,
        "child_report": views.child_reports,
        "complaint": views.complaints,
    }


def case_numbers(engine: sa.Engine, entries: list[Entry]) -> dict[str, str]:
    """case id -> number (AV-2026-0001 ...) for the entries' cases the views know."""
    from uuid import UUID

    wanted: dict[str, set[UUID]] = {}
    tables_known = set(_case_tables())
    for entry in entries:
        if entry.case_id and entry.kind in tables_known:
            try:
                wanted.setdefault(entry.kind, set()).add(UUID(entry.case_id))
            except ValueError:
                continue
    found: dict[str, str] = {}
    tables = _case_tables()
    with engine.connect() as connection:
        for kind, ids in wanted.items():
            table = tables[kind]
            for row in connection.execute(
                sa.select(table.c.id, table.c.number).where(table.c.id.in_(ids))
            ):
                found[str(row.id)] = row.number
    return found


def case_id_for(engine: sa.Engine, text: str) -> str | None:
    """A case's id from its number, or the id itself when `text` is one."""
    from uuid import UUID

    text = text.strip()
    try:
        return str(UUID(text))
    except ValueError:
        pass
    with engine.connect() as connection:
        for table in _case_tables().values():
            found = connection.execute(
                sa.select(table.c.id).where(table.c.number == text.upper())
            ).scalar()
            if found is not None:
                return str(found)
    return None
