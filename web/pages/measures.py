"""Åtgärder: every measure of the deviations a reviewer handles, with owner, due date,
lifecycle status and follow-up, filtered by unit, status, overdue, due this month or
follow-up due, and downloadable as CSV or Excel. An enhetschef sees the measures of their
own units. One measure's own page (`/avvikelser/<id>/atgarder/<n>`): its lifecycle, the
follow-up with the effect judgement and the evidence beside it; its responsible person
opens it (and only it) from any unit to carry it out and follow it up."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import fields, validate

from events.deviation import Deviation, Measure, MeasureStatus
from events.errors import DomainError
from projections.queries import casework
from projections.queries import measures as measure_queries
from tracker.application import ConflictError, NotFound
from tracker.people.accounts import Account
from web import navigation, policy
from web.cases.deviations import ACTIONS
from web.display import EFFECT_NAMES, MEASURE_STATUS_NAMES, STATUS_NAMES, unit_name
from web.documents.xlsx_export import table_response
from web.forms import GENERAL, Form, parse_form
from web.runtime import application, fresh_views, runtime
from web.schemas import BaseSchema, code
from web.sign_in.users import current_account, roles_required

bp = Blueprint("measures", __name__)
navigation.register("Åtgärder", "measures.index", policy.REVIEWERS, 35)

STATES = {"open": "Pågår", "overdue": "Försenad", "completed": "Genomförd",
          "rejected": "Avslagen"}
DUE = {"overdue": "Försenade", "this_month": "Ska vara klara denna månad",
       "follow_up": "Uppföljning att göra"}
# The lifecycle's columns come last: a sheet made from the earlier columns still reads.
HEADER = ["Avvikelse", "Åtgärd nr", "Åtgärd", "Ansvarig", "Klar senast", "Läge", "Genomförd",
          "Enhet", "Verksamhet", "Dagar försenad", "Avvikelsens status", "Status", "Mål",
          "Följs upp senast", "Hade åtgärden effekt?"]
# The page's forms on one measure: the action's page name -> who may see it offered.
MEASURE_FORMS = ("plan_measure", "reject_measure", "complete_measure", "schedule_follow_up",
                 "follow_up_measure")
MEASURE_LABELS = {
    "plan_measure_measure": "Åtgärd",
    "reject_measure_reason": "Varför avslås åtgärden?",
    "complete_measure_completed_on": "Genomförd den",
    "schedule_follow_up_follow_up_on": "Följs upp senast",
    "follow_up_measure_result": "Resultat",
    "follow_up_measure_effect": "Hade åtgärden effekt?",
    "follow_up_measure_effect_text": "Bedömning",
    "follow_up_measure_followed_up_on": "Följdes upp den",
    "follow_up_measure_next_follow_up_on": "Nästa uppföljning",
}


class MeasureFilters(BaseSchema):
    unit = code(required=False)
    forfallo = fields.String(load_default=None, validate=validate.OneOf(list(DUE)))
    lage = fields.String(
        load_default="open", validate=validate.OneOf(["open", "completed", "alla"])
    )
    status = fields.String(
        load_default=None, validate=validate.OneOf([s.value for s in MeasureStatus])
    )
    # "mina": the measures the reader is responsible for, whatever their unit.
    ansvarig = fields.String(load_default=None, validate=validate.OneOf(["mina"]))


def _measures(account: Account, form: Form) -> list[dict[str, Any]]:
    data = form.data
    fresh_views()
    mine = data["ansvarig"] == "mina"
    return casework.list_measures(
        runtime().engine, application().today(), unit=data["unit"],
        # Their own measures open to them in every unit (policy.opens_measure).
        units=None if mine else policy.unit_scope(account),
        state=None if data["lage"] == "alla" else data["lage"],
        due=data["forfallo"], status=data["status"],
        responsible=account.username if mine else None,
    )


def _units(account: Account) -> list[tuple[str, str]]:
    scope = policy.unit_scope(account)
    return [
        (u.code, u.name) for u in runtime().organisation.units()
        if scope is None or u.code in scope
    ]


@bp.route("/atgarder")
@roles_required(policy.HOLDS_MEASURES)
def index() -> Any:
    account = current_account()
    form = parse_form(MeasureFilters(), _own_only(account, request.args))
    rows = _measures(account, form) if form.ok else []
    filters = {key: value for key, value in form.values.items() if value}
    return render_template(
        "measures/index.html", form=form, rows=rows, units=_units(account), states=STATES,
        due_options=list(DUE.items()), filters=filters,
        status_options=list(MEASURE_STATUS_NAMES.items()),
        reviewer=account.role in policy.REVIEWERS,
    ), (200 if form.ok else 422)


def _own_only(account: Account, args: Any) -> Any:
    """Someone who reviews no unit lists the measures they are responsible for only."""
    if account.role in policy.REVIEWERS:
        return args
    own = args.copy()
    own["ansvarig"] = "mina"
    return own


@bp.route("/atgarder.<any(csv, xlsx):kind>")
@roles_required(policy.HOLDS_MEASURES)
def download(kind: str) -> Any:
    account = current_account()
    form = parse_form(MeasureFilters(), _own_only(account, request.args))
    if not form.ok:
        text = " ".join(message for messages in form.errors.values() for message in messages)
        return render_template(
            "errors/error.html", status=422, title="Ogiltigt urval", text=text
        ), 422
    rows = [
        (
            row["deviation_number"], row["number"], row["description"], row["responsible"],
            row["due_on"], STATES[row["state"]], row["completed_on"], unit_name(row["unit"]),
            row["operation"], row["days_overdue"] or None, STATUS_NAMES[row["deviation_status"]],
            MEASURE_STATUS_NAMES[row["status"]], row["goal"], row["follow_up_on"],
            EFFECT_NAMES.get(row["effect"] or "", None),
        )
        for row in _measures(account, form)
    ]
    return table_response(
        f"åtgärder-{application().today().isoformat()}", HEADER, rows, sheet="Åtgärder"
    )


# --- one measure ------------------------------------------------------------------------------


def _measure(deviation_id: UUID, number: int) -> tuple[Deviation, Measure]:
    """The deviation and its measure, for someone who may open the measure: reviewers in
    the deviation's unit and the measure's responsible (policy.opens_measure)."""
    try:
        deviation = application().get_deviation(deviation_id)
    except NotFound:
        abort(404)
    if not 1 <= number <= len(deviation.measures):
        abort(404)
    found = deviation.measures[number - 1]
    if not policy.opens_measure(current_account(), deviation.unit, found.responsible):
        abort(403)
    return deviation, found


def _evidence(deviation: Deviation, measure: Measure) -> measure_queries.Evidence | None:
    """Other deviations of the same kind at the same unit, before and after the measure:
    after it up to its (last) follow-up, or today while the effect is still open."""
    if measure.completed_on is None:
        return None
    last = measure.last_follow_up
    until = application().today()
    if last is not None and last.next_follow_up_on is None:
        until = last.followed_up_on
    fresh_views()
    return measure_queries.effect_evidence(
        runtime().engine, deviation.id, unit=deviation.unit, category=deviation.category,
        subcategory=deviation.subcategory, completed_on=measure.completed_on, until=until,
    )


def _applicable(measure: Measure) -> set[str]:
    """The steps the measure's state allows (the domain refuses the others)."""
    undecided = measure.status in (MeasureStatus.PROPOSED, MeasureStatus.PLANNED)
    last = measure.last_follow_up
    judging = last is None or last.next_follow_up_on is not None
    steps = {
        "plan_measure": measure.status is MeasureStatus.PROPOSED,
        "reject_measure": undecided,
        "complete_measure": undecided,
        "follow_up_measure": measure.completed_on is not None and judging,
        "schedule_follow_up": measure.status is not MeasureStatus.REJECTED and judging,
    }
    return {name for name, applies in steps.items() if applies}


