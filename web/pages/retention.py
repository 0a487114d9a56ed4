"""Gallring (role admin): the retention rules (each change a new version, in the change
list), the plan (what is due, when; CSV and Excel for the archivist), the history (what was
gallrat under which rule, the holds in force) and placing or releasing a hold on a case by
its number. Numbers, kinds, dates and the holds' reasons only: the admin reads no case
content here."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from marshmallow import ValidationError, fields, validate, validates_schema

from events.base import SHORT_TEXT
from events.errors import DomainError
from events.retention import ContentKind, Hold, RetentionRecord
from projections.queries.retention import retention_records
from tracker.admin.retention_rules import LABELS, MAX_AMOUNT, POINTS, Point, Unit
from tracker.retention.erasure import place_hold, release_hold
from tracker.retention.plan import Plan, find_case, plan_for
from web.documents.csv_export import csv_response
from web.documents.retention_plan import (
    HELD_NAMES,
    KIND_NAMES,
    PLAN_HEADER,
    POINT_LONG,
    PROPOSAL,
    period,
    plan_rows,
)
from web.documents.xlsx_export import Sheet, xlsx_response
from web.forms import Form, parse_form
from web.pages.admin import administration
from web.policy import MANAGES_RETENTION
from web.runtime import fresh_views, runtime
from web.schemas import BaseSchema, text
from web.sign_in.users import current_account, roles_required

bp = Blueprint("retention", __name__, url_prefix="/admin/gallring")

SHOWN_LATER = 100  # upcoming rows on the page; the downloads have every row
STATES = [("due", "Gallras nu"), ("held", "Spärrade"), ("later", "Senare"),
          ("waiting", "Inget datum än (öppna)"), ("kept", "Bevaras"), ("erased", "Gallrade")]
RULE_LABELS = {"keep": "Hur länge", "amount": "Antal", "unit": "År eller månader",
               "point": "Räknas från"}
HOLD_LABELS = {"number": "Ärendenummer", "reason": "Skäl"}
HISTORY_LIMIT = 200
UNIT_CHOICES = [(Unit.YEARS.value, "år"), (Unit.MONTHS.value, "månader")]


class RuleSchema(BaseSchema):
    keep = fields.String(required=True, validate=validate.OneOf(
        ["period", "keep"], error="Välj en tid eller att handlingarna bevaras."))
    amount = fields.Integer(load_default=None, strict=False,
                            error_messages={"invalid": "Skriv ett heltal."})
    unit = fields.String(load_default=None, validate=validate.OneOf(
        [u.value for u in Unit], error="Välj år eller månader."))
    point = fields.String(load_default=None, validate=validate.OneOf(
        [p.value for p in Point], error="Välj vad tiden räknas från."))

    @validates_schema
    def period_given(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("keep") != "period":
            return
        errors: dict[str, list[str]] = {}
        amount, unit = data.get("amount"), data.get("unit")
        if amount is None:
            errors["amount"] = ["Skriv hur många år eller månader."]
        elif unit is not None and not 1 <= amount <= MAX_AMOUNT[Unit(unit)]:
            errors["amount"] = [f"Skriv ett tal från 1 till {MAX_AMOUNT[Unit(unit)]}."]
        if unit is None:
            errors["unit"] = ["Välj år eller månader."]
        if errors:
            raise ValidationError(errors)


class HoldSchema(BaseSchema):
    number = text(32)
    reason = text(SHORT_TEXT)


def _plan() -> Plan:
    fresh_views()  # the plan and the history come from the views: include the writes just made
    rt = runtime()
    return plan_for(rt.engine, rt.organisation.retention_rules(), rt.app.today())


def _kind(kind: str) -> ContentKind:
    try:
        return ContentKind(kind)
    except ValueError:
        abort(404)


def _common() -> dict[str, Any]:
    return {"kind_names": KIND_NAMES, "labels": LABELS, "proposal": PROPOSAL,
            "period": period, "setting_days": runtime().settings.access_log_days}


def _holds(case_ids: list[UUID]) -> list[tuple[UUID, Hold]]:
    """The holds in force on these cases, with their reasons (from each case's record)."""
    found = []
    for case_id in case_ids:
        record: RetentionRecord = runtime().app.repository.get(
            RetentionRecord.create_id(case_id))
        found += [(case_id, hold) for hold in record.holds if hold.active]
    return found


def _render_index(hold_form: Form | None = None, status: int = 200) -> Any:
    plan = _plan()
    due = [row for row in plan.rows if row.due]
    later = [row for row in plan.rows if not row.due][:SHOWN_LATER]
    records = retention_records(runtime().engine)
    erased = sorted((r for r in records.values() if r.erased_kinds),
                    key=lambda r: (r.erased_on or plan.today, plan.numbers.get(r.case_id, "")),
                    reverse=True)
    return render_template(
        "admin/retention.html", rules=plan.rules, plan=plan, due=due, later=later,
        later_total=sum(1 for row in plan.rows if not row.due), states=STATES,
        held_names=HELD_NAMES, kinds=list(ContentKind), erased=erased[:HISTORY_LIMIT],
        erased_total=len(erased), numbers=plan.numbers,
        holds=_holds(sorted((r.case_id for r in records.values() if r.on_hold),
                            key=lambda case_id: plan.numbers.get(case_id, ""))),
        hold_form=hold_form, hold_labels=HOLD_LABELS, **_common(),
    ), status


@bp.route("/")
@roles_required(MANAGES_RETENTION)
def index() -> Any:
    return _render_index()


@bp.route("/sparr", methods=["POST"])
@roles_required(MANAGES_RETENTION)
def hold() -> Any:
    form = parse_form(HoldSchema())
    if form.ok:
        fresh_views()
        case = find_case(runtime().engine, form.data["number"])
        if case is None:
            form.add("number", "Det finns inget ärende med det numret.")
        else:
            try:
                number = place_hold(runtime().app, case.id, reason=form.data["reason"],
                                    actor=current_account().username)
            except DomainError as error:
                form.fail(error, {"reason": "reason", "hold": "number"})
            else:
                flash(f"{case.number} är spärrat mot gallring (spärr {number}).", "success")
                return redirect(url_for("retention.index"))
    return _render_index(form, 422)


@bp.route("/sparr/<uuid:case_id>/<int:number>/hav", methods=["POST"])
@roles_required(MANAGES_RETENTION)
def release(case_id: UUID, number: int) -> Any:
    try:
        release_hold(runtime().app, case_id, number, actor=current_account().username)
    except (DomainError, LookupError):
        abort(404)
    flash(f"Spärr {number} är hävd; ärendet gallras när dess tid har gått.", "success")
    return redirect(url_for("retention.index"))


def _render_rule(kind: ContentKind, form: Form | None = None, status: int = 200) -> Any:
    rule = runtime().organisation.retention_rules().rule(kind)
    return render_template(
        "admin/retention_rule.html", rule=rule, form=form, field_labels=RULE_LABELS,
        units=UNIT_CHOICES, points=[(p.value, POINT_LONG[p]) for p in POINTS[kind]],
        **_common(),
    ), status


@bp.route("/regler/<kind>")
@roles_required(MANAGES_RETENTION)
def rule(kind: str) -> Any:
    return _render_rule(_kind(kind))


@bp.route("/regler/<kind>", methods=["POST"])
@roles_required(MANAGES_RETENTION)
def set_rule(kind: str) -> Any:
    content = _kind(kind)
    form = parse_form(RuleSchema())
    if form.ok:
        data = form.data
        try:
            changed = administration().set_retention_rule(
                content, keep=data["keep"] == "keep", amount=data.get("amount"),
                unit=Unit(data["unit"]) if data.get("unit") else None,
                point=Point(data["point"]) if data.get("point") else None,
            )
        except DomainError as error:
            form.fail(error)
        else:
            flash(f"Regel {changed.name} är sparad: {KIND_NAMES[content].lower()} "
                  f"{period(changed, runtime().settings.access_log_days)}.", "success")
            return redirect(url_for("retention.index"))
    return _render_rule(content, form, 422)


@bp.route("/plan.csv")
@roles_required(MANAGES_RETENTION)
def plan_csv() -> Any:
    return csv_response("gallringsplan.csv", PLAN_HEADER, plan_rows(_plan()))


@bp.route("/plan.xlsx")
@roles_required(MANAGES_RETENTION)
def plan_xlsx() -> Any:
    return xlsx_response("gallringsplan.xlsx",
                         [Sheet("Gallringsplan", PLAN_HEADER, plan_rows(_plan()))],
                         title="Gallringsplan")
