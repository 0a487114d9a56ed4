"""Erasing a case's content (gallring) and holding a case from it.

`erase_case` destroys the case keys that seal the content of the given kinds (the case's
own text, its conversation, its attachments' names) and deletes the bytes kept beside the
events (attachment files, a complaint's contact address), and only then records the
erasure on the case's RetentionRecord: a crash in between leaves a case that a rerun
erases again (destroying nothing more) and records. `compact_storage` then makes the
database files let go of the removed bytes."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Collection
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.application import AggregateNotFoundError

from events.casework import case_file_id
from events.child_report import ChildReport
from events.complaint import Complaint
from events.deviation import Deviation
from events.lex_sarah import LexSarahCase
from events.lex_sarah_document import LexSarahDocument
from events.retention import ContentKind, RetentionRecord
from projections import tables as views
from tracker.application import TrackerApplication
from tracker.storage.tables import attachment_blobs, case_keys, complaint_contacts

_KIND_OF_CASE: dict[type, str] = {
    Deviation: ContentKind.DEVIATION, Complaint: ContentKind.COMPLAINT,
    LexSarahCase: ContentKind.LEX_SARAH, ChildReport: ContentKind.CHILD_REPORT,
}


class HoldActive(Exception):
    """The case is on legal hold: nothing of it is erased until the hold is released."""


class UnknownCase(LookupError):
    pass


def case_kind(app: TrackerApplication, case_id: UUID) -> str:
    try:
        case: object = app.repository.get(case_id)
    except AggregateNotFoundError:
        raise UnknownCase(case_id) from None
    kind = _KIND_OF_CASE.get(type(case))
    if kind is None:
        raise UnknownCase(case_id)
    return kind


def _record(app: TrackerApplication, case_id: UUID) -> RetentionRecord | None:
    try:
        record: RetentionRecord = app.repository.get(RetentionRecord.create_id(case_id))
    except AggregateNotFoundError:
        return None
    return record


def _record_or_start(app: TrackerApplication, case_id: UUID) -> RetentionRecord:
    return _record(app, case_id) or RetentionRecord.start(
        case_id=case_id, case_kind=case_kind(app, case_id))


def _holders(app: TrackerApplication, kind: str, case_id: UUID,
             kinds: Collection[str]) -> list[UUID]:
    """The aggregates whose events hold the case's content of these kinds."""
    holders: list[UUID] = []
    if kind in kinds:
        holders.append(case_id)
        if kind == ContentKind.LEX_SARAH:
            number = 1
            while app.recorder.select_events(LexSarahDocument.create_id(case_id, number),
                                             limit=1):
                holders.append(LexSarahDocument.create_id(case_id, number))
                number += 1
    if {ContentKind.ATTACHMENT, ContentKind.CONVERSATION} & set(kinds):
        holders.append(case_file_id(kind, case_id))
    return holders


def erase_case(
    app: TrackerApplication, case_id: UUID, kinds: Collection[str], *, rule: str, actor: str,
) -> bool:
    """Erase the case's content of these kinds (the case's own kind, "attachment",
    "conversation"). False when all of it was erased before (nothing done). Refuses a case
    on hold (HoldActive)."""
    record = _record_or_start(app, case_id)
    if record.holds_active:
        raise HoldActive(case_id)
    # The case's own content is its kind; its case file's conversation and attachments.
    wanted = {ContentKind(kind) for kind in kinds} & {
        ContentKind(record.case_kind), ContentKind.ATTACHMENT, ContentKind.CONVERSATION}
    if not wanted - record.erased_kinds:
        return False
    mapper = app.mapper
    stored = [event for holder in _holders(app, record.case_kind, case_id, wanted)
              for event in app.recorder.select_events(holder)]
    app.key_ring.destroy(mapper.key_ids(stored, wanted))
    engine = app.key_ring.engine
    with engine.begin() as connection:
        if ContentKind.ATTACHMENT in wanted:
            connection.execute(attachment_blobs.delete().where(
                attachment_blobs.c.case_file_id == case_file_id(record.case_kind, case_id)))
        if record.case_kind == ContentKind.COMPLAINT and ContentKind.COMPLAINT in wanted:
            connection.execute(complaint_contacts.delete().where(
                complaint_contacts.c.complaint_id == case_id))
    if record.record_erasure(kinds=sorted(wanted), rule=rule, actor=actor, on=app.today()):
        app.save(record)
    return True


def place_hold(
    app: TrackerApplication, case_id: UUID, *, reason: str, actor: str
) -> int:
    """Hold the case from gallring (an IVO or JO matter, a request for the documents...)."""
    record = _record_or_start(app, case_id)
    number = record.place_hold(reason=reason, actor=actor, on=app.today())
    app.save(record)
    return number


def release_hold(app: TrackerApplication, case_id: UUID, hold: int, *, actor: str) -> None:
    record = _record(app, case_id)
    if record is None:
        raise UnknownCase(case_id)
    record.release_hold(hold=hold, actor=actor, on=app.today())
    app.save(record)


def compact_storage(engine: sa.Engine) -> None:
    """Make the database files let go of what erasures removed: SQLite writes the WAL back
    and truncates it, rebuilds the file without free pages and truncates the WAL again;
    PostgreSQL rewrites the tables erasures change (VACUUM FULL: a plain VACUUM leaves the
    old row versions' bytes in the pages until they are reused)."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            with contextlib.suppress(sqlite3.OperationalError):
                # Refused while another connection reads; secure_delete has already
                # overwritten what was deleted, so the free pages hold zeros either way.
                raw.execute("VACUUM")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    touched = [case_keys, attachment_blobs, complaint_contacts, views.deviations,
               views.todo_measures, views.child_reports]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in touched:
            connection.execute(sa.text(f"VACUUM FULL {table.name}"))
