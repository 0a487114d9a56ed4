"""Åtgärder: every measure of the deviations a reviewer handles, with owner, due date and
state, filtered by unit, overdue or due this month, and downloadable as CSV or Excel. An
enhetschef sees the measures of their own units."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from marshmallow import fields, validate

from projections.queries import casework
from tracker.people.accounts import Account
from web import navigation, policy
from web.display import STATUS_NAMES, unit_name
from web.documents.xlsx_export import table_response
from web.forms import Form, parse_form
from web.runtime import application, fresh_views, runtime
from web.schemas import BaseSchema, code
from web.sign_in.users import current_account, roles_required

bp = Blueprint("measures", __name__)
navigation.register("Åtgärder", "measures.index", policy.REVIEWERS, 35)

STATES = {"open": "Pågår", "overdue": "Försenad", "completed": "Genomförd"}
DUE = {"overdue": "Försenade", "this_month": "Ska vara klara denna månad"}
HEADER = ["Avvikelse", "Åtgärd nr", "Åtgärd", "Ansvarig", "Klar senast", "Läge", "Genomförd",
          "Enhet", "Verksamhet", "Dagar försenad", "Avvikelsens status"]


class MeasureFilters(BaseSchema):
    unit = code(required=False)
    forfallo = fields.String(load_default=None, validate=validate.OneOf(list(DUE)))
    lage = fields.String(
        load_default="open", validate=validate.OneOf(["open", "completed", "alla"])
    )


def _measures(account: Account, form: Form) -> list[dict[str, Any]]:
    data = form.data
    fresh_views()
    return casework.list_measures(
        runtime().engine, application().today(), unit=data["unit"],
        units=policy.unit_scope(account), state=None if data["lage"] == "alla" else data["lage"],
        due=data["forfallo"],
    )


def _units(account: Account) -> list[tuple[str, str]]:
    scope = policy.unit_scope(account)
    return [
        (u.code, u.name) for u in runtime().organisation.units()
        if scope is None or u.code in scope
    ]


@bp.route("/atgarder")
@roles_required(policy.REVIEWERS)
def index() -> Any:
    account = current_account()
    form = parse_form(MeasureFilters(), request.args)
    rows = _measures(account, form) if form.ok else []
    filters = {key: value for key, value in form.values.items() if value}
    return render_template(
        "measures/index.html", form=form, rows=rows, units=_units(account), states=STATES,
        due_options=list(DUE.items()), filters=filters,
    ), (200 if form.ok else 422)


@bp.route("/atgarder.<any(csv, xlsx):kind>")
@roles_required(policy.REVIEWERS)
def download(kind: str) -> Any:
    account = current_account()
    form = parse_form(MeasureFilters(), request.args)
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
        )
        for row in _measures(account, form)
    ]
    return table_response(
        f"åtgärder-{application().today().isoformat()}", HEADER, rows, sheet="Åtgärder"
    )
