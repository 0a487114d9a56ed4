"""Lex Sarah: the action table (see web/cases/actions.py) and its schemas, the plain-dict form of a
case and the Swedish labels of its codes, shared by the case page and the API. Field names are
the application command's keyword arguments."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext
from marshmallow import fields, validate

from events.base import SHORT_TEXT
from events.legal import LEX_SARAH_KEYS, cite_on, reference
from events.lex_sarah import (
    REQUIRED_KINDS,
    DocumentPurpose,
    FindingKind,
    FindingNature,
    Grade,
    InformedParty,
    IvoInvestigation,
    LexSarahCase,
)
from tracker.application import HistoryEntry, TrackerApplication
from web.cases.actions import Action
from web.display import clock_dict
from web.runtime import application, runtime
from web.schemas import BaseSchema, date, history_dicts, version
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
    decided_by = text_field(SHORT_TEXT, required=False, metadata={
        "description": "Who decided (name), as the investigation document names them; "
        "defaults to the account recording the decision"})
    decided_by_title = text_field(SHORT_TEXT, required=False, metadata={
        "description": "Befattning/titel of who decided"})


DOCUMENT_VERSION = {"description": "The number of a frozen version of the investigation "
                    "document (POST …/document/versions)"}


def document_version() -> fields.Integer:
    return fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=10_000),
        metadata=DOCUMENT_VERSION,
    )


class IvoReport(BaseSchema):
    sent_on = date()
    ivo_reference = text_field(64)
    diary_number = text_field(64)
    investigation = fields.Enum(IvoInvestigation, by_value=True, required=True, metadata={
        "description": "bifogad: the investigation so far went with it; kompletteras: it "
        "is sent later (record that with ivo-report-completion)"})
    document_version = document_version()
    expected_version = version()


class IvoCompletion(BaseSchema):
    completed_on = date(required=False, metadata={"description": "Defaults to today"})
    document_version = document_version()
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
            "Anmälan till IVO är registrerad.",
            inputs={"investigation": "ivo_investigation", "document_version": "ivo_version"},
        ),
        Action(
            "complete_ivo_report", IvoCompletion, App.complete_ivo_report,
            "ivo-report-completion", "ivo-komplettering",
            "Kompletteringen till IVO är registrerad.",
            inputs={"completed_on": "ivo_completed_on",
                    "document_version": "ivo_completion_version"},
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


FINDING_KINDS: dict[FindingKind, Any] = {
    FindingKind.HANDELSE: lazy_gettext("Vad som hänt och konsekvenserna för den enskilde"),
    FindingKind.TIDPUNKT: lazy_gettext("När det hände"),
    FindingKind.UPPTACKT: lazy_gettext("När och hur det uppmärksammades"),
    FindingKind.ORSAK: lazy_gettext("Orsaker"),
    FindingKind.TIDIGARE: lazy_gettext("Tidigare liknande händelser"),
    FindingKind.UPPREPNING: lazy_gettext("Risk att det händer igen"),
    FindingKind.ATGARD: lazy_gettext("Åtgärder (med datum)"),
    FindingKind.OVRIGT: lazy_gettext("Övrigt"),
}
FINDING_NATURES: dict[FindingNature, Any] = {
    FindingNature.FACT: lazy_gettext("Fakta"),
    FindingNature.ASSESSMENT: lazy_gettext("Bedömning"),
}
GRADES: dict[Grade, Any] = {
    Grade.INTE_MISSFORHALLANDE: lazy_gettext("Inte missförhållande"),
    Grade.RISK_MISSFORHALLANDE: lazy_gettext("Påtaglig risk för missförhållande"),
    Grade.MISSFORHALLANDE: lazy_gettext("Missförhållande"),
    Grade.RISK_ALLVARLIGT: lazy_gettext("Påtaglig risk för allvarligt missförhållande"),
    Grade.ALLVARLIGT: lazy_gettext("Allvarligt missförhållande"),
}
IVO_INVESTIGATION: dict[IvoInvestigation, Any] = {
    IvoInvestigation.ATTACHED: lazy_gettext("Bifogad – utredningen så långt den kommit"),
    IvoInvestigation.TO_FOLLOW: lazy_gettext("Kompletteras – utredningen skickas senare"),
}
INFORMED_PARTIES: dict[InformedParty, Any] = {
    InformedParty.INDIVIDUAL: lazy_gettext("Den enskilde"),
    InformedParty.REPRESENTATIVE: lazy_gettext("Företrädare"),
}
DOCUMENT_PURPOSES: dict[DocumentPurpose, Any] = {
    DocumentPurpose.IVO: lazy_gettext("För IVO"),
    DocumentPurpose.DECISION: lazy_gettext("För beslut"),
}
LEX_SARAH_STATUSES: dict[str, Any] = {
    "open": lazy_gettext("Pågående utredning"),
    "decided": lazy_gettext("Beslutad"),
    "reported_to_ivo": lazy_gettext("Anmäld till IVO"),
    "closed": lazy_gettext("Avslutad"),
}


def lex_sarah_clocks(case: LexSarahCase) -> list[dict[str, Any]]:
    """The case's clocks today, read as Bevakning and Att göra read them (events.clocks)."""
    settings = runtime().settings
    return [
        clock_dict(found, settings.warning_days)
        for found in case.clocks(application().today(), settings.ivo_target_days)
    ]


