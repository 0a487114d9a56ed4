"""JSON API v1: child reports (anmälningar om barn) and their clocks. An enhetschef reaches
only their own units' reports (403 elsewhere); a step out of order answers 409."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import request, url_for
from flask_babel import gettext
from marshmallow import Schema, fields, validate

from events.base import SHORT_TEXT
from events.child_report import ChildReport
from events.clocks import Clock
from projections import queries
from tracker.accounts import Account
from web.actions import Action
from web.api import ApiError, api, current_api_account, endpoint
from web.casework import CHILD_REPORT_ROLES, child_report_dict, child_report_scope, reaches_unit
from web.child_reports import ACTIONS, InvestigationBody, RegisterBody
from web.runtime import application, fresh_views, runtime
from web.schemas import BaseSchema, HistoryEntryOut
from web.schemas import code as code_field
from web.schemas import text as text_field

TAGS = ["child-reports"]
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
    extension_decided_by = fields.String(allow_none=True, metadata={
        "description": "Who decided the extension (unknown for those recorded before it was "
        "asked for)"})
    extension_decided_on = fields.Date(allow_none=True)
    legal_reference = fields.String(metadata={
        "description": "The provision in the numbering in force on the clock's due date"})
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
    legal_reference = fields.Dict(
        keys=fields.String(), values=fields.String(),
        metadata={"description": "Legal key -> citation in the numbering in force on the date "
                  "it applies to (SoL (2001:453) until 2025-06-30, SoL (2025:400) after)"},
    )
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


# API-only words for each route of web.child_reports.ACTIONS (the three investigation steps
# share one route, dispatched on `action`).
SUMMARIES: dict[str, str] = {
    "protection-assessment": "Registrera skyddsbedömningen",
    "handler": "Tilldela eller byt handläggare",
    "extension": "Förläng tidsfristen för förhandsbedömningen (synnerliga skäl)",
    "decision": "Registrera beslut efter förhandsbedömning",
    "investigation": "Inled, avsluta eller förläng utredningen",
}


def _action_endpoint(path: str, action: Action | None) -> None:
    def view(account: Account, report_id: UUID, body: dict[str, Any]) -> Any:
        _reachable(account, report_id)
        step = action or body.pop("action")
        step.run(application(), report_id, account.username, body)
        return _report(report_id)

    view.__name__ = path.replace("-", "_")
    endpoint(
        f"/child-reports/<uuid:report_id>/{path}", method="POST", summary=SUMMARIES[path],
        body=action.schema if action else InvestigationBody, roles=CHILD_REPORT_ROLES,
        response=ChildReportSchema, tags=TAGS,
    )(view)


for _action in ACTIONS.values():
    if _action.api_path != "investigation":
        _action_endpoint(_action.api_path, _action)
_action_endpoint("investigation", None)
