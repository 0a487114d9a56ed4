"""JSON API v1: child reports (anmälningar om barn) and their clocks. An enhetschef reaches
only their own units' reports (403 elsewhere); a step out of order answers 409."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import request, url_for
from flask_babel import gettext
from marshmallow import Schema, fields, validate

from events.base import SHORT_TEXT
from events.child_report import ChildReport, PreliminaryDecision, ReporterCategory
from events.clocks import BAND_ORDER, Clock, ClockStatus
from projections import queries
from tracker.people.accounts import Account
from web.api import ApiError, api, current_api_account, endpoint
from web.api.lex_sarah import TimelineOut
from web.cases.actions import Action
from web.cases.child_reports import ACTIONS, InvestigationBody, RegisterBody, child_report_dict
from web.cases.timeline import child_report_case_timeline
from web.policy import CHILD_REPORT_ROLES, child_report_scope, reaches_unit
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


STATUSES = [status.value for status in ClockStatus]


def _status(*, nullable: bool = False, description: str = "") -> fields.String:
    return fields.String(required=True, allow_none=nullable, metadata={
        "enum": STATUSES + ([None] if nullable else []), "description": description})


BAND_DESCRIPTION = (
    "While the clock runs: overdue, due_today, soon (within TRACKER_WARNING_DAYS) or later, "
    "as on Bevakning and Att göra; null once it stopped"
)


def _days_left() -> fields.Integer:
    return fields.Integer(required=True, allow_none=True, metadata={
        "description": "Days left while the clock runs (negative when overdue); null once "
        "it stopped"})


def _band() -> fields.String:
    return fields.String(required=True, allow_none=True, metadata={
        "enum": [*BAND_ORDER, None], "description": BAND_DESCRIPTION})


def _day(*, nullable: bool = True, description: str = "") -> fields.Date:
    return fields.Date(required=True, allow_none=nullable, metadata={"description": description})


def _text_out(description: str = "") -> fields.String:
    return fields.String(required=True, allow_none=True, metadata={"description": description})


class _ProtectionClock(Schema):
    due = _day(nullable=False)
    assessed_at = fields.AwareDateTime(required=True, allow_none=True)
    immediate_protection_needed = fields.Boolean(required=True, allow_none=True)
    status = _status()
    days_left = _days_left()
    band = _band()
    legal_reference = fields.String(required=True, metadata={
        "description": "The provision in the numbering in force on the clock's due date"})


class _PreliminaryClock(Schema):
    deadline = _day(nullable=False)
    original_deadline = _day(nullable=False)
    days_left = _days_left()
    band = _band()
    extension_reason = _text_out()
    extension_decided_by = _text_out(
        "Who decided the extension (unknown for those recorded before it was asked for)")
    extension_decided_on = _day()
    legal_reference = fields.String(required=True)
    decision = fields.String(required=True, allow_none=True, metadata={
        "enum": [d.value for d in PreliminaryDecision] + [None]})
    decided_on = _day()
    status = _status()


class _InvestigationClock(Schema):
    opened_on = _day()
    deadline = _day(description=(
        "Status not_registered (a decision recorded before the decision opened the "
        "investigation, its start never registered): counted from the decision"))
    completed_on = _day()
    days_left = _days_left()
    band = _band()
    status = _status(nullable=True, description=(
        "null until the decision to open an investigation (which opens it)"))
    extension_reason = _text_out()
    extension_decided_by = _text_out()
    extension_decided_on = _day()
    legal_reference = fields.String(required=True)
    breach_deviation_id = fields.UUID(required=True, allow_none=True)


class _ReporterFeedback(Schema):
    reporter_category = fields.String(required=True, allow_none=True, metadata={
        "enum": [c.value for c in ReporterCategory] + [None]})
    requested_on = _day()
    due = _day(description=(
        "The decision + 7 days, or the day asked when the request came after the decision "
        "or an investigation was already under way; null without a request, for an enskild "
        "anmälare, or while the decision is awaited"))
    status = _status(nullable=True)
    days_left = _days_left()
    band = _band()
    given_on = _day()
    how = _text_out()
    declined_on = _day(description="Judged olämplig: the clock closed with the reason")
    declined_reason = _text_out()
    legal_reference = fields.String(required=True, metadata={
        "description": "SoL 19 kap. 6 § in the numbering in force on the request's date"})
    legal_reference_former = fields.String(required=True, metadata={
        "description": "Both numberings"})


class _Clocks(Schema):
    skyddsbedomning = fields.Nested(_ProtectionClock, required=True)
    forhandsbedomning = fields.Nested(_PreliminaryClock, required=True)
    # API v1 published the utredningstid clock under this name: it stays on the wire.
    utredning = fields.Nested(
        _InvestigationClock, required=True, attribute=Clock.UTREDNINGSTID.value
    )


class ChildReportSchema(Schema):
    id = fields.UUID(required=True)
    number = fields.String(required=True)
    version = fields.Integer(required=True)
    unit = fields.String(required=True)
    operation = fields.String(required=True, metadata={"enum": ["IFO", "HVB"]})
    case_reference = fields.String(required=True)
    received_at = fields.AwareDateTime(required=True)
    ongoing_investigation = fields.Boolean(required=True)
    handler = fields.String(required=True, allow_none=True)
    deadline = fields.Date(required=True, metadata={
        "description": "The förhandsbedömning deadline"})
    status = _status(description="The förhandsbedömning clock")
    clocks = fields.Nested(_Clocks, required=True)
    reporter_feedback = fields.Nested(_ReporterFeedback, required=True, metadata={
        "description": "Återkoppling to the anmälare on request (SoL 19 kap. 6 §)"})
    investigation_informed_on = _day(
        description="When the information that the investigation started was given (20 kap. "
        "4 §)")
    breach_deviation_id = fields.UUID(required=True, allow_none=True)
    legal_reference = fields.Dict(
        keys=fields.String(), values=fields.String(), required=True,
        metadata={"description": "Legal key -> citation in the numbering in force on the date "
                  "it applies to (SoL (2001:453) until 2025-06-30, SoL (2025:400) after)"},
    )
    history = fields.List(fields.Nested(HistoryEntryOut), required=True)


class ChildReportRowSchema(Schema):
    id = fields.UUID(required=True)
    number = fields.String(required=True)
    unit = fields.String(required=True)
    operation = fields.String(required=True, metadata={"enum": ["IFO", "HVB"]})
    case_reference = fields.String(required=True)
    received_at = fields.AwareDateTime(required=True)
    handler = fields.String(required=True, allow_none=True)
    deadline = fields.Date(required=True)
    days_left = fields.Integer(required=True, allow_none=True)
    status = _status()
    protection_due = fields.Date(required=True, allow_none=True)
    protection_assessed = fields.AwareDateTime(required=True, allow_none=True)
    protection_status = _status(nullable=True)
    investigation_deadline = fields.Date(required=True, allow_none=True)
    investigation_status = _status(nullable=True)
    breach_deviation_id = fields.UUID(required=True, allow_none=True)


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
    tags=TAGS, location=True,
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


@endpoint(
    "/child-reports/<uuid:report_id>/timeline",
    summary="Tidslinje för lagens tidsfrister (skyddsbedömning, förhandsbedömning, utredning, "
    "återkoppling)",
    roles=CHILD_REPORT_ROLES, response=TimelineOut, tags=TAGS,
)
def get_timeline(account: Account, report_id: UUID) -> dict[str, Any]:
    _reachable(account, report_id)
    return child_report_case_timeline(report_id)


# API-only words for each route of web.cases.child_reports.ACTIONS (the three investigation steps
# share one route, dispatched on `action`).
SUMMARIES: dict[str, str] = {
    "protection-assessment": "Registrera skyddsbedömningen",
    "handler": "Tilldela eller byt handläggare",
    "extension": "Förläng tidsfristen för förhandsbedömningen (synnerliga skäl)",
    "decision": "Registrera beslut efter förhandsbedömning",
    "investigation": "Inled, avsluta eller förläng utredningen",
    "reporter-category": "Registrera anmälarens kategori (SoL 19 kap. 1–3 §§ eller enskild)",
    "feedback-request": "Registrera att anmälaren begärt återkoppling (SoL 19 kap. 6 §)",
    "feedback": "Registrera att återkoppling lämnats till anmälaren",
    "feedback-declined": "Registrera att återkoppling är olämplig, med skälet",
    "investigation-information": "Registrera när information om att utredning inletts lämnades "
    "(SoL 20 kap. 4 §)",
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
