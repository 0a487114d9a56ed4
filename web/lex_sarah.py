"""Lex Sarah: the action table (see web/actions.py) and its schemas, shared by the case page
and the API. Field names are the application command's keyword arguments."""

from __future__ import annotations

from marshmallow import fields, validate

from events.base import SHORT_TEXT
from events.lex_sarah import (
    REQUIRED_KINDS,
    FindingKind,
    FindingNature,
    Grade,
    InformedParty,
    IvoInvestigation,
)
from tracker.application import TrackerApplication
from web.actions import Action
from web.schemas import BaseSchema, date, version
from web.schemas import text as text_field


def _choice(enum_type: type) -> fields.Enum:
    return fields.Enum(enum_type, by_value=True, required=True)


class ProtectiveAction(BaseSchema):
    description = text_field()
    taken_on = date()
    expected_version = version()


class Investigator(BaseSchema):
    investigator = text_field(SHORT_TEXT)
    expected_version = version()


class Finding(BaseSchema):
    kind = _choice(FindingKind)
    text = text_field()
    dated_on = date(data_key="date")
    source = text_field(SHORT_TEXT)
    nature = _choice(FindingNature)
    author = text_field(SHORT_TEXT)
    author_title = text_field(SHORT_TEXT, metadata={"description": "Befattning/titel"})
    expected_version = version()


class NotApplicable(BaseSchema):
    kind = fields.Enum(
        FindingKind, by_value=True, required=True, validate=validate.OneOf(
            REQUIRED_KINDS, error="Only a required kind can be marked not applicable."),
        metadata={"description": "One of the kinds the investigation must cover"},
    )
    reason = text_field(metadata={"description": "Why the kind does not apply"})
    author = text_field(SHORT_TEXT)
    author_title = text_field(SHORT_TEXT, metadata={"description": "Befattning/titel"})
    expected_version = version()


class Proposal(BaseSchema):
    grade = _choice(Grade)
    reasoning = text_field()
    expected_version = version()


class Decision(Proposal):
    decided_on = date(required=False, metadata={"description": "Defaults to today"})


class IvoReport(BaseSchema):
    sent_on = date()
    ivo_reference = text_field(64)
    diary_number = text_field(64)
    investigation = fields.Enum(IvoInvestigation, by_value=True, required=True, metadata={
        "description": "bifogad: the investigation so far went with it; kompletteras: it "
        "is sent later (record that with ivo-report-completion)"})
    expected_version = version()


class IvoCompletion(BaseSchema):
    completed_on = date(required=False, metadata={"description": "Defaults to today"})
    expected_version = version()


class Informed(BaseSchema):
    who = _choice(InformedParty)
    on = date()
    expected_version = version()


class Closure(BaseSchema):
    summary = text_field()
    closed_on = date(required=False, metadata={"description": "Defaults to today"})
    not_informed_reason = text_field(required=False, metadata={
        "description": "Required when nobody is recorded as informed: why not"})
    expected_version = version()


App = TrackerApplication
ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "record_protective_action", ProtectiveAction, App.record_protective_action,
            "protective-actions", "atgard", "Åtgärden är registrerad.",
            inputs={"description": "pa_description", "taken_on": "pa_taken_on"},
        ),
        Action(
            "assign_investigator", Investigator, App.assign_investigator,
            "investigator", "utredare", "Utredaren är utsedd.",
        ),
        Action(
            "document_finding", Finding, App.document_finding, "findings", "uppgift",
            "Uppgiften är dokumenterad.",
            inputs={"kind": "finding_kind", "text": "finding_text", "dated_on": "finding_date",
                    "source": "finding_source", "nature": "finding_nature",
                    "author": "finding_author", "author_title": "finding_author_title"},
            domain_fields={"date": "finding_date"},
        ),
        Action(
            "mark_not_applicable", NotApplicable, App.mark_finding_not_applicable,
            "not-applicable", "ej-tillampligt",
            "Slaget av uppgift är markerat som ej tillämpligt.", prefix="na",
        ),
        Action(
            "propose_grade", Proposal, App.propose_grade, "proposal", "forslag",
            "Förslaget är registrerat.",
            inputs={"grade": "proposal_grade", "reasoning": "proposal_reasoning"},
        ),
        Action(
            "decide", Decision, App.decide_lex_sarah, "decision", "beslut",
            "Beslutet är registrerat.",
            inputs={"grade": "decision_grade", "reasoning": "decision_reasoning"},
        ),
        Action(
            "report_to_ivo", IvoReport, App.report_to_ivo, "ivo-report", "ivo",
            "Anmälan till IVO är registrerad.", inputs={"investigation": "ivo_investigation"},
        ),
        Action(
            "complete_ivo_report", IvoCompletion, App.complete_ivo_report,
            "ivo-report-completion", "ivo-komplettering",
            "Kompletteringen till IVO är registrerad.",
            inputs={"completed_on": "ivo_completed_on"},
        ),
        Action(
            "record_informed", Informed, App.record_informed, "informed", "informerad",
            "Informationen är registrerad.",
            inputs={"who": "informed_who", "on": "informed_on"},
        ),
        Action(
            "close", Closure, App.close_lex_sarah, "closure", "avsluta",
            "Utredningen är avslutad.", inputs={"summary": "closing_summary"},
        ),
    )
}
