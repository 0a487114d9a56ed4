"""How dates and our enums are stored inside event JSON, so they come back as the same types."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from events.child_report import ClockStatus, PreliminaryDecision, ReporterCategory
from events.complaint import Channel, ComplaintKind, ContactWish, Outcome, SenderCategory
from events.deviation import DeviationStatus, Effect, MeasureStatus, Source
from events.history_import import CountLine, ImportKind
from events.lex_sarah import (
    DocumentPurpose,
    FindingKind,
    FindingNature,
    Grade,
    InformedParty,
    IvoInvestigation,
    LexSarahStatus,
)
from events.numbering import SeriesKind
from events.taxonomy import Operation


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def enum_transcoding(enum_class: type[enum.Enum]) -> Transcoding:
    """One transcoding per enum, named after it; the stored value is the enum's value."""

    class EnumAsValue(Transcoding):
        type = enum_class
        name = f"enum:{enum_class.__name__}"

        def encode(self, obj: enum.Enum) -> Any:
            return obj.value

        def decode(self, data: Any) -> enum.Enum:
            return enum_class(data)

    return EnumAsValue()


STORED_ENUMS: tuple[type[enum.Enum], ...] = (
    Operation,
    Source,
    DeviationStatus,
    FindingKind,
    FindingNature,
    Grade,
    InformedParty,
    IvoInvestigation,
    LexSarahStatus,
    DocumentPurpose,
    PreliminaryDecision,
    ReporterCategory,
    ClockStatus,
    SeriesKind,
    ImportKind,
    MeasureStatus,
    Effect,
    ComplaintKind,
    SenderCategory,
    Channel,
    ContactWish,
    Outcome,
)


class CountLineAsDict(Transcoding):
    type = CountLine
    name = "count_line"

    def encode(self, obj: CountLine) -> dict[str, Any]:
        return dict(obj.__dict__)

    def decode(self, data: dict[str, Any]) -> CountLine:
        return CountLine(**data)


def register(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    transcoder.register(CountLineAsDict())
    for enum_class in STORED_ENUMS:
        transcoder.register(enum_transcoding(enum_class))
