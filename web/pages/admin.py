"""Administration (role admin): users and their API tokens, the settings in force and the
change list. Units and the taxonomy are in admin_organisation.py. Every change goes
through tracker.admin.changes, which records it in the change log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError, fields, validate

from events.errors import DomainError
from tracker.admin import change_log
from tracker.admin.changes import Administration
from tracker.people.accounts import Account, Role, check_email
from tracker.storage.chain import chain_head
from web import navigation
from web.forms import Form, parse_form
from web.i18n import domain_message
from web.policy import ADMINISTERS
from web.runtime import runtime
from web.schemas import BaseSchema
from web.settings_view import settings_in_force
from web.sign_in.users import current_account, roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
navigation.register("Administration", "admin.index", ADMINISTERS, 90)

ROLE_CHOICES = [
    (role.value, label)
    for role, label in (
        (Role.RAPPORTOR, "Medarbetare (rapportör)"),
        (Role.ENHETSCHEF, "Enhetschef"),
        (Role.FORSTE_SOCIALSEKRETERARE, "1:e socialsekreterare"),
        (Role.VERKSAMHETSUTVECKLARE, "Verksamhetsutvecklare"),
        (Role.LEX_SARAH_ANSVARIG, "Lex Sarah-ansvarig"),
        (Role.ADMIN, "Administratör"),
    )
]
USER_LABELS = {
    "username": "Användarnamn", "role": "Roll", "email": "E-postadress", "units": "Enheter",
}
_ROLE = validate.OneOf([value for value, _ in ROLE_CHOICES], error="Välj en roll.")


def administration() -> Administration:
    return Administration.of(runtime(), actor=current_account().username, source="web")


def _email(value: str) -> None:
    """The accounts' own check, while parsing, so it is listed with the other errors."""
    try:
        check_email(value)
    except DomainError as error:
        raise ValidationError(domain_message(error)) from None


class NewUserSchema(BaseSchema):
    username = fields.String(required=True, validate=validate.Length(max=64))
    role = fields.String(required=True, validate=_ROLE)
    email = fields.String(load_default=None, validate=_email)


class EditUserSchema(BaseSchema):
    role = fields.String(required=True, validate=_ROLE)
    email = fields.String(load_default=None, validate=_email)


def _unit_choices() -> list[tuple[str, str, bool]]:
    """(code, name, active) of every unit: an inactive one stays ticked where it is."""
    return [(u.code, u.name, u.active) for u in runtime().organisation.units(include_inactive=True)]


def _selected_units(form: Form) -> list[str]:
    chosen = request.form.getlist("units")
    known = {code for code, _, _ in _unit_choices()}
    unknown = [code for code in chosen if code not in known]
    if unknown:
        form.add("units", "Okänd enhet: " + ", ".join(unknown))
    form.values["units"] = chosen
    return chosen


def _account(username: str) -> Account:
    found = runtime().accounts.find(username)
    if found is None:
        abort(404)
    return found


@bp.route("/")
@roles_required(ADMINISTERS)
def index() -> Any:
    rt = runtime()
    return render_template(
        "admin/index.html",
        user_count=rt.accounts.count(),
        unit_count=len(rt.organisation.units()),
        taxonomy_version=rt.organisation.taxonomy().version,
        chain=chain_head(rt.engine),
    )


# --- users ------------------------------------------------------------------------------


def _render_users(form: Form | None = None, status: int = 200) -> Any:
    return render_template(
        "admin/users.html", accounts=runtime().accounts.all(), form=form,
        roles=ROLE_CHOICES, units=_unit_choices(), labels=USER_LABELS,
    ), status


@bp.route("/anvandare")
@roles_required(ADMINISTERS)
def users() -> Any:
    return _render_users()


@bp.route("/anvandare", methods=["POST"])
@roles_required(ADMINISTERS)
def add_user() -> Any:
    form = parse_form(NewUserSchema())
    units = _selected_units(form)
    if form.ok:
        try:
            account, password = administration().add_user(
                form.data["username"], Role(form.data["role"]), units=units,
                email=form.data["email"], provider_only=not runtime().settings.local_login,
            )
        except DomainError as error:
            form.fail(error, {"units": "units"})
        else:
            if password is None:  # TRACKER_LOCAL_LOGIN=false: signs in with the provider
                flash(f"{account.username} är skapad och loggar in med kommunens konto.",
                      "success")
                return redirect(url_for("admin.user", username=account.username))
            # Shown in this answer only (never flashed: the session cookie is only signed).
            return render_template(
                "admin/secret.html", title="Användaren är skapad", account=account,
                secret=password, kind="password",
            )
    return _render_users(form, 422)


def _render_user(account: Account, *, form: Form | None = None, status: int = 200) -> Any:
    changes, _ = change_log.changes(runtime().engine, subject=account.username, limit=20)
    return render_template(
        "admin/user.html", account=account, form=form,
        roles=ROLE_CHOICES, units=_unit_choices(), labels=USER_LABELS,
        tokens=runtime().accounts.tokens(account.username), changes=changes,
        is_self=account.username == current_account().username,
        has_password=runtime().accounts.has_password(account.username),
    ), status


