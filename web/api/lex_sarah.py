"""JSON API v1: Lex Sarah investigations. A step out of order (decide before any finding,
report to IVO before deciding, close before reporting a serious case) answers 409 with the
reason; bad input answers 422 with field errors, and nothing is stored."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields

from events.base import SHORT_TEXT
from events.lex_sarah import FindingKind, FindingNature, Grade, InformedParty
from tracker.accounts import Account
from web.api import endpoint
from web.casework import LEX_SARAH_ROLES, lex_sarah_dict
from web.runtime import application
from web.schemas import BaseSchema, HistoryEntryOut
from web.schemas import text as text_field

TAGS = ["lex-sarah"]


def _version() -> fields.Integer:
    return fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "Optional: refuse with 409 if the case has moved on since."},
    )


class FindingBody(BaseSchema):
    kind = fields.Enum(FindingKind, by_value=True, required=True)
    text = text_field()
    date = fields.Date(required=True)
    source = text_field(SHORT_TEXT)
    nature = fields.Enum(FindingNature, by_value=True, required=True)
    author = text_field(SHORT_TEXT)
    expected_version = _version()


class ProposalBody(BaseSchema):
    grade = fields.Enum(Grade, by_value=True, required=True)
    reasoning = text_field()
    expected_version = _version()


class DecisionBody(ProposalBody):
    decided_on = fields.Date(load_default=None, allow_none=True)


class IvoReportBody(BaseSchema):
    sent_on = fields.Date(required=True)
    ivo_reference = text_field(64)
    diary_number = text_field(64)
    expected_version = _version()


class InformedBody(BaseSchema):
    who = fields.Enum(InformedParty, by_value=True, required=True)
    on = fields.Date(required=True)
    expected_version = _version()


class ClosureBody(BaseSchema):
    summary = text_field()
    closed_on = fields.Date(load_default=None, allow_none=True)
    expected_version = _version()


class ProtectiveActionBody(BaseSchema):
    description = text_field()
    taken_on = fields.Date(required=True)
    expected_version = _version()


class InvestigatorBody(BaseSchema):
    investigator = text_field(SHORT_TEXT)
    expected_version = _version()


class _ProtectiveActionOut(Schema):
    taken_on = fields.Date()
    description = fields.String()


class _FindingOut(Schema):
    kind = fields.String()
    text = fields.String()
    date = fields.Date()
    source = fields.String()
    nature = fields.String()
    author = fields.String()


class _GradeOut(Schema):
    grade = fields.String()
    reasoning = fields.String()
    decided_on = fields.Date()


class _IvoOut(Schema):
    sent_on = fields.Date()
    ivo_reference = fields.String()
    diary_number = fields.String()


class LexSarahCaseSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    version = fields.Integer()
    deviation_id = fields.UUID()
    deviation_number = fields.String()
    unit = fields.String()
    operation = fields.String()
    reason = fields.String()
    opened_on = fields.Date()
    status = fields.String(metadata={"enum": ["open", "decided", "reported_to_ivo", "closed"]})
    protective_actions = fields.List(fields.Nested(_ProtectiveActionOut))
    investigator = fields.String(allow_none=True)
    findings = fields.List(fields.Nested(_FindingOut))
    proposal = fields.Nested(_GradeOut, allow_none=True)
    decision = fields.Nested(_GradeOut, allow_none=True)
    ivo_report = fields.Nested(_IvoOut, allow_none=True)
    ivo_required = fields.Boolean()
    informed = fields.Dict(keys=fields.String(), values=fields.Date())
    closed_on = fields.Date(allow_none=True)
    closing_summary = fields.String(allow_none=True)
    history = fields.List(fields.Nested(HistoryEntryOut))


def _case(case_id: UUID) -> dict[str, Any]:
    app = application()
    return lex_sarah_dict(app.get_lex_sarah_case(case_id), app.history(case_id))


def _post(rule: str, summary: str, body: type[Schema], status: int = 200) -> Any:
    return endpoint(
        f"/lex-sarah/<uuid:case_id>/{rule}", method="POST", summary=summary, body=body,
        roles=LEX_SARAH_ROLES, response=LexSarahCaseSchema, status=status, tags=TAGS,
    )


@endpoint(
    "/lex-sarah/<uuid:case_id>", summary="En Lex Sarah-utredning med hela historiken",
    roles=LEX_SARAH_ROLES, response=LexSarahCaseSchema, tags=TAGS,
)
def get_case(account: Account, case_id: UUID) -> dict[str, Any]:
    return _case(case_id)


@_post("protective-actions", "Registrera åtgärd för att undanröja missförhållandet",
       ProtectiveActionBody, 201)
def add_protective_action(account: Account, case_id: UUID, body: dict[str, Any]) -> Any:
    application().record_protective_action(
        case_id, actor=account.username, description=body["description"],
        taken_on=body["taken_on"], expected_version=body["expected_version"],
    )
    return _case(case_id), 201


@_post("investigator", "Utse utredare", InvestigatorBody)
def assign_investigator(account: Account, case_id: UUID, body: dict[str, Any]) -> Any:
    application().assign_investigator(
        case_id, actor=account.username, investigator=body["investigator"],
        expected_version=body["expected_version"],
    )
    return _case(case_id)


@_post("findings", "Dokumentera en uppgift i utredningen", FindingBody, 201)
def add_finding(account: Account, case_id: UUID, body: dict[str, Any]) -> Any:
    application().document_finding(
        case_id, actor=account.username, kind=body["kind"], text=body["text"],
        dated_on=body["date"], source=body["source"], nature=body["nature"],
        author=body["author"], expected_version=body["expected_version"],
    )
    return _case(case_id), 201


@_post("proposal", "Föreslå bedömning (grad)", ProposalBody)
def propose(account: Account, case_id: UUID, body: dict[str, Any]) -> Any:
    application().propose_grade(
        case_id, actor=account.username, grade=body["grade"], reasoning=body["reasoning"],
        expected_version=body["expected_version"],
    )
    return _case(case_id)


@_post("decision", "Besluta bedömning (grad)", DecisionBody)
def decide(account: Account, case_id: UUID, body: dict[str, Any]) -> Any:
    application().decide_lex_sarah(
        case_id, actor=account.username, grade=body["grade"], reasoning=body["reasoning"],
        decided_on=body["decided_on"], expected_version=body["expected_version"],
    )
    return _case(case_id)


@_post("ivo-report", "Registrera anmälan till IVO", IvoReportBody)
def report_to_ivo(account: Account, case_id: UUID, body: dict[str, Any]) -> Any:
    application().report_to_ivo(
        case_id, actor=account.username, sent_on=body["sent_on"],
        ivo_reference=body["ivo_reference"], diary_number=body["diary_number"],
        expected_version=body["expected_version"],
    )
    return _case(case_id)


@_post("informed", "Registrera att den enskilde eller företrädaren informerats", InformedBody)
def record_informed(account: Account, case_id: UUID, body: dict[str, Any]) -> Any:
    application().record_informed(
        case_id, actor=account.username, who=body["who"], on=body["on"],
        expected_version=body["expected_version"],
    )
    return _case(case_id)


@_post("closure", "Avsluta utredningen", ClosureBody)
def close(account: Account, case_id: UUID, body: dict[str, Any]) -> Any:
    application().close_lex_sarah(
        case_id, actor=account.username, summary=body["summary"],
        closed_on=body["closed_on"], expected_version=body["expected_version"],
    )
    return _case(case_id)
