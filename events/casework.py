"""The case file beside a case (deviation, Lex Sarah case, child report, and any later kind):
the conversation with the person who reported it and the attachments. One aggregate per
case, its id derived from the case's kind and id, so the case's own aggregate and its
events stay as they are and any kind of case gets a file by naming its kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.base import SHORT_TEXT, check_text
from events.errors import AlreadyRecorded, Inconsistent, StepOutOfOrder, ValidationFailed

if TYPE_CHECKING:
    from events.base import EventFields

# The kinds of case that have a file; a new kind of case adds its name here.
CASE_KINDS = frozenset({"deviation", "lex_sarah", "child_report", "complaint"})
# What an attachment may be: detected from its content (tracker/casework/files.py).
MEDIA_TYPES = frozenset({
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "image/jpeg",
    "image/png",
})
_NAMESPACE = uuid5(NAMESPACE_URL, "urn:avvikelse-tracker:case-file")


def case_file_id(kind: str, case_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, f"{kind}:{case_id}")


@dataclass
class Attachment:
    sha256: str
    file_name: str
    media_type: str
    size: int
    added_by: str
    removed_by: str | None = None

    @property
    def removed(self) -> bool:
        return self.removed_by is not None


class CaseFile(Aggregate):
    """Questions to the reporter and their answers (the case "väntar på komplettering"
    while the last question is unanswered; no clock of the law stops for it), the outcome
    told to the reporter, and the attachments by their SHA-256 (the bytes are kept beside
    the events; removing one is an event, the bytes go, the fact stays)."""

    if TYPE_CHECKING:

        class Opened(Aggregate.Created, EventFields): ...
        class QuestionAsked(Aggregate.Event, EventFields): ...
        class Answered(Aggregate.Event, EventFields): ...
        class OutcomeRecorded(Aggregate.Event, EventFields): ...
        class AttachmentAdded(Aggregate.Event, EventFields): ...
        class AttachmentRemoved(Aggregate.Event, EventFields): ...

    @classmethod
    def open(
        cls, *, kind: str, case_id: UUID, number: str, reporter: str | None,
        reporter_case_id: UUID | None, actor: str,
    ) -> CaseFile:
        """`reporter`: who is asked and answers (None: nobody to ask, e.g. a child report's
        anmälare outside the organisation); `reporter_case_id`: the case whose page the
        reporter reads the conversation on (a Lex Sarah case's: its deviation's)."""
        if kind not in CASE_KINDS:
            raise ValidationFailed("kind", "Unknown kind of case.")
        return cls._create(
            cls.Opened, id=case_file_id(kind, case_id), kind=kind, case_id=case_id,
            number=number, reporter=reporter, reporter_case_id=reporter_case_id, actor=actor,
        )

    @event("Opened")
    def __init__(
        self, *, kind: str, case_id: UUID, number: str, reporter: str | None,
        reporter_case_id: UUID | None, actor: str,
    ) -> None:
        self.kind = kind
        self.case_id = case_id
        self.number = number
        self.reporter = reporter
        self.reporter_case_id = reporter_case_id
        self.messages: list[tuple[str, str, str]] = []  # (question|answer, author, text)
        self.outcome: str | None = None
        self.attachments: dict[str, Attachment] = {}

    @property
    def awaiting_reply(self) -> bool:
        """"Väntar på komplettering": the last message is a question not yet answered."""
        return bool(self.messages) and self.messages[-1][0] == "question"

    def active_attachments(self) -> list[Attachment]:
        return [a for a in self.attachments.values() if not a.removed]

    # --- the conversation ---------------------------------------------------------------

    def ask(self, *, text: str, case_open: bool, actor: str) -> None:
        if not case_open:
            raise StepOutOfOrder("The case is closed; questions can be asked while it is open.")
        if self.reporter is None:
            raise StepOutOfOrder("The case has no reporter in the tracker to ask.")
        self._question_asked(
            message=len(self.messages) + 1, text=check_text("text", text), actor=actor
        )

    @event("QuestionAsked")
    def _question_asked(self, *, message: int, text: str, actor: str) -> None:
        self.messages.append(("question", actor, text))

    def answer(self, *, text: str, case_open: bool, actor: str) -> None:
        if actor != self.reporter:
            raise StepOutOfOrder("Only the person who reported the case answers its questions.")
        if not case_open:
            raise StepOutOfOrder("The case is closed; questions can be asked while it is open.")
        if not self.awaiting_reply:
            raise StepOutOfOrder("There is no question waiting for an answer.")
        self._answered(message=len(self.messages) + 1, text=check_text("text", text), actor=actor)

    @event("Answered")
    def _answered(self, *, message: int, text: str, actor: str) -> None:
        self.messages.append(("answer", actor, text))

    def record_outcome(self, *, text: str, actor: str) -> None:
        """What the reporter is told about the outcome; shown to them once the case is
        closed. A later one replaces it (the history keeps both)."""
        self._outcome_recorded(text=check_text("text", text), actor=actor)

    @event("OutcomeRecorded")
    def _outcome_recorded(self, *, text: str, actor: str) -> None:
        self.outcome = text

    # --- attachments --------------------------------------------------------------------

    def add_attachment(
        self, *, sha256: str, file_name: str, media_type: str, size: int, actor: str
    ) -> None:
        if media_type not in MEDIA_TYPES:
            raise ValidationFailed("file", "This kind of file is not accepted.")
        found = self.attachments.get(sha256)
        if found is not None and not found.removed:
            raise AlreadyRecorded("The same file is already attached to the case.")
        self._attachment_added(
            sha256=sha256,
            file_name=check_text("file_name", file_name, max_length=SHORT_TEXT),
            media_type=media_type, size=size, actor=actor,
        )

    @event("AttachmentAdded")
    def _attachment_added(
        self, *, sha256: str, file_name: str, media_type: str, size: int, actor: str
    ) -> None:
        self.attachments[sha256] = Attachment(sha256, file_name, media_type, size, actor)

    def remove_attachment(self, *, sha256: str, actor: str) -> None:
        found = self.attachments.get(sha256)
        if found is None:
            raise Inconsistent("sha256", "The case has no such attachment.")
        if found.removed:
            raise AlreadyRecorded("The attachment is already removed.")
        self._attachment_removed(sha256=sha256, actor=actor)

    @event("AttachmentRemoved")
    def _attachment_removed(self, *, sha256: str, actor: str) -> None:
        self.attachments[sha256].removed_by = actor
