"""JSON API v1: child reports (anmälningar om barn) and their clocks. An enhetschef reaches
only their own units' reports (403 elsewhere); a step out of order answers 409."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import request, url_for
from flask_babel import gettext
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from events.base import SHORT_TEXT
from events.child_report import ChildReport, PreliminaryDecision
from events.clocks import Clock
from events.errors import DomainError, ValidationFailed
from projections import queries
from tracker.accounts import Account
from web.api import ApiError, api, current_api_account, endpoint
from web.casework import CHILD_REPORT_ROLES, child_report_dict, child_report_scope, reaches_unit
from web.runtime import application, fresh_views, runtime
from web.schemas import BaseSchema, HistoryEntryOut
from web.schemas import code as code_field
from web.schemas import text as text_field

TAGS = ["child-reports"]
REQUIRED = "Missing data for required field."


def _version() -> fields.Integer:
    return fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "Optional: refuse with 409 if the report has moved on since."},
    )


class RegisterBody(BaseSchema):
    unit = code_field()
    received_at = fields.AwareDateTime(required=True)
    case_reference = text_field(64)
    ongoing_investigation = fields.Boolean(load_default=False)


class ProtectionBody(BaseSchema):
    assessed_at = fields.AwareDateTime(required=True)
    immediate_protection_needed = fields.Boolean(required=True)
    expected_version = _version()


class HandlerBody(BaseSchema):
    handler = text_field(SHORT_TEXT, metadata={"description": "A username"})
    expected_version = _version()


class ExtensionBody(BaseSchema):
    reason = text_field(metadata={"description": "Synnerliga skäl"})
    new_deadline = fields.Date(required=True)
    expected_version = _version()


class DecisionBody(BaseSchema):
    decision = fields.Enum(PreliminaryDecision, by_value=True, required=True)
    decided_on = fields.Date(required=True)
    expected_version = _version()


class InvestigationBody(BaseSchema):
    action = fields.String(required=True, validate=validate.OneOf(["open", "complete", "extend"]))
    on = fields.Date(load_default=None, allow_none=True,
                     metadata={"description": "Required to open or complete"})
    reason = text_field(required=False, metadata={"description": "Required to extend"})
    new_deadline = fields.Date(load_default=None, allow_none=True,
                               metadata={"description": "Required to extend"})
    expected_version = _version()

    @validates_schema
    def _needs(self, data: dict[str, Any], **_: Any) -> None:
        needed = ("reason", "new_deadline") if data.get("action") == "extend" else ("on",)
        missing = {name: [REQUIRED] for name in needed if data.get(name) is None}
        if missing:
            raise ValidationError(missing)


class ListQuery(BaseSchema):
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(
            ["open", "overdue", "due_today", "extended", "decided", "decided_late", "exempt"]
        ),
    )
    unit = code_field(required=False)
    handler = text_field(SHORT_TEXT, required=False)


class _Clock(Schema):
    status = fields.String()
    due = fields.Date()
    assessed_at = fields.AwareDateTime(allow_none=True)
    immediate_protection_needed = fields.Boolean(allow_none=True)
    deadline = fields.Date(allow_none=True)
    original_deadline = fields.Date()
    days_left = fields.Integer(allow_none=True)
    extension_reason = fields.String(allow_none=True)
    decision = fields.String(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    opened_on = fields.Date(allow_none=True)
    completed_on = fields.Date(allow_none=True)
    breach_deviation_id = fields.UUID(allow_none=True)


class _Clocks(Schema):
    skyddsbedomning = fields.Nested(_Clock)
    forhandsbedomning = fields.Nested(_Clock)
    # API v1 published the utredningstid clock under this name: it stays on the wire.
    utredning = fields.Nested(_Clock, attribute=Clock.UTREDNINGSTID.value)


class ChildReportSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    version = fields.Integer()
    unit = fields.String()
    operation = fields.String()
    case_reference = fields.String()
    received_at = fields.AwareDateTime()
    ongoing_investigation = fields.Boolean()
    handler = fields.String(allow_none=True)
    deadline = fields.Date(metadata={"description": "The förhandsbedömning deadline"})
    status = fields.String(metadata={"description": "The förhandsbedömning clock: open, "
                                     "due_today, overdue, decided, decided_late, exempt, extended"})
    clocks = fields.Nested(_Clocks)
    breach_deviation_id = fields.UUID(allow_none=True)
    history = fields.List(fields.Nested(HistoryEntryOut))


class ChildReportRowSchema(Schema):
    id = fields.UUID()
    number = fields.String()
    unit = fields.String()
    operation = fields.String()
    case_reference = fields.String()
    received_at = fields.AwareDateTime()
    handler = fields.String(allow_none=True)
    deadline = fields.Date()
    days_left = fields.Integer(allow_none=True)
    status = fields.String()
    protection_due = fields.Date(allow_none=True)
    protection_assessed = fields.Raw(allow_none=True)
    protection_status = fields.String(allow_none=True)
    investigation_deadline = fields.Date(allow_none=True)
    investigation_status = fields.String(allow_none=True)
    breach_deviation_id = fields.UUID(allow_none=True)


@api.before_request
def _unit_scope() -> None:
    """Refuse another unit's report before its body is even read (403, not 422), right
    after the bearer token is checked (web.api registers that hook first)."""
    if not (request.endpoint or "").startswith("api.child_reports_"):
        return
    report_id = (request.view_args or {}).get("report_id")
    account = current_api_account()
    if isinstance(report_id, UUID) and account.role in CHILD_REPORT_ROLES:
        _reachable(account, report_id)


def _reachable(account: Account, report_id: UUID) -> ChildReport:
    report = application().get_child_report(report_id)
    if not reaches_unit(account, report.unit):
        raise ApiError(403, gettext("Your role may not do this."))
    return report


def _report(report_id: UUID) -> dict[str, Any]:
    app = application()
    return child_report_dict(app.get_child_report(report_id), app.today(), app.history(report_id))


def _post(rule: str, summary: str, body: type[Schema]) -> Any:
    return endpoint(
        f"/child-reports/<uuid:report_id>/{rule}", method="POST", summary=summary, body=body,
        roles=CHILD_REPORT_ROLES, response=ChildReportSchema, tags=TAGS,
    )


@endpoint(
    "/child-reports", method="POST", summary="Registrera en anmälan om barn",
    description="The förhandsbedömning deadline is the received date + 14 days.",
    roles=CHILD_REPORT_ROLES, body=RegisterBody, response=ChildReportSchema, status=201,
    tags=TAGS,
)
def register(account: Account, body: dict[str, Any]) -> Any:
    if not reaches_unit(account, body["unit"]):
        raise ApiError(403, gettext("Your role may not do this."))
    report = application().receive_child_report(
        actor=account.username, unit=body["unit"], received_at=body["received_at"],
        case_reference=body["case_reference"],
        ongoing_investigation=body["ongoing_investigation"],
    )
    location = url_for("api.child_reports_get_report", report_id=report.id)
    return _report(report.id), 201, {"Location": location}


@endpoint(
    "/child-reports", summary="Anmälningar med tidsfrister",
    description="status=open means any undecided report that is not exempt.",
    roles=CHILD_REPORT_ROLES, query=ListQuery, response=ChildReportRowSchema, many=True,
    tags=TAGS,
)
def list_reports(account: Account, query: dict[str, Any]) -> list[dict[str, Any]]:
    fresh_views()
    return queries.child_reports(
        runtime().engine, application().today(), status=query["status"], unit=query["unit"],
        units=child_report_scope(account), handler=query["handler"],
    )


@endpoint(
    "/child-reports/<uuid:report_id>", summary="En anmälan med dess tidsfrister och historik",
    roles=CHILD_REPORT_ROLES, response=ChildReportSchema, tags=TAGS,
)
def get_report(account: Account, report_id: UUID) -> dict[str, Any]:
    _reachable(account, report_id)
    return _report(report_id)


@_post("protection-assessment", "Registrera skyddsbedömningen", ProtectionBody)
def assess_protection(account: Account, report_id: UUID, body: dict[str, Any]) -> Any:
    _reachable(account, report_id)
    application().assess_protection(
        report_id, actor=account.username, assessed_at=body["assessed_at"],
        immediate_protection_needed=body["immediate_protection_needed"],
        expected_version=body["expected_version"],
    )
    return _report(report_id)


@_post("handler", "Tilldela eller byt handläggare", HandlerBody)
def assign_handler(account: Account, report_id: UUID, body: dict[str, Any]) -> Any:
    _reachable(account, report_id)
    check_handler(body["handler"])
    application().assign_handler(
        report_id, actor=account.username, handler=body["handler"],
        expected_version=body["expected_version"],
    )
    return _report(report_id)


@_post("extension", "Förläng tidsfristen för förhandsbedömningen (synnerliga skäl)",
       ExtensionBody)
def extend(account: Account, report_id: UUID, body: dict[str, Any]) -> Any:
    _reachable(account, report_id)
    application().extend_preliminary_deadline(
        report_id, actor=account.username, reason=body["reason"],
        new_deadline=body["new_deadline"], expected_version=body["expected_version"],
    )
    return _report(report_id)


@_post("decision", "Registrera beslut efter förhandsbedömning", DecisionBody)
def decide(account: Account, report_id: UUID, body: dict[str, Any]) -> Any:
    _reachable(account, report_id)
    application().decide_preliminary_assessment(
        report_id, actor=account.username, decision=body["decision"],
        decided_on=body["decided_on"], expected_version=body["expected_version"],
    )
    return _report(report_id)


@_post("investigation", "Inled, avsluta eller förläng utredningen", InvestigationBody)
def investigation(account: Account, report_id: UUID, body: dict[str, Any]) -> Any:
    _reachable(account, report_id)
    app, version = application(), body["expected_version"]
    if body["action"] == "open":
        app.open_investigation(
            report_id, actor=account.username, opened_on=body["on"], expected_version=version
        )
    elif body["action"] == "complete":
        app.complete_investigation(
            report_id, actor=account.username, completed_on=body["on"], expected_version=version
        )
    else:
        app.extend_investigation(
            report_id, actor=account.username, reason=body["reason"],
            new_deadline=body["new_deadline"], expected_version=version,
        )
    return _report(report_id)


def check_handler(username: str) -> None:
    """The handler is a person with an active account, so the board can name them."""
    try:
        account = runtime().accounts.get(username)
    except DomainError:
        account = None
    if account is None or not account.active:
        raise ValidationFailed("handler", "Unknown user: %(name)s", name=username)