def _render_measure(
    deviation: Deviation, measure: Measure, *, active: str | None = None,
    form: Form | None = None, status: int = 200,
) -> Any:
    account = current_account()
    offered = {
        name for name in _applicable(measure)
        if policy.can_act_on_measure(account, name, deviation, measure.responsible)
    }
    history = [
        entry for entry in application().history(deviation.id)
        if entry.data.get("measure") == measure.number
    ]
    return render_template(
        "measures/measure.html", deviation=deviation, measure=measure, offered=offered,
        sees_deviation=policy.can_view_deviation(account, deviation)
        and policy.sees_handling(account, deviation),
        evidence=_evidence(deviation, measure), history=history, active=active, form=form,
        labels=MEASURE_LABELS, today=application().today(),
        effect_options=list(EFFECT_NAMES.items()),
    ), status


@bp.route("/avvikelser/<uuid:deviation_id>/atgarder/<int:number>")
@roles_required(policy.EVERY_ROLE)
def measure(deviation_id: UUID, number: int) -> Any:
    return _render_measure(*_measure(deviation_id, number))


@bp.route("/avvikelser/<uuid:deviation_id>/atgarder/<int:number>/<action>", methods=["POST"])
@roles_required(policy.EVERY_ROLE)
def measure_act(deviation_id: UUID, number: int, action: str) -> Any:
    if action not in MEASURE_FORMS:
        abort(404)
    found = ACTIONS[action]
    deviation, measure = _measure(deviation_id, number)
    account = current_account()
    if not policy.can_act_on_measure(account, action, deviation, measure.responsible):
        abort(403)
    form = parse_form(found.form_schema(), _with_number(action, number))
    if form.ok:
        if form.data.get("expected_version") is None:
            form.add(GENERAL, "Formuläret saknar ärendets version. Ladda om sidan och försök igen.")
        else:
            try:
                found.run(application(), deviation_id, account.username, form.data)
            except (DomainError, ConflictError) as error:
                form.fail(error, found.error_fields(found.form_schema()))
            else:
                flash(found.done, "success")
                return redirect(url_for("measures.measure", deviation_id=deviation_id,
                                        number=number))
    if form.conflict:
        form.values.pop("version", None)
    deviation, measure = _measure(deviation_id, number)  # re-read: show what changed
    return _render_measure(deviation, measure, active=action, form=form, status=422)


def _with_number(action: str, number: int) -> Any:
    """The form's fields with the measure's number from the address (not from the form)."""
    data = request.form.copy()
    data[f"{action}_measure"] = str(number)
    return data
