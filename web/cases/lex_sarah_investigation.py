"""The Lex Sarah investigation in one go: every still uncovered required kind on one page
(web/pages/lex_sarah_investigation.py) and in one API operation, one schema for both. Each
item is a finding or a kind marked "ej tillämpligt"; the author is given once."""

from __future__ import annotations

from datetime import date as Date
from typing import Any, ClassVar

from flask_babel import lazy_gettext
from marshmallow import ValidationError, fields, validate, validates_schema

from events.lex_sarah import REQUIRED_KINDS, FindingKind, FindingNature, LexSarahCase
from tracker.application import InvestigationItem, KindNotApplicable, NewFinding
from web.schemas import SHORT_TEXT, BaseSchema, date, version
from web.schemas import text as text_field

MAX_ITEMS = 50  # far more than the eight kinds; bounds the work one request can ask for
AT_LEAST_ONE = lazy_gettext("Fill in at least one finding.")
TOO_MANY = lazy_gettext("At most {max} items can be saved at once.")
NOT_BOTH = lazy_gettext("Give either the finding or the reason it does not apply, not both.")
NO_TEXT = lazy_gettext("Describe the finding, or give the reason the kind does not apply.")
NO_SOURCE = lazy_gettext("Enter where the finding comes from, for example a journal.")
NO_NATURE = lazy_gettext("Choose whether the finding is a fact or an assessment.")
ONLY_REQUIRED = lazy_gettext("Only a required kind can be marked not applicable.")

# What each kind usually is, preselected on the page (the person may change it).
USUAL_NATURE: dict[FindingKind, FindingNature] = {
    kind: FindingNature.ASSESSMENT
    if kind in (FindingKind.ORSAK, FindingKind.UPPREPNING) else FindingNature.FACT
    for kind in FindingKind
}


class InvestigationItemBody(BaseSchema):
    # The API document: oneOf the two shapes finding_or_reason allows (web.api renders them),
    # each with the fields it needs filled, those it needs empty and the kinds it takes.
    OPENAPI_SHAPES: ClassVar[list[dict[str, Any]]] = [
        {"filled": ["text", "source", "nature"], "empty": ["not_applicable_reason"]},
        {"filled": ["not_applicable_reason"], "empty": ["text", "source", "nature", "date"],
         "only": {"kind": [kind.value for kind in REQUIRED_KINDS]}},
    ]

    kind = fields.Enum(FindingKind, by_value=True, required=True)
    text = text_field(required=False, metadata={"description": "The finding"})
    dated_on = date(required=False, data_key="date", metadata={
        "description": "The finding's date; defaults to today"})
    source = text_field(SHORT_TEXT, required=False, metadata={
        "description": "Where the finding comes from (journal, talk with staff, ...)"})
    nature = fields.Enum(FindingNature, by_value=True, load_default=None, allow_none=True)
    not_applicable_reason = text_field(required=False, metadata={
        "description": "Instead of a finding: why this required kind does not apply "
        "(ej tillämpligt)"})

    @validates_schema(skip_on_field_errors=True)
    def finding_or_reason(self, data: dict[str, Any], **_: Any) -> None:
        """A finding (text, source, nature) or a reason it does not apply: one of them."""
        finding = [key for key in ("text", "source", "nature", "dated_on") if data.get(key)]
        if data.get("not_applicable_reason"):
            if finding:
                raise ValidationError({"not_applicable_reason": [str(NOT_BOTH)]})
            if data["kind"] not in REQUIRED_KINDS:
                raise ValidationError({"kind": [str(ONLY_REQUIRED)]})
            return
        errors: dict[str, list[str]] = {}
        if not data.get("text"):
            errors["text"] = [str(NO_TEXT)]
        if not data.get("source"):
            errors["source"] = [str(NO_SOURCE)]
        if data.get("nature") is None:
            errors["nature"] = [str(NO_NATURE)]
        if errors:
            raise ValidationError(errors)


class InvestigationBody(BaseSchema):
    author = text_field(SHORT_TEXT, metadata={"description": "Who wrote the items (name)"})
    author_title = text_field(SHORT_TEXT, metadata={"description": "Befattning/titel"})
    items = fields.List(
        fields.Nested(InvestigationItemBody), required=True,
        validate=[validate.Length(min=1, error=AT_LEAST_ONE),
                  validate.Length(max=MAX_ITEMS, error=TOO_MANY)],
        metadata={"description": "Findings and kinds marked ej tillämpligt, each saved as "
                  "its own event, all or none; errors name the item: items.<index>.<field>"},
    )
    expected_version = version()


def investigation_items(data: dict[str, Any], today: Date) -> list[InvestigationItem]:
    """The loaded body as the application's items (a finding's date defaults to today)."""
    items: list[InvestigationItem] = []
    for item in data["items"]:
        if item.get("not_applicable_reason"):
            items.append(KindNotApplicable(item["kind"], item["not_applicable_reason"]))
        else:
            items.append(NewFinding(
                item["kind"], item["text"], item.get("dated_on") or today, item["source"],
                item["nature"],
            ))
    return items


def open_kinds(case: LexSarahCase) -> list[FindingKind]:
    """The required kinds the page asks for: those with neither finding nor ej tillämpligt."""
    return case.uncovered_kinds()