@bp.route("/anvandare/<username>")
@roles_required(ADMINISTERS)
def user(username: str) -> Any:
    return _render_user(_account(username))


@bp.route("/anvandare/<username>", methods=["POST"])
@roles_required(ADMINISTERS)
def edit_user(username: str) -> Any:
    account = _account(username)
    form = parse_form(EditUserSchema())
    units = _selected_units(form)
    if form.ok:
        try:
            administration().change_user(
                username, role=Role(form.data["role"]), units=units, email=form.data["email"]
            )
        except DomainError as error:
            form.fail(error, {"units": "units"})
        else:
            flash(f"Ändringarna för {username} är sparade.", "success")
            return redirect(url_for("admin.user", username=username))
    return _render_user(account, form=form, status=422)


@bp.route("/anvandare/<username>/aktiv", methods=["POST"])
@roles_required(ADMINISTERS)
def set_active(username: str) -> Any:
    account = _account(username)
    active = request.form.get("active") == "1"
    try:
        administration().set_user_active(username, active)
    except DomainError as error:
        form = Form()
        form.fail(error)
        return _render_user(account, form=form, status=422)
    flash(f"{username} är {'aktiverad' if active else 'inaktiverad'}.", "success")
    return redirect(url_for("admin.user", username=username))


@bp.route("/anvandare/<username>/losenord", methods=["POST"])
@roles_required(ADMINISTERS)
def reset_password(username: str) -> Any:
    account = _account(username)
    live = sum(1 for token in runtime().accounts.tokens(username) if token.active)
    password = administration().reset_password(username)
    return render_template(
        "admin/secret.html", title="Nytt engångslösenord", account=account, secret=password,
        kind="password", reset=True, revoked=live,
    )


@bp.route("/anvandare/<username>/losenord/bort", methods=["POST"])
@roles_required(ADMINISTERS)
def remove_password(username: str) -> Any:
    """The account signs in through the provider only, and is linked at its next sign-in
    there (web.sign_in.oidc): how a local account moves to the municipality's sign-in."""
    _account(username)
    if not runtime().settings.oidc_enabled:
        abort(404)
    administration().remove_password(username)
    flash(f"{username} loggar nu bara in med kommunens konto.", "success")
    return redirect(url_for("admin.user", username=username))


# The admin makes no tokens for others: a token acts as its owner, and the access log
# would name the owner for what the admin read. Each person makes their own (web.settings).


@bp.route("/nycklar")
@roles_required(ADMINISTERS)
def tokens() -> Any:
    return render_template("admin/tokens.html", tokens=runtime().accounts.tokens())


@bp.route("/nycklar/<int:token_id>/aterkalla", methods=["POST"])
@roles_required(ADMINISTERS)
def revoke_token(token_id: int) -> Any:
    try:
        token = runtime().accounts.token(token_id)
    except DomainError:
        abort(404)
    if administration().revoke_token(token_id):
        flash(f"API-nyckeln ”{token.name or token.id}” för {token.username} är återkallad.",
              "success")
    back = request.form.get("back")
    if back == "user":
        return redirect(url_for("admin.user", username=token.username))
    return redirect(url_for("admin.tokens"))


# --- settings and the change list ------------------------------------------------------------


@bp.route("/installningar")
@roles_required(ADMINISTERS)
def settings() -> Any:
    return render_template("admin/settings.html", **settings_in_force(runtime().settings))


PER_PAGE = 100


@bp.route("/andringar")
@roles_required(ADMINISTERS)
def changes() -> Any:
    page = request.args.get("sida", "1")
    page_number = min(int(page), 100_000) if page.isdigit() and 0 < len(page) < 7 else 1
    page_number = max(page_number, 1)
    subject = request.args.get("vad", "").strip() or None
    actor = request.args.get("vem", "").strip() or None
    found, total = change_log.changes(
        runtime().engine, subject=subject, actor=actor,
        limit=PER_PAGE, offset=(page_number - 1) * PER_PAGE,
    )
    return render_template(
        "admin/changes.html", changes=found, total=total, page=page_number,
        pages=max(1, -(-total // PER_PAGE)), subject=subject or "", actor=actor or "",
        sources=change_log.SOURCES,
    )


CHANGE_FIELD_NAMES = {
    "role": "roll", "units": "enheter", "email": "e-post", "active": "aktiv",
    "must_change_password": "måste byta lösenord", "token": "nyckel nr", "name": "namn",
    "operation": "verksamhet", "version": "version", "category": "kvalitetsområde",
    "live_tokens": "giltiga API-nycklar", "address": "adress", "minutes": "spärrad (minuter)",
    "by": "spärrat", "issuer": "inloggningstjänst", "password": "eget lösenord",
}


@bp.app_context_processor
def admin_names() -> dict[str, Any]:
    from flask import current_app

    return {
        "change_sources": change_log.SOURCES,
        "change_field_names": CHANGE_FIELD_NAMES,
        "url_endpoints": current_app.view_functions.keys(),
    }
