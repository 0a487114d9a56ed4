"""Logging in and out (Flask-Login), the forced password change, and the decorators that
guard pages by role. API requests authenticate with bearer tokens instead (web.api)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user
from marshmallow import fields

from events.errors import DomainError
from tracker.accounts import Account, Accounts, Role
from web.forms import GENERAL, Form, parse_form
from web.i18n import domain_message
from web.runtime import runtime
from web.schemas import BaseSchema

F = TypeVar("F", bound=Callable[..., Any])

MAX_LOGIN_FAILURES = 5
SIGNED_IN_WITH = "signed_in_with"  # session key: "oidc" when the provider signed the person in
LOGIN_WINDOW = timedelta(minutes=15)

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Logga in för att fortsätta."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


class User:
    """Flask-Login's view of an Account (the account itself is an immutable row)."""

    def __init__(self, account: Account) -> None:
        self.account = account

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.account.active

    def get_id(self) -> str:
        return str(self.account.id)

    @property
    def username(self) -> str:
        return self.account.username

    @property
    def role(self) -> Role:
        return self.account.role

    def has_role(self, *roles: Role) -> bool:
        return self.account.role in roles


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    account = accounts().get_by_id(int(user_id))
    return User(account) if account is not None and account.active else None


def accounts() -> Accounts:
    return runtime().accounts


def current_account() -> Account:
    return current_user.account


def roles_required(roles: Iterable[Role]) -> Callable[[F], F]:
    """Logged in (else to the login page) and one of `roles` (else 403)."""
    allowed = frozenset(roles)

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]  # same signature as F: wraps() copies it

    return decorator


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login would be a phishing aid.
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.index")


class LoginSchema(BaseSchema):
    username = fields.String(required=True)
    password = fields.String(required=True)


class PasswordSchema(BaseSchema):
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
        username = form.data["username"].lower()
        address = request.remote_addr or "-"
        store = accounts()
        if store.recent_login_failures(username, address, LOGIN_WINDOW) >= MAX_LOGIN_FAILURES:
            # Refused before the password is even checked, so guessing gains nothing.
            form.add(GENERAL, "För många misslyckade inloggningar. Vänta en kvart och försök igen.")
            status = 429
        else:
            account = store.authenticate(username, form.data["password"])
            if account is None:
                store.record_login_failure(username, address)
                form.add(GENERAL, "Fel användarnamn eller lösenord.")
                status = 401
            else:
                store.clear_login_failures(username)
                session.pop(SIGNED_IN_WITH, None)  # a password signed this one in
                login_user(User(account))
                current_app.logger.info("login %s", username)
                if account.must_change_password:
                    return redirect(url_for("auth.change_password"))
                return redirect(_safe_next(next_url))
    form.values.pop("password", None)  # never echo a password back
    return render_template("auth/login.html", form=form, next_url=next_url), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Ends the local session; after a sign-in through the provider, also the provider's
    own session (its end-session endpoint, when it has one)."""
    from web.oidc import ID_TOKEN_KEY, logout_url
    from web.settings_view import base_url

    id_token = session.get(ID_TOKEN_KEY)
    logout_user()
    session.clear()
    if id_token:
        url = logout_url(id_token, base_url(runtime().settings) + url_for("auth.login"))
        if url:
            return redirect(url)
    return redirect(url_for("auth.login"))


@bp.route("/konto/losenord", methods=["GET", "POST"])
@roles_required(Role)
def change_password() -> Any:
    forced = current_account().must_change_password
    if request.method == "GET":
        return render_template("auth/change_password.html", form=None, forced=forced)
    form = parse_form(PasswordSchema())
    if form.ok and form.data["password"] != form.data["password_again"]:
        form.add("password_again", "Lösenorden är inte lika.")
    if form.ok:
        try:
            accounts().set_password(current_account().username, form.data["password"])
        except DomainError as error:
            form.add("password", domain_message(error))
    if not form.ok:
        form.values = {}
        return render_template("auth/change_password.html", form=form, forced=forced), 422
    account = accounts().get(current_account().username)
    login_user(User(account))
    return redirect(url_for("home.index"))


def enforce_password_change() -> Any:
    """before_request: a one-time password is good for changing the password only. Someone
    the provider signed in used no password here, so none is asked for."""
    # The path first: an API request (bearer token) never loads the session's user.
    if (
        not request.path.startswith("/api/")
        and request.endpoint not in {"auth.change_password", "auth.logout", "static"}
        and current_user.is_authenticated
        and current_account().must_change_password
        and session.get(SIGNED_IN_WITH) != "oidc"
    ):
        return redirect(url_for("auth.change_password"))
    return None
