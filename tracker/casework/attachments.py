"""Attachments of a case: the bytes in `attachment_blobs` (sealed with TRACKER_CIPHER_KEY),
the fact in the case file's events. Adding stores the bytes, then records the event (bytes
left by a refused event are removed again); removing records the event, then deletes the
bytes: the fact stays, the file goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa

from events.casework import Attachment, case_file_id
from tracker.application import TrackerApplication
from tracker.casework.files import check
from tracker.storage.tables import attachment_blobs as blobs


@dataclass(frozen=True)
class Download:
    attachment: Attachment
    data: bytes


class Attachments:
    def __init__(self, engine: sa.Engine, app: TrackerApplication, *, limit: int) -> None:
        self.engine = engine
        self.app = app
        self.limit = limit  # bytes

    def add(
        self, kind: str, case_id: UUID, *, data: bytes, file_name: str, actor: str
    ) -> Attachment:
        """Checks the file (files.Refused), then keeps it; the case's rules (DomainError,
        ConflictError, NotFound) as for any command."""
        self.app.case_facts(kind, case_id)  # NotFound before anything is kept
        checked = check(data, file_name, limit=self.limit)
        file_id = case_file_id(kind, case_id)
        key = {"case_file_id": file_id, "sha256": checked.sha256}
        with self.engine.connect() as connection:
            present = connection.execute(
                sa.select(blobs.c.sha256).filter_by(**key)
            ).first() is not None
        if not present:
            try:
                with self.engine.begin() as connection:
                    connection.execute(blobs.insert().values(
                        **key, content=checked.data, stored_at=datetime.now(UTC)))
            except sa.exc.IntegrityError:  # the same file, sent twice at once
                present = True
        try:
            case_file = self.app.add_attachment(
                kind, case_id, sha256=checked.sha256, file_name=checked.file_name,
                media_type=checked.media_type, size=checked.size, actor=actor,
            )
        except Exception:
            if not present:
                self._delete(file_id, checked.sha256)
            raise
        return case_file.attachments[checked.sha256]

    def remove(self, kind: str, case_id: UUID, *, sha256: str, actor: str) -> None:
        self.app.remove_attachment(kind, case_id, sha256=sha256, actor=actor)
        self._delete(case_file_id(kind, case_id), sha256)

    def read(self, kind: str, case_id: UUID, sha256: str) -> Download | None:
        """The attachment and its bytes; None when the case has none such (or it was removed)."""
        case_file = self.app.case_file(kind, case_id)
        found = case_file.attachments.get(sha256) if case_file is not None else None
        if found is None or found.removed:
            return None
        with self.engine.connect() as connection:
            data = connection.execute(sa.select(blobs.c.content).filter_by(
                case_file_id=case_file_id(kind, case_id), sha256=sha256)).scalar()
        return None if data is None else Download(found, data)

    def _delete(self, file_id: UUID, sha256: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(blobs.delete().filter_by(case_file_id=file_id, sha256=sha256))
