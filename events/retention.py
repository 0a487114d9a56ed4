"""Gallring of one case: its legal holds and what of its content has been erased, under which
rule. One aggregate per case, its id derived from the case's id, so the case's own aggregate
and its events stay as they are (events are forever; what is erased is the key that opens
the case's free text, see tracker/retention/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.base import SHORT_TEXT, check_text
from events.errors import Inconsistent, StepOutOfOrder, ValidationFailed

if TYPE_CHECKING:
    from events.base import EventFields

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:avvikelse-tracker:retention-record")


class ContentKind(StrEnum):
    """The kinds of record a retention rule is written for (the municipality's
    dokumenthanteringsplan names its own; these are the tracker's)."""

    DEVIATION = "deviation"
    COMPLAINT = "complaint"
    LEX_SARAH = "lex_sarah"
    CHILD_REPORT = "child_report"
    ATTACHMENT = "attachment"
    CONVERSATION = "conversation"
    ACCESS_LOG = "access_log"


# The kinds of case a record can be kept for; a case's own content is the kind of its name.
CASE_KINDS = frozenset({"deviation", "complaint", "lex_sarah", "child_report"})


@dataclass(frozen=True)
class Hold:
    number: int
    reason: str
    placed_on: date
    placed_by: str
    released_on: date | None = None
    released_by: str | None = None

    @property
    def active(self) -> bool:
        return self.released_on is None


@dataclass(frozen=True)
class Erasure:
    kinds: tuple[str, ...]
    rule: str
    on: date
    actor: str


class RetentionRecord(Aggregate):
    """Holds (a case that must not be gallrad: an IVO or JO matter, a request for the
    documents, ...) and erasures. An erasure names the kinds of content removed, the rule
    (its label and version) and who did it: a person, or the scheduler."""

    if TYPE_CHECKING:

        class Started(Aggregate.Created, EventFields): ...
        class HoldPlaced(Aggregate.Event, EventFields): ...
        class HoldReleased(Aggregate.Event, EventFields): ...
        class ContentErased(Aggregate.Event, EventFields): ...

    @staticmethod
    def create_id(case_id: UUID) -> UUID:
        return uuid5(_NAMESPACE, str(case_id))

    @classmethod
    def start(cls, *, case_id: UUID, case_kind: str) -> RetentionRecord:
        if case_kind not in CASE_KINDS:
            raise ValidationFailed("case_kind", "Unknown kind of case.")
        return cls._create(cls.Started, id=cls.create_id(case_id), case_id=case_id,
                           case_kind=case_kind)

    @event("Started")
    def __init__(self, *, case_id: UUID, case_kind: str) -> None:
        self.case_id = case_id
        self.case_kind = case_kind
        self.holds: list[Hold] = []
        self.erasures: list[Erasure] = []

    @property
    def holds_active(self) -> bool:
        return any(hold.active for hold in self.holds)

    @property
    def erased_kinds(self) -> set[str]:
        return {kind for erasure in self.erasures for kind in erasure.kinds}

    def place_hold(self, *, reason: str, actor: str, on: date) -> int:
        reason = check_text("reason", reason, max_length=SHORT_TEXT)
        if self.erased_kinds:
            raise StepOutOfOrder("The case's content has already been erased.")
        number = len(self.holds) + 1
        self._hold_placed(hold=number, reason=reason, on=on, actor=actor)
        return number

    @event("HoldPlaced")
    def _hold_placed(self, *, hold: int, reason: str, on: date, actor: str) -> None:
        self.holds.append(Hold(hold, reason, on, actor))

    def release_hold(self, *, hold: int, actor: str, on: date) -> None:
        if not 1 <= hold <= len(self.holds) or not self.holds[hold - 1].active:
            raise Inconsistent("hold", "No such active hold on the case.")
        self._hold_released(hold=hold, on=on, actor=actor)

    @event("HoldReleased")
    def _hold_released(self, *, hold: int, on: date, actor: str) -> None:
        placed = self.holds[hold - 1]
        self.holds[hold - 1] = Hold(placed.number, placed.reason, placed.placed_on,
                                    placed.placed_by, on, actor)

    def record_erasure(self, *, kinds: list[str], rule: str, actor: str, on: date) -> bool:
        """False (nothing recorded) when every kind was erased before."""
        unknown = set(kinds) - set(ContentKind)
        if unknown or not kinds:
            raise ValidationFailed("kinds", "Unknown kind of content.")
        if self.holds_active:
            raise StepOutOfOrder("The case is on hold; release the hold before erasing.")
        new = sorted(set(kinds) - self.erased_kinds)
        if not new:
            return False
        self._content_erased(case_id=self.case_id, kinds=new,
                             rule=check_text("rule", rule, max_length=SHORT_TEXT), on=on,
                             actor=actor)
        return True

    @event("ContentErased")
    def _content_erased(
        self, *, case_id: UUID, kinds: list[str], rule: str, on: date, actor: str
    ) -> None:
        """`case_id` again: the views blank the case's rows from this event alone."""
        self.erasures.append(Erasure(tuple(kinds), rule, on, actor))


# What of each case aggregate's events is the case's content (free text, references, file
# names and frozen documents): sealed with the case's own key when stored, so that gallring
# can erase it by destroying that key. Codes, dates, numbers, grades and who did what are
# not content: the statistics and the record of the handling are built from them.
CONTENT_FIELDS: dict[str, frozenset[str]] = {
    "Deviation": frozenset({
        "description", "immediate_actions", "case_reference", "analysis", "reason", "message",
        "summary", "effect_text", "result", "goal",
    }),
    "Complaint": frozenset({"text", "summary"}),
    "LexSarahCase": frozenset({
        "description", "text", "source", "reason", "reasoning", "summary",
        "not_informed_reason",
    }),
    "LexSarahDocument": frozenset({"pdf", "docx"}),
    "ChildReport": frozenset({"case_reference", "reason", "how"}),
    "CaseFile": frozenset({"text", "file_name"}),
}
_CASE_CONTENT = {
    "Deviation": ContentKind.DEVIATION,
    "Complaint": ContentKind.COMPLAINT,
    "LexSarahCase": ContentKind.LEX_SARAH,
    "LexSarahDocument": ContentKind.LEX_SARAH,
    "ChildReport": ContentKind.CHILD_REPORT,
}


def content_kind(event_qualname: str) -> ContentKind | None:
    """The kind of content an event of a case aggregate carries ("Deviation.Reported" ->
    deviation; a case file's attachments and its conversation are kinds of their own)."""
    aggregate, _, name = event_qualname.partition(".")
    if aggregate == "CaseFile":
        return ContentKind.ATTACHMENT if name == "AttachmentAdded" else ContentKind.CONVERSATION
    return _CASE_CONTENT.get(aggregate)
