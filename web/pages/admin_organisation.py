"""Administration of the organisation data (role admin): units and the taxonomy. Changes go
through tracker.admin.changes (the CLI's rules, recorded in the change log)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import fields, validate

from events.errors import DomainError
from events.taxonomy import Operation
from tracker.admin import change_log
from tracker.admin.organisation import Unit
from web.forms import Form, parse_form
from web.pages.admin import administration
from web.policy import ADMINISTERS
from web.runtime import runtime
from web.schemas import BaseSchema
from web.sign_in.users import roles_required

bp = Blueprint("admin_organisation", __name__, url_prefix="/admin")

OPERATIONS = [(op.value, f"{op.label} ({op.value})") for op in Operation]
_OPERATION = validate.OneOf([code for code, _ in OPERATIONS], error="Välj en verksamhet.")
_NAME = validate.Length(max=200, error="Högst {max} tecken.")
_CODE = validate.Length(max=64, error="Högst {max} tecken.")
UNIT_LABELS = {"code": "Kod", "name": "Namn", "operation": "Verksamhet"}
TAXONOMY_LABELS = {
    "category_code": "Kod", "category_name": "Namn", "sub_category": "Kvalitetsområde",
    "sub_code": "Kod", "sub_name": "Namn", "name": "Nytt namn",
}


class NewUnitSchema(BaseSchema):
    code = fields.String(required=True, validate=_CODE)
    name = fields.String(required=True, validate=_NAME)
    operation = fields.String(required=True, validate=_OPERATION)


class EditUnitSchema(BaseSchema):
    name = fields.String(required=True, validate=_NAME)
    operation = fields.String(required=True, validate=_OPERATION)


class NewCategorySchema(BaseSchema):
    code = fields.String(required=True, validate=_CODE, data_key="category_code")
    name = fields.String(required=True, validate=_NAME, data_key="category_name")


class NewSubcategorySchema(BaseSchema):
    category = fields.String(required=True, validate=_CODE, data_key="sub_category")
    code = fields.String(required=True, validate=_CODE, data_key="sub_code")
    name = fields.String(required=True, validate=_NAME, data_key="sub_name")


class RenameSchema(BaseSchema):
    name = fields.String(required=True, validate=_NAME)


# --- units ------------------------------------------------------------------------------


def _render_units(form: Form | None = None, status: int = 200) -> Any:
    return render_template(
        "admin/units.html", units=runtime().organisation.units(include_inactive=True),
        form=form, operations=OPERATIONS, labels=UNIT_LABELS,
    ), status


def _unit(code: str) -> Unit:
    try:
        return runtime().organisation.any_unit(code)
    except DomainError:
        abort(404)


@bp.route("/enheter")
@roles_required(ADMINISTERS)
def units() -> Any:
    return _render_units()


@bp.route("/enheter", methods=["POST"])
@roles_required(ADMINISTERS)
def add_unit() -> Any:
    form = parse_form(NewUnitSchema())
    if form.ok:
        try:
            administration().add_unit(
                form.data["code"], form.data["name"], Operation(form.data["operation"])
            )
        except DomainError as error:
            form.fail(error)
        else:
            flash(f"Enheten {form.data['name']} är tillagd.", "success")
            return redirect(url_for("admin_organisation.units"))
    return _render_units(form, 422)


def _render_unit(unit: Unit, form: Form | None = None, status: int = 200) -> Any:
    changes, _ = change_log.changes(runtime().engine, subject=unit.code, limit=20)
    return render_template(
        "admin/unit.html", unit=unit, form=form, operations=OPERATIONS, labels=UNIT_LABELS,
        changes=changes,
    ), status


@bp.route("/enheter/<code>")
@roles_required(ADMINISTERS)
def unit(code: str) -> Any:
    return _render_unit(_unit(code))


@bp.route("/enheter/<code>", methods=["POST"])
@roles_required(ADMINISTERS)
def edit_unit(code: str) -> Any:
    found = _unit(code)
    form = parse_form(EditUnitSchema())
    if form.ok:
        admin = administration()
        try:
            # Both in turn; each is its own recorded change (rename, move).
            admin.rename_unit(code, form.data["name"])
            admin.move_unit(code, Operation(form.data["operation"]))
        except DomainError as error:
            form.fail(error)
        else:
            flash("Enheten är sparad.", "success")
            return redirect(url_for("admin_organisation.unit", code=code))
    return _render_unit(found, form, 422)


@bp.route("/enheter/<code>/aktiv", methods=["POST"])
@roles_required(ADMINISTERS)
def set_unit_active(code: str) -> Any:
    _unit(code)
    active = request.form.get("active") == "1"
    administration().set_unit_active(code, active)
    flash(f"Enheten är {'aktiverad' if active else 'inaktiverad'}.", "success")
    return redirect(url_for("admin_organisation.unit", code=code))


# --- taxonomy ---------------------------------------------------------------------------


def _render_taxonomy(
    category_form: Form | None = None, sub_form: Form | None = None, status: int = 200
) -> Any:
    taxonomy = runtime().organisation.taxonomy()
    return render_template(
        "admin/taxonomy.html", taxonomy=taxonomy, category_form=category_form,
        sub_form=sub_form, labels=TAXONOMY_LABELS,
        with_subcategories=[
            (c.code, c.name) for c in taxonomy.categories.values() if c.subcategories
        ],
    ), status


@bp.route("/kategorier")
@roles_required(ADMINISTERS)
def taxonomy() -> Any:
    return _render_taxonomy()


@bp.route("/kategorier", methods=["POST"])
@roles_required(ADMINISTERS)
def add_category() -> Any:
    form = parse_form(NewCategorySchema())
    if form.ok:
        try:
            version = administration().add_category(form.data["code"], form.data["name"])
        except DomainError as error:
            form.fail(error, {"code": "category_code", "name": "category_name"})
        else:
            flash(f"Kvalitetsområdet är tillagt (version {version}).", "success")
            return redirect(url_for("admin_organisation.taxonomy"))
    return _render_taxonomy(category_form=form, status=422)


@bp.route("/underkategorier", methods=["POST"])
@roles_required(ADMINISTERS)
def add_subcategory() -> Any:
    form = parse_form(NewSubcategorySchema())
    if form.ok:
        try:
            version = administration().add_subcategory(
                form.data["category"], form.data["code"], form.data["name"]
            )
        except DomainError as error:
            form.fail(
                error, {"category": "sub_category", "code": "sub_code", "name": "sub_name"}
            )
        else:
            flash(f"Underkategorin är tillagd (version {version}).", "success")
            return redirect(url_for("admin_organisation.taxonomy"))
    return _render_taxonomy(sub_form=form, status=422)


def _taxonomy_entry(code: str) -> dict[str, Any]:
    for category in runtime().organisation.taxonomy().categories.values():
        if category.code == code:
            return {"code": code, "name": category.name, "category": None,
                    "active": category.active}
        if code in category.subcategories:
            return {"code": code, "name": category.subcategories[code],
                    "category": category, "active": code not in category.retired}
    abort(404)


def _render_entry(entry: dict[str, Any], form: Form | None = None, status: int = 200) -> Any:
    changes, _ = change_log.changes(runtime().engine, subject=entry["code"], limit=20)
    return render_template(
        "admin/taxonomy_entry.html", entry=entry, form=form, labels=TAXONOMY_LABELS,
        changes=changes,
    ), status


@bp.route("/kategorier/<code>")
@roles_required(ADMINISTERS)
def taxonomy_entry(code: str) -> Any:
    return _render_entry(_taxonomy_entry(code))


@bp.route("/kategorier/<code>", methods=["POST"])
@roles_required(ADMINISTERS)
def rename_entry(code: str) -> Any:
    entry = _taxonomy_entry(code)
    form = parse_form(RenameSchema())
    if form.ok and form.data["name"].strip() == entry["name"]:
        form.add("name", "Ange ett nytt namn.")
    if form.ok:
        try:
            version = administration().rename_taxonomy(code, form.data["name"])
        except DomainError as error:
            form.fail(error)
        else:
            flash(f"Namnet är ändrat (version {version}).", "success")
            return redirect(url_for("admin_organisation.taxonomy_entry", code=code))
    return _render_entry(entry, form, 422)


@bp.route("/kategorier/<code>/aktiv", methods=["POST"])
@roles_required(ADMINISTERS)
def set_category_active(code: str) -> Any:
    entry = _taxonomy_entry(code)
    active = request.form.get("active") == "1"
    if active != entry["active"]:
        try:
            version = administration().set_category_active(code, active)
        except DomainError as error:
            form = Form()
            form.fail(error)
            return _render_entry(entry, form, 422)
        what = "Underkategorin" if entry["category"] else "Kvalitetsområdet"
        done = ("aktiverad" if active else "inaktiverad") if entry["category"] else (
            "aktiverat" if active else "inaktiverat")
        flash(f"{what} är {done} (version {version}).", "success")
    return redirect(url_for("admin_organisation.taxonomy_entry", code=code))