def lex_sarah_dict(case: LexSarahCase, history: list[HistoryEntry]) -> dict[str, Any]:
    return {
        "id": case.id,
        "number": case.number,
        "version": case.version,
        "deviation_id": case.deviation_id,
        "deviation_number": case.deviation_number,
        "unit": case.unit,
        "operation": case.operation.value,
        "reason": case.reason,
        "opened_on": case.opened_on,
        "status": case.status.value,
        "protective_actions": [
            {"taken_on": taken_on, "description": description}
            for taken_on, description in case.protective_actions
        ],
        "investigator": case.investigator,
        "findings": [
            {
                "kind": f.kind.value,
                "text": f.text,
                "date": f.dated_on,
                "source": f.source,
                "nature": f.nature.value,
                "author": f.author,
                "author_title": f.author_title,
            }
            for f in case.findings
        ],
        "not_applicable": [
            {"kind": n.kind.value, "reason": n.reason, "author": n.author,
             "author_title": n.author_title}
            for n in case.not_applicable.values()
        ],
        "uncovered_kinds": [kind.value for kind in case.uncovered_kinds()],
        "proposal": (
            {"grade": case.proposed_grade.value, "reasoning": case.proposal_reasoning}
            if case.proposed_grade is not None
            else None
        ),
        "decision": (
            {
                "grade": case.grade.value,
                "reasoning": case.decision_reasoning,
                "decided_on": case.decided_on,
                "decided_by": case.decided_by or case.decision_actor,
                "decided_by_title": case.decided_by_title,
            }
            if case.grade is not None
            else None
        ),
        "ivo_report": (
            {
                "sent_on": case.ivo_sent_on,
                "ivo_reference": case.ivo_reference,
                "diary_number": case.diary_number,
                "investigation": case.ivo_investigation.value if case.ivo_investigation else None,
                "completed_on": case.ivo_completed_on,
                "document_version": case.ivo_document_version,
                "completion_document_version": case.ivo_completion_document_version,
            }
            if case.ivo_sent_on is not None
            else None
        ),
        "ivo_required": case.is_serious,
        "ivo_completion_pending": case.ivo_completion_pending,
        "remedied_on": case.remedied_on,
        "clocks": lex_sarah_clocks(case),
        "informed": {party.value: on for party, on in case.informed.items()},
        "document_versions": [
            {"number": v.number, "purpose": v.purpose.value, "pdf_sha256": v.pdf_sha256,
             "docx_sha256": v.docx_sha256, "frozen_on": v.frozen_on, "frozen_by": v.frozen_by}
            for v in case.document_versions
        ],
        "closed_on": case.closed_on,
        "closing_summary": case.closing_summary,
        "not_informed_reason": case.not_informed_reason,
        "legal_reference": lex_sarah_references(case),
        "history": history_dicts(history),
    }


def lex_sarah_references(case: LexSarahCase) -> dict[str, str]:
    """Each duty cited as in force when it arose: the report, remedy and investigation on
    the case's opening, the anmälan to IVO when it was sent (or, until then, the opening)."""
    days = {"lex_sarah_anmala": case.ivo_sent_on or case.opened_on}
    return {key: cite_on(key, days.get(key, case.opened_on)) for key in LEX_SARAH_KEYS}


def lex_sarah_wording(case: LexSarahCase) -> str | None:
    """How fast the remedy is due under the numbering in force ("genast"; formerly "utan
    dröjsmål")."""
    return reference("lex_sarah_utreda").wording_on(case.opened_on)
