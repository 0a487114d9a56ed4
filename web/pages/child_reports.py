"""Anmälningar om barn for the 1:e socialsekreterare, the enhetschef (own units only) and the
verksamhetsutvecklare: register a report, record the skyddsbedömning, assign or reassign
the handler, extend the deadline (synnerliga skäl), record the decision, and open /
complete / extend the investigation. The clocks themselves are the domain's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext
from marshmallow import Schema, fields, validate

from events.base import SHORT_TEXT
from events.child_report import ChildReport, PreliminaryDecision
from events.clocks import CLOCK_LABELS
from events.errors import DomainError, StepOutOfOrder
from projections import queries
from tracker.accounts import Account, Role
from tracker.application import ConflictError
from web import navigation
from web.api.child_reports import check_handler
from web.auth import current_account, roles_required
from web.casework import (
    CHILD_REPORT_ROLES,
    CLOCK_STATUSES,
    DECISIONS,
    child_report_dict,
    child_report_scope,
    reaches_unit,
)
from web.forms import Form, parse_form
from web.runtime import application, fresh_views, runtime
from web.schemas import BaseSchema
from web.schemas import code as code_field
from web.schemas import text as text_field

STOCKHOLM = ZoneInfo("Europe/Stockholm")

bp = Blueprint("child_reports", __name__, url_prefix="/anmalningar")
navigation.register("Anmälningar", "child_reports.index", CHILD_REPORT_ROLES, order=30)

EVENT_NAMES = {
    "Received": "Anmälan registrerades",
    "ProtectionAssessed": "Skyddsbedömning gjord",
    "HandlerAssigned": "Handläggare tilldelad",
    "DeadlineExtended": "Tidsfristen förlängdes",
    "PreliminaryAssessmentDecided": "Beslut efter förhandsbedömning",
    "PreliminaryAssessmentBreachFlagged": "Tidsfristen överskreds (avvikelse skapad)",
    "InvestigationOpened": "Utredning inledd",
    "InvestigationExtended": "Utredningstiden förlängdes",
    "InvestigationCompleted": "Utredning avslutad",
    "InvestigationBreachFlagged": "Utredningstiden överskreds (avvikelse skapad)",
    "ProtectionBreachFlagged": "Skyddsbedömningen gjordes inte i tid (avvikelse skapad)",
}
LIST_STATUSES = [
    ("open", "Ej beslutade"),
    ("overdue", "Försenade"),
    ("due_today", "Sista dag i dag"),
    ("extended", "Förlängda"),
    ("decided", "Beslutade i tid"),
    ("decided_late", "Beslutade för sent"),
    ("exempt", "Pågående utredning (ingen förhandsbedömning)"),
]


CHOOSE = lazy_gettext("Choose one of the options in the list.")


def _version() -> fields.Integer:
    return fields.Integer(load_default=None, allow_none=True)


class RegisterForm(BaseSchema):
    unit = code_field()
    received_date = fields.Date(required=True)
    received_time = fields.Time(required=True)
    case_reference = text_field(64)
    ongoing_investigation = fields.Boolean(load_default=False)


class ProtectionForm(BaseSchema):
    assessed_date = fields.Date(required=True)
    assessed_time = fields.Time(required=True)
    immediate_protection_needed = fields.Boolean(required=True)
    version = _version()


class HandlerForm(BaseSchema):
    handler = text_field(SHORT_TEXT)
    version = _version()


class ExtensionForm(BaseSchema):
    reason = text_field(data_key="ext_reason")
    new_deadline = fields.Date(required=True, data_key="ext_new_deadline")
    version = _version()


class DecisionForm(BaseSchema):
    decision = fields.Enum(
        PreliminaryDecision, by_value=True, required=True, error_messages={"unknown": CHOOSE}
    )
    decided_on = fields.Date(required=True)
    version = _version()


class OpenInvestigationForm(BaseSchema):
    on = fields.Date(required=True, data_key="inv_open_on")
    version = _version()


class CompleteInvestigationForm(BaseSchema):
    on = fields.Date(required=True, data_key="inv_complete_on")
    version = _version()


class ExtendInvestigationForm(BaseSchema):
    reason = text_field(data_key="inv_reason")
    new_deadline = fields.Date(required=True, data_key="inv_new_deadline")
    version = _version()


class ListQuery(BaseSchema):
    status = fields.String(
        load_default=None,
        validate=validate.OneOf([code for code, _ in LIST_STATUSES], error=CHOOSE),
    )
    unit = code_field(required=False)
    handler = text_field(SHORT_TEXT, required=False)


def _moment(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=STOCKHOLM)


Command = Callable[[UUID, str, dict[str, Any]], Any]


def _protection(report_id: UUID, actor: str, data: dict[str, Any]) -> Any:
    return application().assess_protection(
        report_id, actor=actor, assessed_at=_moment(data["assessed_date"], data["assessed_time"]),
        immediate_protection_needed=data["immediate_protection_needed"],
        expected_version=data["version"],
    )


def _handler(report_id: UUID, actor: str, data: dict[str, Any]) -> Any:
    check_handler(data["handler"])
    return application().assign_handler(
        report_id, actor=actor, handler=data["handler"], expected_version=data["version"]
    )


def _extension(report_id: UUID, actor: str, data: dict[str, Any]) -> Any:
    return application().extend_preliminary_deadline(
        report_id, actor=actor, reason=data["reason"], new_deadline=data["new_deadline"],
        expected_version=data["version"],
    )


def _decision(report_id: UUID, actor: str, data: dict[str, Any]) -> Any:
    return application().decide_preliminary_assessment(
        report_id, actor=actor, decision=data["decision"], decided_on=data["decided_on"],
        expected_version=data["version"],
    )


def _open(report_id: UUID, actor: str, data: dict[str, Any]) -> Any:
    return application().open_investigation(
        report_id, actor=actor, opened_on=data["on"], expected_version=data["version"]
    )


def _complete(report_id: UUID, actor: str, data: dict[str, Any]) -> Any:
    return application().complete_investigation(
        report_id, actor=actor, completed_on=data["on"], expected_version=data["version"]
    )


def _extend_investigation(report_id: UUID, actor: str, data: dict[str, Any]) -> Any:
    return application().extend_investigation(
        report_id, actor=actor, reason=data["reason"], new_deadline=data["new_deadline"],
        expected_version=data["version"],
    )


# action -> (schema, domain field -> form field, command, confirmation)
ACTIONS: dict[str, tuple[type[Schema], dict[str, str], Command, str]] = {
    "skyddsbedomning": (
        ProtectionForm, {"assessed_at": "assessed_date"}, _protection,
        "Skyddsbedömningen är registrerad.",
    ),
    "handlaggare": (HandlerForm, {}, _handler, "Handläggaren är tilldelad."),
    "forlangning": (
        ExtensionForm, {"reason": "ext_reason", "new_deadline": "ext_new_deadline"}, _extension,
        "Tidsfristen är förlängd.",
    ),
    "beslut": (DecisionForm, {}, _decision, "Beslutet är registrerat."),
    "inled-utredning": (
        OpenInvestigationForm, {"on": "inv_open_on"}, _open, "Utredningen är inledd.",
    ),
    "avsluta-utredning": (
        CompleteInvestigationForm, {"on": "inv_complete_on"}, _complete,
        "Utredningen är avslutad.",
    ),
    "forlang-utredning": (
        ExtendInvestigationForm, {"reason": "inv_reason", "new_deadline": "inv_new_deadline"},
        _extend_investigation, "Utredningstiden är förlängd.",
    ),
}


def unit_options(account: Account) -> list[tuple[str, str]]:
    scope = child_report_scope(account)
    return [
        (unit.code, unit.name)
        for unit in runtime().organisation.units()
        if scope is None or unit.code in scope
    ]


def handler_options() -> list[tuple[str, str]]:
    return [
        (account.username, account.username)
        for account in runtime().accounts.all()
        if account.active and account.role is not Role.ADMIN
    ]


def _reachable(report_id: UUID) -> ChildReport:
    report = application().get_child_report(report_id)
    if not reaches_unit(current_account(), report.unit):
        abort(403)
    return report


def _labels() -> dict[str, Any]:
    return {
        "clock_names": CLOCK_LABELS,
        "clock_statuses": CLOCK_STATUSES,
        "decision_opts": [(d.value, label) for d, label in DECISIONS.items()],
        "decision_names": {d.value: label for d, label in DECISIONS.items()},
        "event_names": EVENT_NAMES,
    }


def _render_report(report_id: UUID, forms: dict[str, Form] | None = None, status: int = 200) -> Any:
    app = application()
    report = child_report_dict(app.get_child_report(report_id), app.today(), app.history(report_id))
    return (
        render_template(
            "child_reports/report.html", report=report, forms=forms or {}, today=app.today(),
            handlers=handler_options(), **_labels(),
        ),
        status,
    )


@bp.route("/")
@roles_required(CHILD_REPORT_ROLES)
def index() -> Any:
    account = current_account()
    form = parse_form(ListQuery(), request.args)
    filters = form.data if form.ok else {"status": None, "unit": None, "handler": None}
    fresh_views()
    reports = queries.child_reports(
        runtime().engine, application().today(), status=filters["status"],
        unit=filters["unit"], units=child_report_scope(account), handler=filters["handler"],
    )
    return render_template(
        "child_reports/index.html", reports=reports, form=form, statuses=LIST_STATUSES,
        units=unit_options(account), handlers=handler_options(), **_labels(),
    ), (200 if form.ok else 422)


@bp.route("/ny", methods=["GET", "POST"])
@roles_required(CHILD_REPORT_ROLES)
def register() -> Any:
    account = current_account()
    if request.method == "GET":
        return render_template("child_reports/new.html", form=None, units=unit_options(account))
    form = parse_form(RegisterForm())
    if form.ok and not reaches_unit(account, form.data["unit"]):
        form.add("unit", "Du kan bara registrera anmälningar för dina egna enheter.")
    if form.ok:
        try:
            report = application().receive_child_report(
                actor=account.username, unit=form.data["unit"],
                received_at=_moment(form.data["received_date"], form.data["received_time"]),
                case_reference=form.data["case_reference"],
                ongoing_investigation=form.data["ongoing_investigation"],
            )
        except (DomainError, ConflictError) as error:
            form.fail(error, {"received_at": "received_date"})
    if not form.ok:
        return render_template(
            "child_reports/new.html", form=form, units=unit_options(account)
        ), 422
    flash(f"Anmälan {report.number} är registrerad. Förhandsbedömningen ska vara klar senast "
          f"{report.deadline.isoformat()}.", "success")
    return redirect(url_for("child_reports.report", report_id=report.id))


@bp.route("/<uuid:report_id>")
@roles_required(CHILD_REPORT_ROLES)
def report(report_id: UUID) -> Any:
    _reachable(report_id)
    return _render_report(report_id)


@bp.route("/<uuid:report_id>/<action>", methods=["POST"])
@roles_required(CHILD_REPORT_ROLES)
def act(report_id: UUID, action: str) -> Any:
    if action not in ACTIONS:
        abort(404)
    _reachable(report_id)
    schema, field_map, command, done = ACTIONS[action]
    form = parse_form(schema())
    status = 422
    if form.ok:
        try:
            command(report_id, current_account().username, form.data)
        except (DomainError, ConflictError) as error:
            form.fail(error, field_map)
            if isinstance(error, StepOutOfOrder | ConflictError):
                status = 409
    if not form.ok:
        if form.conflict:
            form.values.pop("version", None)
        return _render_report(report_id, {action: form}, status)
    flash(done, "success")
    return redirect(url_for("child_reports.report", report_id=report_id) + f"#steg-{action}")
