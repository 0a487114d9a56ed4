"""Child reports: the action table (see web/cases/actions.py) and its schemas, the plain-dict form
of a report and the Swedish labels of its codes, shared by the report page and the API. Field
names are the application command's keyword arguments; the page's own ways of entering a moment
(a date and a time) are subclasses."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from flask_babel import lazy_gettext
from marshmallow import Schema, ValidationError, fields, post_load, validate

from events.base import SHORT_TEXT
from events.child_report import ChildReport, PreliminaryDecision
from events.clocks import STOCKHOLM, UNDECIDED, Clock, ClockStatus, days_left
from events.errors import DomainError, Inconsistent
from events.legal import CHILD_REPORT_KEYS, cite_on
from tracker.application import HistoryEntry, TrackerApplication
from web.cases.actions import Action
from web.runtime import runtime
from web.schemas import (
    BaseSchema,
    code,
    date,
    flag,
    form_flag,
    history_dicts,
    moment,
    text,
    version,
)


class RegisterBody(BaseSchema):
    unit = code(codes="unit")
    received_at = moment()
    case_reference = text(64)
    ongoing_investigation = flag(load_default=False)


class ProtectionBody(BaseSchema):
    assessed_at = moment()
    immediate_protection_needed = flag(required=True)
    expected_version = version()


class HandlerBody(BaseSchema):
    handler = text(SHORT_TEXT, metadata={"description": "A username"})
    expected_version = version()


def _decided_by() -> fields.String:
    return text(SHORT_TEXT, metadata={
        "description": "Who decided: the delegate's name, or \"nämnden\""})


def _decided_on() -> fields.Date:
    return date(required=False, metadata={
        "description": "When it was decided (default today); no later than the deadline"})


class ExtensionBody(BaseSchema):
    reason = text(metadata={"description": "Synnerliga skäl"})
    new_deadline = date(future=True)
    decided_by = _decided_by()
    decided_on = _decided_on()
    expected_version = version()


class DecisionBody(BaseSchema):
    decision = fields.Enum(PreliminaryDecision, by_value=True, required=True)
    decided_on = date()
    expected_version = version()


class InvestigationOpening(BaseSchema):
    opened_on = date(data_key="on")
    expected_version = version()


class InvestigationCompletion(BaseSchema):
    completed_on = date(data_key="on")
    expected_version = version()


class InvestigationExtension(BaseSchema):
    reason = text(metadata={"description": "Särskilda skäl"})
    new_deadline = date(future=True)
    decided_by = _decided_by()
    decided_on = _decided_on()
    expected_version = version()


class _DateAndTime(BaseSchema):
    """Page-only: an aware moment (`moment`) entered as `<prefix>_date` and
    `<prefix>_time` inputs, in Stockholm time."""

    moment: ClassVar[str]
    prefix: ClassVar[str]

    @post_load
    def _combine(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        day, clock = data.pop(f"{self.prefix}_date"), data.pop(f"{self.prefix}_time")
        data[self.moment] = datetime.combine(day, clock, tzinfo=STOCKHOLM)
        return data


class RegisterForm(_DateAndTime, RegisterBody):
    moment, prefix = "received_at", "received"
    received_date, received_time = date(future=True), fields.Time(required=True)
    ongoing_investigation = form_flag(load_default=False)

    class Meta:
        exclude = ("received_at",)


class ProtectionForm(_DateAndTime, ProtectionBody):
    moment, prefix = "assessed_at", "assessed"
    assessed_date, assessed_time = date(future=True), fields.Time(required=True)
    immediate_protection_needed = form_flag(required=True)

    class Meta:
        exclude = ("assessed_at",)


def check_handler(username: str) -> None:
    """The handler is a person with an active account, so the board can name them."""
    try:
        account = runtime().accounts.get(username)
    except DomainError:
        account = None
    if account is None or not account.active:
        raise Inconsistent("handler", "Unknown user: %(name)s", name=username)


def assign_handler(
    app: TrackerApplication, report_id: UUID, *, actor: str, handler: str,
    expected_version: int | None,
) -> ChildReport:
    check_handler(handler)
    return app.assign_handler(
        report_id, actor=actor, handler=handler, expected_version=expected_version
    )


App = TrackerApplication
ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "assess_protection", ProtectionBody, App.assess_protection,
            "protection-assessment", "skyddsbedomning", "Skyddsbedömningen är registrerad.",
            page_schema=ProtectionForm, domain_fields={"assessed_at": "assessed_date"},
        ),
        Action(
            "assign_handler", HandlerBody, assign_handler, "handler", "handlaggare",
            "Handläggaren är tilldelad.",
        ),
        Action(
            "extend_deadline", ExtensionBody, App.extend_preliminary_deadline, "extension",
            "forlangning", "Tidsfristen är förlängd.",
            inputs={"reason": "ext_reason", "new_deadline": "ext_new_deadline",
                    "decided_by": "ext_decided_by", "decided_on": "ext_decided_on"},
        ),
        Action(
            "decide", DecisionBody, App.decide_preliminary_assessment, "decision", "beslut",
            "Beslutet är registrerat.",
        ),
        Action(
            "open_investigation", InvestigationOpening, App.open_investigation,
            "investigation", "inled-utredning", "Utredningen är inledd.",
            inputs={"opened_on": "inv_open_on"}, domain_fields={"on": "inv_open_on"},
        ),
        Action(
            "complete_investigation", InvestigationCompletion, App.complete_investigation,
            "investigation", "avsluta-utredning", "Utredningen är avslutad.",
            inputs={"completed_on": "inv_complete_on"}, domain_fields={"on": "inv_complete_on"},
        ),
        Action(
            "extend_investigation", InvestigationExtension, App.extend_investigation,
            "investigation", "forlang-utredning", "Utredningstiden är förlängd.",
            inputs={"reason": "inv_reason", "new_deadline": "inv_new_deadline",
                    "decided_by": "inv_decided_by", "decided_on": "inv_decided_on"},
        ),
    )
}
# The API's one investigation route names its step in `action`.
INVESTIGATION_STEPS: dict[str, Action] = {
    "open": ACTIONS["open_investigation"],
    "complete": ACTIONS["complete_investigation"],
    "extend": ACTIONS["extend_investigation"],
}


class InvestigationBody(BaseSchema):
    """Open, complete or extend, by `action`; the rest is parsed by that step's schema."""

    # The API document: one variant per action, each with that step's own rules (web.api).
    OPENAPI_VARIANTS: ClassVar[tuple[str, dict[str, type[Schema]]]] = (
        "action", {name: step.schema for name, step in INVESTIGATION_STEPS.items()})

    action = fields.String(required=True, validate=validate.OneOf(list(INVESTIGATION_STEPS)))
    on = date(required=False, metadata={"description": "Required to open or complete"})
    reason = text(required=False, metadata={"description": "Required to extend"})
    new_deadline = date(required=False, future=True, metadata={"description": "Required to extend"})
    decided_by = text(SHORT_TEXT, required=False, metadata={
        "description": "Required to extend: the delegate's name, or \"nämnden\""})
    decided_on = date(required=False, metadata={"description": "When the extension was decided"})
    expected_version = version()

    @post_load(pass_original=True)
    def _step(self, data: dict[str, Any], original: dict[str, Any], **_: Any) -> dict[str, Any]:
        step = INVESTIGATION_STEPS[data["action"]]
        schema = step.schema()
        keys = {f.data_key or name for name, f in schema.fields.items()}
        try:
            parsed = schema.load({k: v for k, v in original.items() if k in keys})
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return {"action": step, **parsed}


