"""The files of a frozen version of a Lex Sarah investigation document, exactly as they were
made (PDF and Word), so that every version downloads again byte for byte. One aggregate per
case and version number, saved in the same transaction as the case's DocumentVersionFrozen
event, which carries the files' SHA-256. Kept apart from the case so that reading the case
for every step does not read every version's files.

The bytes are stored as base64 text in the event (plain JSON, as the committee report keeps
its content), encrypted and compressed with the rest of the event store."""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

if TYPE_CHECKING:
    from events.base import EventFields


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LexSarahDocument(Aggregate):
    if TYPE_CHECKING:

        class Frozen(Aggregate.Created, EventFields): ...

    @staticmethod
    def create_id(case_id: UUID, number: int) -> UUID:
        """Fixed per case and number: two freezing the same number collide in the store."""
        return uuid5(NAMESPACE_URL, f"/tracker/lex-sarah/{case_id}/document/{number}")

    @classmethod
    def freeze(
        cls, *, case_id: UUID, number: int, pdf: bytes, docx: bytes, actor: str
    ) -> LexSarahDocument:
        return cls._create(
            cls.Frozen,
            id=cls.create_id(case_id, number),
            case_id=case_id,
            number=number,
            pdf=base64.b64encode(pdf).decode("ascii"),
            docx=base64.b64encode(docx).decode("ascii"),
            actor=actor,
        )

    @event("Frozen")
    def __init__(
        self, *, case_id: UUID, number: int, pdf: str, docx: str, actor: str
    ) -> None:
        self.case_id = case_id
        self.number = number
        self._pdf = pdf
        self._docx = docx

    def file(self, kind: str) -> bytes:
        """The stored bytes of "pdf" or "docx"."""
        return base64.b64decode({"pdf": self._pdf, "docx": self._docx}[kind])
