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
from events.child_report import ChildReport, PreliminaryDecision, ReporterCategory
from events.clocks import STOCKHOLM, Clock, ClockReading
from events.errors import DomainError, Inconsistent
from events.legal import CHILD_REPORT_KEYS, cite_on, reference
from tracker.application import HistoryEntry, TrackerApplication
from web.cases.actions import Action
from web.display import CLOCK_STATUSES as CLOCK_STATUSES  # re-exported
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


class ReporterCategoryBody(BaseSchema):
    category = fields.Enum(ReporterCategory, by_value=True, required=True, metadata={
        "description": "The anmälare's group under SoL 19 kap. 1–3 §§, or enskild"})
    expected_version = version()


class FeedbackRequestBody(BaseSchema):
    requested_on = date(metadata={"description": "When the anmälare asked for återkoppling"})
    expected_version = version()


class FeedbackBody(BaseSchema):
    given_on = date(metadata={"description": "When the återkoppling was given"})
    how = text(SHORT_TEXT, metadata={"description": "How: by telephone, letter, meeting …"})
    expected_version = version()


class FeedbackDeclinedBody(BaseSchema):
    declined_on = date(metadata={"description": "When it was judged olämplig"})
    reason = text(metadata={"description": "Why återkoppling is olämplig (19 kap. 6 §)"})
    expected_version = version()


class InvestigationInformationBody(BaseSchema):
    informed_on = date(metadata={
        "description": "When the information that the investigation started was given"})
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
            "Beslutet är registrerat. Ett beslut att inleda utredning har inlett den.",
        ),
        Action(
            "open_investigation", InvestigationOpening, App.open_investigation,
            "investigation", "inled-utredning", "Utredningens start är registrerad.",
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
        # Återkoppling to the anmälare (SoL 19 kap. 6 §) and the information that an
        # investigation has started (20 kap. 4 §).
        Action(
            "record_reporter_category", ReporterCategoryBody, App.record_reporter_category,
            "reporter-category", "anmalare", "Anmälarens kategori är registrerad.",
            inputs={"category": "reporter_category"},
        ),
        Action(
            "request_feedback", FeedbackRequestBody, App.request_reporter_feedback,
            "feedback-request", "begard-aterkoppling", "Begäran om återkoppling är registrerad.",
            inputs={"requested_on": "fb_requested_on"},
        ),
        Action(
            "give_feedback", FeedbackBody, App.give_reporter_feedback, "feedback",
            "aterkoppling", "Återkopplingen är registrerad.",
            inputs={"given_on": "fb_given_on", "how": "fb_how"},
        ),
        Action(
            "decline_feedback", FeedbackDeclinedBody, App.decline_reporter_feedback,
            "feedback-declined", "aterkoppling-olamplig",
            "Att återkoppling är olämplig är registrerat, med skälet.",
            inputs={"declined_on": "fb_declined_on", "reason": "fb_reason"},
        ),
        Action(
            "record_investigation_information", InvestigationInformationBody,
            App.record_investigation_information, "investigation-information",
            "information-utredning", "Informationen om att utredningen inletts är registrerad.",
            inputs={"informed_on": "info_on"},
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


REPORTER_CATEGORIES: dict[ReporterCategory, Any] = {
    ReporterCategory.MYNDIGHET: lazy_gettext(
        "Myndighet vars verksamhet berör barn och unga, eller anställd där"),
    ReporterCategory.YRKESVERKSAM: lazy_gettext(
        "Yrkesverksam inom enskild verksamhet som berör barn och unga"),
    ReporterCategory.FAMILJERADGIVNING: lazy_gettext("Verksam inom familjerådgivning"),
    ReporterCategory.ENSKILD: lazy_gettext("Enskild person"),
}
DECISIONS: dict[PreliminaryDecision, Any] = {
    PreliminaryDecision.OPEN_INVESTIGATION: lazy_gettext("Inleda utredning"),
    PreliminaryDecision.NO_INVESTIGATION: lazy_gettext("Inte inleda utredning"),
}


def _running(found: ClockReading | None, warning_days: int) -> dict[str, Any]:
    """A clock's status, days left and band, from its one reading (events.clocks)."""
    return {
        "status": found.status.value if found is not None else None,
        "days_left": found.days_left if found is not None else None,
        "band": found.band(warning_days) if found is not None else None,
    }


def child_report_references(report: ChildReport) -> dict[str, str]:
    """Each clock cited in the numbering in force on its own due date."""
    days = {
        "skyddsbedomning": report.protection_due,
        "forhandsbedomning": report.deadline,
        "utredningstid": report.investigation_deadline or report.deadline,
        "utredning_inledd": report.investigation_opened_on or report.deadline,
        "aterkoppling_anmalare": report.feedback_requested_on or report.received_on,
    }
    return {key: cite_on(key, days[key]) for key in CHILD_REPORT_KEYS}


def child_report_dict(
    report: ChildReport, today: dt.date, history: list[HistoryEntry]
) -> dict[str, Any]:
    warning_days = runtime().settings.warning_days
    protection = report.protection_clock(today)
    preliminary = report.preliminary_clock(today)
    investigation = report.investigation_clock(today)
    feedback = report.feedback_clock(today)
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
        "status": preliminary.status.value,
        "clocks": {
            Clock.SKYDDSBEDOMNING.value: {
                "due": report.protection_due,
                "assessed_at": report.protection_assessed_at,
                "immediate_protection_needed": report.immediate_protection_needed,
                **_running(protection, warning_days),
                "legal_reference": references["skyddsbedomning"],
            },
            Clock.FORHANDSBEDOMNING.value: {
                "deadline": report.deadline,
                "original_deadline": report.original_deadline,
                **_running(preliminary, warning_days),
                "extension_reason": report.extension_reason,
                "extension_decided_by": report.extension_decided_by,
                "extension_decided_on": report.extension_decided_on,
                "legal_reference": references["forhandsbedomning"],
                "decision": report.decision.value if report.decision else None,
                "decided_on": report.decided_on,
            },
            Clock.UTREDNINGSTID.value: {
                "opened_on": report.investigation_opened_on,
                # Not registered: counted from the decision (events.clocks).
                "deadline": investigation.due if investigation is not None else None,
                "completed_on": report.investigation_completed_on,
                **_running(investigation, warning_days),
                "extension_reason": report.investigation_extension_reason,
                "extension_decided_by": report.investigation_extension_decided_by,
                "extension_decided_on": report.investigation_extension_decided_on,
                "legal_reference": references["utredningstid"],
                "breach_deviation_id": report.investigation_breach_deviation_id,
            },
        },
        "reporter_feedback": {
            "reporter_category": (
                report.reporter_category.value if report.reporter_category else None),
            "requested_on": report.feedback_requested_on,
            "due": feedback.due if feedback is not None else None,
            **_running(feedback, warning_days),
            "given_on": report.feedback_given_on,
            "how": report.feedback_how,
            "declined_on": report.feedback_declined_on,
            "declined_reason": report.feedback_declined_reason,
            "legal_reference": references["aterkoppling_anmalare"],
            "legal_reference_former": reference("aterkoppling_anmalare").cite(),
        },
        "investigation_informed_on": report.investigation_informed_on,
        "breach_deviation_id": report.breach_deviation_id,
        "legal_reference": references,
        "history": history_dicts(history),
    }