CLOCK_STATUSES: dict[str, Any] = {
    ClockStatus.OPEN.value: lazy_gettext("Pågår"),
    ClockStatus.DUE_TODAY.value: lazy_gettext("Sista dag i dag"),
    ClockStatus.OVERDUE.value: lazy_gettext("Försenad"),
    ClockStatus.DECIDED.value: lazy_gettext("Klar i tid"),
    ClockStatus.DECIDED_LATE.value: lazy_gettext("Klar för sent"),
    ClockStatus.EXEMPT.value: lazy_gettext("Behövs inte (pågående utredning)"),
    ClockStatus.EXTENDED.value: lazy_gettext("Förlängd"),
}
DECISIONS: dict[PreliminaryDecision, Any] = {
    PreliminaryDecision.OPEN_INVESTIGATION: lazy_gettext("Inleda utredning"),
    PreliminaryDecision.NO_INVESTIGATION: lazy_gettext("Inte inleda utredning"),
}


def _value(status: ClockStatus | None) -> str | None:
    return status.value if status is not None else None


def _days_left(status: ClockStatus | None, due: dt.date | None, today: dt.date) -> int | None:
    """Days left while the clock runs (negative when overdue); None once it stopped."""
    return days_left(due, today) if status in UNDECIDED and due is not None else None


def child_report_references(report: ChildReport) -> dict[str, str]:
    """Each clock cited in the numbering in force on its own due date."""
    days = {
        "skyddsbedomning": report.protection_due,
        "forhandsbedomning": report.deadline,
        "utredningstid": report.investigation_deadline or report.deadline,
        "utredning_inledd": report.investigation_opened_on or report.deadline,
    }
    return {key: cite_on(key, days[key]) for key in CHILD_REPORT_KEYS}


def child_report_dict(
    report: ChildReport, today: dt.date, history: list[HistoryEntry]
) -> dict[str, Any]:
    preliminary = report.preliminary_status(today)
    investigation = report.investigation_status(today)
    references = child_report_references(report)
    return {
        "id": report.id,
        "number": report.number,
        "version": report.version,
        "unit": report.unit,
        "operation": report.operation.value,
        "case_reference": report.case_reference,
        "received_at": report.received_at,
        "ongoing_investigation": report.ongoing_investigation,
        "handler": report.handler,
        "deadline": report.deadline,
        "status": preliminary.value,
        "clocks": {
            Clock.SKYDDSBEDOMNING.value: {
                "due": report.protection_due,
                "assessed_at": report.protection_assessed_at,
                "immediate_protection_needed": report.immediate_protection_needed,
                "status": report.protection_status(today).value,
                "legal_reference": references["skyddsbedomning"],
            },
            Clock.FORHANDSBEDOMNING.value: {
                "deadline": report.deadline,
                "original_deadline": report.original_deadline,
                "days_left": _days_left(preliminary, report.deadline, today),
                "extension_reason": report.extension_reason,
                "extension_decided_by": report.extension_decided_by,
                "extension_decided_on": report.extension_decided_on,
                "legal_reference": references["forhandsbedomning"],
                "decision": report.decision.value if report.decision else None,
                "decided_on": report.decided_on,
                "status": preliminary.value,
            },
            Clock.UTREDNINGSTID.value: {
                "opened_on": report.investigation_opened_on,
                "deadline": report.investigation_deadline,
                "completed_on": report.investigation_completed_on,
                "days_left": _days_left(investigation, report.investigation_deadline, today),
                "status": _value(investigation),
                "extension_reason": report.investigation_extension_reason,
                "extension_decided_by": report.investigation_extension_decided_by,
                "extension_decided_on": report.investigation_extension_decided_on,
                "legal_reference": references["utredningstid"],
                "breach_deviation_id": report.investigation_breach_deviation_id,
            },
        },
        "breach_deviation_id": report.breach_deviation_id,
        "legal_reference": references,
        "history": history_dicts(history),
    }
