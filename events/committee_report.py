"""Rapport till nämnden: the monthly deviation report to the social committee, a record.

One aggregate per month and revision. The tracker drafts it (texts generated from the counts
and the cases' histories, the figures as they were at drafting), the quality developer edits
the texts, and finalising freezes it with its diarienummer and date: the Finalised event
carries the complete content, so the report shows and exports exactly what the committee got
whatever happens to the deviations later. A corrected version is a new revision.

Content is plain JSON (str, int, None, lists, dicts with str keys): events are forever, and
plain data needs no transcoding to be read back in ten years.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.base import SHORT_TEXT, check_not_future, check_text
from events.errors import AlreadyRecorded, StepOutOfOrder, ValidationFailed

# The heading block and the free texts of the report, each edited as a whole.
TEXT_FIELDS = (
    "committee",  # nämnd
    "administration",  # förvaltning
    "author",
    "author_title",
    "title",
    "report_date",  # ISO date, the tjänsteskrivelse's date
    "diary_number",  # diarienummer; may be empty until finalised
    "proposal",  # Förslag till beslut
    "summary",  # Sammanfattning
    "background",  # lead of Beskrivning av ärendet
)
SHORT_FIELDS = frozenset({"committee", "administration", "author", "author_title", "title",
                          "report_date", "diary_number"})
REQUIRED_FIELDS = frozenset({"committee", "administration", "title", "report_date", "proposal",
                             "summary"})
# A section lists every deviation of its group: far longer than a case note.
REPORT_TEXT = 100_000


def _check_texts(text: dict[str, str], *, partial: bool = False) -> dict[str, str]:
    unknown = set(text) - set(TEXT_FIELDS)
    if unknown:
        raise ValidationFailed(sorted(unknown)[0], "Unknown field.")
    checked: dict[str, str] = {}
    for name in TEXT_FIELDS:
        if name not in text:
            if partial:
                continue
            text = {**text, name: ""}
        short = name in SHORT_FIELDS
        value = check_text(
            name, text[name], required=name in REQUIRED_FIELDS,
            max_length=SHORT_TEXT if short else REPORT_TEXT,
        )
        if name == "report_date":
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ValidationFailed(name, "Not a valid date.") from None
        checked[name] = value
    return checked


def _check_sections(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    checked = []
    for section in sections:
        key = str(section["key"])
        checked.append({
            "key": key,
            "heading": check_text(f"section:{key}", section["heading"], max_length=SHORT_TEXT),
            "count": int(section["count"]),
            "text": check_text(f"section:{key}", section.get("text"), required=False,
                               max_length=REPORT_TEXT),
        })
    return checked


class CommitteeReport(Aggregate):
    """Public methods check the rules, then trigger a past-tense event; the @event methods
    only apply facts."""

    @staticmethod
    def create_id(year: int, month: int, revision: int) -> UUID:
        """Fixed per month and revision: revisions are found without a view, and two people
        drafting the same revision at once collide in the event store instead of both
        succeeding."""
        return uuid5(NAMESPACE_URL, f"/tracker/committee-reports/{year:04d}-{month:02d}/{revision}")

    @classmethod
    def draft(
        cls,
        *,
        year: int,
        month: int,
        revision: int,
        text: dict[str, str],
        sections: list[dict[str, Any]],
        figures: dict[str, Any],
        actor: str,
    ) -> CommitteeReport:
        if not 1 <= month <= 12:
            raise ValidationFailed("month", "Invalid value.")
        if revision < 1:
            raise ValidationFailed("revision", "Invalid value.")
        return cls._create(
            cls.Drafted,  # type: ignore[attr-defined]  # made by @event below
            id=cls.create_id(year, month, revision),
            year=year,
            month=month,
            revision=revision,
            text=_check_texts(text),
            sections=_check_sections(sections),
            figures=figures,
            actor=actor,
        )

    @event("Drafted")
    def __init__(
        self,
        *,
        year: int,
        month: int,
        revision: int,
        text: dict[str, str],
        sections: list[dict[str, Any]],
        figures: dict[str, Any],
        actor: str,
    ) -> None:
        self.year = year
        self.month = month
        self.revision = revision
        self.text = dict(text)
        self.sections = [dict(section) for section in sections]
        self.figures = figures
        self.drafted_by = actor
        self.finalised_on: date | None = None
        self.finalised_by: str | None = None

    @property
    def is_final(self) -> bool:
        return self.finalised_on is not None

    def check_draft(self) -> None:
        if self.is_final:
            raise StepOutOfOrder(
                "The report is finalised and cannot be changed; start a new draft instead."
            )

    def edit(self, *, text: dict[str, str], sections: dict[str, str], actor: str) -> bool:
        """Change texts; only what differs is recorded. False when nothing changed."""
        self.check_draft()
        checked = _check_texts(text, partial=True)
        for name in REQUIRED_FIELDS & set(checked):
            if not checked[name]:
                raise ValidationFailed(name, "This field is required.")
        changed_text = {k: v for k, v in checked.items() if self.text.get(k) != v}
        known = {section["key"]: section for section in self.sections}
        changed_sections: dict[str, str] = {}
        for key, value in sections.items():
            if key not in known:
                raise ValidationFailed(f"section:{key}", "Unknown field.")
            value = check_text(f"section:{key}", value, required=False, max_length=REPORT_TEXT)
            if known[key]["text"] != value:
                changed_sections[key] = value
        if not changed_text and not changed_sections:
            return False
        self._edited(text=changed_text, sections=changed_sections, actor=actor)
        return True

    @event("Edited")
    def _edited(self, *, text: dict[str, str], sections: dict[str, str], actor: str) -> None:
        self.text.update(text)
        for section in self.sections:
            if section["key"] in sections:
                section["text"] = sections[section["key"]]

    def finalise(self, *, diary_number: str, finalised_on: date, today: date, actor: str) -> None:
        if self.is_final:
            raise AlreadyRecorded("The report is already finalised.")
        number = check_text("diary_number", diary_number, max_length=SHORT_TEXT)
        check_not_future("finalised_on", finalised_on, today)
        content = {
            "text": {**self.text, "diary_number": number},
            "sections": [dict(section) for section in self.sections],
            "figures": self.figures,
        }
        self._finalised(
            diary_number=number, finalised_on=finalised_on, content=content, actor=actor
        )

    @event("Finalised")
    def _finalised(
        self, *, diary_number: str, finalised_on: date, content: dict[str, Any], actor: str
    ) -> None:
        # The snapshot is what the committee got: the state becomes exactly it.
        self.text = dict(content["text"])
        self.sections = [dict(section) for section in content["sections"]]
        self.figures = content["figures"]
        self.finalised_on = finalised_on
        self.finalised_by = actor
