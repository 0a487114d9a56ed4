"""Rapport till nämnden: the monthly deviation report to the social committee, a record.

One aggregate per month and revision. The tracker drafts it (texts generated from the counts
and the cases' histories, the figures as they were at drafting), the quality developer edits
the texts, and finalising freezes it with its diarienummer and date: the Finalised event
carries the complete content, so the report shows and exports exactly what the committee got
whatever happens to the deviations later. A corrected version is a new revision.

Before finalising, a named person confirms the secrecy review (OSL 26 kap.): the committee's
documents are allmänna handlingar, usually published. The confirmation records who, what
the tracker flagged and what was masked; any later edit needs a new review.

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
    "legal_basis",  # why the committee gets the report (the provisions cited)
)
SHORT_FIELDS = frozenset({"committee", "administration", "author", "author_title", "title",
                          "report_date", "diary_number"})
REQUIRED_FIELDS = frozenset({"committee", "administration", "title", "report_date", "proposal",
                             "summary"})
# A section's detail lists every deviation of its group: far longer than a case note.
REPORT_TEXT = 100_000
MASKED_TEXT = 2000
# The words of the form reports drafted before the form was stored with them (version 1 of
# Drafted and Finalised): they keep reading as they did.
LEGACY_FORM: dict[str, str] = {
    "kind": "TJÄNSTESKRIVELSE",
    "author_label": "Handläggare",
    "date_label": "Datum",
    "diary_label": "Dnr",
    "recipient_label": "Till",
    "proposal_heading": "Förslag till beslut",
    "summary_heading": "Sammanfattning",
    "description_heading": "Beskrivning av ärendet",
    "appendices_heading": "Bilagor",
    "appendix_label": "Bilaga",
    "series_title": "Avvikelser per månad {first}–{last}",
    "operations_title": "Avvikelser per verksamhet {period}",
    "operation_title": "{operation} ({code}) {period}, n = {n}",
    "cases_title": "Avvikelserna ärende för ärende {period}",
    "category_column": "Kvalitetsområde",
    "count_column": "Antal",
    "month_column": "Månad",
    "total_row": "Totalt",
    "missing": "uppgift saknas",
    "missing_period": "uppgift saknas för {period}",
}


def _upcast_sections(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Version 1 sections held every case's story in `text`: no separate detail, and the
    units were not recorded."""
    return [{"detail": "", "units": [], **section} for section in sections]


