"""Klagomål och synpunkter, the staff side: the inbox (the verksamhetsutvecklare's: every
complaint; an enhetschef's: their units'), registering one that came by phone, letter,
visit or e-mail, and the case page where it is routed, answered, linked to a deviation or
Lex Sarah and closed. The clocks (acknowledgement, answer) count working days from the
day it came in (TRACKER_COMPLAINT_ACKNOWLEDGE_DAYS, TRACKER_COMPLAINT_ANSWER_DAYS)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from events.complaint import Complaint, ContactWish
from events.errors import DomainError
from events.taxonomy import OPERATION_NAMES
from projections import queries
from web import navigation
from web.cases.actions import by_page, submit
from web.cases.complaints import (
    ACTIONS,
    CHANNELS,
    KINDS,
    OUTCOMES,
    SENDER_NAMES,
    STATUSES,
    WISHES,
    StaffComplaint,
    staff_view,
    unit_or_none,
)
from web.documents import complaints as complaint_documents
from web.forms import Form, parse_form
from web.policy import (
    COMPLAINT_ROLES,
    REGISTERS_COMPLAINTS,
    can_act_on_complaint,
    complaint_scope,
    opens_complaint,
)
from web.runtime import application, fresh_views, runtime
from web.sign_in.users import current_account, roles_required

bp = Blueprint("complaints", __name__, url_prefix="/klagomal")
navigation.register("Klagomål", "complaints.index", COMPLAINT_ROLES, order=32)

CLOCK_NAMES = {"acknowledge": "Mottagningsbekräftelse", "answer": "Svar"}

# The reports' templates (the monthly report, the committee report, the annual section)
# render the section "Klagomål och synpunkter" with these and
# templates/complaints/_report_section.html.
bp.add_app_template_global(complaint_documents.month_section, "complaint_month_section")
bp.add_app_template_global(complaint_documents.year_section, "complaint_year_section")


def _names(labels: dict[Any, str]) -> dict[str, str]:
    return {member.value: label for member, label in labels.items()}


def _options(labels: dict[Any, str]) -> list[tuple[str, str]]:
    return [(member.value, label) for member, label in labels.items()]


def _labels() -> dict[str, Any]:
    organisation = runtime().organisation
    units = sorted(organisation.units(), key=lambda unit: unit.name)
    categories = organisation.taxonomy().categories
    return {
        "kind_names": _names(KINDS), "sender_names": _names(SENDER_NAMES),
        "channel_names": _names(CHANNELS), "wish_names": _names(WISHES),
        "status_names": _names(STATUSES), "outcome_names": _names(OUTCOMES),
        "kind_opts": _options(KINDS), "sender_opts": _options(SENDER_NAMES),
        "channel_opts": _options(CHANNELS), "wish_opts": _options(WISHES),
        "outcome_opts": _options(OUTCOMES),
        "unit_opts": [(u.code, u.name) for u in units],
        "category_opts": [(c.code, c.name) for c in categories.values() if c.active],
        "category_names": {c.code: c.name for c in categories.values()},
        "operation_names": {op.value: name for op, name in OPERATION_NAMES.items()},
        "clock_names": CLOCK_NAMES,
    }


def _settings_days() -> dict[str, int]:
    settings = runtime().settings
    return {"acknowledge_days": settings.complaint_acknowledge_days,
            "answer_days": settings.complaint_answer_days,
            "warning_days": settings.warning_days}


@bp.route("/")
@roles_required(COMPLAINT_ROLES)
def index() -> Any:
    fresh_views()
    account = current_account()
    show = request.args.get("visa", "pagaende")
    rows = queries.complaints(
        runtime().engine, application().today(), units=complaint_scope(account),
        open_only=show != "alla", **_settings_days())
    return render_template(
        "complaints/index.html", complaints=rows, show=show,
        registers=account.role in REGISTERS_COMPLAINTS, **_labels(), **_settings_days())


def _render_new(form: Form | None, status: int = 200) -> Any:
    return render_template("complaints/new.html", form=form, **_labels()), status


@bp.route("/ny", methods=["GET"])
@roles_required(REGISTERS_COMPLAINTS)
def new() -> Any:
    return _render_new(None)


@bp.route("/ny", methods=["POST"])
@roles_required(REGISTERS_COMPLAINTS)
def register() -> Any:
    form = parse_form(StaffComplaint())
    if not form.ok:
        return _render_new(form, 422)
    data = form.data
    try:
        complaint, code = application().receive_complaint(
            actor=current_account().username, kind=data["kind"],
            unit=unit_or_none(data.get("unit")), sender=data["sender"],
            channel=data["channel"], text=data["text"], contact_wish=data["contact_wish"],
            received_on=data.get("received_on"))
    except DomainError as error:
        form.fail(error)
        return _render_new(form, 422)
    return render_template(
        "complaints/registered.html", complaint=complaint, code=code,
        wants_code=complaint.contact_wish in (ContactWish.CODE, ContactWish.EMAIL),
        **_labels()), 201


def _complaint_or_403(complaint_id: UUID) -> Complaint:
    complaint = application().get_complaint(complaint_id)
    if not opens_complaint(current_account(), complaint.unit):
        abort(403)
    return complaint


def _render_case(complaint_id: UUID, forms: dict[str, Form] | None = None,
                 status: int = 200) -> Any:
    app = application()
    complaint = _complaint_or_403(complaint_id)
    case = staff_view(complaint, app.history(complaint_id))
    row = queries.complaint_row(runtime().engine, complaint_id)
    days = _settings_days()
    clocks = [] if row is None else queries.complaint_clocks(
        row, app.today(), acknowledge_days=days["acknowledge_days"],
        answer_days=days["answer_days"], warning_days=days["warning_days"])
    account = current_account()
    allowed = {name for name in ACTIONS if can_act_on_complaint(account, name, complaint.unit)}
    return render_template(
        "complaints/case.html", case=case, forms=forms or {}, allowed=allowed,
        clocks=clocks, **_labels()), status


@bp.route("/<uuid:complaint_id>")
@roles_required(COMPLAINT_ROLES)
def case(complaint_id: UUID) -> Any:
    fresh_views()
    return _render_case(complaint_id)


PAGE_ACTIONS = by_page(ACTIONS)


@bp.route("/<uuid:complaint_id>/<action>", methods=["POST"])
@roles_required(COMPLAINT_ROLES)
def act(complaint_id: UUID, action: str) -> Any:
    found = PAGE_ACTIONS.get(action)
    if found is None:
        abort(404)
    complaint = _complaint_or_403(complaint_id)  # 403/404 before reading the form
    if not can_act_on_complaint(current_account(), found.name, complaint.unit):
        abort(403)
    form, status = submit(found, complaint_id, current_account().username)
    if not form.ok:
        fresh_views()
        return _render_case(complaint_id, {action: form}, status)
    flash(found.done, "success")
    return redirect(url_for("complaints.case", complaint_id=complaint_id))

