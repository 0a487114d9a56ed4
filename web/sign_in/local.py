"""Signing in with a password, signing out (of the provider too, after a sign-in there),
and the forced password change. Who is signed in, and the role guard: web.sign_in.users."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from marshmallow import fields

from events.errors import DomainError
from tracker.admin import change_log
from tracker.people.accounts import ACCOUNT_THROTTLE, Role, Throttled
from web.forms import GENERAL, Form, parse_form
from web.i18n import domain_message
from web.runtime import runtime
from web.schemas import BaseSchema
from web.settings_view import base_url
from web.sign_in.oidc import logout_url
from web.sign_in.users import (
    ID_TOKEN_KEY,
    SESSION_ID,
    SIGNED_IN_WITH,
    User,
    _safe_next,
    accounts,
    current_account,
    roles_required,
    start_session,
)

MAX_LOGIN_FAILURES = ACCOUNT_THROTTLE.limit  # password checks for one account from one address

bp = Blueprint("auth", __name__)


def end_session() -> None:
    session_id = session.get(SESSION_ID)
    if isinstance(session_id, str):
        accounts().end_session(session_id)
    logout_user()
    session.clear()


class LoginSchema(BaseSchema):
    username = fields.String(required=True)
    password = fields.String(required=True)


class PasswordSchema(BaseSchema):
    current_password = fields.String(required=True)
    password = fields.String(required=True)
    password_again = fields.String(required=True)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    next_url = request.values.get("next")
    if request.method == "GET":
        return render_template("auth/login.html", form=None, next_url=next_url)
    if not runtime().settings.local_login:
        # TRACKER_LOCAL_LOGIN=false: only the municipality's account signs in.
        refused = Form()
        refused.add(GENERAL, "Inloggning med lösenord är avstängd. Logga in med kommunens konto.")
        return render_template("auth/login.html", form=refused, next_url=next_url), 403
    form = parse_form(LoginSchema())
    status = 422
    if form.ok:
        username = form.data["username"].strip().lower()
        address = request.remote_addr or "-"
        store = accounts()
        # The check is claimed before the password is hashed, so guessing past the limit
        # gains nothing and parallel guesses cannot slip through together.
        throttled = store.claim_login(username, address)
        if throttled is not None:
            if throttled.started:
                _log_throttle(username, address, throttled)
            form.add(GENERAL, _throttled_message(throttled))
            status = 429
        else:
            account = store.authenticate(username, form.data["password"])
            if account is None:
                form.add(GENERAL, "Fel användarnamn eller lösenord.")
                status = 401
            else:
                store.login_succeeded(username, address)
                start_session(account)
                current_app.logger.info("login %s", username)
                if account.must_change_password:
                    return redirect(url_for("auth.change_password"))
                return redirect(_safe_next(next_url))
    form.values.pop("password", None)  # never echo a password back
    return render_template("auth/login.html", form=form, next_url=next_url), status


THROTTLED_FOR = {"account": "kontot från adressen", "address": "adressen"}


def _minutes_left(throttled: Throttled) -> int:
    return max(1, -(-int((throttled.until - datetime.now(UTC)).total_seconds()) // 60))


def _throttled_message(throttled: Throttled) -> str:
    minutes = _minutes_left(throttled)
    wait = "en minut" if minutes == 1 else f"{minutes} minuter"
    if throttled.by == "address":
        return (f"För många misslyckade inloggningar från din adress. Vänta {wait} och "
                "försök igen.")
    return (f"För många misslyckade inloggningar för det här kontot. Vänta {wait} och "
            "försök igen, eller be administratören om ett nytt lösenord.")


def _log_throttle(username: str, address: str, throttled: Throttled) -> None:
    """One entry in the change list when a block starts (not one per refused attempt).
    The typed name is kept only when it is an account's: a mistyped one may be a password."""
    if throttled.by == "address":
        subject = address
    else:
        subject = username if accounts().find(username) is not None else "(okänt användarnamn)"
    with runtime().engine.begin() as connection:
        change_log.record(
            connection, actor=address, source="login", action="login.throttled",
            subject=subject, before=None,
            after={"address": address, "minutes": _minutes_left(throttled),
                   "by": THROTTLED_FOR[throttled.by]},
        )
    current_app.logger.warning("login throttled: %s from %s until %s", throttled.by, address,
                               throttled.until.isoformat(timespec="seconds"))


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Ends the session, here and on the server; after a sign-in through the provider,
    also the provider's own session (its end-session endpoint, when it has one)."""

    id_token = session.get(ID_TOKEN_KEY)
    end_session()
    if id_token:
        url = logout_url(id_token, base_url(runtime().settings) + url_for("auth.login"))
        if url:
            return redirect(url)
    return redirect(url_for("auth.login"))


@bp.route("/konto/losenord", methods=["GET", "POST"])
@roles_required(Role)
def change_password() -> Any:
    """The current password is asked for, a one-time one too: a session left open on a
    shared computer must not be enough to take the account over."""
    forced = current_account().must_change_password
    if request.method == "GET":
        return render_template("auth/change_password.html", form=None, forced=forced)
    form = parse_form(PasswordSchema())
    username = current_account().username
    status = 422
    if form.ok:
        checked = _check_current_password(username, form.data["current_password"])
        if isinstance(checked, Throttled):
            form.add("current_password", _throttled_message(checked))
            status = 429
        elif not checked:
            form.add("current_password", "Engångslösenordet stämmer inte." if forced
                     else "Det nuvarande lösenordet stämmer inte.")
    if form.ok and form.data["password"] != form.data["password_again"]:
        form.add("password_again", "Lösenorden är inte lika.")
    if form.ok:
        try:
            accounts().set_password(
                username, form.data["password"], keep_session=session.get(SESSION_ID)
            )
        except DomainError as error:
            form.add("password", domain_message(error))
    if not form.ok:
        form.values = {}
        return render_template("auth/change_password.html", form=form, forced=forced), status
    account = accounts().get(username)
    login_user(User(account))
    return redirect(url_for("home.index"))


def _check_current_password(username: str, password: str) -> Throttled | bool:
    """The current password is guessed under the same throttle as the login (this account
    from this address): a left-open session is no way around it."""
    store = accounts()
    address = request.remote_addr or "-"
    throttled = store.claim_login(username, address)
    if throttled is not None:
        if throttled.started:
            _log_throttle(username, address, throttled)
        return throttled
    if store.verify_password(username, password):
        store.login_succeeded(username, address)
        return True
    return False


def enforce_password_change() -> Any:
    """before_request: a one-time password is good for changing the password only. Someone
    the provider signed in used no password here, so none is asked for."""
    # The path first: an API request (bearer token) never loads the session's user.
    if (
        not request.path.startswith("/api/")
        and request.endpoint not in {"auth.change_password", "auth.logout", "static",
                                     "accessibility.statement"}
        and current_user.is_authenticated
        and current_account().must_change_password
        and session.get(SIGNED_IN_WITH) != "oidc"
    ):
        return redirect(url_for("auth.change_password"))
    return None
