"""Mina inställningar: the person's own e-mail address and which notifications they get.

Sections are separate forms (each posts to its own URL), so more can be added (the personal
API tokens) without one form's errors touching another's."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import fields, validate

from tracker.accounts import Role
from tracker.notifications import KINDS_FOR_ROLE, Kind, optouts, set_optouts
from web.auth import accounts, current_account, roles_required
from web.forms import Form, parse_form
from web.schemas import BaseSchema

bp = Blueprint("settings", __name__)

EMAIL_ERROR = "Skriv en e-postadress som namn@kommun.se."


class EmailSchema(BaseSchema):
    email = fields.Email(
        load_default=None, allow_none=True,
        validate=validate.Length(max=200, error="Högst 200 tecken."),
        error_messages={"invalid": EMAIL_ERROR},
    )


def _render(email_form: Form | None = None, status: int = 200) -> Any:
    account = accounts().get(current_account().username)  # the stored row, not the session's
    kinds = KINDS_FOR_ROLE.get(account.role, ())
    off = optouts(accounts().engine, account.id)
    return render_template(
        "settings/index.html", account=account, email_form=email_form,
        kinds=[(kind, kind not in off) for kind in kinds],
    ), status


@bp.route("/installningar")
@roles_required(Role)
def index() -> Any:
    return _render()


@bp.route("/installningar/epost", methods=["POST"])
@roles_required(Role)
def email() -> Any:
    form = parse_form(EmailSchema())
    if not form.ok:
        return _render(form, 422)
    accounts().set_email(current_account().username, form.data["email"])
    flash(
        "E-postadressen är sparad." if form.data["email"] else "E-postadressen är borttagen.",
        "success",
    )
    return redirect(url_for("settings.index"))


@bp.route("/installningar/aviseringar", methods=["POST"])
@roles_required(Role)
def notifications() -> Any:
    account = current_account()
    offered = KINDS_FOR_ROLE.get(account.role, ())
    wanted = set(request.form.getlist("on"))
    # Unknown values are ignored; a kind the role is not offered stays as it was (off).
    set_optouts(accounts().engine, account.id, {k for k in offered if k.value not in wanted}
                | {k for k in Kind if k not in offered})
    flash("Aviseringarna är sparade.", "success")
    return redirect(url_for("settings.index") + "#aviseringar")
