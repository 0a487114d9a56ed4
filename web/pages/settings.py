"""Mina inställningar: the person's own e-mail address, personal API tokens (named, shown
once, stored hashed, with the date last used) and which notifications they get.

Sections are separate forms (each posts to its own URL), so one form's errors never touch
another's."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import fields, validate

from events.errors import DomainError
from tracker.admin.changes import Administration
from tracker.notifications.messages import Kind, kinds_for, optouts, set_optouts
from tracker.people.accounts import Role
from web.forms import Form, parse_form
from web.runtime import runtime
from web.schemas import BaseSchema, text
from web.sign_in.users import accounts, current_account, roles_required

bp = Blueprint("settings", __name__)

EMAIL_ERROR = "Skriv en e-postadress som namn@kommun.se."


class EmailSchema(BaseSchema):
    email = fields.Email(
        load_default=None, allow_none=True,
        validate=validate.Length(max=200, error="Högst 200 tecken."),
        error_messages={"invalid": EMAIL_ERROR},
    )


class TokenSchema(BaseSchema):
    name = text(100)  # free text like any other: one line, no personnummer


def _render(
    email_form: Form | None = None,
    status: int = 200,
    *,
    token_form: Form | None = None,
    new_token: str | None = None,
) -> Any:
    account = accounts().get(current_account().username)  # the stored row, not the session's
    kinds = kinds_for(account)
    off = optouts(accounts().engine, account.id)
    return render_template(
        "settings/index.html", account=account, email_form=email_form,
        kinds=[(kind, kind not in off) for kind in kinds],
        token_form=token_form, new_token=new_token,
        tokens=accounts().tokens(account.username),
    ), status


def _own() -> Administration:
    """A person's own tokens go in the change list too, with themselves as the actor."""
    return Administration.of(runtime(), actor=current_account().username, source="web")


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
    # In the change list too: notifications about cases go to this address.
    _own().change_user(current_account().username, email=form.data["email"])
    flash(
        "E-postadressen är sparad." if form.data["email"] else "E-postadressen är borttagen.",
        "success",
    )
    return redirect(url_for("settings.index"))


@bp.route("/installningar/aviseringar", methods=["POST"])
@roles_required(Role)
def notifications() -> Any:
    account = current_account()
    offered = kinds_for(account)
    wanted = set(request.form.getlist("on"))
    # Unknown values are ignored; a kind the role is not offered stays as it was (off).
    set_optouts(accounts().engine, account.id, {k for k in offered if k.value not in wanted}
                | {k for k in Kind if k not in offered})
    flash("Aviseringarna är sparade.", "success")
    return redirect(url_for("settings.index") + "#aviseringar")


@bp.route("/installningar/nycklar", methods=["POST"])
@roles_required(Role)
def create_token() -> Any:
    form = parse_form(TokenSchema())
    if form.ok:
        try:
            token = _own().create_token(current_account().username, form.data["name"])
        except DomainError as error:
            form.fail(error)
        else:
            # Shown in this answer only: never flashed (the session cookie is only signed).
            return _render(new_token=token)
    return _render(token_form=form, status=422)


@bp.route("/installningar/nycklar/<int:token_id>/aterkalla", methods=["POST"])
@roles_required(Role)
def revoke_token(token_id: int) -> Any:
    try:
        revoked = _own().revoke_token(token_id, owner=current_account().username)
    except DomainError:
        abort(404)  # someone else's token, or none: the same answer
    if revoked:
        flash("API-nyckeln är återkallad.", "success")
    return redirect(url_for("settings.index") + "#nycklar")
