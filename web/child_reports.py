"""Child reports: the action table (see web/actions.py) and its schemas, shared by the
report page and the API. Field names are the application command's keyword arguments;
the page's own ways of entering a moment (a date and a time) are subclasses."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from marshmallow import ValidationError, fields, post_load, validate

from events.base import SHORT_TEXT
from events.child_report import ChildReport, PreliminaryDecision
from events.clocks import STOCKHOLM
from events.errors import DomainError, Inconsistent
from tracker.application import TrackerApplication
from web.actions import Action
from web.runtime import runtime
from web.schemas import BaseSchema, code, date, flag, form_flag, moment, text, version


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

    OPENAPI: ClassVar[dict[str, Any]] = {"anyOf": [
        {"properties": {"action": {"enum": ["open", "complete"]}}, "required": ["on"]},
        {"properties": {"action": {"enum": ["extend"]}},
         "required": ["reason", "new_deadline", "decided_by"]},
    ]}

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