def _check_form(form: dict[str, str]) -> dict[str, str]:
    return {str(k): check_text(f"form:{k}", v, required=False, max_length=SHORT_TEXT)
            for k, v in form.items()}


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
            # The case-by-case stories (an appendix), only when the author asked for them;
            # `units`: which units they come from and their count in the month.
            "detail": check_text(f"detail:{key}", section.get("detail"), required=False,
                                 max_length=REPORT_TEXT),
            "units": [{"code": str(u["code"]), "name": str(u["name"]), "count": int(u["count"])}
                      for u in section.get("units", [])],
            **({"table": section["table"]} if section.get("table") else {}),
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
        form: dict[str, str] | None = None,
    ) -> CommitteeReport:
        if not 1 <= month <= 12:
            raise ValidationFailed("month", "Invalid value.")
        if revision < 1:
            raise ValidationFailed("revision", "Invalid value.")
        return cls._create(
            cls.Drafted,
            id=cls.create_id(year, month, revision),
            year=year,
            month=month,
            revision=revision,
            text=_check_texts(text),
            sections=_check_sections(sections),
            figures=figures,
            form=_check_form(form if form is not None else LEGACY_FORM),
            actor=actor,
        )

    class Drafted(Aggregate.Created):
        """Version 2 carries the form's words, a `legal_basis` text, and per section the
        case detail apart from the grouped text."""

        class_version = 2
        year: int
        month: int
        revision: int
        text: dict[str, str]
        sections: list[dict[str, Any]]
        figures: dict[str, Any]
        form: dict[str, str]
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["form"] = dict(LEGACY_FORM)
            state["sections"] = _upcast_sections(state["sections"])

    @event(Drafted)
    def __init__(
        self,
        *,
        year: int,
        month: int,
        revision: int,
        text: dict[str, str],
        sections: list[dict[str, Any]],
        figures: dict[str, Any],
        form: dict[str, str],
        actor: str,
    ) -> None:
        self.year = year
        self.month = month
        self.revision = revision
        self.text = dict(text)
        self.sections = [dict(section) for section in sections]
        self.figures = figures
        self.form = dict(form)
        self.drafted_by = actor
        self.finalised_on: date | None = None
        self.finalised_by: str | None = None
        # The confirmed secrecy review of the texts as they are now (None: none, or edited
        # since): {"by", "masked", "flags"}.
        self.review: dict[str, Any] | None = None

    @property
    def is_final(self) -> bool:
        return self.finalised_on is not None

    def check_draft(self) -> None:
        if self.is_final:
            raise StepOutOfOrder(
                "The report is finalised and cannot be changed; start a new draft instead."
            )

    def edit(
        self, *, text: dict[str, str], sections: dict[str, str], actor: str,
        details: dict[str, str] | None = None,
    ) -> bool:
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
        changed_details: dict[str, str] = {}
        for key, value in (details or {}).items():
            if key not in known:
                raise ValidationFailed(f"detail:{key}", "Unknown field.")
            value = check_text(f"detail:{key}", value, required=False, max_length=REPORT_TEXT)
            if known[key].get("detail", "") != value:
                changed_details[key] = value
        if not changed_text and not changed_sections and not changed_details:
            return False
        self._edited(text=changed_text, sections=changed_sections, details=changed_details,
                     actor=actor)
        return True

    class Edited(Aggregate.Event):
        """Version 2 may change a section's case detail."""

        class_version = 2
        text: dict[str, str]
        sections: dict[str, str]
        details: dict[str, str]
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["details"] = {}

    @event(Edited)
    def _edited(
        self, *, text: dict[str, str], sections: dict[str, str], details: dict[str, str],
        actor: str,
    ) -> None:
        self.text.update(text)
        for section in self.sections:
            if section["key"] in sections:
                section["text"] = sections[section["key"]]
            if section["key"] in details:
                section["detail"] = details[section["key"]]
        self.review = None  # the review was of the texts before

    def confirm_review(self, *, masked: str, flags: list[dict[str, str]], actor: str) -> None:
        """The secrecy review (OSL 26 kap.) of the texts as they are, confirmed by the
        person signed in: what the tracker flagged (kind and where, not the words) and what
        they masked ("inget" is an answer)."""
        self.check_draft()
        checked = [{"kind": str(f["kind"]), "where": str(f["where"])} for f in flags]
        self._review_confirmed(
            masked=check_text("masked", masked, max_length=MASKED_TEXT), flags=checked,
            actor=actor,
        )

    @event("SecrecyReviewConfirmed")
    def _review_confirmed(
        self, *, masked: str, flags: list[dict[str, str]], actor: str
    ) -> None:
        self.review = {"by": actor, "masked": masked, "flags": list(flags)}

    def finalise(self, *, diary_number: str, finalised_on: date, today: date, actor: str) -> None:
        if self.is_final:
            raise AlreadyRecorded("The report is already finalised.")
        if self.review is None:
            raise StepOutOfOrder(
                "Confirm the secrecy review of the texts as they are before finalising."
            )
        number = check_text("diary_number", diary_number, max_length=SHORT_TEXT)
        check_not_future("finalised_on", finalised_on, today)
        content = {
            "text": {**self.text, "diary_number": number},
            "sections": [dict(section) for section in self.sections],
            "figures": self.figures,
            "form": dict(self.form),
        }
        self._finalised(
            diary_number=number, finalised_on=finalised_on, content=content, actor=actor
        )

    class Finalised(Aggregate.Event):
        """Version 2's content carries the form's words and the sections' case detail."""

        class_version = 2
        diary_number: str
        finalised_on: date
        content: dict[str, Any]
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            content = dict(state["content"])
            content["form"] = dict(LEGACY_FORM)
            content["sections"] = _upcast_sections(content["sections"])
            state["content"] = content

    @event(Finalised)
    def _finalised(
        self, *, diary_number: str, finalised_on: date, content: dict[str, Any], actor: str
    ) -> None:
        # The snapshot is what the committee got: the state becomes exactly it.
        self.text = dict(content["text"])
        self.sections = [dict(section) for section in content["sections"]]
        self.figures = content["figures"]
        self.form = dict(content["form"])
        self.finalised_on = finalised_on
        self.finalised_by = actor
