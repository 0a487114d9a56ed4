"""Anmälningar om barn for the 1:e socialsekreterare, the enhetschef (own units only) and the
verksamhetsutvecklare: register a report, record the skyddsbedömning, assign or reassign
the handler, extend the deadline (synnerliga skäl), record the decision, and open /
complete / extend the investigation. The clocks themselves are the domain's."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import fields, validate

from events.base import SHORT_TEXT
from events.child_report import ChildReport
from events.clocks import CLOCK_LABELS
from events.errors import DomainError
from events.tasks import child_report_tasks, next_task
from projections import queries
from tracker.application import ConflictError
from tracker.people.accounts import Account, Role
from web import navigation
from web.cases.actions import CHOOSE, by_page, submit
from web.cases.child_reports import (
    ACTIONS,
    CLOCK_STATUSES,
    DECISIONS,
    REPORTER_CATEGORIES,
    RegisterForm,
    child_report_dict,
)
from web.cases.timeline import child_report_case_timeline
from web.display import EVENT_NAMES
from web.documents.responses import download
from web.documents.timeline import timeline_pdf as render_timeline_pdf
from web.forms import Form, parse_form
from web.policy import CHILD_REPORT_ROLES, child_report_scope, opens_child_report, reaches_unit
from web.runtime import application, fresh_views, runtime
from web.schemas import BaseSchema
from web.schemas import code as code_field
from web.schemas import text as text_field
from web.sign_in.users import current_account, roles_required

bp = Blueprint("child_reports", __name__, url_prefix="/anmalningar")
navigation.register("Anmälningar", "child_reports.index", CHILD_REPORT_ROLES, order=30)

LIST_STATUSES = [
    ("open", "Ej beslutade"),
    ("overdue", "Försenade"),
    ("due_today", "Sista dag i dag"),
    ("extended", "Förlängda"),
    ("decided", "Beslutade i tid"),
    ("decided_late", "Beslutade för sent"),
    ("exempt", "Pågående utredning (ingen förhandsbedömning)"),
]


class ListQuery(BaseSchema):
    status = fields.String(
        load_default=None,
        validate=validate.OneOf([code for code, _ in LIST_STATUSES], error=CHOOSE),
    )
    unit = code_field(required=False)
    handler = text_field(SHORT_TEXT, required=False)


PAGE_ACTIONS = by_page(ACTIONS)


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
        "category_opts": [(c.value, label) for c, label in REPORTER_CATEGORIES.items()],
        "category_names": {c.value: label for c, label in REPORTER_CATEGORIES.items()},
        "event_names": EVENT_NAMES["child_report"],
    }


STEP_TITLES = {
    "skyddsbedomning": "Skyddsbedömning",
    "handlaggare": "Handläggare",
    "forhandsbedomning": "Beslut efter förhandsbedömning",
    "utredning": "Utredning",
}


# The page's sections (#steg-...) by task and by action, where the names differ.
STEP_SECTIONS = {"skyddsbedomning": "skyddsbedomning", "handlaggare": "handlaggare",
                 "forhandsbedomning": "beslut", "utredning": "utredning"}
ACTION_SECTIONS = {"inled-utredning": "utredning", "avsluta-utredning": "utredning",
                   "forlang-utredning": "utredning", "information-utredning": "utredning",
                   "anmalare": "aterkoppling", "begard-aterkoppling": "aterkoppling",
                   "aterkoppling-olamplig": "aterkoppling"}


def _render_report(report_id: UUID, forms: dict[str, Form] | None = None, status: int = 200) -> Any:
    app = application()
    found = app.get_child_report(report_id)
    # Its handler reads it whatever their role; the steps are for the child-report roles.
    may_act = current_account().role in CHILD_REPORT_ROLES
    report = child_report_dict(found, app.today(), app.history(report_id))
    tasks = child_report_tasks(found)
    return (
        render_template(
            "child_reports/report.html", report=report, forms=forms or {}, today=app.today(),
            handlers=handler_options(), tasks=tasks, next_step=next_task(tasks),
            task_states={task.key: task.state for task in tasks}, step_titles=STEP_TITLES,
            may_act=may_act, **_labels(),
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
            report = application().receive_child_report(actor=account.username, **form.data)
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
@roles_required(Role)
def report(report_id: UUID) -> Any:
    found = application().get_child_report(report_id)
    if not opens_child_report(current_account(), found.unit, found.handler):
        abort(403)
    return _render_report(report_id)


def _opened(report_id: UUID) -> None:
    found = application().get_child_report(report_id)
    if not opens_child_report(current_account(), found.unit, found.handler):
        abort(403)


@bp.route("/<uuid:report_id>/tidslinje")
@roles_required(Role)
def timeline(report_id: UUID) -> Any:
    """Each legal clock with what started it, the deadline in force, what met it and the
    provision in force then (events/timeline.py); whoever opens the report reads it."""
    _opened(report_id)
    return render_template(
        "timeline/page.html", timeline=child_report_case_timeline(report_id),
        clock_statuses=CLOCK_STATUSES,
        case_url=url_for("child_reports.report", report_id=report_id),
        pdf_url=url_for("child_reports.timeline_pdf", report_id=report_id),
    )


@bp.route("/<uuid:report_id>/tidslinje.pdf")
@roles_required(Role)
def timeline_pdf(report_id: UUID) -> Any:
    _opened(report_id)
    found = child_report_case_timeline(report_id)
    body = render_timeline_pdf(found, runtime().settings.administration_name)
    return download(body, f"tidslinje-{found['number']}", "pdf")


@bp.route("/<uuid:report_id>/<action>", methods=["POST"])
@roles_required(CHILD_REPORT_ROLES)
def act(report_id: UUID, action: str) -> Any:
    found = PAGE_ACTIONS.get(action)
    if found is None:
        abort(404)
    _reachable(report_id)
    form, status = submit(found, report_id, current_account().username)
    if not form.ok:
        return _render_report(report_id, {action: form}, status)
    # On to the step that is next now (its form is the one open), else back to this one;
    # the "saved" message stands there.
    following = next_task(child_report_tasks(application().get_child_report(report_id)))
    section = STEP_SECTIONS.get(following or "") or ACTION_SECTIONS.get(action, action)
    flash(found.done, f"step:{section}")
    return redirect(url_for("child_reports.report", report_id=report_id) + f"#steg-{section}")
